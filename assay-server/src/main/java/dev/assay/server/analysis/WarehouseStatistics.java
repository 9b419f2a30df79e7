package dev.assay.server.analysis;

import dev.assay.stats.CupedStats;
import dev.assay.stats.RatioStats;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link MetricQueries} on a JDBC connection and returns per-variation sufficient statistics in
 * variation order (a variation nobody was exposed to gets n = 0), ready for {@code assay-stats}.
 */
public final class WarehouseStatistics {
  private final Dialect dialect;
  private final WarehouseSchema schema;
  private final java.time.Duration timeout;
  private final QueryLog log;

  /** With the default limit of {@link ExperimentRefresh#DEFAULT_QUERY_TIMEOUT} per query. */
  public WarehouseStatistics(Dialect dialect, WarehouseSchema schema) {
    this(dialect, schema, ExperimentRefresh.DEFAULT_QUERY_TIMEOUT);
  }

  /** With a limit per query (whole seconds, at least one), user-defined SQL metrics included. */
  public WarehouseStatistics(Dialect dialect, WarehouseSchema schema, java.time.Duration timeout) {
    this.dialect = dialect;
    this.schema = schema;
    if (timeout.toSeconds() < 1) {
      throw new IllegalArgumentException("the query timeout must be at least 1 s, was " + timeout);
    }
    this.timeout = timeout;
    this.log = null;
  }

  private WarehouseStatistics(WarehouseStatistics of, QueryLog log) {
    this.dialect = of.dialect;
    this.schema = of.schema;
    this.timeout = of.timeout;
    this.log = log;
  }

  /** The same statistics, appending every query they run (text, parameters, rows) to {@code log}. */
  WarehouseStatistics recordingInto(QueryLog log) {
    return new WarehouseStatistics(this, log);
  }

  Dialect dialect() {
    return dialect;
  }

  WarehouseSchema schema() {
    return schema;
  }

  /** The data-quality queries on the same warehouse (ADR 0042). */
  DataQualityQueries quality() {
    return new DataQualityQueries(dialect, schema, timeout);
  }

  /** The limit of one query. */
  public java.time.Duration timeout() {
    return timeout;
  }

  /** Units counted per variation, and units excluded because they saw more than one. */
  public record ExposureCounts(long[] units, long multipleExposures) {}

  public ExposureCounts exposures(Connection c, MetricQueries.Phase phase, int variations) throws SQLException {
    long[] units = new long[variations];
    long multiple = 0;
    {
      QueryRows rs = run(c, MetricQueries.exposureCounts(dialect, schema, phase));
      while (rs.next()) {
        int v = rs.getInt(1);
        if (v == -1) {
          multiple = rs.getLong(2);
        } else if (v >= 0 && v < variations) {
          units[v] = rs.getLong(2);
        }
      }
    }
    return new ExposureCounts(units, multiple);
  }

  public List<CupedStats> metric(Connection c, MetricQueries.Phase phase, MetricQueries.Metric m, int variations)
      throws SQLException {
    List<CupedStats> out = new ArrayList<>();
    for (int i = 0; i < variations; i++) {
      out.add(new CupedStats(0, 0, 0, 0, 0, 0));
    }
    {
      QueryRows rs = run(c, MetricQueries.metric(dialect, schema, phase, m));
      while (rs.next()) {
        int v = rs.getInt("variation");
        if (v >= 0 && v < variations) {
          out.set(v, new CupedStats(rs.getLong("n"), sum(rs, "sum_y"), sum(rs, "sum_x"),
              sum(rs, "sum_y2"), sum(rs, "sum_x2"), sum(rs, "sum_xy")));
        }
      }
    }
    return out;
  }

  /**
   * Several event-defined metrics in one pass over the events ({@link MetricQueries#metrics}):
   * per metric, in the order given, its per-variation statistics.
   */
  public List<List<CupedStats>> metrics(Connection c, MetricQueries.Phase phase, List<MetricQueries.Metric> metrics,
      int variations) throws SQLException {
    List<List<CupedStats>> out = empty(metrics.size(), variations);
    {
      QueryRows rs = run(c, MetricQueries.metrics(dialect, schema, phase, metrics));
      while (rs.next()) {
        int v = rs.getInt("variation");
        if (v < 0 || v >= variations) {
          continue;
        }
        long n = rs.getLong("n");
        for (int i = 0; i < metrics.size(); i++) {
          out.get(i).set(v, new CupedStats(n, sum(rs, "sum_y_" + i), sum(rs, "sum_x_" + i),
              sum(rs, "sum_y2_" + i), sum(rs, "sum_x2_" + i), sum(rs, "sum_xy_" + i)));
        }
      }
    }
    return out;
  }

