package dev.assay.stats;

import java.util.Objects;
import java.util.Optional;
import org.hipparchus.distribution.continuous.UniformRealDistribution;
import org.hipparchus.distribution.discrete.BinomialDistribution;
import org.hipparchus.stat.inference.KolmogorovSmirnovTest;
import org.jspecify.annotations.Nullable;

/**
 * Whether a family of p-values from A/A tests (no true effect) looks like it should: uniform on
 * (0, 1), so that a share α of them fall below α. Two checks (Kohavi, Tang, Xu, "Trustworthy
 * Online Controlled Experiments", ch. 19 on A/A tests): the false-positive rate with a one-sided
 * exact binomial test of "more than α" (P(X ≥ k) for X ~ Bin(n, α)), and the one-sample
 * Kolmogorov–Smirnov test of the p-values against U(0, 1) (two-sided; Hipparchus'
 * {@code KolmogorovSmirnovTest}: the exact distribution evaluated in double precision, not with its
 * rational arithmetic, which takes minutes for a large distance; asymptotic for large samples).
 *
 * @param method {@link StatResult.Method#PVALUE_UNIFORMITY}
 * @param n the number of p-values
 * @param rejections how many are below α
 * @param rejectionRate rejections / n (the false-positive rate)
 * @param binomialPValue P(X ≥ rejections), X ~ Bin(n, α)
 * @param ksStatistic the Kolmogorov–Smirnov distance D to U(0, 1)
 * @param ksPValue the two-sided KS p-value
 * @param missingReason why the values are NaN (fewer than 2 p-values)
 */
public record PValueUniformity(Method method, int n, double alpha, int rejections, double rejectionRate,
    double binomialPValue, double ksStatistic, double ksPValue, @Nullable String missingReason) implements StatResult {
  /** Up to this many p-values the KS p-value is the exact distribution (evaluated in double precision). */
  public static final int EXACT_MAX = 200;

  public PValueUniformity {
    Objects.requireNonNull(method, "method");
  }

  @Override
  public Optional<String> missing() {
    return Optional.ofNullable(missingReason);
  }

  /** The checks of {@code p} (each in [0, 1]) at level {@code alpha}. */
  public static PValueUniformity of(double[] p, double alpha) {
    Checks.alpha(alpha);
    int k = 0;
    for (int i = 0; i < p.length; i++) {
      if (!(p[i] >= 0 && p[i] <= 1)) {
        throw new StatsException("p_values[" + i + "] must be in [0, 1], got " + p[i]);
      }
      k += p[i] < alpha ? 1 : 0;
    }
    double nan = Double.NaN;
    if (p.length < 2) {
      return new PValueUniformity(Method.PVALUE_UNIFORMITY, p.length, alpha, k, p.length == 0 ? nan
          : (double) k / p.length, nan, nan, nan, "fewer than 2 p-values");
    }
    double binomial = k == 0 ? 1.0 : 1 - new BinomialDistribution(p.length, alpha).cumulativeProbability(k - 1);
    UniformRealDistribution uniform = new UniformRealDistribution(0, 1);
    KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
    double d = ks.kolmogorovSmirnovStatistic(uniform, p);
    // Hipparchus' strict (BigFraction) evaluation takes minutes when D is large (a biased platform,
    // the case that matters); its double-precision Marsaglia–Tsang–Wang evaluation agrees with SciPy's exact value.
    double ksP = ks.kolmogorovSmirnovTest(uniform, p, false);
    return new PValueUniformity(Method.PVALUE_UNIFORMITY, p.length, alpha, k, (double) k / p.length,
        Math.max(0, Math.min(1, binomial)), d, ksP, null);
  }
}
