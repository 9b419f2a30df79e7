package dev.assay.stats;

import org.jspecify.annotations.Nullable;

/**
 * How to analyse an experiment. {@link #defaults()} are the engine's recommendations (§13 of the
 * methodology): frequentist Welch t, α = 0.05, CUPED on, always-valid sequential inference on,
 * Benjamini–Hochberg over goal metrics × variants.
 *
 * @param engine frequentist or Bayesian headline results (both are always computed)
 * @param alpha significance level, also 1 − credible level
 * @param sequential report always-valid (mSPRT) intervals and p-values as the headline
 * @param cuped adjust by the pre-exposure covariate when one is given
 * @param correction multiple-testing correction over goal and secondary metrics × variants
 * @param plannedUnits planned total units; tunes the sequential mixture (0: tune to the current n)
 * @param priorMean prior mean of the relative lift (Bayesian)
 * @param priorVariance prior variance of the relative lift; null for a flat prior
 */
public record AnalysisSettings(Engine engine, double alpha, boolean sequential, boolean cuped,
    MultipleTesting.Method correction, long plannedUnits, double priorMean, @Nullable Double priorVariance) {

  /** Which result leads. */
  public enum Engine {
    FREQUENTIST,
    BAYESIAN
  }

  public AnalysisSettings {
    Checks.alpha(alpha);
    if (plannedUnits < 0) {
      throw new StatsException("plannedUnits must not be negative, got " + plannedUnits);
    }
    if (priorVariance != null) {
      Checks.positive("prior variance", priorVariance);
    }
  }

  public static AnalysisSettings defaults() {
    return new AnalysisSettings(Engine.FREQUENTIST, 0.05, true, true, MultipleTesting.Method.BENJAMINI_HOCHBERG,
        0, 0.0, null);
  }
}
