package dev.assay.stats;

import org.hipparchus.distribution.continuous.ChiSquaredDistribution;

/**
 * Interaction test between segments (e.g. countries): does the treatment effect differ across
 * them? Cochran's Q = Σ wᵢ (Δᵢ − Δ̄)² with inverse-variance weights wᵢ = 1/seᵢ² and the weighted
 * mean Δ̄, compared with χ² on k − 1 degrees of freedom; I² = max(0, (Q − df)/Q) is the share of
 * the variation between segments beyond chance. Segments without a usable standard error are left
 * out. (Cochran 1954; Higgins &amp; Thompson 2002.)
 *
 * @param q Cochran's Q
 * @param df degrees of freedom (segments used − 1)
 * @param pValue P(χ²_df ≥ Q)
 * @param iSquared heterogeneity share I², in [0, 1]
 * @param pooledEffect the inverse-variance weighted mean effect
 */
public record Heterogeneity(double q, int df, double pValue, double iSquared, double pooledEffect) implements StatResult {

  @Override
  public Method method() {
    return Method.COCHRAN_Q;
  }

  public static Heterogeneity cochranQ(double[] effects, double[] standardErrors) {
    if (effects.length != standardErrors.length) {
      throw new StatsException("effects and standard errors differ in length: " + effects.length + " vs "
          + standardErrors.length);
    }
    double sw = 0;
    double swx = 0;
    int k = 0;
    for (int i = 0; i < effects.length; i++) {
      double se = standardErrors[i];
      if (se > 0 && Double.isFinite(se) && Double.isFinite(effects[i])) {
        double w = 1 / (se * se);
        sw += w;
        swx += w * effects[i];
        k++;
      }
    }
    if (k < 2) {
      throw new StatsException("the interaction test needs at least two segments with a standard error, got " + k);
    }
    double pooled = swx / sw;
    double q = 0;
    for (int i = 0; i < effects.length; i++) {
      double se = standardErrors[i];
      if (se > 0 && Double.isFinite(se) && Double.isFinite(effects[i])) {
        double d = effects[i] - pooled;
        q += d * d / (se * se);
      }
    }
    int df = k - 1;
    double p = q <= 0 ? 1.0 : 1.0 - new ChiSquaredDistribution(df).cumulativeProbability(q);
    if (p < 1e-12) {
      // Upper tail without cancellation: the regularized upper incomplete gamma Q(df/2, q/2).
      p = org.hipparchus.special.Gamma.regularizedGammaQ(df / 2.0, q / 2.0);
    }
    return new Heterogeneity(q, df, p, q > df ? (q - df) / q : 0.0, pooled);
  }
}
