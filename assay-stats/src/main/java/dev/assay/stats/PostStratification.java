package dev.assay.stats;

import java.util.List;

/**
 * The post-stratified difference in means of a randomized experiment: strata of an attribute known
 * at assignment (plan tier, country, platform), per stratum h the difference of the arms' means,
 * weighted by the stratum's share of all units, w_h = N_h / N:
 *
 * <pre>
 *   Δ_ps = Σ_h w_h (ȳ_t,h − ȳ_c,h),   Var(Δ_ps) ≈ Σ_h w_h² (s²_t,h / n_t,h + s²_c,h / n_c,h)
 * </pre>
 *
 * (Miratrix, Sekhon and Yu, "Adjusting treatment effect estimates by post-stratification in
 * randomized experiments", JRSS B 75(2), 2013, eq. 3 and §3: conditional on the stratum counts the
 * estimator is unbiased and nearly as precise as blocking; Kohavi, Tang and Xu 2020, ch. 18). The
 * between-strata variance of a high-variance attribute leaves the estimate, so the interval
 * narrows; the unadjusted difference's variance is reported beside it. A stratum missing an arm,
 * or with fewer than two units in one, cannot be compared: it is pooled into none and its units'
 * share is reported as {@code droppedShare} (the estimate is then of the remaining strata).
 *
 * @param effect Δ_ps (NaN when no stratum has both arms)
 * @param se its standard error
 * @param unadjustedSe the standard error of the plain difference in means (Welch)
 * @param varianceReduction 1 − se² / unadjustedSe²
 * @param strata strata compared
 * @param droppedShare share of the units in strata that could not be compared
 */
public record PostStratification(double effect, double se, double ciLower, double ciUpper, double pValue,
    double unadjustedSe, double varianceReduction, int strata, double droppedShare) implements StatResult {

  @Override
  public Method method() {
    return Method.POST_STRATIFIED_DIFFERENCE;
  }

  /**
   * @param control per stratum the control arm's n, Σy, Σy² ({@link SampleStats#fromSums})
   * @param treatment the treatment arm's, same strata in the same order
   */
  public static PostStratification of(List<SampleStats> control, List<SampleStats> treatment, double alpha) {
    Checks.alpha(alpha);
    if (control.size() != treatment.size()) {
      throw new StatsException("control has " + control.size() + " strata, treatment " + treatment.size());
    }
    long total = 0;
    long comparable = 0;
    for (int h = 0; h < control.size(); h++) {
      long n = control.get(h).n() + treatment.get(h).n();
      total += n;
      if (control.get(h).n() >= 2 && treatment.get(h).n() >= 2) {
        comparable += n;
      }
    }
    double effect = 0;
    double variance = 0;
    int strata = 0;
    for (int h = 0; h < control.size(); h++) {
      SampleStats c = control.get(h);
      SampleStats t = treatment.get(h);
      if (c.n() < 2 || t.n() < 2) {
        continue;
      }
      double w = (double) (c.n() + t.n()) / comparable;
      effect += w * (t.mean() - c.mean());
      variance += w * w * (t.variance() / t.n() + c.variance() / c.n());
      strata++;
    }
    double unadjusted = Math.sqrt(pooled(control).variance() / pooled(control).n()
        + pooled(treatment).variance() / pooled(treatment).n());
    double se = Math.sqrt(variance);
    double dropped = total == 0 ? 0 : 1 - (double) comparable / total;
    if (strata == 0) {
      return new PostStratification(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, unadjusted, Double.NaN,
          0, dropped);
    }
    double z = NormalTails.upperQuantile(alpha / 2);
    double p = se > 0 ? TwoProportions.twoSided(effect / se) : Double.NaN;
    return new PostStratification(effect, se, effect - z * se, effect + z * se, p, unadjusted,
        1 - variance / (unadjusted * unadjusted), strata, dropped);
  }

  /* All strata of one arm as one sample (from the strata's means and variances). */
  private static SampleStats pooled(List<SampleStats> strata) {
    long n = 0;
    double sum = 0;
    double sumSq = 0;
    for (SampleStats s : strata) {
      if (s.n() == 0) {
        continue;
      }
      n += s.n();
      sum += s.n() * s.mean();
      double v = s.n() > 1 ? s.variance() : 0;
      sumSq += (s.n() - 1) * v + s.n() * s.mean() * s.mean();
    }
    return n == 0 ? new SampleStats(0, 0, Double.NaN) : SampleStats.fromSums(n, sum, sumSq);
  }
}
