package dev.assay.stats;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One-sided non-inferiority test for guardrail metrics: is treatment no worse than control by
 * more than a margin? For a metric where higher is better, H₀: Δ ≤ −margin against H₁: Δ > −margin;
 * for lower-is-better the signs flip.
 *
 * <p>Two forms. {@link #test} is the fixed-horizon Welch t test, valid at one planned look.
 * {@link #alwaysValid} inverts the always-valid normal-mixture confidence sequence (the mSPRT of
 * {@link NormalMixtureSequence} centred on the margin): treatment is non-inferior once the
 * sequence's bound on the degradation side clears the margin, which keeps the error rate at α
 * however often the guardrail is checked.
 *
 * @param method the identifier of {@link StatResult.Method#WELCH_T_ONE_SIDED} or
 *     {@link StatResult.Method#MSPRT_ONE_SIDED} (a string: it is this result's JSON label; see
 *     {@link #methods()})
 * @param diff ȳ_b − ȳ_a (CUPED-adjusted when the analysis adjusted it)
 * @param margin the tolerated degradation (positive, in the metric's units)
 * @param t the standardized distance from the margin, (±Δ + margin)/se
 * @param df Welch degrees of freedom; NaN for the always-valid form (normal approximation)
 * @param pValue one-sided p-value (always-valid for {@code msprt_one_sided})
 * @param bound the (1 − α) confidence bound on the degradation side
 * @param nonInferior whether H₀ is rejected at α (treatment is not worse by more than the margin)
 */
public record NonInferiority(String method, double diff, double margin, double t, double df, double pValue,
    double bound, boolean nonInferior) {

  public NonInferiority {
    Objects.requireNonNull(method, "method");
    StatResult.Method m = StatResult.Method.fromId(method);
    if (m != StatResult.Method.WELCH_T_ONE_SIDED && m != StatResult.Method.MSPRT_ONE_SIDED) {
      throw new StatsException("a non-inferiority test is welch_t_one_sided or msprt_one_sided, not " + method);
    }
  }

  /**
   * Empty: a test that exists has every value defined ({@code df} is NaN for the always-valid test
   * by design, it has no degrees of freedom); where it cannot be computed the analysis gives no test
   * and says why in the metric's notes.
   */
  public Optional<String> missing() {
    return Optional.empty();
  }

  /** The method of the test, typed: {@link StatResult.Method#WELCH_T_ONE_SIDED} or {@code MSPRT_ONE_SIDED}. */
  public List<StatResult.Method> methods() {
    return List.of(StatResult.Method.fromId(method));
  }

  /** Fixed-horizon Welch test from each arm's mean and variance. */
  public static NonInferiority test(SampleStats a, SampleStats b, double margin, boolean higherIsBetter,
      double alpha) {
    Checks.alpha(alpha);
    Checks.positive("margin", margin);
    if (a.n() < 2 || b.n() < 2) {
      throw new StatsException("non-inferiority needs n >= 2 in both arms, got n_a=" + a.n() + " n_b=" + b.n());
    }
    double vA = a.varianceOfMean();
    double vB = b.varianceOfMean();
    return fixedHorizon(b.mean() - a.mean(), vA + vB, Distributions.welchDf(vA, a.n(), vB, b.n()), margin,
        higherIsBetter, alpha);
  }

  /**
   * Fixed-horizon one-sided t test from an effect estimate (for example a CUPED-adjusted one).
   *
   * @param diff effect estimate Δ̂
   * @param variance its variance
   * @param df degrees of freedom of the t reference distribution
   */
  static NonInferiority fixedHorizon(double diff, double variance, double df, double margin,
      boolean higherIsBetter, double alpha) {
    Checks.alpha(alpha);
    Checks.positive("margin", margin);
    double se = Math.sqrt(variance);
    if (!(se > 0)) {
      throw new StatsException("zero variance in both arms: the test is undefined");
    }
    double signed = higherIsBetter ? diff : -diff;
    double t = (signed + margin) / se;
    double p = Distributions.tSf(t, df);
    double tq = Distributions.tUpperQuantile(alpha, df);
    double bound = higherIsBetter ? diff - tq * se : diff + tq * se;
    return new NonInferiority(StatResult.Method.WELCH_T_ONE_SIDED.id(), diff, margin, t, df, p, bound, p < alpha);
  }

  /**
   * Always-valid one-sided test: the mSPRT of H₀: Δ = ∓margin with the mixture tuned to the
   * planned variance. The two-sided sequence at α bounds the error on the degradation side by α,
   * so the bound is the sequence's lower end (higher is better) or upper end.
   *
   * <p>This is one look; a monitoring system keeps the running minimum of the p-value (and the
   * running most favourable bound) across looks, as for {@link AlwaysValidState}.
   *
   * @param diff effect estimate Δ̂
   * @param variance its variance
   * @param plannedVariance the variance expected at the planned sample size (tunes τ²)
   */
  public static NonInferiority alwaysValid(double diff, double variance, double plannedVariance, double margin,
      boolean higherIsBetter, double alpha) {
    Checks.alpha(alpha);
    Checks.positive("margin", margin);
    if (!(variance > 0) || !Double.isFinite(variance)) {
      throw new StatsException("variance must be positive and finite, got " + variance);
    }
    double theta0 = higherIsBetter ? -margin : margin;
    double tau2 = MixtureTuning.of(plannedVariance > 0 ? plannedVariance : variance, alpha).tau2Optimal();
    AlwaysValidLook look = new NormalMixtureSequence(tau2, alpha, theta0).look(diff, variance);
    double signed = higherIsBetter ? diff : -diff;
    double t = (signed + margin) / Math.sqrt(variance);
    // The mixture p-value is two-sided; an estimate on the degradation side of the margin is no
    // evidence of non-inferiority at all.
    double p = t > 0 ? look.pValue() : 1.0;
    double bound = higherIsBetter ? look.ciLower() : look.ciUpper();
    boolean ok = higherIsBetter ? bound > -margin : bound < margin;
    return new NonInferiority(StatResult.Method.MSPRT_ONE_SIDED.id(), diff, margin, t, Double.NaN, p, bound, ok);
  }
}
