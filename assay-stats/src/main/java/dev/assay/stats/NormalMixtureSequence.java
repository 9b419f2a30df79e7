package dev.assay.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * An always-valid test and confidence sequence for a difference in means: the mixture sequential
 * probability ratio test (mSPRT) with a normal mixing distribution N(θ₀, τ²) over the effect.
 *
 * <p>Each look takes the current effect estimate Δ̂ (for example {@code mean_b - mean_a}) and its
 * variance V (for example {@code var_a/n_a + var_b/n_b}) on cumulative data. The p-value and
 * interval of a single look are valid at that look only if combined across looks with {@link
 * AlwaysValidState}: running minimum p-value and running intersection of the intervals. With
 * them, the probability that the interval <em>ever</em> excludes the true effect, over any number
 * of looks taken at any times, is at most α.
 *
 * <p>Immutable and thread-safe.
 *
 * @param tau2 variance τ² of the normal mixing distribution, in squared effect units; must be
 *     positive. {@link #tunedTo(double, double)} chooses it from the planned sample size.
 * @param alpha significance level, in (0, 1)
 * @param theta0 the null effect tested by the p-value (usually 0)
 */
public record NormalMixtureSequence(double tau2, double alpha, double theta0) {

  /*
   * Johari, Pekelis & Walsh, "Always Valid Inference: Continuous Monitoring of A/B Tests",
   * Operations Research 70(3), 2022 (KDD 2017 version), section 4 and eq. (11): with a normal
   * approximation Δ̂ ~ N(θ, V) and mixing density N(θ₀, τ²), the mixture likelihood ratio is
   *
   *   Λ = sqrt(V / (V + τ²)) · exp( τ² (Δ̂ − θ₀)² / (2 V (V + τ²)) ).
   *
   * Λ is a non-negative martingale under θ = θ₀, so by Ville's inequality P(sup Λ ≥ 1/α) ≤ α:
   * p = min(1, 1/Λ) with a running minimum is an always-valid p-value, and inverting the test over
   * θ₀ gives the interval Δ̂ ± sqrt( V(V+τ²)/τ² · (2 ln(1/α) + ln((V+τ²)/V)) ), intersected with
   * every earlier interval. Reference: shared statistics.md §4.1.
   */

  public NormalMixtureSequence {
    if (!(tau2 > 0) || !Double.isFinite(tau2)) {
      throw new StatsException("tau2 must be a positive finite number, got " + tau2);
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
    if (!Double.isFinite(theta0)) {
      throw new StatsException("theta0 must be finite, got " + theta0);
    }
  }

  /** An mSPRT testing a zero effect. */
  public static NormalMixtureSequence of(double tau2, double alpha) {
    return new NormalMixtureSequence(tau2, alpha, 0.0);
  }

  /**
   * The mSPRT testing a zero effect whose τ² minimises the interval half-width when the variance
   * of the estimate has fallen to {@code plannedVariance}, i.e. at the planned sample size (see
   * {@link MixtureTuning}).
   */
  public static NormalMixtureSequence tunedTo(double plannedVariance, double alpha) {
    return of(MixtureTuning.of(plannedVariance, alpha).tau2Optimal(), alpha);
  }

  /**
   * Evaluates one look on cumulative data.
   *
   * @param estimate the effect estimate Δ̂ (finite)
   * @param variance its variance V (positive, finite)
   * @throws StatsException if the estimate or variance is not usable
   */
  public AlwaysValidLook look(double estimate, double variance) {
    if (!Double.isFinite(estimate)) {
      throw new StatsException("estimate must be finite, got " + estimate);
    }
    if (!(variance > 0) || !Double.isFinite(variance)) {
      throw new StatsException("variance must be positive and finite, got " + variance);
    }
    double d = estimate - theta0;
    double logLambda =
        -0.5 * Math.log1p(tau2 / variance) + tau2 * d * d / (2.0 * variance * (variance + tau2));
    double p = logLambda <= 0 ? 1.0 : Math.exp(-logLambda);
    double h = halfwidth(variance, tau2, alpha);
    return new AlwaysValidLook(estimate, variance, logLambda, p, estimate - h, estimate + h);
  }

  /**
   * Runs the sequence over cumulative looks in order and returns the running state after each.
   *
   * @param estimates effect estimate at each look
   * @param variances its variance at each look (same length)
   */
  public List<AlwaysValidState> run(double[] estimates, double[] variances) {
    if (estimates.length != variances.length) {
      throw new StatsException(
          "estimates and variances must have the same length, got "
              + estimates.length
              + " and "
              + variances.length);
    }
    List<AlwaysValidState> states = new ArrayList<>(estimates.length);
    AlwaysValidState state = AlwaysValidState.initial();
    for (int i = 0; i < estimates.length; i++) {
      state = state.next(look(estimates[i], variances[i]));
      states.add(state);
    }
    return List.copyOf(states);
  }

  /** Half-width of the always-valid interval at variance V with mixing variance τ². */
  static double halfwidth(double variance, double tau2, double alpha) {
    return Math.sqrt(
        variance
            * (variance + tau2)
            / tau2
            * (-2.0 * Math.log(alpha) + Math.log1p(tau2 / variance)));
  }
}
