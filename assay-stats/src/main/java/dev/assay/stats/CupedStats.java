package dev.assay.stats;

/**
 * Sufficient statistics for CUPED in one arm: n, Σy, Σx, Σy², Σx², Σxy, where y is the metric in
 * the analysis window and x its pre-exposure value (the covariate).
 */
public record CupedStats(long n, double sumY, double sumX, double sumY2, double sumX2, double sumXY) {

  public CupedStats {
    Checks.count("n", n);
  }

  public static CupedStats fromValues(double[] y, double[] x) {
    if (y.length != x.length) {
      throw new StatsException("y and x arrays differ in length: " + y.length + " vs " + x.length);
    }
    return new CupedStats(y.length, Sums.kahan(y), Sums.kahan(x), Sums.kahanProduct(y, y),
        Sums.kahanProduct(x, x), Sums.kahanProduct(x, y));
  }

  /** Sums of two arms together (for the pooled θ). */
  CupedStats plus(CupedStats o) {
    return new CupedStats(n + o.n, sumY + o.sumY, sumX + o.sumX, sumY2 + o.sumY2, sumX2 + o.sumX2,
        sumXY + o.sumXY);
  }

  /** Mean of the metric, Σy/n. */
  public double meanY() {
    return sumY / n;
  }

  /** Mean of the pre-period covariate, Σx/n. */
  public double meanX() {
    return sumX / n;
  }

  /** Sample variance of the metric (n − 1 denominator). */
  public double varY() {
    return (sumY2 - sumY * sumY / n) / (n - 1);
  }

  /** Sample variance of the covariate (n − 1 denominator). */
  public double varX() {
    return (sumX2 - sumX * sumX / n) / (n - 1);
  }

  /** Sample covariance of metric and covariate (n − 1 denominator). */
  public double covXY() {
    return (sumXY - sumX * sumY / n) / (n - 1);
  }

  SampleStats outcome() {
    return new SampleStats(n, meanY(), Math.max(0, varY()));
  }
}
