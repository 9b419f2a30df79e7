package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.AnalysisPlan.PlannedMetric;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.MetricType;
import dev.assay.stats.CupedStats;
import dev.assay.stats.MetricData;
import dev.assay.stats.QuantileStats;
import dev.assay.stats.RatioStats;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The refresh's only I/O: runs a plan's warehouse queries on a read-only transaction that is
 * always rolled back, and returns the per-variation sufficient statistics. A metric's SQL is
 * checked again before it runs; a failure names the metric being computed.
 */
final class WarehouseQuery {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ExperimentRefresh.Warehouse warehouse;
  private final WarehouseStatistics statistics;
  /* The per-unit aggregates of an incremental refresh, when the warehouse holds them (ADR 0050). */
  private volatile IncrementalRefresh incremental;

  WarehouseQuery(ExperimentRefresh.Warehouse warehouse, WarehouseStatistics statistics) {
    this.warehouse = warehouse;
    this.statistics = statistics;
  }

  /**
   * What the warehouse returned for a plan.
   *
   * @param byDimension per "dimension NUL metric", the statistics per level
   * @param quantiles per quantile metric, the order statistics per variation (null where none)
   * @param sufficient per metric, the sufficient statistics as stored in the snapshot
   * @param quality what the data-quality checks are computed from (ADR 0042)
   */
  record Measurements(WarehouseStatistics.ExposureCounts counts, List<MetricData> data,
      Map<String, Map<String, List<CupedStats>>> byDimension, Map<String, List<QuantileStats>> quantiles,
      ObjectNode sufficient, DesignCounts design, Recorded recorded, DataQualityQueries.Counts quality) {}

  /**
   * What the refresh's lineage records of the warehouse (ADR 0043): every query as it ran with
   * the rows it read, and the warehouse's version.
   */
  record Recorded(List<RecordedQuery> queries, WarehouseReads.Version warehouse) {
    Recorded {
      queries = List.copyOf(queries);
    }
  }

  /** One query of the refresh, what it returned and what it read. */
  record RecordedQuery(QueryLog.Entry entry, WarehouseReads.Rows read) {}

  /**
   * The unit counts of a clustered or triggered design (ADR 0039).
   *
   * @param units analysis units per variation (those counted: triggered ones, when triggered)
   * @param clusters clusters per variation, when clustered (then {@code counts} holds these)
   * @param exposed every exposed unit per variation, triggered or not, when triggered
   * @param strata per metric, per level of the stratification attribute, the per-variation statistics
   */
  record DesignCounts(long[] units, java.util.Optional<long[]> clusters, java.util.Optional<long[]> exposed,
      Map<String, java.util.SortedMap<String, List<CupedStats>>> strata) {}

  /**
   * @param now the refresh's time (epoch ms)
   * @param previousRefresh the time of the previous refresh of this phase, if any (late data)
   */
  Measurements measure(AnalysisPlan plan, Consumer<String> progress, long now, java.util.OptionalLong previousRefresh) {
    return measureAt(plan, progress, now, previousRefresh, RefreshSpans.NONE);
  }

  /** As above, with a span per query stage (ADR 0041). */
  Measurements measure(AnalysisPlan plan, Consumer<String> progress, long now, java.util.OptionalLong previousRefresh,
      RefreshSpans spans) {
    return measureAt(plan, progress, now, previousRefresh, spans);
  }

  Dialect dialect() {
    return statistics.dialect();
  }

  WarehouseSchema schema() {
    return statistics.schema();
  }

  /** Reads what it can from per-unit aggregates in the warehouse, kept up to date first (ADR 0050). */
  void incremental(java.time.Duration lateness) {
    this.incremental = new IncrementalRefresh(warehouse, new UnitAggregates(statistics.dialect(), statistics.schema(),
        statistics.timeout()), lateness);
  }

  /**
   * As above; with incremental aggregates, brought up to date first and read, unless {@code full}
   * (then dropped, and everything computed by the full queries).
   */
  Measurements measure(AnalysisPlan plan, Consumer<String> progress, long now, java.util.OptionalLong previousRefresh,
      RefreshSpans spans, boolean full) {
    IncrementalRefresh aggregates = incremental;
    if (aggregates == null || !aggregates.prepare(plan, now, full)) {
      return measureAt(plan, progress, now, previousRefresh, spans);
    }
    return measureAt(plan, progress, now, previousRefresh, spans, aggregates);
  }

  /** As {@link #measure(AnalysisPlan, Consumer, long, java.util.OptionalLong)} now, with no previous refresh. */
  Measurements measure(AnalysisPlan plan, Consumer<String> progress) {
    return measureAt(plan, progress, System.currentTimeMillis(), java.util.OptionalLong.empty(), RefreshSpans.NONE);
  }

