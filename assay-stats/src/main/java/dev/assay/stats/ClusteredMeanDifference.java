package dev.assay.stats;

import java.util.List;

/**
 * The difference in the mean per observation between two arms whose assignment was made per
 * cluster (a switchback's window × region cells, a cluster-randomized test), with the
 * cluster-robust standard error beside the naive one that treats observations as independent.
 *
 * <p>Each arm's mean is ȳ = ΣS_c / ΣN_c over its clusters c (S_c, N_c the cluster's Σy and count).
 * Its variance is the CR1 sandwich of a regression on an intercept with clusters (Cameron &amp;
 * Miller 2015, §2.3, with the finite-G factor G/(G − 1)): V = G/(G − 1) · Σ_c (S_c − ȳ N_c)² /
 * (ΣN_c)², which is also the delta-method variance of the ratio ΣS/ΣN with clusters as units
 * ({@link RatioStats}). The difference treatment − control has SE √(V_A + V_B); the interval and
 * p-value use Student t with G − 1 degrees of freedom (G = clusters of both arms), as Cameron &amp;
 * Miller recommend for few clusters. The naive SE is Welch's over observations, √(s²_A/N_A +
 * s²_B/N_B): too small whenever observations of one cluster share a shock (time of day, a region,
 * demand), which {@link #designEffect} = (SE_cluster / SE_naive)² measures.
 *
 * @param clustersA clusters in control (A)
 * @param clustersB clusters in treatment (B)
 * @param observationsA observations in A
 * @param observationsB observations in B
 * @param meanA ΣS/ΣN in A
 * @param meanB ΣS/ΣN in B
 * @param difference meanB − meanA
 * @param se the cluster-robust standard error of the difference
 * @param df degrees of freedom of the t interval (G − 1)
 * @param ciLower lower end of the two-sided 1 − α interval
 * @param ciUpper upper end of the two-sided 1 − α interval
 * @param pValue two-sided p-value of no difference
 * @param naiveSe the standard error if every observation were independent
 * @param designEffect (se / naiveSe)²
 */
public record ClusteredMeanDifference(long clustersA, long clustersB, long observationsA, long observationsB,
    double meanA, double meanB, double difference, double se, double df, double ciLower, double ciUpper,
    double pValue, double naiveSe, double designEffect) implements StatResult {

  @Override
  public Method method() {
    return Method.CLUSTER_ROBUST_T;
  }

  /**
   * Compares the clusters of B (treatment) with those of A (control) at level α.
   *
   * @throws StatsException if an arm has fewer than 2 clusters or fewer than 2 observations
   */
  public static ClusteredMeanDifference compare(List<ClusterSums> a, List<ClusterSums> b, double alpha) {
    Checks.alpha(alpha);
    if (a.size() < 2 || b.size() < 2) {
      throw new StatsException("a clustered comparison needs at least 2 clusters in each arm, got " + a.size()
          + " and " + b.size());
    }
    Arm x = Arm.of(a);
    Arm y = Arm.of(b);
    if (x.n < 2 || y.n < 2) {
      throw new StatsException("a clustered comparison needs at least 2 observations in each arm");
    }
    double diff = y.mean() - x.mean();
    double se = Math.sqrt(x.clusterVariance(a) + y.clusterVariance(b));
    double df = a.size() + b.size() - 1;
    double q = Distributions.tUpperQuantile(alpha / 2, df);
    double p = se > 0 ? Distributions.tTwoSidedP(diff / se, df) : Double.NaN;
    double naive = Math.sqrt(x.naiveVariance() + y.naiveVariance());
    return new ClusteredMeanDifference(a.size(), b.size(), x.n, y.n, x.mean(), y.mean(), diff, se, df,
        diff - q * se, diff + q * se, p, naive, naive > 0 ? (se / naive) * (se / naive) : Double.NaN);
  }

  /** One arm's totals over its clusters. */
  private record Arm(long n, double sum, double sumSquares) {
    static Arm of(List<ClusterSums> clusters) {
      long n = 0;
      double[] sums = new double[clusters.size()];
      double[] squares = new double[clusters.size()];
      for (int i = 0; i < clusters.size(); i++) {
        n += clusters.get(i).n();
        sums[i] = clusters.get(i).sum();
        squares[i] = clusters.get(i).sumSquares();
      }
      return new Arm(n, Sums.kahan(sums), Sums.kahan(squares));
    }

    double mean() {
      return sum / n;
    }

    double clusterVariance(List<ClusterSums> clusters) {
      double m = mean();
      double[] e2 = new double[clusters.size()];
      for (int i = 0; i < e2.length; i++) {
        double e = clusters.get(i).sum() - m * clusters.get(i).n();
        e2[i] = e * e;
      }
      double g = clusters.size();
      return g / (g - 1) * Sums.kahan(e2) / ((double) n * n);
    }

    double naiveVariance() {
      double s2 = Math.max(0, (sumSquares - sum * sum / n) / (n - 1));
      return s2 / n;
    }
  }
}
