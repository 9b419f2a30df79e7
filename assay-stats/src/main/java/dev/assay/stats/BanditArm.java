package dev.assay.stats;

/**
 * Sufficient statistics of one bandit arm (or of one arm within one period): units, mean and
 * unit-level sample variance of the decision metric.
 *
 * @param n units, non-negative
 * @param mean mean of the metric over the units (ignored when n = 0)
 * @param variance unit-level sample variance (n − 1 denominator), non-negative
 */
public record BanditArm(long n, double mean, double variance) {

  public BanditArm {
    if (n < 0) {
      throw new StatsException("n must be non-negative, got " + n);
    }
    if (!Double.isFinite(mean)) {
      throw new StatsException("mean must be finite, got " + mean);
    }
    if (!(variance >= 0) || !Double.isFinite(variance)) {
      throw new StatsException("variance must be finite and non-negative, got " + variance);
    }
  }
}