  private Measurements measureAt(AnalysisPlan plan, Consumer<String> progress, long now,
      java.util.OptionalLong previousRefresh, RefreshSpans spans) {
    return measureAt(plan, progress, now, previousRefresh, spans, null);
  }

  private Measurements measureAt(AnalysisPlan plan, Consumer<String> progress, long now,
      java.util.OptionalLong previousRefresh, RefreshSpans spans, IncrementalRefresh aggregates) {
    String[] current = {"exposure counts"};
    try {
      return readOnly(warehouse, c -> {
        QueryLog log = new QueryLog();
        java.util.Optional<IncrementalRefresh.Read> folded = aggregates == null ? java.util.Optional.empty()
            : aggregates.read(c, plan, log);
        Measurements m = measure(c, plan, progress, current, statistics.recordingInto(log), log, spans, folded);
        current[0] = "the lineage's row counts";
        Recorded recorded = record(c, plan, log);
        current[0] = "data-quality checks";
        progress.accept("data-quality checks");
        java.util.Set<String> names = new java.util.TreeSet<>();
        plan.metrics().stream().filter(pm -> pm.ratio().isEmpty()).map(pm -> pm.query(false))
            .filter(q -> q.sqlSource() == null).forEach(q -> names.add(q.eventName()));
        // Not recorded in the lineage: the checks are not part of the numbers a reproduction compares.
        io.opentelemetry.api.trace.Span qualitySpan = spans.start("data quality", null);
        DataQualityQueries.Counts quality;
        try (io.opentelemetry.context.Scope ignored = qualitySpan.makeCurrent()) {
          quality = statistics.quality().measure(c, plan.window(), names, now, previousRefresh);
        } catch (SQLException | RuntimeException e) {
          RefreshSpans.failed(qualitySpan, e);
          throw e;
        } finally {
          qualitySpan.end();
        }
        return new Measurements(m.counts(), m.data(), m.byDimension(), m.quantiles(), m.sufficient(), m.design(),
            recorded, quality);
      });
    } catch (SQLException e) {
      throw AnalysisSandbox.failure(e, current[0], statistics.timeout());
    } catch (IllegalArgumentException e) {
      throw new DomainException(DomainException.Category.UNPROCESSABLE, "invalid_metric",
          current[0] + " cannot be computed: " + e.getMessage(), List.of());
    }
  }

