package dev.assay.stats;

/**
 * One cluster's observations of a metric (e.g. a switchback's window × region cell): how many, Σy
 * and Σy².
 *
 * @param n the observations in the cluster (at least 1)
 * @param sum Σy
 * @param sumSquares Σy²
 */
public record ClusterSums(long n, double sum, double sumSquares) {
  public ClusterSums {
    if (n < 1) {
      throw new StatsException("a cluster needs at least one observation, got n=" + n);
    }
    if (!Double.isFinite(sum) || !Double.isFinite(sumSquares) || sumSquares < 0) {
      throw new StatsException("cluster sums must be finite (and Σy² ≥ 0), got Σy=" + sum + " Σy²=" + sumSquares);
    }
  }
}
