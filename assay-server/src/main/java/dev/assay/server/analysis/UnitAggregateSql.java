package dev.assay.server.analysis;

import dev.assay.server.analysis.MetricQueries.Aggregation;
import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
import dev.assay.server.analysis.MetricQueries.SqlQuery;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The SQL of the per-unit aggregate table of an incremental refresh (ADR 0050): one row per unit
 * exposed in the phase with its lowest and highest variation, its first exposure and, per metric
 * i, {@code y<i>} (the metric's per-unit aggregate inside its window after the first exposure) and
 * {@code x<i>} (the CUPED pre-period aggregate), uncapped. The same per-unit numbers as
 * {@link MetricQueries#metrics}, kept between refreshes and brought up to date from the exposures
 * and events in a time range {@code [lo, hi)} only.
 *
 * <p>Why a range is enough: the table holds exactly the exposures and events with a time before
 * its horizon {@code lo}, so a unit already in it has its first exposure before {@code lo} and an
 * exposure in the range cannot move it (only its variation marker), its pre-period lies wholly
 * before {@code lo} (final), and only its window's events in the range are new. A unit first
 * exposed in the range is computed whole, its pre-period events read back from {@code lo} minus
 * the longest lookback. Every statement bounds the event and exposure times with constants
 * (bound), so a warehouse partitioned or sorted by time reads the range only.
 */
final class UnitAggregateSql {
  private UnitAggregateSql() {}

  /** The aggregate table's DDL ({@code keyed}: with a primary key on PostgreSQL, for the lookups of a fold). */
  static String create(Dialect d, String table, int metrics, boolean keyed) {
    StringBuilder sql = new StringBuilder("CREATE TABLE ").append(d.ident(table)).append(" (unit_id ")
        .append(d.stringType()).append(" NOT NULL, variation INTEGER NOT NULL, max_variation INTEGER NOT NULL,"
            + " first_ts BIGINT NOT NULL");
    for (int i = 0; i < metrics; i++) {
      sql.append(", y").append(i).append(' ').append(d.doubleType()).append(" NOT NULL, x").append(i).append(' ')
          .append(d.doubleType()).append(" NOT NULL");
    }
    // PostgreSQL finds a unit's row by its key (DuckDB joins by hash, and a key would slow its inserts, ADR 0007)
    return sql.append(keyed && d == Dialect.POSTGRESQL ? ", PRIMARY KEY (unit_id))"
        : ")").toString();
  }

  /** The columns of the temporary table of {@link #touched} rows. */
  static String createTouched(Dialect d, String table, int metrics) {
    StringBuilder sql = new StringBuilder("CREATE TEMPORARY TABLE ").append(d.ident(table)).append(" (unit_id ")
        .append(d.stringType()).append(" NOT NULL, is_new INTEGER NOT NULL, variation INTEGER, max_variation INTEGER,"
            + " first_ts BIGINT");
    for (int i = 0; i < metrics; i++) {
      sql.append(", old_y").append(i).append(' ').append(d.doubleType()).append(", old_x").append(i).append(' ')
          .append(d.doubleType());
    }
    return sql.append(')').toString();
  }

  /**
   * The units touched by the range {@code [lo, hi)} — exposed in it, or in the table with a
   * metric event in it — with their merged variation markers, first exposure and stored values
   * (for a temporary table: the next statement's planner then knows how many there are).
   */
  static SqlQuery touched(Dialect d, WarehouseSchema s, Phase phase, List<Metric> ms, String table, long lo, long hi) {
    List<Object> params = new ArrayList<>();
    String t = MetricQueries.time(d, s, null);
    String te = MetricQueries.time(d, s, "e");
    String a = d.ident(table);
    StringBuilder sql = new StringBuilder("dx AS (\n  SELECT ").append(d.ident(s.unitId())).append(" AS unit_id, MIN(")
        .append(d.ident(s.variationId())).append(") AS variation, MAX(").append(d.ident(s.variationId()))
        .append(") AS max_variation, MIN(").append(t).append(") AS first_ts\n  FROM ").append(s.exposuresFrom(d))
        .append("\n  WHERE ").append(d.ident(s.experimentKey())).append(" = ? AND ").append(t).append(" >= ? AND ")
        .append(t).append(" < ?");
    params.add(phase.experimentKey());
    params.add(phase.startMillis());
    params.add(phase.endMillis());
    if (phase.filtersProject(s)) {
      sql.append(" AND ").append(d.ident(s.project())).append(" = ?");
      params.add(phase.project());
    }
    if (s.flag() != null) {
      sql.append(" AND ").append(d.ident(s.flag())).append(" IS NULL");
    }
    sql.append(" AND ").append(t).append(" >= ? AND ").append(t).append(" < ?\n  GROUP BY ")
        .append(d.ident(s.unitId())).append("\n),\n");
    params.add(lo);
    params.add(hi);
    sql.append("moved AS (\n  SELECT DISTINCT e.").append(d.ident(s.unitId())).append(" AS unit_id FROM ")
        .append(MetricQueries.metricEvents(d, s, phase, params)).append(" e\n  WHERE e.").append(d.ident(s.eventName()))
        .append(" IN (").append(names(ms, params)).append(") AND ").append(te).append(" >= ? AND ").append(te)
        .append(" < ?\n),\n");
    params.add(lo);
    params.add(hi);
    sql.append("touched AS (\n  SELECT unit_id FROM dx\n  UNION\n  SELECT m.unit_id FROM moved m JOIN ").append(a)
        .append(" a ON a.unit_id = m.unit_id\n),\n");
    sql.append("cur AS (\n  SELECT t.unit_id, CASE WHEN a.unit_id IS NULL THEN 1 ELSE 0 END AS is_new,\n"
        + "    CASE WHEN a.unit_id IS NULL THEN x.variation WHEN x.unit_id IS NULL OR a.variation <= x.variation"
        + " THEN a.variation ELSE x.variation END AS variation,\n"
        + "    CASE WHEN a.unit_id IS NULL THEN x.max_variation WHEN x.unit_id IS NULL OR a.max_variation >="
        + " x.max_variation THEN a.max_variation ELSE x.max_variation END AS max_variation,\n"
        // a stored unit's first exposure is before lo, so before any exposure in the range
        + "    CASE WHEN a.unit_id IS NULL THEN x.first_ts ELSE a.first_ts END AS first_ts");
    for (int i = 0; i < ms.size(); i++) {
      sql.append(", a.y").append(i).append(" AS old_y").append(i).append(", a.x").append(i).append(" AS old_x").append(i);
    }
    sql.append("\n  FROM touched t LEFT JOIN ").append(a).append(" a ON a.unit_id = t.unit_id LEFT JOIN dx x ON"
        + " x.unit_id = t.unit_id\n)\nSELECT * FROM cur");
    return new SqlQuery("WITH " + sql, params);
  }

  /**
   * The new rows of the touched units ({@code cur}, a table of {@link #touched} rows): their stored
   * values plus what the events of the range add; the aggregate table's columns.
   */
  static SqlQuery delta(Dialect d, WarehouseSchema s, Phase phase, List<Metric> ms, String cur, long lo, long hi) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder();
    long lookback = 0;
    long window = 0;
    for (Metric m : ms) {
      lookback = Math.max(lookback, m.lookbackMillis());
      window = Math.max(window, m.windowMillis());
    }
    String c = d.ident(cur);
    // What the range adds, per unit: a stored unit's window events in [lo, hi) only (its pre-period
    // is before lo), a new unit's events from lo minus the longest lookback. Two inner joins with
    // constant time bounds, so that each reads only its range and none runs when it has no units.
    sql.append("added AS (\n");
    added(d, s, phase, ms, c, false, lo, hi, lookback, window, params, sql);
    sql.append("\n  UNION ALL\n");
    added(d, s, phase, ms, c, true, lo - lookback, hi, lookback, window, params, sql);
    sql.append("\n),\ndelta AS (\n  SELECT c.unit_id, c.variation, c.max_variation, c.first_ts");
    for (int i = 0; i < ms.size(); i++) {
      sql.append(",\n    ").append(merge(ms.get(i), "c.old_y" + i, "COALESCE(a.y" + i + ", 0)")).append(" AS y").append(i)
          .append(", ").append(merge(ms.get(i), "c.old_x" + i, "COALESCE(a.x" + i + ", 0)")).append(" AS x").append(i);
    }
    sql.append("\n  FROM ").append(c).append(" c LEFT JOIN added a ON a.unit_id = c.unit_id\n)\nSELECT * FROM delta");
    return new SqlQuery("WITH " + sql, params);
  }

  /* One branch of {@code added}: the new units' or the stored ones', their events in [from, hi). */
  private static void added(Dialect d, WarehouseSchema s, Phase phase, List<Metric> ms, String cur, boolean fresh,
      long from,
      long hi, long lookback, long window, List<Object> params, StringBuilder sql) {
    String te = MetricQueries.time(d, s, "e");
    sql.append("  SELECT c.unit_id");
    for (int i = 0; i < ms.size(); i++) {
      Metric m = ms.get(i);
      params.add(m.eventName());
      String matches = "e." + d.ident(s.eventName()) + " = ?" + MetricQueries.filters(d, s, m, params);
      sql.append(",\n    ").append(MetricQueries.aggregate(d, s, m, matches + " AND " + te + " >= c.first_ts AND "
          + te + " < c.first_ts + " + m.windowMillis())).append(" AS y").append(i);
      if (m.lookbackMillis() > 0) {
        params.add(m.eventName());
        String pre = "e." + d.ident(s.eventName()) + " = ?" + MetricQueries.filters(d, s, m, params);
        sql.append(",\n    ").append(MetricQueries.aggregate(d, s, m, pre + " AND " + te + " >= c.first_ts - "
            + m.lookbackMillis() + " AND " + te + " < c.first_ts")).append(" AS x").append(i);
      } else {
        sql.append(",\n    CAST(0 AS ").append(d.doubleType()).append(") AS x").append(i);
      }
    }
    sql.append("\n  FROM ").append(cur).append(" c JOIN ").append(MetricQueries.metricEvents(d, s, phase, params)).append(" e ON e.")
        .append(d.ident(s.unitId())).append(" = c.unit_id AND e.").append(d.ident(s.eventName())).append(" IN (")
        .append(names(ms, params)).append(")\n    AND ").append(te).append(" >= c.first_ts - ").append(lookback)
        .append(" AND ").append(te).append(" < c.first_ts + ").append(window).append(" AND ").append(te)
        .append(" >= ? AND ").append(te).append(" < ?\n  WHERE c.is_new = ").append(fresh ? 1 : 0)
        .append("\n  GROUP BY c.unit_id");
    params.add(from);
    params.add(hi);
  }

  /**
   * The statistics of the table and its tail (the rows of the units touched from its horizon on,
   * as of the last fold): per variation n and per metric {@code sum_y_i, sum_y2_i, sum_x_i,
   * sum_x2_i, sum_xy_i} of the units seen in one variation, capped as {@link MetricQueries#metrics}
   * caps; and a row of variation -1 whose n is the units excluded for several variations.
   */
  static SqlQuery statistics(Dialect d, List<Metric> ms, String table, String tail) {
    StringBuilder sql = new StringBuilder("WITH ");
    StringBuilder cols = new StringBuilder("unit_id, variation, max_variation");
    for (int i = 0; i < ms.size(); i++) {
      cols.append(", y").append(i).append(", x").append(i);
    }
    sql.append("all_units AS (\n  SELECT ").append(cols).append(" FROM ").append(d.ident(tail)).append("\n  UNION ALL\n"
        + "  SELECT ").append(cols).append(" FROM ").append(d.ident(table)).append(" a WHERE NOT EXISTS (SELECT 1 FROM ")
        .append(d.ident(tail)).append(" t WHERE t.unit_id = a.unit_id)\n),\nper_unit AS (\n  SELECT * FROM all_units WHERE ").append(ExposedUnits.ONE_VARIATION)
        .append("\n),\ncapped AS (\n  SELECT variation");
    for (int i = 0; i < ms.size(); i++) {
      sql.append(", ").append(MetricQueries.cap(d, "y" + i, ms.get(i), "per_unit")).append(" AS y").append(i)
          .append(", x").append(i);
    }
    sql.append("\n  FROM per_unit\n)\nSELECT variation, COUNT(*) AS n");
    StringBuilder none = new StringBuilder("SELECT -1 AS variation, COUNT(*) AS n");
    String zero = "CAST(0 AS " + d.doubleType() + ")";
    for (int i = 0; i < ms.size(); i++) {
      String y = "y" + i;
      String x = "x" + i;
      sql.append(",\n  SUM(").append(y).append(") AS sum_y_").append(i).append(", SUM(").append(y).append(" * ")
          .append(y).append(") AS sum_y2_").append(i).append(", SUM(").append(x).append(") AS sum_x_").append(i)
          .append(", SUM(").append(x).append(" * ").append(x).append(") AS sum_x2_").append(i).append(", SUM(")
          .append(x).append(" * ").append(y).append(") AS sum_xy_").append(i);
      for (String c : List.of("sum_y_", "sum_y2_", "sum_x_", "sum_x2_", "sum_xy_")) {
        none.append(", ").append(zero).append(" AS ").append(c).append(i);
      }
    }
    sql.append("\nFROM capped\nGROUP BY variation\nUNION ALL\n").append(none).append(" FROM all_units WHERE NOT (")
        .append(ExposedUnits.ONE_VARIATION).append(")\nORDER BY variation");
    return new SqlQuery(sql.toString(), List.of());
  }

  /* A stored per-unit value and what the range adds: the larger (conversions) or the sum. */
  private static String merge(Metric m, String old, String added) {
    return m.aggregation() == Aggregation.CONVERSION ? "GREATEST(COALESCE(" + old + ", 0), " + added + ")"
        : "COALESCE(" + old + ", 0) + " + added;
  }

  private static String names(List<Metric> ms, List<Object> params) {
    Set<String> distinct = new LinkedHashSet<>();
    ms.forEach(m -> distinct.add(m.eventName()));
    StringBuilder out = new StringBuilder();
    for (String name : distinct) {
      out.append(out.isEmpty() ? "?" : ", ?");
      params.add(name);
    }
    return out.toString();
  }
}