  /** Work on a warehouse connection. */
  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} on a connection of the warehouse in a read-only transaction that is always
   * rolled back: a metric's SQL (or a recorded query run again) cannot change the warehouse.
   */
  static <T> T readOnly(ExperimentRefresh.Warehouse warehouse, SqlWork<T> work) throws SQLException {
    try (Connection c = warehouse.connect()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        c.setReadOnly(true);
      } catch (SQLException e) {
        // DuckDB cannot switch an open connection; the rollback below still discards any change
      }
      try {
        return work.run(c);
      } finally {
        c.rollback();
        try {
          c.setReadOnly(false);
        } catch (SQLException e) {
          // as above
        }
        c.setAutoCommit(autoCommit);
      }
    }
  }

  /* Per query of the log, the rows it read; then the warehouse's version (same transaction). */
  private Recorded record(Connection c, AnalysisPlan plan, QueryLog log) throws SQLException {
    WarehouseReads reads = new WarehouseReads(statistics.dialect(), statistics.schema(), statistics.timeout());
    Map<QueryLog.Label, WarehouseReads.Rows> byLabel = new java.util.HashMap<>();
    List<RecordedQuery> out = new ArrayList<>();
    for (QueryLog.Entry e : log.entries()) {
      WarehouseReads.Rows rows = byLabel.get(e.label());
      if (rows == null) {
        rows = reads.count(c, plan.window(), e.label(), sqlSources(plan, e.label()));
        byLabel.put(e.label(), rows);
      }
      out.add(new RecordedQuery(e, rows));
    }
    return new Recorded(out, reads.version(c));
  }

  private static List<String> sqlSources(AnalysisPlan plan, QueryLog.Label label) {
    List<String> out = new ArrayList<>();
    for (PlannedMetric m : plan.metrics()) {
      if (label.metrics().contains(m.key())) {
        m.metric().sql().ifPresent(out::add);
        m.ratio().ifPresent(r -> {
          r.numerator().sql().ifPresent(out::add);
          r.denominator().sql().ifPresent(out::add);
        });
      }
    }
    return out;
  }

  /* The label of the queries computing one metric (its events, lookback and window). */
  private static QueryLog.Label label(String purpose, List<PlannedMetric> metrics, boolean withCovariate) {
    java.util.Set<String> events = new java.util.TreeSet<>();
    long lookback = 0;
    long window = 0;
    for (PlannedMetric m : metrics) {
      List<MetricQueries.Metric> parts = m.ratio().isPresent()
          ? List.of(AnalysisPlan.query(m.ratio().get().numerator(), false),
              AnalysisPlan.query(m.ratio().get().denominator(), false))
          : List.of(m.query(withCovariate && m.metric().type() != MetricType.QUANTILE));
      for (MetricQueries.Metric q : parts) {
        if (q.sqlSource() == null) {
          events.add(q.eventName());
        }
        lookback = Math.max(lookback, q.lookbackMillis());
        window = Math.max(window, q.windowMillis());
      }
    }
    return new QueryLog.Label(purpose, metrics.stream().map(PlannedMetric::key).toList(), List.copyOf(events),
        lookback, window);
  }

  /* With {@code folded}: the counts and every one-pass metric read from the aggregates (no breakdowns then). */
  private Measurements measure(Connection c, AnalysisPlan plan, Consumer<String> progress, String[] current,
      WarehouseStatistics statistics, QueryLog log, RefreshSpans spans,
      java.util.Optional<IncrementalRefresh.Read> folded) throws SQLException {
    MetricQueries.Phase p = plan.window();
    int variations = plan.variants().size();
    progress.accept("counting exposures");
    AnalysisPlan.Design design = plan.design();
    Exposed counted = exposures(c, plan, p, variations, statistics, log, spans, folded);
    WarehouseStatistics.ExposureCounts units = counted.units();
    java.util.Optional<long[]> clusters = counted.clusters();
    java.util.Optional<long[]> exposed = counted.exposed();
    // A cluster randomization's sample-ratio test counts what was randomized: clusters.
    WarehouseStatistics.ExposureCounts counts = clusters.map(k -> new WarehouseStatistics.ExposureCounts(k,
        units.multipleExposures())).orElse(units);
    List<MetricData> data = new ArrayList<>();
    Map<String, Map<String, List<CupedStats>>> byDimension = new LinkedHashMap<>();
    Map<String, List<QuantileStats>> quantiles = new LinkedHashMap<>();
    ObjectNode sufficient = JSON.createObjectNode();
    Map<String, List<CupedStats>> onePass = folded.map(IncrementalRefresh.Read::metrics).orElse(null);
    Map<String, java.util.SortedMap<String, List<CupedStats>>> strata = new LinkedHashMap<>();
    int step = 0;
    for (PlannedMetric m : plan.metrics()) {
      current[0] = "metric '" + m.key() + "'";
      progress.accept("metric " + ++step + "/" + plan.metrics().size() + ": " + m.key());
      io.opentelemetry.api.trace.Span metricSpan = spans.start("metric", m.key());
      try (io.opentelemetry.context.Scope ignored = metricSpan.makeCurrent()) {
        MetricType type = m.metric().type();
        log.label(label("metric", List.of(m), !design.clustered() && m.ratio().isEmpty()));
        if (type == MetricType.QUANTILE && !design.clustered()) {
          quantiles.put(m.key(), statistics.quantile(c, p, m.query(false), m.metric().quantile().orElseThrow(),
              plan.settings().alpha(), variations));
          continue;
        }
        Double margin = m.margin().orElse(null);
        if (design.clustered()) {
          List<RatioStats> stats = clustered(c, p, m, variations, statistics);
          sufficient.set(m.key(), JSON.valueToTree(stats));
          data.add(new MetricData(m.key(), MetricData.Type.RATIO, m.higherIsBetter(), m.role(), null, stats, margin));
          continue;
        }
        if (m.ratio().isPresent()) {
          AnalysisPlan.Ratio r = m.ratio().get();
          List<RatioStats> stats = statistics.ratio(c, p, AnalysisPlan.query(r.numerator(), false),
              AnalysisPlan.query(r.denominator(), false), variations);
          sufficient.set(m.key(), JSON.valueToTree(stats));
          data.add(new MetricData(m.key(), MetricData.Type.RATIO, m.higherIsBetter(), m.role(), null, stats, margin));
          continue;
        }
        if (onePass == null) {
          log.label(label("metrics in one pass", plan.metrics().stream().filter(PlannedMetric::onePassEligible).toList(),
              true));
          onePass = onePass(c, p, plan.metrics(), variations, statistics);
          log.label(label("metric", List.of(m), true));
        }
        List<CupedStats> s = onePass.containsKey(m.key()) ? onePass.get(m.key())
            : statistics.metric(c, p, m.query(true), variations);
        sufficient.set(m.key(), JSON.valueToTree(s));
        if (design.stratify().isPresent()) {
          log.label(label("metric by stratum " + design.stratify().get(), List.of(m), false));
          strata.put(m.key(), statistics.metricByDimension(c, p, m.query(false), design.stratify().get(), variations));
        }
        for (String dim : plan.dimensions()) {
          current[0] = "metric '" + m.key() + "' by " + dim;
          progress.accept("metric " + m.key() + " by " + dim);
          log.label(label("metric by " + dim, List.of(m), true));
          byDimension.computeIfAbsent(dim + "\u0000" + m.key(), k -> new LinkedHashMap<>())
              .putAll(statistics.metricByDimension(c, p, m.query(true), dim, variations));
        }
        data.add(new MetricData(m.key(), type == MetricType.PROPORTION ? MetricData.Type.PROPORTION
            : MetricData.Type.MEAN, m.higherIsBetter(), m.role(), s, null, margin));
      } catch (SQLException | RuntimeException e) {
        RefreshSpans.failed(metricSpan, e);
        throw e;
      } finally {
        metricSpan.end();
      }
    }
    return new Measurements(counts, data, byDimension, quantiles, sufficient,
        new DesignCounts(units.units(), clusters, exposed, strata), null, DataQualityQueries.Counts.NONE);
  }

  private record Exposed(WarehouseStatistics.ExposureCounts units, java.util.Optional<long[]> clusters,
      java.util.Optional<long[]> exposed) {}

  /* The exposure stage: units per variation, and clusters or every exposed unit when the design asks. */
  private static Exposed exposures(Connection c, AnalysisPlan plan, MetricQueries.Phase p, int variations,
      WarehouseStatistics statistics, QueryLog log, RefreshSpans spans,
      java.util.Optional<IncrementalRefresh.Read> folded) throws SQLException {
    if (folded.isPresent()) { // neither clustered nor triggered (IncrementalRefresh.eligible)
      return new Exposed(folded.get().counts(), java.util.Optional.empty(), java.util.Optional.empty());
    }
    AnalysisPlan.Design design = plan.design();
    log.label(new QueryLog.Label("exposure counts", List.of(), design.trigger().map(List::of).orElse(List.of()),
        0, design.trigger().isPresent() ? AnalysisPlan.OPEN_END : 0));
    io.opentelemetry.api.trace.Span stage = spans.start("exposures", null);
    try (io.opentelemetry.context.Scope ignored = stage.makeCurrent()) {
      return new Exposed(statistics.exposures(c, p, variations), design.clustered()
          ? java.util.Optional.of(statistics.clusters(c, p, variations)) : java.util.Optional.empty(),
          design.trigger().isPresent()
              ? java.util.Optional.of(statistics.exposures(c, p.untriggered(), variations).units())
              : java.util.Optional.empty());
    } catch (SQLException | RuntimeException e) {
      RefreshSpans.failed(stage, e);
      throw e;
    } finally {
      stage.end();
    }
  }

  /*
   * A metric of a cluster randomization: the clusters' sums, analysed as a ratio by the delta
   * method at the randomization unit (DesignQueries). Breakdowns are not computed for clustered
   * experiments (their per-level sums would need the same treatment).
   */
  private static List<RatioStats> clustered(Connection c, MetricQueries.Phase p, PlannedMetric m, int variations,
      WarehouseStatistics statistics) throws SQLException {
    if (m.metric().type() == MetricType.QUANTILE) {
      throw new IllegalArgumentException("a quantile metric has no cluster analysis (remove analysis.unit or the metric)");
    }
    if (m.ratio().isPresent()) {
      AnalysisPlan.Ratio r = m.ratio().get();
      return statistics.clusterRatio(c, p, AnalysisPlan.query(r.numerator(), false),
          AnalysisPlan.query(r.denominator(), false), variations);
    }
    return statistics.clusterMetric(c, p, m.query(false), variations);
  }

  /**
   * The event-defined mean, proportion, count and sum metrics in one pass over the events (one
   * scan instead of one per metric); empty when fewer than two qualify.
   */
  private static Map<String, List<CupedStats>> onePass(Connection c, MetricQueries.Phase p,
      List<PlannedMetric> metrics, int variations, WarehouseStatistics statistics) throws SQLException {
    List<PlannedMetric> eligible = metrics.stream().filter(PlannedMetric::onePassEligible).toList();
    Map<String, List<CupedStats>> out = new LinkedHashMap<>();
    if (eligible.size() < 2) {
      return out;
    }
    List<List<CupedStats>> stats = statistics.metrics(c, p,
        eligible.stream().map(m -> m.query(true)).toList(), variations);
    for (int i = 0; i < eligible.size(); i++) {
      out.put(eligible.get(i).key(), stats.get(i));
    }
    return out;
  }
}
