package dev.assay.stats;

import java.util.Arrays;
import org.hipparchus.special.Beta;
import org.hipparchus.special.Gamma;

/**
 * The anytime-valid sample ratio mismatch test: a Bayes factor of a Dirichlet-multinomial
 * alternative against the configured split, updated with each batch of new units (for example
 * daily counts per arm). Its running p-value may be checked after every batch without inflating
 * the false-alarm rate.
 *
 * <p>Immutable: {@link #next(long[])} returns the state after one more batch. Thread-safe.
 */
public final class SequentialSampleRatioTest {

  /*
   * Lindon & Malek, "Anytime-valid inference for multinomial count data", NeurIPS 2022, §3
   * (Optimizely ssrm-test). Null: counts ~ Multinomial(p₀). Alternative: p ~ Dirichlet(c·p₀),
   * c = 10⁴ by default. The marginal likelihoods depend on the data only through cumulative
   * totals X, so with α = c·p₀
   *
   *   ln BF = lnΓ(Σα) − lnΓ(Σα + ΣX) + Σ_i [lnΓ(α_i + X_i) − lnΓ(α_i)] − Σ_i X_i ln p₀_i
   *
   * (the multinomial coefficients cancel). BF is a non-negative martingale under the null, so
   * p_t = min(1, min_{s≤t} 1/BF_s) is an anytime-valid p-value by Ville's inequality.
   * Shared statistics.md §6.2.
   */

  /** The default Dirichlet concentration c of the alternative (ssrm-test's default). */
  public static final double DEFAULT_CONCENTRATION = 10_000.0;

  private final double[] shares;
  private final double concentration;
  private final long[] totals;
  private final int batches;
  private final double logBayesFactor;
  private final double pValue;

  private SequentialSampleRatioTest(
      double[] shares,
      double concentration,
      long[] totals,
      int batches,
      double logBayesFactor,
      double pValue) {
    this.shares = shares;
    this.concentration = concentration;
    this.totals = totals;
    this.batches = batches;
    this.logBayesFactor = logBayesFactor;
    this.pValue = pValue;
  }

  /**
   * The state before any batch.
   *
   * @param weights configured split (any positive scale; every arm must have positive weight)
   * @param concentration Dirichlet concentration c &gt; 0 (see {@link #DEFAULT_CONCENTRATION})
   * @throws StatsException naming the bad argument
   */
  public static SequentialSampleRatioTest start(double[] weights, double concentration) {
    if (!(concentration > 0) || !Double.isFinite(concentration)) {
      throw new StatsException(
          "dirichlet_concentration must be positive and finite, got " + concentration);
    }
    if (weights.length < 2) {
      throw new StatsException("weights: at least two arms are required");
    }
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      if (!(weights[i] > 0) || !Double.isFinite(weights[i])) {
        throw new StatsException("weights[" + i + "] must be positive and finite, got " + weights[i]);
      }
      sum += weights[i];
    }
    double[] p = new double[weights.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = weights[i] / sum;
    }
    return new SequentialSampleRatioTest(p, concentration, new long[p.length], 0, 0.0, 1.0);
  }

  /**
   * Folds in one batch of new units per arm (not cumulative counts).
   *
   * @throws StatsException if the batch has the wrong length or a negative count
   */
  public SequentialSampleRatioTest next(long[] batch) {
    if (batch.length != shares.length) {
      throw new StatsException(
          "batch has " + batch.length + " arms, the test has " + shares.length);
    }
    long[] x = totals.clone();
    for (int i = 0; i < x.length; i++) {
      if (batch[i] < 0) {
        throw new StatsException("batch[" + i + "] must be >= 0, got " + batch[i]);
      }
      x[i] = Math.addExact(x[i], batch[i]);
    }
    double lbf = logBayesFactor(x);
    double p = Math.min(pValue, lbf <= 0 ? 1.0 : Math.exp(-lbf));
    return new SequentialSampleRatioTest(shares, concentration, x, batches + 1, lbf, p);
  }

  private double logBayesFactor(long[] x) {
    long n = 0;
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      n += x[i];
      sum += logRisingFactorial(concentration * shares[i], x[i]) - x[i] * Math.log(shares[i]);
    }
    return sum - logRisingFactorial(concentration, n);
  }

  /*
   * lnΓ(a + x) − lnΓ(a) as lnΓ(x) − ln B(a, x): for a and x in the thousands the two lnΓ values
   * are ~10⁵ and their difference loses ~1e-11 to rounding, while Hipparchus' ln B uses the
   * cancellation-free algorithm of DiDonato & Morris (ACM TOMS 18, 1992).
   */
  private static double logRisingFactorial(double a, long x) {
    if (x == 0) {
      return 0.0;
    }
    return Gamma.logGamma(x) - Beta.logBeta(a, x);
  }

  /** Natural log of the Bayes factor after the batches so far (0 before any). */
  public double logBayesFactor() {
    return logBayesFactor;
  }

  /** Running anytime-valid p-value (1 before any batch). */
  public double pValue() {
    return pValue;
  }

  /** Number of batches folded in. */
  public int batches() {
    return batches;
  }

  /** Cumulative units per arm. */
  public long[] totals() {
    return totals.clone();
  }

  /** The configured split, normalised to sum to 1. */
  public double[] shares() {
    return shares.clone();
  }

  public double concentration() {
    return concentration;
  }

  /** True if the running p-value is below {@code threshold} (e.g. 0.001). */
  public boolean flagged(double threshold) {
    return pValue < threshold;
  }

  @Override
  public String toString() {
    return "SequentialSampleRatioTest[batches="
        + batches
        + ", totals="
        + Arrays.toString(totals)
        + ", logBayesFactor="
        + logBayesFactor
        + ", pValue="
        + pValue
        + "]";
  }
}
