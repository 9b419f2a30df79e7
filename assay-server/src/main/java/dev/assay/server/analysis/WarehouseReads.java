package dev.assay.server.analysis;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What a snapshot's lineage says about the warehouse (ADR 0043): the rows its queries read and
 * the warehouse's kind and version. The rows read by a query are counted with plain
 * {@code COUNT(*)} queries over the same range on the same transaction: the exposures of the
 * experiment in the phase (every analysis query starts from them) and the metric events of the
 * query's event names from the phase's start minus the longest lookback to its end plus the
 * longest conversion window (the range the query's join reads; events of units not exposed in
 * the phase count too).
 */
final class WarehouseReads {
  /**
   * The rows one query read.
   *
   * @param metricEvents the metric events (or rows of a SQL-defined source) in reach; empty when
   *     the query reads none (the exposure counts)
   * @param counts the {@code COUNT(*)} queries that counted them: the exposures first, then the
   *     metric events' (a reproduction runs them again)
   */
  record Rows(long exposures, OptionalLong metricEvents, List<MetricQueries.SqlQuery> counts) {
    Rows {
      counts = List.copyOf(counts);
    }
  }

  /** The warehouse as it answered: its kind (the dialect) and its version. */
  record Version(String kind, String version) {}

  private final Dialect d;
  private final WarehouseSchema s;
  private final Duration timeout;

  WarehouseReads(Dialect d, WarehouseSchema s, Duration timeout) {
    this.d = d;
    this.s = s;
    this.timeout = timeout;
  }

  /** Counts the rows a query with this label read in the phase. */
  Rows count(Connection c, MetricQueries.Phase p, QueryLog.Label label, List<String> sqlSources) throws SQLException {
    List<MetricQueries.SqlQuery> counts = new ArrayList<>();
    counts.add(exposures(p));
    long from = p.startMillis() - label.lookbackMillis();
    long to = p.endMillis() + label.windowMillis();
    if (!label.events().isEmpty()) {
      counts.add(events(p, label.events(), from, to));
    }
    for (String sql : sqlSources) {
      counts.add(new MetricQueries.SqlQuery("SELECT COUNT(*) FROM (" + sql + ") e WHERE e." + d.ident("ts")
          + " >= ? AND e." + d.ident("ts") + " < ?", List.of(from, to)));
    }
    return rows(c, counts);
  }

  /** Runs the counting queries (the exposures', then the metric events') and sums the latter. */
  Rows rows(Connection c, List<MetricQueries.SqlQuery> counts) throws SQLException {
    long exposures = single(c, counts.get(0));
    if (counts.size() == 1) {
      return new Rows(exposures, OptionalLong.empty(), counts);
    }
    long events = 0;
    for (MetricQueries.SqlQuery q : counts.subList(1, counts.size())) {
      events += single(c, q);
    }
    return new Rows(exposures, OptionalLong.of(events), counts);
  }

  private MetricQueries.SqlQuery exposures(MetricQueries.Phase p) {
    List<Object> params = new ArrayList<>(List.of(p.experimentKey(), p.startMillis(), p.endMillis()));
    String t = MetricQueries.time(d, s, null);
    String sql = "SELECT COUNT(*) FROM " + s.exposuresFrom(d) + " WHERE " + d.ident(s.experimentKey()) + " = ? AND "
        + t + " >= ? AND " + t + " < ?" + project(p, params);
    return new MetricQueries.SqlQuery(sql, params);
  }

  private MetricQueries.SqlQuery events(MetricQueries.Phase p, List<String> names, long from, long to) {
    List<Object> params = new ArrayList<>(names);
    params.add(from);
    params.add(to);
    String t = MetricQueries.time(d, s, null);
    String sql = "SELECT COUNT(*) FROM " + s.metricsFrom(d) + " WHERE " + d.ident(s.eventName()) + " IN ("
        + String.join(", ", java.util.Collections.nCopies(names.size(), "?")) + ") AND " + t + " >= ? AND " + t
        + " < ?" + project(p, params);
    return new MetricQueries.SqlQuery(sql, params);
  }

  private String project(MetricQueries.Phase p, List<Object> params) {
    if (!p.filtersProject(s)) {
      return "";
    }
    params.add(p.project());
    return " AND " + d.ident(s.project()) + " = ?";
  }

  private long single(Connection c, MetricQueries.SqlQuery q) throws SQLException {
    QueryRows rows = WarehouseStatistics.execute(c, d, q, timeout);
    return rows.next() ? rows.getLong(1) : 0;
  }

  /**
   * The warehouse's version as it reports it: DuckDB's {@code SELECT version()}, PostgreSQL's
   * {@code server_version}, else the JDBC driver's database product version.
   */
  Version version(Connection c) throws SQLException {
    String kind = d.name().toLowerCase(java.util.Locale.ROOT);
    String sql = switch (d) {
      case DUCKDB -> "SELECT version()";
      case POSTGRESQL -> "SELECT current_setting('server_version')";
      default -> null;
    };
    if (sql != null) {
      QueryRows rows = WarehouseStatistics.execute(c, d, new MetricQueries.SqlQuery(sql, List.of()), timeout);
      if (rows.next()) {
        return new Version(kind, rows.getString(rows.labels().get(0)));
      }
    }
    java.sql.DatabaseMetaData md = c.getMetaData();
    return new Version(kind, md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
  }
}