  /** Per metric, per variation, statistics of no units: what a variation without rows keeps. */
  static List<List<CupedStats>> empty(int metrics, int variations) {
    List<List<CupedStats>> out = new ArrayList<>();
    for (int i = 0; i < metrics; i++) {
      List<CupedStats> none = new ArrayList<>();
      for (int v = 0; v < variations; v++) {
        none.add(new CupedStats(0, 0, 0, 0, 0, 0));
      }
      out.add(none);
    }
    return out;
  }

  /** Per level of a dimension column of the exposures table, per-variation statistics (sorted by level). */
  public java.util.SortedMap<String, List<CupedStats>> metricByDimension(Connection c, MetricQueries.Phase phase,
      MetricQueries.Metric m, String dimension, int variations) throws SQLException {
    java.util.SortedMap<String, List<CupedStats>> out = new java.util.TreeMap<>();
    {
      QueryRows rs = run(c, MetricQueries.metric(dialect, schema, phase, m, dimension));
      while (rs.next()) {
        String level = rs.getString("dim");
        int v = rs.getInt("variation");
        if (level == null || v < 0 || v >= variations) {
          continue;
        }
        List<CupedStats> l = out.computeIfAbsent(level, k -> {
          List<CupedStats> empty = new ArrayList<>();
          for (int i = 0; i < variations; i++) {
            empty.add(new CupedStats(0, 0, 0, 0, 0, 0));
          }
          return empty;
        });
        l.set(v, new CupedStats(rs.getLong("n"), sum(rs, "sum_y"), sum(rs, "sum_x"),
            sum(rs, "sum_y2"), sum(rs, "sum_x2"), sum(rs, "sum_xy")));
      }
    }
    return out;
  }

  /**
   * A quantile metric's per-variation order statistics and cluster sums (three queries), for
   * {@code QuantileComparison}; a variation without observations is null.
   */
  public List<dev.assay.stats.QuantileStats> quantile(Connection c, MetricQueries.Phase phase, MetricQueries.Metric m,
      double level, double alpha, int variations) throws SQLException {
    long[] n = new long[variations];
    {
      QueryRows rs = run(c, QuantileQueries.quantileCounts(dialect, schema, phase, m));
      while (rs.next()) {
        int v = rs.getInt("variation");
        if (v >= 0 && v < variations) {
          n[v] = rs.getLong("n");
        }
      }
    }
    long[][] ranks = new long[variations][];
    for (int v = 0; v < variations; v++) {
      ranks[v] = n[v] > 0 ? dev.assay.stats.QuantileStats.ranks(n[v], level, alpha) : new long[0];
    }
    java.util.Map<String, Double> values = new java.util.HashMap<>();
    {
      QueryRows rs = run(c, QuantileQueries.orderStatistics(dialect, schema, phase, m, ranks));
      while (rs.next()) {
        values.put(rs.getInt("variation") + ":" + rs.getLong("rn"), sum(rs, "y"));
      }
    }
    double[] est = new double[variations];
    for (int v = 0; v < variations; v++) {
      est[v] = n[v] > 0 ? values.getOrDefault(v + ":" + ranks[v][1], Double.NaN) : Double.NaN;
    }
    dev.assay.stats.QuantileStats.Clusters[] clusters = new dev.assay.stats.QuantileStats.Clusters[variations];
    {
      QueryRows rs = run(c, QuantileQueries.quantileClusters(dialect, schema, phase, m, est));
      while (rs.next()) {
        int v = rs.getInt("variation");
        long units = rs.getLong("units");
        if (v >= 0 && v < variations && units >= 2 && rs.getDouble("c") > 0) {
          clusters[v] = new dev.assay.stats.QuantileStats.Clusters(units, rs.getDouble("s"), rs.getDouble("s2"),
              rs.getDouble("c"), rs.getDouble("c2"), rs.getDouble("sc"));
        }
      }
    }
    List<dev.assay.stats.QuantileStats> out = new ArrayList<>();
    for (int v = 0; v < variations; v++) {
      if (n[v] == 0) {
        out.add(null);
        continue;
      }
      out.add(new dev.assay.stats.QuantileStats(level, n[v], est[v], values.get(v + ":" + ranks[v][0]),
          values.get(v + ":" + ranks[v][2]), alpha, java.util.Optional.ofNullable(clusters[v])));
    }
    return out;
  }

