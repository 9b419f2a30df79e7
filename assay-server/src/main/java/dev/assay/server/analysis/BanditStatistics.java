package dev.assay.server.analysis;

import dev.assay.server.domain.model.BanditPeriod;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.Phase;
import dev.assay.stats.BanditArm;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A bandit's primary metric per period and arm, read from the warehouse in one query: each unit
 * counts in the period of its first exposure in the phase and in the arm it was assigned (a unit
 * seen in two arms is left out, as in every analysis), so periods with different weights are
 * strata for {@link dev.assay.stats.PeriodStratifiedEstimate} (ADR 0034).
 */
public final class BanditStatistics {
  private final ExperimentRefresh.Warehouse warehouse;
  private final Dialect dialect;
  private final WarehouseSchema schema;

  BanditStatistics(ExperimentRefresh.Warehouse warehouse, Dialect dialect, WarehouseSchema schema) {
    this.warehouse = warehouse;
    this.dialect = dialect;
    this.schema = schema;
  }

  /** The start (epoch ms) of every period of a phase: the phase's own, then each update's. */
  public static List<Long> periodStarts(Phase phase) {
    List<Long> starts = new ArrayList<>();
    starts.add(phase.startedAt());
    phase.periods().stream().map(BanditPeriod::startedAt).forEach(starts::add);
    return starts;
  }

  /**
   * Per period of the current phase (oldest first), per variant (in variant order), the units and
   * the mean and variance of {@code metric}.
   */
  public List<List<BanditArm>> periodArms(String project, Experiment exp, Metric metric) throws SQLException {
    Phase phase = exp.currentPhase().orElseThrow();
    List<Long> starts = periodStarts(phase);
    int k = exp.variants().size();
    long[][] n = new long[starts.size()][k];
    double[][] sum = new double[starts.size()][k];
    double[][] sum2 = new double[starts.size()][k];
    MetricQueries.Phase window = new MetricQueries.Phase(exp.key(), phase.startedAt(), AnalysisPlan.OPEN_END, project);
    MetricQueries.SqlQuery q = query(window, AnalysisPlan.query(metric, false), starts);
    try (Connection c = warehouse.connect(); PreparedStatement ps = dialect.prepare(c, q.sql(), q.params())) {
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int p = rs.getInt("dim");
          int v = rs.getInt("variation");
          if (p >= 0 && p < starts.size() && v >= 0 && v < k) {
            n[p][v] = rs.getLong("n");
            sum[p][v] = rs.getDouble("sum_y");
            sum2[p][v] = rs.getDouble("sum_y2");
          }
        }
      }
    }
    List<List<BanditArm>> out = new ArrayList<>();
    for (int p = 0; p < starts.size(); p++) {
      List<BanditArm> arms = new ArrayList<>();
      for (int v = 0; v < k; v++) {
        arms.add(arm(n[p][v], sum[p][v], sum2[p][v]));
      }
      out.add(arms);
    }
    return out;
  }

  static BanditArm arm(long n, double sum, double sum2) {
    if (n == 0) {
      return new BanditArm(0, 0, 0);
    }
    double mean = sum / n;
    double variance = n < 2 ? 0 : Math.max(0, (sum2 - n * mean * mean) / (n - 1));
    return new BanditArm(n, mean, variance);
  }

  /** The per-unit metric of {@link MetricQueries#metric}, grouped by the period of the unit's first exposure. */
  MetricQueries.SqlQuery query(MetricQueries.Phase window, MetricQueries.Metric m, List<Long> starts) {
    List<Object> params = new ArrayList<>();
    String plain = "units AS (\n  SELECT unit_id, variation, first_ts FROM exposed WHERE " + ExposedUnits.ONE_VARIATION + "\n)";
    StringBuilder period = new StringBuilder(starts.size() == 1 ? "0" : "CASE");
    for (int p = starts.size() - 1; p >= 1; p--) {
      period.append(" WHEN first_ts >= ").append(starts.get(p).longValue()).append(" THEN ").append(p);
    }
    period.append(starts.size() == 1 ? "" : " ELSE 0 END");
    String units = MetricQueries.units(dialect, schema, window, params);
    if (!units.contains(plain)) {
      throw new IllegalStateException("the units query changed shape; BanditStatistics must follow it");
    }
    StringBuilder sql = new StringBuilder(units.replace(plain, "units AS (\n  SELECT unit_id, variation, first_ts, "
        + period + " AS dim FROM exposed WHERE " + ExposedUnits.ONE_VARIATION + "\n)"));
    String source = MetricQueries.perUnitCapped(dialect, schema, window, "per_unit", m, params, sql);
    sql.append("\nSELECT dim, variation, COUNT(*) AS n, SUM(y) AS sum_y, SUM(y * y) AS sum_y2\nFROM ").append(source)
        .append("\nGROUP BY dim, variation\nORDER BY dim, variation");
    return new MetricQueries.SqlQuery(sql.toString(), params);
  }
}
