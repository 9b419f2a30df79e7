package dev.assay.stats;

import org.hipparchus.special.Gamma;

/**
 * Pearson's χ² goodness-of-fit test of observed units per arm against the configured split: the
 * sample ratio mismatch (SRM) check.
 *
 * @param chi2 the statistic Σ(O − E)²/E over arms with positive weight
 * @param df degrees of freedom, (arms with positive weight) − 1
 * @param pValue upper tail P(χ²_df ≥ chi2), accurate down to the smallest doubles
 * @param threshold the p-value below which the split is flagged
 */
public record SampleRatioMismatch(double chi2, int df, double pValue, double threshold) implements StatResult {

  @Override
  public Method method() {
    return Method.SRM_CHI_SQUARE;
  }

  /*
   * The threshold 0.001 is the industry default (GrowthBook DEFAULT_SRM_THRESHOLD, Eppo), chosen
   * because the check runs at every refresh and is not sequentially valid; Fabijan et al.,
   * "Diagnosing Sample Ratio Mismatch in Online Controlled Experiments", KDD 2019, recommend a
   * similarly conservative level. The p-value is the regularized upper incomplete gamma function
   * Q(df/2, χ²/2), not 1 − cdf, so it stays accurate far into the tail. Arms with zero weight are
   * left out of both the statistic and df (shared statistics.md §6.1); any units in them are a
   * bug of their own and must be reported separately.
   */

  /** The default flagging threshold, p &lt; 0.001. */
  public static final double DEFAULT_THRESHOLD = 0.001;

  public SampleRatioMismatch {
    if (!(chi2 >= 0)) {
      throw new StatsException("chi2 must be non-negative, got " + chi2);
    }
    if (df < 1) {
      throw new StatsException("df must be at least 1, got " + df);
    }
    if (!(threshold > 0 && threshold < 1)) {
      throw new StatsException("threshold must be in (0, 1), got " + threshold);
    }
  }

  /** Tests the counts against the weights at the default threshold. */
  public static SampleRatioMismatch test(long[] counts, double[] weights) {
    return test(counts, weights, DEFAULT_THRESHOLD);
  }

  /**
   * Tests observed units per arm against configured weights (any positive scale; normalised over
   * arms with positive weight).
   *
   * @throws StatsException if the lengths differ, a count is negative, a weight is negative or not
   *     finite, fewer than two arms have positive weight, or no units fall in them
   */
  public static SampleRatioMismatch test(long[] counts, double[] weights, double threshold) {
    double[] p = activeShares(counts, weights);
    long total = 0;
    int active = 0;
    for (int i = 0; i < counts.length; i++) {
      if (p[i] > 0) {
        total += counts[i];
        active++;
      }
    }
    if (total == 0) {
      throw new StatsException("counts: no units in arms with positive weight");
    }
    double chi2 = 0;
    for (int i = 0; i < counts.length; i++) {
      if (p[i] > 0) {
        double e = p[i] * total;
        double d = counts[i] - e;
        chi2 += d * d / e;
      }
    }
    int df = active - 1;
    double pValue = Gamma.regularizedGammaQ(df / 2.0, chi2 / 2.0);
    return new SampleRatioMismatch(chi2, df, pValue, threshold);
  }

  /** True if p &lt; threshold: the observed split is very unlikely under the configured one. */
  public boolean flagged() {
    return pValue < threshold;
  }

  /** Validates counts and weights and returns weights normalised over positive entries. */
  static double[] activeShares(long[] counts, double[] weights) {
    if (counts.length != weights.length) {
      throw new StatsException(
          "counts and weights must have the same length, got "
              + counts.length
              + " and "
              + weights.length);
    }
    double sum = 0;
    int positive = 0;
    for (int i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || !Double.isFinite(weights[i])) {
        throw new StatsException("weights[" + i + "] must be finite and >= 0, got " + weights[i]);
      }
      if (counts[i] < 0) {
        throw new StatsException("counts[" + i + "] must be >= 0, got " + counts[i]);
      }
      if (weights[i] > 0) {
        sum += weights[i];
        positive++;
      }
    }
    if (positive < 2) {
      throw new StatsException("weights: at least two arms need a positive weight");
    }
    double[] p = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      p[i] = weights[i] / sum;
    }
    return p;
  }
}
