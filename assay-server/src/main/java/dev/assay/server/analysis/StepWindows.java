package dev.assay.server.analysis;

import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricType;
import dev.assay.stats.CupedStats;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures one step of a progressive rollout (ADR 0031) on the analysis warehouse: the units
 * exposed to each arm of the rollout's tracking key within the step's window, and per probe the
 * per-unit sufficient statistics of each arm, counting only events inside the window. The same
 * queries as an experiment's refresh ({@link WarehouseStatistics}), on one connection per look.
 * Thread-safe.
 */
public final class StepWindows {
  private final ConfigService config;
  private final ExperimentRefresh.Warehouse warehouse;
  private final WarehouseStatistics statistics;

  StepWindows(ConfigService config, ExperimentRefresh.Warehouse warehouse, WarehouseStatistics statistics) {
    this.config = config;
    this.warehouse = warehouse;
    this.statistics = statistics;
  }

  /** What a probe measures per unit: whether it had an event, how many, or the sum of their values. */
  public enum Per { ANY, COUNT, SUM }

  /**
   * One per-unit quantity to compare between the arms.
   *
   * @param name how the gate is called ({@code error_rate}, {@code latency}, {@code guardrail:<key>})
   * @param metric a configured metric (its own definition), or else events by name
   */
  public record Probe(String name, String eventName, Per per, java.util.Optional<Metric> metric) {}

  /** A probe on the events called {@code eventName}. */
  public static Probe events(String name, String eventName, Per per) {
    return new Probe(name, eventName, per, java.util.Optional.empty());
  }

  /** A probe on a configured metric; only proportion, count and mean metrics can gate a rollout. */
  public Probe metric(String project, String metricKey) {
    Metric m = config.metric(project, metricKey);
    if (m.type() != MetricType.PROPORTION && m.type() != MetricType.COUNT && m.type() != MetricType.MEAN) {
      throw DomainException.invalid("gates.guardrails.metric", "metric '" + metricKey + "' is a " + m.type().wire()
          + " metric; a rollout gate takes proportion, count or mean metrics");
    }
    return new Probe("guardrail:" + metricKey, "", Per.SUM, java.util.Optional.of(m));
  }

  /**
   * One look at a step.
   *
   * @param units units exposed per arm (control, treatment), excluding those who saw both
   * @param stats per probe, in order, the per-arm sufficient statistics
   */
  public record Measured(long[] units, long multipleExposures, List<List<CupedStats>> stats) {}

  /** Measures the window [fromMillis, toMillis] of a rollout's tracking key. */
  public Measured measure(String project, String trackingKey, long fromMillis, long toMillis, List<Probe> probes) {
    MetricQueries.Phase phase = new MetricQueries.Phase(trackingKey, fromMillis, toMillis, project);
    long window = Math.max(1, toMillis - fromMillis + 1);
    try (Connection c = warehouse.connect()) {
      WarehouseStatistics.ExposureCounts counts = statistics.exposures(c, phase, 2);
      List<List<CupedStats>> stats = new ArrayList<>();
      for (Probe p : probes) {
        MetricQueries.Metric q = p.metric().isPresent() ? AnalysisPlan.query(p.metric().get(), false)
            : new MetricQueries.Metric(p.eventName(), switch (p.per()) {
              case ANY -> MetricQueries.Aggregation.CONVERSION;
              case COUNT -> MetricQueries.Aggregation.COUNT;
              case SUM -> MetricQueries.Aggregation.SUM;
            }, window, 0, null, null);
        stats.add(statistics.metric(c, phase, q, 2));
      }
      return new Measured(counts.units(), counts.multipleExposures(), stats);
    } catch (SQLException e) {
      throw new IllegalStateException("rollout " + trackingKey + " could not be measured: " + e.getMessage(), e);
    }
  }
}
