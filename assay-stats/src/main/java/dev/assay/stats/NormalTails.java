package dev.assay.stats;

import org.hipparchus.special.Erf;

/**
 * Standard normal tail functions for the sequential, SRM, quantile and bandit code, computed from
 * the complementary error function so that upper tails stay accurate far beyond {@code 1 - cdf}.
 */
final class NormalTails {

  private static final double SQRT2 = Math.sqrt(2.0);
  private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

  private NormalTails() {}

  /** P(Z > x). */
  static double sf(double x) {
    return 0.5 * Erf.erfc(x / SQRT2);
  }

  /** P(Z <= x). */
  static double cdf(double x) {
    return 0.5 * Erf.erfc(-x / SQRT2);
  }

  static double pdf(double x) {
    return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  }

  /** The z with P(Z > z) = q, for 0 < q < 1 (accurate for tiny q). */
  static double upperQuantile(double q) {
    return SQRT2 * Erf.erfcInv(2.0 * q);
  }
}
