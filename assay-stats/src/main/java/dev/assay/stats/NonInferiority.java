package dev.assay.stats;

/**
 * One-sided non-inferiority test for guardrail metrics: is treatment no worse than control by
 * more than a margin? For a metric where higher is better, H₀: Δ ≤ −margin against H₁: Δ > −margin;
 * for lower-is-better the signs flip. Uses the Welch t.
 *
 * @param diff ȳ_b − ȳ_a
 * @param margin the tolerated degradation (positive, in the metric's units)
 * @param t the test statistic
 * @param df Welch degrees of freedom
 * @param pValue one-sided p-value
 * @param bound the one-sided (1 − α) confidence bound on the degradation side
 * @param nonInferior whether H₀ is rejected at α (treatment is not worse by more than the margin)
 */
public record NonInferiority(double diff, double margin, double t, double df, double pValue, double bound,
    boolean nonInferior) {

  public static NonInferiority test(SampleStats a, SampleStats b, double margin, boolean higherIsBetter,
      double alpha) {
    Checks.alpha(alpha);
    Checks.positive("margin", margin);
    if (a.n() < 2 || b.n() < 2) {
      throw new StatsException("non-inferiority needs n >= 2 in both arms, got n_a=" + a.n() + " n_b=" + b.n());
    }
    double vA = a.varianceOfMean();
    double vB = b.varianceOfMean();
    double se = Math.sqrt(vA + vB);
    if (!(se > 0)) {
      throw new StatsException("zero variance in both arms: the test is undefined");
    }
    double diff = b.mean() - a.mean();
    double df = Distributions.welchDf(vA, a.n(), vB, b.n());
    double signed = higherIsBetter ? diff : -diff;
    double t = (signed + margin) / se;
    double p = Distributions.tSf(t, df);
    double tq = Distributions.tUpperQuantile(alpha, df);
    double bound = higherIsBetter ? diff - tq * se : diff + tq * se;
    return new NonInferiority(diff, margin, t, df, p, bound, p < alpha);
  }
}
