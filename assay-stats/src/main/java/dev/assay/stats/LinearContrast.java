package dev.assay.stats;

import java.util.List;
import java.util.Optional;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A linear contrast L = Σ c_k ȳ_k of independent arm means (factorial main effects and
 * interactions are such contrasts of the cell means) by a Welch-type t-test: variance
 * Var(L) = Σ c_k² s_k²/n_k with unequal variances, and the Welch–Satterthwaite degrees of freedom
 * ν = Var(L)² / Σ (c_k² s_k²/n_k)²/(n_k − 1) (Satterthwaite 1946; Montgomery, "Design and
 * Analysis of Experiments", §3.5 on contrasts). With c = (−1, 1) it is exactly
 * {@link MeanDifference#welch}.
 *
 * @param method {@link StatResult.Method#WELCH_CONTRAST}
 * @param estimate Σ c_k ȳ_k
 * @param se √Var(L)
 * @param df Welch–Satterthwaite degrees of freedom
 * @param pValue two-sided p-value of H0: L = 0 from the t distribution
 * @param ciLower lower end of the two-sided 1 − α t interval
 * @param ciUpper upper end of the two-sided 1 − α t interval
 * @param missingReason why the inferential values are NaN (null when they are defined)
 */
public record LinearContrast(Method method, double estimate, double se, double df, double pValue, double ciLower,
    double ciUpper, @Nullable String missingReason) implements StatResult {

  public LinearContrast {
    Objects.requireNonNull(method, "method");
  }

  @Override
  public Optional<String> missing() {
    return Optional.ofNullable(missingReason);
  }

  /**
   * The contrast with coefficients {@code c} of the arms {@code arms} (same length), at level
   * {@code alpha}. Arms with a zero coefficient do not enter; an entering arm with n &lt; 2 leaves
   * the inference undefined (and says so).
   */
  public static LinearContrast of(double[] c, List<SampleStats> arms, double alpha) {
    Checks.alpha(alpha);
    if (c.length != arms.size() || c.length == 0) {
      throw new StatsException("coefficients (" + c.length + ") and arms (" + arms.size()
          + ") must have the same, non-zero length");
    }
    double estimate = 0;
    double variance = 0;
    double dfDenominator = 0;
    String missing = null;
    for (int k = 0; k < c.length; k++) {
      if (!Double.isFinite(c[k])) {
        throw new StatsException("coefficient[" + k + "] must be finite, got " + c[k]);
      }
      if (c[k] == 0) {
        continue;
      }
      SampleStats a = arms.get(k);
      if (a.n() < 2) {
        missing = "n < 2 in arm " + k + ": no variance estimate";
        if (a.n() == 0) {
          estimate = Double.NaN;
        }
        continue;
      }
      estimate += c[k] * a.mean();
      double v = c[k] * c[k] * a.variance() / a.n();
      variance += v;
      dfDenominator += v * v / (a.n() - 1);
    }
    if (missing == null && variance == 0) {
      missing = "zero variance in every arm of the contrast";
    }
    double nan = Double.NaN;
    if (missing != null) {
      return new LinearContrast(Method.WELCH_CONTRAST, estimate, nan, nan, nan, nan, nan, missing);
    }
    double se = Math.sqrt(variance);
    double df = variance * variance / dfDenominator;
    double t = estimate / se;
    double q = Distributions.tUpperQuantile(alpha / 2, df);
    return new LinearContrast(Method.WELCH_CONTRAST, estimate, se, df, Distributions.tTwoSidedP(t, df),
        estimate - q * se, estimate + q * se, null);
  }
}
