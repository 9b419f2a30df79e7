package dev.assay.stats;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The absolute difference of two means (treatment b − control a) by Welch's t-test, with the
 * normal (z) version beside it.
 *
 * @param method what produced the numbers: {@link StatResult.Method#WELCH_T}
 * @param diff ȳ_b − ȳ_a
 * @param se standard error √(s²_a/n_a + s²_b/n_b)
 * @param t diff / se
 * @param df Welch–Satterthwaite degrees of freedom
 * @param pValue two-sided p-value from the t distribution
 * @param ciLower lower end of the t confidence interval
 * @param ciUpper upper end of the t confidence interval
 * @param pValueZ two-sided p-value from the normal distribution
 * @param ciLowerZ lower end of the normal confidence interval
 * @param ciUpperZ upper end of the normal confidence interval
 * @param missingReason why the inferential values are NaN (null when they are defined)
 */
public record MeanDifference(
    Method method,
    double diff,
    double se,
    double t,
    double df,
    double pValue,
    double ciLower,
    double ciUpper,
    double pValueZ,
    double ciLowerZ,
    double ciUpperZ,
    @Nullable String missingReason) implements StatResult {

  public MeanDifference {
    Objects.requireNonNull(method, "method");
  }

  /** Why the test could not be computed, if it could not. */
  @Override
  public Optional<String> missing() {
    return Optional.ofNullable(missingReason);
  }

  /** Welch's t-test of b − a at level {@code alpha} (two-sided). */
  public static MeanDifference welch(SampleStats a, SampleStats b, double alpha) {
    Checks.alpha(alpha);
    double diff = b.mean() - a.mean();
    String missing = null;
    if (a.n() < 2 || b.n() < 2) {
      missing = "n < 2 in " + (a.n() < 2 ? "control" : "treatment") + ": no variance estimate";
    } else if (a.variance() == 0 && b.variance() == 0) {
      missing = "zero variance in both arms";
    }
    if (missing != null) {
      double nan = Double.NaN;
      return new MeanDifference(Method.WELCH_T, a.n() > 0 && b.n() > 0 ? diff : nan, nan, nan, nan, nan,
          nan, nan, nan, nan, nan, missing);
    }
    double vA = a.varianceOfMean();
    double vB = b.varianceOfMean();
    double se = Math.sqrt(vA + vB);
    double t = diff / se;
    double df = Distributions.welchDf(vA, a.n(), vB, b.n());
    double tq = Distributions.tUpperQuantile(alpha / 2, df);
    double zq = NormalTails.upperQuantile(alpha / 2);
    return new MeanDifference(Method.WELCH_T, diff, se, t, df, Distributions.tTwoSidedP(t, df),
        diff - tq * se, diff + tq * se, Math.min(1.0, 2 * NormalTails.sf(Math.abs(t))),
        diff - zq * se, diff + zq * se, null);
  }
}
