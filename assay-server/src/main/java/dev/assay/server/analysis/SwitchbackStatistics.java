package dev.assay.server.analysis;

import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricType;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.SwitchbackSettings;
import dev.assay.stats.ClusterSums;
import dev.assay.stats.ClusteredMeanDifference;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A switchback's analysis at the window × region level (docs/designs.md "Switchbacks", ADR 0038).
 * A cell (the hashed unit {@code "<region>|<window>"}) is the unit of the exposures; its
 * observations are the primary metric's events (their values), read in one warehouse query that
 * drops the events of each window's first {@code burnInSeconds} (carry-over). Per variant against
 * control, {@link ClusteredMeanDifference} gives the mean per event with a cluster-robust SE
 * (clusters = cells) and the naive SE that treats events as independent. Thread-safe.
 */
public final class SwitchbackStatistics {
  private final ExperimentRefresh.Warehouse warehouse;
  private final Dialect dialect;
  private final WarehouseSchema schema;
  private final java.time.Duration timeout;

  SwitchbackStatistics(ExperimentRefresh.Warehouse warehouse, Dialect dialect, WarehouseSchema schema,
      java.time.Duration timeout) {
    this.warehouse = warehouse;
    this.dialect = dialect;
    this.schema = schema;
    this.timeout = timeout;
  }

  /** One cell's observations after the burn-in, and the events its burn-in dropped. */
  public record Cell(String unit, String region, long window, int variation, ClusterSums sums, long burnInEvents) {}

  /**
   * The analysis of the current phase.
   *
   * @param cells the cells with at least one observation, by window then region
   * @param burnInEvents events dropped because they fell in a burn-in
   * @param comparisons per variant after control (variant order), the comparison with control; empty
   *     where either arm has fewer than 2 cells
   */
  public record Result(List<Cell> cells, long burnInEvents, Map<Integer, ClusteredMeanDifference> comparisons) {}

  /**
   * Reads and analyses the current phase of {@code exp} on {@code metric} (a mean or sum metric over
   * valued events) at level {@code alpha}.
   *
   * @throws DomainException (409) if the experiment has not started or the metric is not event-valued;
   *     (422) if the warehouse query fails or runs past the analysis timeout
   */
  public Result analyse(String project, Experiment exp, Metric metric, double alpha) {
    SwitchbackSettings s = exp.switchback().orElseThrow();
    Phase phase = exp.currentPhase().orElseThrow(() -> DomainException.conflict("not_started",
        "experiment '" + exp.key() + "' has not started: there is nothing to analyse yet", List.of()));
    if (metric.sql().isPresent() || !(metric.type() == MetricType.MEAN || metric.type() == MetricType.SUM)) {
      throw DomainException.conflict("metric_not_valued", "a switchback is analysed per event value: its primary"
          + " metric '" + metric.key() + "' must be a mean or sum metric over an event, is " + metric.type()
          .name().toLowerCase(java.util.Locale.ROOT) + (metric.sql().isPresent() ? " (SQL-defined)" : ""), List.of());
    }
    MetricQueries.Phase window = new MetricQueries.Phase(exp.key(), phase.startedAt(), AnalysisPlan.OPEN_END, project);
    MetricQueries.SqlQuery q = query(window, AnalysisPlan.query(metric, false), s);
    List<Cell> cells = new ArrayList<>();
    long dropped = 0;
    try (Connection c = warehouse.connect(); PreparedStatement ps = dialect.prepare(c, q.sql(), q.params())) {
      ps.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long n = rs.getLong("n");
          long burnIn = rs.getLong("burn_in");
          dropped += burnIn;
          String unit = rs.getString("unit_id");
          int bar = unit.lastIndexOf('|');
          long w = bar < 0 ? Long.MIN_VALUE : parse(unit.substring(bar + 1));
          if (n > 0 && w != Long.MIN_VALUE) {
            cells.add(new Cell(unit, unit.substring(0, bar), w, rs.getInt("variation"),
                new ClusterSums(n, rs.getDouble("sum_y"), rs.getDouble("sum_y2")), burnIn));
          }
        }
      }
    } catch (SQLException e) {
      throw AnalysisSandbox.failure(e, "the switchback cells of '" + exp.key() + "'", timeout);
    }
    cells.sort(java.util.Comparator.comparingLong(Cell::window).thenComparing(Cell::region));
    return new Result(List.copyOf(cells), dropped, compare(cells, exp.variants().size(), alpha));
  }

  private static long parse(String index) {
    try {
      return Long.parseLong(index);
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE; // not a switchback unit (an exposure sent by hand): left out
    }
  }

  private static Map<Integer, ClusteredMeanDifference> compare(List<Cell> cells, int variants, double alpha) {
    List<List<ClusterSums>> arms = new ArrayList<>();
    for (int v = 0; v < variants; v++) {
      arms.add(new ArrayList<>());
    }
    cells.stream().filter(c -> c.variation() >= 0 && c.variation() < variants)
        .forEach(c -> arms.get(c.variation()).add(c.sums()));
    Map<Integer, ClusteredMeanDifference> out = new TreeMap<>();
    for (int v = 1; v < variants; v++) {
      if (arms.get(0).size() >= 2 && arms.get(v).size() >= 2) {
        out.put(v, ClusteredMeanDifference.compare(arms.get(0), arms.get(v), alpha));
      }
    }
    return out;
  }

  /**
   * Per cell: observations after the burn-in (n, Σy, Σy²) and the events in the burn-in. An event's
   * window position is (t − origin) mod window; events before the origin count as burn-in.
   */
  MetricQueries.SqlQuery query(MetricQueries.Phase window, MetricQueries.Metric m, SwitchbackSettings s) {
    List<Object> params = new ArrayList<>();
    String obs = QuantileQueries.observations(dialect, schema, window, m, params);
    long origin = s.originMillis();
    String kept = "(ts_ms >= " + origin + " AND MOD(ts_ms - " + origin + ", " + s.windowSeconds() * 1000 + ") >= "
        + s.burnInSeconds() * 1000 + ")";
    String sql = obs + "\nSELECT unit_id, variation, SUM(CASE WHEN " + kept + " THEN 1 ELSE 0 END) AS n,"
        + " SUM(CASE WHEN " + kept + " THEN y ELSE 0 END) AS sum_y, SUM(CASE WHEN " + kept + " THEN y * y ELSE 0 END)"
        + " AS sum_y2, SUM(CASE WHEN " + kept + " THEN 0 ELSE 1 END) AS burn_in\nFROM obs\nGROUP BY unit_id, variation"
        + "\nORDER BY unit_id, variation";
    return new MetricQueries.SqlQuery(sql, params);
  }
}
