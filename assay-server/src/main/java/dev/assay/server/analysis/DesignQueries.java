package dev.assay.server.analysis;

import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
import dev.assay.server.analysis.MetricQueries.SqlQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of two experiment designs on top of {@link MetricQueries}' units (ADR 0039).
 *
 * <p><b>Cluster randomization.</b> When the experiment hashes one attribute (a company) while its
 * metrics are measured per unit inside it (a user), each exposure names its cluster in its
 * attributes under the hash attribute's name. Units are then grouped by cluster, and per variation
 * the cluster sums go to the delta method as a ratio metric: numerator Σ_users y, denominator the
 * number of users (or a ratio metric's denominator sum). The estimate is the per-user mean
 * (Σ over clusters of the numerators over Σ of the denominators); its variance is computed at the
 * randomization unit, so correlation within clusters widens the interval as it should (Deng, Lu and
 * Litz, "Trustworthy analysis of online A/B tests: pitfalls, challenges and solutions", WSDM 2017,
 * §3; Donner and Klar, <i>Design and Analysis of Cluster Randomization Trials</i>, 2000).
 *
 * <p><b>Triggered analysis.</b> With a trigger event, the units CTE keeps only exposed units that
 * sent the event at or after their first exposure and before the phase ended.
 */
final class DesignQueries {
  private DesignQueries() {}

  /** The {@code cluster_id} column of the exposed CTE, or nothing when the phase is not clustered. */
  static String clusterColumn(Dialect d, WarehouseSchema s, Phase phase) {
    if (phase.cluster() == null) {
      return "";
    }
    String value = s.attributes() == null ? "CAST(" + d.ident(phase.cluster()) + " AS " + d.stringType() + ")"
        : d.jsonText(d.ident(s.attributes()), phase.cluster());
    // An exposure without the attribute (an old SDK, or the unit hashed itself) is its own cluster.
    return ", MIN(COALESCE(" + value + ", CAST(" + d.ident(s.unitId()) + " AS " + d.stringType() + "))) AS cluster_id";
  }

  /** The trigger condition appended to the units CTE's WHERE (values bound), or nothing. */
  static String triggered(Dialect d, WarehouseSchema s, Phase phase, List<Object> params) {
    if (phase.trigger() == null) {
      return "";
    }
    String events = MetricQueries.metricEvents(d, s, phase, params);
    params.add(phase.trigger());
    params.add(phase.endMillis());
    String te = MetricQueries.time(d, s, "t");
    return "\n    AND EXISTS (SELECT 1 FROM " + events + " t WHERE t." + d.ident(s.unitId()) + " = exposed.unit_id AND t."
        + d.ident(s.eventName()) + " = ? AND " + te + " >= exposed.first_ts AND " + te + " < ?)";
  }

  /**
   * Per variation the clusters' sums of a mean, proportion or count metric: columns variation, n
   * (clusters), sum_num, sum_den (units), sum_num_sq, sum_den_sq, sum_num_den.
   */
  static SqlQuery clusterMetric(Dialect d, WarehouseSchema s, Phase phase, Metric m) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder(MetricQueries.units(d, s, requireCluster(phase), params));
    String source = MetricQueries.perUnitCapped(d, s, phase, "per_unit", m, params, sql);
    sql.append(",\nclusters AS (\n  SELECT u.cluster_id, u.variation, SUM(p.y) AS num, CAST(COUNT(*) AS ")
        .append(d.doubleType()).append(") AS den\n  FROM units u JOIN ").append(source)
        .append(" p ON p.unit_id = u.unit_id\n  GROUP BY u.cluster_id, u.variation\n)");
    return new SqlQuery(sql.append(reduce()).toString(), params);
  }

  /** As {@link #clusterMetric} for a ratio metric: the clusters' numerator and denominator sums. */
  static SqlQuery clusterRatio(Dialect d, WarehouseSchema s, Phase phase, Metric numerator, Metric denominator) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder(MetricQueries.units(d, s, requireCluster(phase), params));
    String num = MetricQueries.perUnitCapped(d, s, phase, "num", numerator, params, sql);
    String den = MetricQueries.perUnitCapped(d, s, phase, "den", denominator, params, sql);
    sql.append(",\nclusters AS (\n  SELECT u.cluster_id, u.variation, SUM(n_.y) AS num, SUM(d_.y) AS den\n  FROM units u"
        + " JOIN ").append(num).append(" n_ ON n_.unit_id = u.unit_id JOIN ").append(den)
        .append(" d_ ON d_.unit_id = u.unit_id\n  GROUP BY u.cluster_id, u.variation\n)");
    return new SqlQuery(sql.append(reduce()).toString(), params);
  }

  /** Per variation the clusters counted (columns variation, units), for the sample-ratio test. */
  static SqlQuery clusterCounts(Dialect d, WarehouseSchema s, Phase phase) {
    List<Object> params = new ArrayList<>();
    String sql = MetricQueries.units(d, s, requireCluster(phase), params)
        + "\nSELECT variation, COUNT(DISTINCT cluster_id) AS units FROM units GROUP BY variation ORDER BY variation";
    return new SqlQuery(sql, params);
  }

  private static String reduce() {
    return "\nSELECT variation, COUNT(*) AS n, SUM(num) AS sum_num, SUM(den) AS sum_den, SUM(num * num) AS sum_num_sq,"
        + " SUM(den * den) AS sum_den_sq, SUM(num * den) AS sum_num_den\nFROM clusters\nGROUP BY variation"
        + "\nORDER BY variation";
  }

  private static Phase requireCluster(Phase phase) {
    if (phase.cluster() == null) {
      throw new IllegalArgumentException("the phase is not clustered");
    }
    return phase;
  }
}
