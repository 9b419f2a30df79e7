package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.Correction;
import dev.assay.server.domain.model.Engine;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One refresh's results of an experiment phase, as stored and as the guardrail monitor and the
 * report read them. Serialized by {@link SnapshotJson} (the stored format, version
 * {@value SnapshotJson#FORMAT}); snapshots stored before the format had a version still read.
 *
 * @param to when the phase ended, if a later phase started
 * @param sufficientStatistics the per-variation sums each metric's results were computed from
 * @param results goal, secondary and guardrail results per metric and treatment variant
 * @param dimensions per breakdown dimension, the results per level and the interaction tests
 * @param runningStates the sequential state carried to the next refresh of this phase
 * @param design the clusters of a cluster randomization and the trigger of a triggered analysis
 */
public record AnalysisSnapshot(String experiment, int phase, Instant computedAt, Instant from, Optional<Instant> to,
    Settings settings, Health health, ObjectNode sufficientStatistics, List<Result> results,
    List<QuantileRow> quantileResults, Map<String, Breakdown> dimensions, List<RunningState> runningStates,
    DesignResults design) {
  public AnalysisSnapshot {
    results = List.copyOf(results);
    quantileResults = List.copyOf(quantileResults);
    dimensions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dimensions));
    runningStates = List.copyOf(runningStates);
  }

  /**
   * The analysis settings a snapshot was computed with; a refresh continues the sequential state
   * of the previous snapshot only when these are equal.
   */
  public record Settings(Engine engine, double alpha, boolean sequential, boolean cuped, Correction correction,
      Optional<Long> plannedUnits) {}

  /**
   * The health checks of the phase.
   *
   * @param srmSequentialPValue the running minimum over this phase's refreshes of the sequential
   *     sample-ratio test's p-value (what the guardrail monitor halts on)
   * @param tooSmall whether a variation has fewer units than its metrics' minimum sample
   * @param progress the share of the planned sample reached, when a plan exists
   * @param dataQuality the data excluded from the analysis and the data-quality checks (ADR 0042)
   */
  public record Health(List<UnitCount> units, double srmPValue, double srmSequentialPValue, boolean srm,
      long multipleExposureUnits, double multipleExposureRate, boolean tooSmall, OptionalDouble progress,
      List<String> warnings, DataQuality dataQuality) {
    public Health {
      units = List.copyOf(units);
      warnings = List.copyOf(warnings);
    }

    /** Health without data-quality results (snapshots stored before them). */
    public Health(List<UnitCount> units, double srmPValue, double srmSequentialPValue, boolean srm,
        long multipleExposureUnits, double multipleExposureRate, boolean tooSmall, OptionalDouble progress,
        List<String> warnings) {
      this(units, srmPValue, srmSequentialPValue, srm, multipleExposureUnits, multipleExposureRate, tooSmall, progress,
          warnings, DataQuality.NONE);
    }
  }

  /**
   * What a refresh excluded and how the data looks (ADR 0042).
   *
   * @param excluded rows flagged at ingestion and left out, by kind ({@code exposure} or
   *     {@code metric}: the metric events of the experiment's units) and reason
   * @param checks exposure volume, multiple exposures, metric sources, late data: each ok, warn or fail
   * @param exposureEvents clean exposure rows of the phase before this refresh's time (the next
   *     refresh's late-data check compares with it)
   */
  public record DataQuality(List<Excluded> excluded, List<QualityCheck> checks, long exposureEvents) {
    public static final DataQuality NONE = new DataQuality(List.of(), List.of(), -1);

    public DataQuality {
      excluded = List.copyOf(excluded);
      checks = List.copyOf(checks);
    }
  }

  /** Rows of one kind excluded for one reason. */
  public record Excluded(String kind, String reason, long events) {}

  /** One data-quality check: its name, {@code ok}/{@code warn}/{@code fail}, the measured value and why. */
  public record QualityCheck(String check, String status, OptionalDouble value, String message) {}

  /** A variation's exposed units, its share of all, and the share its weight expects. */
  public record UnitCount(String variant, long units, double share, double expectedShare) {}

  /**
   * One metric's result for one treatment variant. The typed fields are what the server acts on
   * (undefined numbers are empty); {@code row} is the full result as the statistics engine wrote it.
   */
  public record Result(String metric, String variant, OptionalDouble controlMean, OptionalDouble effect,
      OptionalDouble ciLower, OptionalDouble ciUpper, OptionalDouble lift, OptionalDouble liftCiLower,
      OptionalDouble liftCiUpper, OptionalDouble pValue, OptionalDouble pValueAdjusted,
      OptionalDouble cupedVarianceReduction, OptionalDouble chanceToWin, boolean significant, int looks,
      List<String> notes, ObjectNode row) {
    public Result {
      notes = List.copyOf(notes);
    }
  }

  /** A quantile metric's comparison of one treatment variant with control. */
  public record QuantileRow(String metric, String variant, String method, OptionalDouble level,
      OptionalDouble controlQuantile, OptionalDouble variantQuantile, OptionalDouble effect, OptionalDouble ciLower,
      OptionalDouble ciUpper, OptionalDouble pValue, OptionalDouble lift, OptionalDouble liftCiLower,
      OptionalDouble liftCiUpper, Optional<String> note) {}

  /**
   * The results of one breakdown dimension.
   *
   * @param levels per level, the result rows (corrected across all levels of the dimension)
   * @param interaction per metric and variant, whether the effect differs between levels
   */
  public record Breakdown(Map<String, List<ObjectNode>> levels, List<Interaction> interaction) {
    public Breakdown {
      levels = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(levels));
      interaction = List.copyOf(interaction);
    }
  }

  /** Cochran's Q test of whether a metric's effect in a variant differs between levels. */
  public record Interaction(String metric, String variant, String method, OptionalDouble q, OptionalDouble df,
      OptionalDouble pValue, OptionalDouble iSquared, Optional<String> note) {}

  /**
   * The always-valid state of one metric and variant after this refresh: the number of looks, the
   * running minimum p-value and the running intersection of the intervals (infinite while unbounded).
   */
  public record RunningState(String metric, String variant, int looks, double pValue, double ciLower,
      double ciUpper) {}
}
