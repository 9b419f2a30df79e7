package dev.assay.server.analysis;

import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
import dev.assay.server.analysis.MetricQueries.SqlQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of a quantile metric, in three steps over the metric's observations ({@link
 * #observations}): counts per variation, the order statistics at the ranks the
 * interval needs, and the per-unit sums of the cluster correction.
 */
public final class QuantileQueries {
  private QuantileQueries() {}

  /** Quantile metric, step 1: observations per variation (columns variation, n). */
  public static SqlQuery quantileCounts(Dialect d, WarehouseSchema s, Phase phase, Metric m) {
    List<Object> params = new ArrayList<>();
    String sql = observations(d, s, phase, m, params)
        + "\nSELECT variation, COUNT(*) AS n FROM obs GROUP BY variation ORDER BY variation";
    return new SqlQuery(sql, params);
  }

  /**
   * Quantile metric, step 2: the order statistics at the given 1-based ranks per variation
   * (columns variation, rn, y); {@code ranks[v]} are the ranks wanted for variation v.
   */
  public static SqlQuery orderStatistics(Dialect d, WarehouseSchema s, Phase phase, Metric m, long[][] ranks) {
    List<Object> params = new ArrayList<>();
    StringBuilder where = new StringBuilder();
    for (int v = 0; v < ranks.length; v++) {
      if (ranks[v] == null || ranks[v].length == 0) {
        continue;
      }
      where.append(where.isEmpty() ? "" : " OR ").append("(variation = ").append(v).append(" AND rn IN (");
      for (int i = 0; i < ranks[v].length; i++) {
        where.append(i > 0 ? ", " : "").append(ranks[v][i]);
      }
      where.append("))");
    }
    String sql = observations(d, s, phase, m, params)
        + ",\nranked AS (\n  SELECT variation, y, ROW_NUMBER() OVER (PARTITION BY variation ORDER BY y) AS rn FROM obs\n)"
        + "\nSELECT variation, rn, y FROM ranked WHERE " + (where.isEmpty() ? "1 = 0" : where) + " ORDER BY variation, rn";
    return new SqlQuery(sql, params);
  }

  /**
   * Quantile metric, step 3: per-unit sums for the cluster correction, given each variation's
   * estimate (columns variation, units, s, s2, c, c2, sc).
   */
  public static SqlQuery quantileClusters(Dialect d, WarehouseSchema s, Phase phase, Metric m, double[] estimates) {
    List<Object> params = new ArrayList<>();
    StringBuilder est = new StringBuilder("CASE variation");
    for (int v = 0; v < estimates.length; v++) {
      est.append(" WHEN ").append(v).append(" THEN ").append(Double.isFinite(estimates[v])
          ? "CAST(" + Double.toString(estimates[v]) + " AS " + d.doubleType() + ")"
          : "CAST(NULL AS " + d.doubleType() + ")"); // a bare NULL in every branch would be text
    }
    est.append(" END");
    String sql = observations(d, s, phase, m, params)
        + ",\nper_unit AS (\n  SELECT unit_id, variation, CAST(SUM(CASE WHEN y <= " + est + " THEN 1 ELSE 0 END) AS "
        + d.doubleType() + ") AS s, CAST(COUNT(*) AS " + d.doubleType() + ") AS c\n  FROM obs GROUP BY unit_id, variation\n)"
        + "\nSELECT variation, COUNT(*) AS units, SUM(s) AS s, SUM(s * s) AS s2, SUM(c) AS c, SUM(c * c) AS c2,"
        + " SUM(s * c) AS sc FROM per_unit GROUP BY variation ORDER BY variation";
    return new SqlQuery(sql, params);
  }

  /**
   * The observations of a quantile metric: every event value in the window of an exposed unit
   * (events, not units: the cluster correction accounts for several per unit). Appends the CTE
   * {@code obs(unit_id, variation, y, ts_ms)} (ts_ms: the event's time, epoch ms).
   */
  static String observations(Dialect d, WarehouseSchema s, MetricQueries.Phase phase, MetricQueries.Metric m,
      List<Object> params) {
    String units = MetricQueries.units(d, s, phase, params);
    if (m.sqlSource() != null) {
      String te = "e." + d.ident("ts");
      return units + ",\nobs AS (\n  SELECT u.unit_id, u.variation, CAST(e." + d.ident("value") + " AS " + d.doubleType()
          + ") AS y, " + te + " AS ts_ms\n  FROM units u\n  JOIN (" + m.sqlSource() + ") e ON e." + d.ident("unit_id")
          + " = u.unit_id\n    AND "
          + te + " >= u.first_ts AND " + te + " < u.first_ts + " + m.windowMillis() + "\n  WHERE e."
          + d.ident("value") + " IS NOT NULL\n)";
    }
    String te = MetricQueries.time(d, s, "e");
    String events = MetricQueries.metricEvents(d, s, phase, params);
    params.add(m.eventName());
    String value = MetricQueries.value(d, s, m);
    return units + ",\nobs AS (\n  SELECT u.unit_id, u.variation, " + value
        + " AS y, " + te + " AS ts_ms\n  FROM units u\n  JOIN " + events + " e ON e." + d.ident(s.unitId())
        + " = u.unit_id AND e." + d.ident(s.eventName()) + " = ?" + MetricQueries.filters(d, s, m, params) + "\n    AND " + te
        + " >= u.first_ts AND " + te + " < u.first_ts + " + m.windowMillis() + "\n  WHERE " + value + " IS NOT NULL\n)";
  }
}
