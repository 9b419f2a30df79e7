package dev.assay.server.analysis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The warehouse side of a refresh's data-quality checks (ADR 0042): the rows flagged at ingestion
 * that the analysis excluded, by reason (the experiment's exposures, and the metric events of units
 * it exposed); the clean exposures per UTC day of the phase (volume anomaly); the metric events per
 * metric event name in the phase (missing sources); and the clean exposure rows before a cutoff
 * (late data: rows that arrived after the previous refresh for times before it). A few aggregate
 * rows each; values bound, identifiers quoted.
 */
final class DataQualityQueries {
  static final long DAY = 86_400_000L;

  /**
   * What the checks are computed from.
   *
   * @param excluded per "exposure" or "metric", per flag reason, the rows excluded
   * @param exposuresByDay per UTC day number (epoch ms / day), the clean exposure rows of the phase
   * @param metricEvents per event name of the experiment's event-defined metrics, the clean events in the phase
   * @param exposuresBeforeNow clean exposure rows of the phase with a time before this refresh
   * @param exposuresBeforeCutoff the same before the previous refresh's time, when there was one
   */
  record Counts(Map<String, Map<String, Long>> excluded, Map<Long, Long> exposuresByDay, Map<String, Long> metricEvents,
      long exposuresBeforeNow, OptionalLong exposuresBeforeCutoff) {
    static final Counts NONE = new Counts(Map.of(), Map.of(), Map.of(), 0, OptionalLong.empty());
  }

  private final Dialect d;
  private final WarehouseSchema s;
  private final int timeoutSeconds;

  DataQualityQueries(Dialect d, WarehouseSchema s, java.time.Duration timeout) {
    this.d = d;
    this.s = s;
    this.timeoutSeconds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toSeconds()));
  }

  Counts measure(Connection c, MetricQueries.Phase phase, Set<String> metricNames, long now, OptionalLong cutoff)
      throws SQLException {
    Map<String, Map<String, Long>> excluded = new TreeMap<>();
    if (s.flag() != null) {
      List<Object> p = new ArrayList<>();
      String flag = d.ident(s.flag());
      String sql = "SELECT 'exposure' AS kind, " + flag + " AS reason, COUNT(*) AS n FROM " + s.exposuresFrom(d)
          + " WHERE " + exposures(phase, p) + " AND " + flag + " IS NOT NULL GROUP BY " + flag
          + "\nUNION ALL\nSELECT 'metric', m." + flag + ", COUNT(*) FROM " + s.metricsAs(d, "m") + " WHERE m." + flag
          + " IS NOT NULL AND " + window("m", phase, p) + project("m", phase, p) + " AND m." + d.ident(s.unitId())
          + " IN (SELECT " + d.ident(s.unitId()) + " FROM " + s.exposuresFrom(d) + " WHERE "
          + d.ident(s.experimentKey()) + " = ?" + project(null, phase, addKey(p, phase)) + ") GROUP BY m." + flag;
      try (ResultSet rs = run(c, sql, p)) {
        while (rs.next()) {
          excluded.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getLong(3));
        }
      }
    }
    Map<Long, Long> byDay = new TreeMap<>();
    List<Object> p = new ArrayList<>();
    String t = MetricQueries.time(d, s, null);
    String day = "CAST(FLOOR(" + t + " / " + DAY + ".0) AS BIGINT)";
    try (ResultSet rs = run(c, "SELECT " + day + " AS day, COUNT(*) FROM " + s.exposuresFrom(d) + " WHERE "
        + exposures(phase, p) + clean(null) + " GROUP BY " + day, p)) {
      while (rs.next()) {
        byDay.put(rs.getLong(1), rs.getLong(2));
      }
    }
    Map<String, Long> metricEvents = new TreeMap<>();
    if (!metricNames.isEmpty()) {
      List<Object> q = new ArrayList<>();
      StringBuilder in = new StringBuilder();
      for (String n : new LinkedHashSet<>(metricNames)) {
        in.append(in.isEmpty() ? "?" : ", ?");
        q.add(n);
        metricEvents.put(n, 0L);
      }
      String name = d.ident(s.eventName());
      String sql = "SELECT " + name + ", COUNT(*) FROM " + s.metricsFrom(d) + " WHERE " + name + " IN (" + in + ") AND "
          + window(null, phase, q) + project(null, phase, q) + clean(null) + " GROUP BY " + name;
      try (ResultSet rs = run(c, sql, q)) {
        while (rs.next()) {
          metricEvents.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    long beforeNow = before(c, phase, now);
    OptionalLong beforeCutoff = cutoff.isPresent() ? OptionalLong.of(before(c, phase, cutoff.getAsLong()))
        : OptionalLong.empty();
    return new Counts(excluded, byDay, metricEvents, beforeNow, beforeCutoff);
  }

  private long before(Connection c, MetricQueries.Phase phase, long cutoff) throws SQLException {
    List<Object> p = new ArrayList<>();
    String sql = "SELECT COUNT(*) FROM " + s.exposuresFrom(d) + " WHERE " + exposures(phase, p) + clean(null)
        + " AND " + MetricQueries.time(d, s, null) + " < ?";
    p.add(cutoff);
    try (ResultSet rs = run(c, sql, p)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /* The experiment's exposures in the phase (and project). */
  private String exposures(MetricQueries.Phase phase, List<Object> p) {
    p.add(phase.experimentKey());
    return d.ident(s.experimentKey()) + " = ? AND " + window(null, phase, p) + project(null, phase, p);
  }

  private List<Object> addKey(List<Object> p, MetricQueries.Phase phase) {
    p.add(phase.experimentKey());
    return p;
  }

  private String window(String alias, MetricQueries.Phase phase, List<Object> p) {
    String t = MetricQueries.time(d, s, alias);
    p.add(phase.startMillis());
    p.add(phase.endMillis());
    return t + " >= ? AND " + t + " < ?";
  }

  private String project(String alias, MetricQueries.Phase phase, List<Object> p) {
    if (!phase.filtersProject(s)) {
      return "";
    }
    p.add(phase.project());
    return " AND " + (alias == null ? "" : alias + ".") + d.ident(s.project()) + " = ?";
  }

  private String clean(String alias) {
    return s.flag() == null ? "" : " AND " + (alias == null ? "" : alias + ".") + d.ident(s.flag()) + " IS NULL";
  }

  private ResultSet run(Connection c, String sql, List<Object> params) throws SQLException {
    PreparedStatement ps = d.prepare(c, sql, params);
    try {
      ps.setQueryTimeout(timeoutSeconds);
    } catch (java.sql.SQLFeatureNotSupportedException ignored) {
      // the driver has no per-statement timeout; these are a few aggregates over indexed columns
    }
    ps.closeOnCompletion();
    return ps.executeQuery();
  }
}