  public List<RatioStats> ratio(Connection c, MetricQueries.Phase phase, MetricQueries.Metric numerator,
      MetricQueries.Metric denominator, int variations) throws SQLException {
    return ratioRows(c, MetricQueries.ratio(dialect, schema, phase, numerator, denominator), variations);
  }

  /**
   * A cluster-randomized phase's metric as per-variation sums over clusters (n = clusters,
   * numerator Σy and denominator the units of each cluster; {@link DesignQueries#clusterMetric}).
   */
  public List<RatioStats> clusterMetric(Connection c, MetricQueries.Phase phase, MetricQueries.Metric m,
      int variations) throws SQLException {
    return ratioRows(c, DesignQueries.clusterMetric(dialect, schema, phase, m), variations);
  }

  /** A cluster-randomized phase's ratio metric as per-variation sums over clusters. */
  public List<RatioStats> clusterRatio(Connection c, MetricQueries.Phase phase, MetricQueries.Metric numerator,
      MetricQueries.Metric denominator, int variations) throws SQLException {
    return ratioRows(c, DesignQueries.clusterRatio(dialect, schema, phase, numerator, denominator), variations);
  }

  /** Clusters per variation of a cluster-randomized phase. */
  public long[] clusters(Connection c, MetricQueries.Phase phase, int variations) throws SQLException {
    long[] out = new long[variations];
    {
      QueryRows rs = run(c, DesignQueries.clusterCounts(dialect, schema, phase));
      while (rs.next()) {
        int v = rs.getInt(1);
        if (v >= 0 && v < variations) {
          out[v] = rs.getLong(2);
        }
      }
    }
    return out;
  }

  private List<RatioStats> ratioRows(Connection c, MetricQueries.SqlQuery q, int variations) throws SQLException {
    List<RatioStats> out = new ArrayList<>();
    for (int i = 0; i < variations; i++) {
      out.add(new RatioStats(0, 0, 0, 0, 0, 0));
    }
    {
      QueryRows rs = run(c, q);
      while (rs.next()) {
        int v = rs.getInt("variation");
        if (v >= 0 && v < variations) {
          out.set(v, new RatioStats(rs.getLong("n"), sum(rs, "sum_num"), sum(rs, "sum_den"),
              sum(rs, "sum_num_sq"), sum(rs, "sum_den_sq"), sum(rs, "sum_num_den")));
        }
      }
    }
    return out;
  }

  /*
   * A sum the statistics use. Values ingested through Assay are bounded (EventParser.MAX_ABS_VALUE)
   * so that these stay finite; values from elsewhere (a metric's own SQL, a warehouse written by
   * others) may still overflow a double, and then the metric cannot be computed: the refresh
   * answers 422 naming it instead of producing NaN variances.
   */
  private static double sum(QueryRows rs, String column) {
    double v = rs.getDouble(column);
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("its values are too large: " + column + " is " + v + " (keep |value| <= "
          + "1e15 so that sums of squares stay finite)");
    }
    return v;
  }

  private QueryRows run(Connection c, MetricQueries.SqlQuery q) throws SQLException {
    QueryRows rows = execute(c, dialect, q, timeout);
    if (log != null) {
      log.add(q, rows);
    }
    return rows;
  }

  /** Runs one query with the limit (cancelled at it) and reads its rows. */
  static QueryRows execute(Connection c, Dialect d, MetricQueries.SqlQuery q, java.time.Duration timeout)
      throws SQLException {
    PreparedStatement ps = d.prepare(c, q.sql(), q.params());
    try {
      ps.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
    } catch (java.sql.SQLFeatureNotSupportedException ignored) {
      // the driver has no per-statement timeout
    }
    ps.closeOnCompletion();
    // Cancel the native query at the limit (DuckDB interrupts it, PostgreSQL gets a cancel
    // request): a query that never ends must not hold its thread and the warehouse forever.
    java.util.concurrent.atomic.AtomicBoolean fired = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
      fired.set(true);
      try {
        ps.cancel();
      } catch (SQLException | RuntimeException e) {
        // already finished or closed
      }
    }, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    try {
      return QueryRows.read(ps.executeQuery());
    } catch (SQLException e) {
      ps.close();
      if (fired.get()) {
        throw new java.sql.SQLTimeoutException("cancelled at the " + timeout.toSeconds() + " s limit", "57014", e);
      }
      throw e;
    } finally {
      watchdog.cancel(false);
    }
  }

  /** Cancels queries at their limit; one daemon thread for all. */
  private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "assay-analysis-watchdog");
        t.setDaemon(true);
        return t;
      });
}
