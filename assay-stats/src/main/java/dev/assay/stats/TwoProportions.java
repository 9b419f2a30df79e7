package dev.assay.stats;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Difference of two conversion rates (p_b − p_a): the unpooled (Wald) z-test and interval, which
 * the engine reports, plus the pooled classical z (equal to Pearson's χ² without Yates) and
 * GrowthBook's Welch t with MLE variances, for cross-checking.
 */
public record TwoProportions(
    double pA,
    double pB,
    double diff,
    double sePooled,
    double zPooled,
    double pValuePooled,
    double seUnpooled,
    double zUnpooled,
    double pValueUnpooled,
    double ciLowerUnpooled,
    double ciUpperUnpooled,
    double dfWelchMleVar,
    double pValueWelchMleVar,
    @Nullable String missingReason) implements StatResult {

  @Override
  public Method method() {
    return Method.TWO_PROPORTION_Z_UNPOOLED;
  }

  public Optional<String> missing() {
    return Optional.ofNullable(missingReason);
  }

  /** Compares x_b/n_b with x_a/n_a at level {@code alpha}. */
  public static TwoProportions compare(long nA, long xA, long nB, long xB, double alpha) {
    Checks.alpha(alpha);
    if (nA <= 0 || nB <= 0 || xA < 0 || xB < 0 || xA > nA || xB > nB) {
      throw new StatsException("need 0 <= x <= n and n > 0 in both arms, got x_a=" + xA + " n_a=" + nA
          + " x_b=" + xB + " n_b=" + nB);
    }
    double pA = (double) xA / nA;
    double pB = (double) xB / nB;
    double diff = pB - pA;
    double pooled = (double) (xA + xB) / (nA + nB);
    double sePooled = Math.sqrt(pooled * (1 - pooled) * (1.0 / nA + 1.0 / nB));
    double vA = pA * (1 - pA) / nA;
    double vB = pB * (1 - pB) / nB;
    double se = Math.sqrt(vA + vB);
    double nan = Double.NaN;
    if (!(se > 0)) {
      return new TwoProportions(pA, pB, diff, sePooled, nan, nan, se, nan, nan, nan, nan, nan, nan,
          "zero variance: both rates are 0 or 1");
    }
    double zPooled = diff / sePooled;
    double z = diff / se;
    double zq = NormalTails.upperQuantile(alpha / 2);
    double df = Distributions.welchDf(vA, nA, vB, nB);
    return new TwoProportions(pA, pB, diff, sePooled, zPooled, twoSided(zPooled), se, z, twoSided(z),
        diff - zq * se, diff + zq * se, df, Distributions.tTwoSidedP(z, df), null);
  }

  static double twoSided(double z) {
    return Math.min(1.0, 2.0 * NormalTails.sf(Math.abs(z)));
  }
}
