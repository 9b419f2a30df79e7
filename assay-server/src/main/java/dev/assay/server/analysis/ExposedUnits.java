package dev.assay.server.analysis;

import dev.assay.server.analysis.MetricQueries.Phase;
import java.util.List;

/**
 * The CTEs every analysis query starts with: {@code exposed} (per unit of the phase its variations,
 * first exposure and, when asked, its cluster or the level of a dimension) and {@code units} (the
 * units seen in one variation only, restricted to the triggered ones when the phase has a trigger).
 */
final class ExposedUnits {
  /*
   * A unit seen in one variation only: its MIN and MAX variation agree. Written as an inequality
   * (MIN <= MAX always holds, so it means the same) because planners estimate an equality of two
   * computed columns at 0.5% of the rows: PostgreSQL then joins the events by nested loop, which
   * is quadratic on tables without an index on the unit (the flag-column contract test took 163 s
   * instead of 1 s). With Assay's own covering indexes the nested loop was faster (18.5-21.8 s of
   * CPU against 27.6-34.0 s for the hash join the right estimate gives, docs/performance.md), but
   * a customer's tables have no such index: the bounded cost is chosen over the quadratic one.
   */
  static final String ONE_VARIATION = "max_variation <= variation";

  private ExposedUnits() {}

  /** The two CTEs (values bound into {@code params}); with a dimension, a {@code dim} column. */
  static String cte(Dialect d, WarehouseSchema s, Phase phase, List<Object> params, String dimension) {
    String t = MetricQueries.time(d, s, null);
    params.add(phase.experimentKey());
    params.add(phase.startMillis());
    params.add(phase.endMillis());
    String project = "";
    if (phase.filtersProject(s)) {
      params.add(phase.project());
      project = " AND " + d.ident(s.project()) + " = ?";
    }
    // Rows flagged at ingestion are excluded (ADR 0042).
    String clean = s.flag() == null ? "" : " AND " + d.ident(s.flag()) + " IS NULL";
    String where = "  WHERE " + d.ident(s.experimentKey()) + " = ? AND " + t + " >= ? AND " + t + " < ?" + project + clean
        + "\n";
    if (dimension == null) {
      String exposed = "WITH exposed AS (\n"
          + "  SELECT " + d.ident(s.unitId()) + " AS unit_id, MIN(" + d.ident(s.variationId()) + ") AS variation, MAX("
          + d.ident(s.variationId()) + ") AS max_variation, MIN(" + t + ") AS first_ts"
          + DesignQueries.clusterColumn(d, s, phase) + "\n"
          + "  FROM " + s.exposuresFrom(d) + "\n" + where
          + "  GROUP BY " + d.ident(s.unitId()) + "\n),\n";
      String units = phase.aaSalt() == null ? "units" : "exposed_units";
      String cte = exposed + units + " AS (\n  SELECT unit_id, variation, first_ts" + (phase.cluster() == null ? "" : ", cluster_id")
          + " FROM exposed WHERE " + ONE_VARIATION + DesignQueries.triggered(d, s, phase, params) + "\n)";
      if (phase.aaSalt() == null) {
        return cte;
      }
      // Platform A/A (ADR 0048): the control's units, in two halves by a salted hash.
      params.add(phase.aaSalt());
      return cte + ",\nunits AS (\n  SELECT unit_id, " + d.hashHalf("CAST(? AS " + d.stringType() + ") || unit_id")
          + " AS variation, first_ts FROM exposed_units WHERE variation = 0\n)";
    }
    if (phase.aaSalt() != null) {
      throw new IllegalArgumentException("the platform A/A split has no dimension breakdown");
    }
    String units = "units AS (\n  SELECT unit_id, variation, first_ts, dim FROM exposed WHERE " + ONE_VARIATION
        + DesignQueries.triggered(d, s, phase, params) + "\n)";
    // The level is the attribute's value at the unit's first exposure in the phase.
    String level = s.attributes() == null ? "CAST(" + d.ident(dimension) + " AS " + d.stringType() + ")"
        : d.jsonText(d.ident(s.attributes()), dimension);
    return "WITH exposed AS (\n"
        + "  SELECT unit_id, MIN(variation) AS variation, MAX(variation) AS max_variation, MIN(ts_ms) AS first_ts,"
        + " MIN(first_level) AS dim\n"
        + "  FROM (\n    SELECT " + d.ident(s.unitId()) + " AS unit_id, " + d.ident(s.variationId()) + " AS variation, "
        + t + " AS ts_ms,\n      FIRST_VALUE(" + level + ") OVER (PARTITION BY " + d.ident(s.unitId()) + " ORDER BY " + t
        + ", " + level + ") AS first_level\n    FROM " + s.exposuresFrom(d) + "\n  " + where + "  ) x\n"
        + "  GROUP BY unit_id\n),\n" + units;
  }
}
