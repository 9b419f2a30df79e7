package dev.assay.stats;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One metric's per-variant sufficient statistics, in the order of the experiment's variants
 * (control first). Mean, proportion, sum and count metrics use {@link CupedStats} (with zero
 * covariate sums when there is no pre-exposure data); ratio metrics use {@link RatioStats}.
 *
 * @param key metric key
 * @param type mean, proportion or ratio
 * @param higherIsBetter direction; chance to win and "better/worse" follow it
 * @param role goal, secondary or guardrail; guardrails are not corrected for multiplicity
 * @param values per-variant statistics for mean and proportion metrics (null for ratio)
 * @param ratios per-variant statistics for ratio metrics (null otherwise)
 * @param nonInferiorityMargin tolerated degradation relative to the control mean (0.05: treatment
 *     may be up to 5% worse), tested one-sided for each variant; null for no test. Usually given
 *     for guardrails.
 */
public record MetricData(String key, Type type, boolean higherIsBetter, Role role,
    @Nullable List<CupedStats> values, @Nullable List<RatioStats> ratios, @Nullable Double nonInferiorityMargin) {

  public enum Type {
    MEAN,
    PROPORTION,
    RATIO
  }

  public enum Role {
    GOAL,
    SECONDARY,
    GUARDRAIL
  }

  public MetricData {
    if (key == null || key.isBlank()) {
      throw new StatsException("metric key must not be blank");
    }
    if ((type == Type.RATIO) != (ratios != null) || (type != Type.RATIO) != (values != null)) {
      throw new StatsException("metric '" + key + "': ratio metrics take ratio statistics, others take values");
    }
    if (nonInferiorityMargin != null && !(nonInferiorityMargin > 0 && Double.isFinite(nonInferiorityMargin))) {
      throw new StatsException("metric '" + key + "': nonInferiorityMargin must be a positive fraction of the"
          + " control mean, got " + nonInferiorityMargin);
    }
    values = values == null ? null : List.copyOf(values);
    ratios = ratios == null ? null : List.copyOf(ratios);
  }

  /** A metric without a non-inferiority test. */
  public MetricData(String key, Type type, boolean higherIsBetter, Role role, @Nullable List<CupedStats> values,
      @Nullable List<RatioStats> ratios) {
    this(key, type, higherIsBetter, role, values, ratios, null);
  }

  int variantCount() {
    List<?> stats = values != null ? values : ratios; // the constructor sets exactly one of them
    return stats == null ? 0 : stats.size();
  }
}
