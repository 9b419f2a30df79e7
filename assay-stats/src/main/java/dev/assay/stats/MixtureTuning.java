package dev.assay.stats;

/**
 * The mixing variance τ² of a {@link NormalMixtureSequence} chosen for a planned design: the one
 * that makes the always-valid interval narrowest when the variance of the estimate reaches
 * {@code plannedVariance} (for a difference in means, σ²_a/n_a + σ²_b/n_b at the planned sample
 * sizes). Also reports GrowthBook's and Eppo's one-step approximation for comparison.
 *
 * @param alpha significance level
 * @param plannedVariance variance V* of the estimate at the planned sample size
 * @param rOptimal the optimal ratio r* = τ²/V*
 * @param tau2Optimal r*·V*
 * @param rApprox GrowthBook/Eppo's ratio −2 ln α + ln(1 − 2 ln α)
 * @param tau2Approx rApprox·V*
 * @param halfwidthOptimal always-valid half-width at V* with the optimal τ²
 * @param halfwidthApprox always-valid half-width at V* with the approximate τ²
 * @param fixedHalfwidth fixed-horizon half-width z_{1−α/2}·√V*, for comparison
 */
public record MixtureTuning(
    double alpha,
    double plannedVariance,
    double rOptimal,
    double tau2Optimal,
    double rApprox,
    double tau2Approx,
    double halfwidthOptimal,
    double halfwidthApprox,
    double fixedHalfwidth) implements StatResult {

  @Override
  public Method method() {
    return Method.MSPRT_TAU_TUNING;
  }

  /*
   * With r = τ²/V*, the squared half-width at V* is V*(1 + 1/r)(ln(1 + r) − 2 ln α). Its
   * derivative in r vanishes where r = ln(1 + r) − 2 ln α (shared statistics.md §4.1). The map
   * r ↦ ln(1 + r) − 2 ln α is a contraction (slope 1/(1 + r) < 1), so fixed-point iteration from
   * r₀ = −2 ln α converges; its first step is exactly the GrowthBook/Eppo tuning
   * (Waudby-Smith et al. 2023, "Time-uniform central limit theory"; GrowthBook sequential.mdx).
   */

  public MixtureTuning {
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
    if (!(plannedVariance > 0) || !Double.isFinite(plannedVariance)) {
      throw new StatsException(
          "plannedVariance must be positive and finite, got " + plannedVariance);
    }
  }

  /** Computes the tuning for a planned variance of the estimate and a level α. */
  public static MixtureTuning of(double plannedVariance, double alpha) {
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
    double c = -2.0 * Math.log(alpha);
    double r = c;
    for (int i = 0; i < 200; i++) {
      double next = Math.log1p(r) + c;
      if (Math.abs(next - r) <= 1e-15 * next) {
        r = next;
        break;
      }
      r = next;
    }
    double rApprox = c + Math.log1p(c);
    double v = plannedVariance;
    return new MixtureTuning(
        alpha,
        v,
        r,
        r * v,
        rApprox,
        rApprox * v,
        NormalMixtureSequence.halfwidth(v, r * v, alpha),
        NormalMixtureSequence.halfwidth(v, rApprox * v, alpha),
        NormalTails.upperQuantile(alpha / 2.0) * Math.sqrt(v));
  }
}
