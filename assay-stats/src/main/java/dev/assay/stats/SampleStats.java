package dev.assay.stats;

/**
 * Summary of one arm's unit-level values: count, mean and sample variance (n − 1 denominator).
 *
 * @param n number of units
 * @param mean mean of the unit values
 * @param variance sample variance with an n − 1 denominator; NaN when n &lt; 2
 */
public record SampleStats(long n, double mean, double variance) {

  public SampleStats {
    if (n < 0) {
      throw new StatsException("n must not be negative, got " + n);
    }
    if (n > 0 && !Double.isFinite(mean)) {
      throw new StatsException("mean must be finite, got " + mean);
    }
    if (n > 1 && !(variance >= 0 && Double.isFinite(variance))) {
      throw new StatsException("variance must be finite and non-negative, got " + variance);
    }
  }

  /** From n, Σy and Σy². The one-pass form loses digits when |mean| ≫ sd; prefer centred input. */
  public static SampleStats fromSums(long n, double sum, double sumOfSquares) {
    if (n <= 0) {
      return new SampleStats(Math.max(n, 0), Double.NaN, Double.NaN);
    }
    double mean = sum / n;
    double variance = n > 1 ? Math.max(0.0, (sumOfSquares - sum * mean) / (n - 1)) : Double.NaN;
    return new SampleStats(n, mean, variance);
  }

  /** From raw values, by two compensated passes (exact mean first, then centred squares). */
  public static SampleStats fromValues(double[] values) {
    int n = values.length;
    if (n == 0) {
      return new SampleStats(0, Double.NaN, Double.NaN);
    }
    double mean = Sums.kahan(values) / n;
    double[] sq = new double[n];
    for (int i = 0; i < n; i++) {
      double d = values[i] - mean;
      sq[i] = d * d;
    }
    return new SampleStats(n, mean, n > 1 ? Sums.kahan(sq) / (n - 1) : Double.NaN);
  }

  /** Variance of the mean, s²/n. */
  double varianceOfMean() {
    return variance / n;
  }
}
