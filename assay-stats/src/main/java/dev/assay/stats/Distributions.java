package dev.assay.stats;

import org.hipparchus.distribution.continuous.TDistribution;

/**
 * Student-t tails and quantiles on top of Hipparchus, with the accuracy the engine needs: p-values
 * from the lower tail (never 1 − cdf), quantiles polished by Newton steps on Hipparchus' own cdf
 * and density, and the normal limit for enormous degrees of freedom.
 */
final class Distributions {
  /** Beyond this many degrees of freedom the t and normal tails agree to better than 1e-9. */
  private static final double NORMAL_DF = 1e10;

  private Distributions() {}

  /** Two-sided p-value of a t statistic, 2·P(T_df > |t|). */
  static double tTwoSidedP(double t, double df) {
    if (Double.isNaN(t) || !(df > 0)) {
      return Double.NaN;
    }
    if (df > NORMAL_DF) {
      return 2.0 * NormalTails.sf(Math.abs(t));
    }
    return Math.min(1.0, 2.0 * new TDistribution(df).cumulativeProbability(-Math.abs(t)));
  }

  /** P(T_df > t). */
  static double tSf(double t, double df) {
    if (Double.isNaN(t) || !(df > 0)) {
      return Double.NaN;
    }
    if (df > NORMAL_DF) {
      return NormalTails.sf(t);
    }
    return new TDistribution(df).cumulativeProbability(-t);
  }

  /** The t with P(T_df > t) = q, for 0 < q < 1. */
  static double tUpperQuantile(double q, double df) {
    if (!(df > 0)) {
      return Double.NaN; // no degrees of freedom (e.g. zero variance): the caller reports why
    }
    if (df > NORMAL_DF) {
      return NormalTails.upperQuantile(q);
    }
    TDistribution t = new TDistribution(df);
    // From df = 30 on the normal quantile is within a few percent: Newton on Hipparchus' own cdf
    // converges from there in 3–4 steps, far faster than the generic bracketing inverse.
    double x = df >= 30 ? NormalTails.upperQuantile(q) : t.inverseCumulativeProbability(1.0 - q);
    for (int i = 0; i < 8; i++) {
      double density = t.density(x);
      if (!(density > 0)) {
        break;
      }
      double step = (t.cumulativeProbability(-x) - q) / density;
      x += step;
      if (Math.abs(step) <= 1e-15 * Math.abs(x)) {
        break;
      }
    }
    return x;
  }

  /** Welch–Satterthwaite degrees of freedom from two variances of the mean and their n. */
  static double welchDf(double vA, long nA, double vB, long nB) {
    double s = vA + vB;
    return s * s / (vA * vA / (nA - 1) + vB * vB / (nB - 1));
  }
}
