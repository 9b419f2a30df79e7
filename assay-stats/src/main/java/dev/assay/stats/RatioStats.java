package dev.assay.stats;

/**
 * Sufficient statistics of a ratio metric (numerator m and denominator d per randomization unit)
 * in one arm: n, Σm, Σd, Σm², Σd², Σmd.
 */
public record RatioStats(long n, double sumNum, double sumDen, double sumNumSq, double sumDenSq,
    double sumNumDen) {

  public RatioStats {
    Checks.count("n", n);
  }

  /** Sums over per-unit (numerator, denominator) pairs. */
  public static RatioStats fromValues(double[] num, double[] den) {
    if (num.length != den.length) {
      throw new StatsException("numerator and denominator arrays differ in length: " + num.length
          + " vs " + den.length);
    }
    return new RatioStats(num.length, Sums.kahan(num), Sums.kahan(den), Sums.kahanProduct(num, num),
        Sums.kahanProduct(den, den), Sums.kahanProduct(num, den));
  }

  /** Mean of the numerator per unit, Σm/n. */
  public double meanNum() {
    return sumNum / n;
  }

  /** Mean of the denominator per unit, Σd/n. */
  public double meanDen() {
    return sumDen / n;
  }

  /** Sample variance of the numerator (n − 1 denominator). */
  public double varNum() {
    return (sumNumSq - sumNum * sumNum / n) / (n - 1);
  }

  /** Sample variance of the denominator (n − 1 denominator). */
  public double varDen() {
    return (sumDenSq - sumDen * sumDen / n) / (n - 1);
  }

  /** Sample covariance of numerator and denominator (n − 1 denominator). */
  public double covNumDen() {
    return (sumNumDen - sumNum * sumDen / n) / (n - 1);
  }

  /** Σm/Σd. */
  public double ratio() {
    return sumNum / sumDen;
  }

  /** Delta-method variance of Σm/Σd at the randomization unit. */
  public double varianceOfRatio() {
    double m = meanNum();
    double d = meanDen();
    return (varNum() / (d * d) - 2 * m * covNumDen() / (d * d * d) + m * m * varDen() / (d * d * d * d)) / n;
  }
}
