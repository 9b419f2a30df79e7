package dev.assay.server.analysis;

import dev.assay.server.analysis.AnalysisPlan.PlannedMetric;
import dev.assay.stats.CupedStats;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Which part of a refresh comes from the per-unit aggregates ({@link UnitAggregates}, ADR 0050)
 * and the fold before it. Eligible: a phase neither clustered, triggered nor broken down (by
 * dimensions or a stratification attribute), and in it the event-defined mean, proportion, count
 * and sum metrics; ratio, quantile and SQL-defined metrics are computed by their full queries as
 * before (the lineage's query labels say which was which). The fold runs on a connection of its
 * own that commits, before the refresh's read-only transaction; a fold that fails (a warehouse
 * role that may not create tables, say) is logged and the refresh is computed in full.
 */
final class IncrementalRefresh {
  private static final Logger LOG = Logger.getLogger(IncrementalRefresh.class.getName());
  /** The purpose of the lineage's query of the statistics read from the aggregates. */
  static final String PURPOSE = "metrics from the unit aggregates (incremental)";

  private final ExperimentRefresh.Warehouse warehouse;
  private final UnitAggregates aggregates;
  private final Duration lateness;

  IncrementalRefresh(ExperimentRefresh.Warehouse warehouse, UnitAggregates aggregates, Duration lateness) {
    if (lateness.isNegative()) {
      throw new IllegalArgumentException("the lateness bound must not be negative, was " + lateness);
    }
    this.warehouse = warehouse;
    this.aggregates = aggregates;
    this.lateness = lateness;
  }

  /** The metrics of a plan the aggregates hold, in plan order; empty when the plan is not eligible. */
  static List<PlannedMetric> eligible(AnalysisPlan plan) {
    AnalysisPlan.Design design = plan.design();
    if (!UnitAggregates.foldable(plan.window()) || !plan.dimensions().isEmpty() || design.stratify().isPresent()
        || design.clustered()) {
      return List.of();
    }
    return plan.metrics().stream().filter(m -> m.onePassEligible() && m.clip().isEmpty()).toList();
  }

  private static List<MetricQueries.Metric> queries(List<PlannedMetric> metrics) {
    return metrics.stream().map(m -> m.query(true)).toList();
  }

  /**
   * Before the refresh's reads: folds the events up to {@code now} minus the lateness bound, or
   * with {@code full} drops the table so that this refresh is computed by the full queries and the
   * next one builds the aggregates anew.
   *
   * @return whether the refresh may read the aggregates
   */
  boolean prepare(AnalysisPlan plan, long now, boolean full) {
    List<PlannedMetric> metrics = eligible(plan);
    if (metrics.isEmpty()) {
      return false;
    }
    try (Connection c = warehouse.connect()) {
      if (full) {
        aggregates.invalidate(c, plan.window(), queries(metrics));
        return false;
      }
      aggregates.fold(c, plan.window(), queries(metrics), now - lateness.toMillis());
      return true;
    } catch (SQLException | RuntimeException e) {
      LOG.log(Level.WARNING, "the unit aggregates of " + plan.project() + "/" + plan.experimentKey()
          + " could not be brought up to date; this refresh is computed in full: " + e.getMessage(), e);
      return false;
    }
  }

  /**
   * The exposure counts and per metric key the statistics from the aggregates, in the refresh's
   * read-only transaction (recorded in {@code log}); empty when there is no table.
   */
  Optional<Read> read(Connection c, AnalysisPlan plan, QueryLog log) throws SQLException {
    List<PlannedMetric> metrics = eligible(plan);
    Optional<UnitAggregates.Read> read = aggregates.read(c, plan.window(), queries(metrics), plan.variants().size());
    if (read.isEmpty()) {
      return Optional.empty();
    }
    log.label(new QueryLog.Label(PURPOSE, metrics.stream().map(PlannedMetric::key).toList(),
        metrics.stream().map(m -> m.query(true).eventName()).distinct().sorted().toList(),
        metrics.stream().mapToLong(m -> m.query(true).lookbackMillis()).max().orElse(0),
        metrics.stream().mapToLong(m -> m.query(true).windowMillis()).max().orElse(0)));
    log.add(read.get().query(), read.get().rows());
    Map<String, List<CupedStats>> byKey = new LinkedHashMap<>();
    for (int i = 0; i < metrics.size(); i++) {
      byKey.put(metrics.get(i).key(), read.get().metrics().get(i));
    }
    return Optional.of(new Read(read.get().counts(), byKey));
  }

  /** What a refresh takes from the aggregates. */
  record Read(WarehouseStatistics.ExposureCounts counts, Map<String, List<CupedStats>> metrics) {}
}
