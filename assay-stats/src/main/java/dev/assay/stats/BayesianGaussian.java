package dev.assay.stats;

import org.jspecify.annotations.Nullable;

/**
 * Gaussian posterior on an effect (absolute or relative) from its estimate and standard error,
 * with a flat or a normal prior: chance to win, expected loss of either decision (closed form) and
 * the credible interval.
 *
 * @param postMean posterior mean
 * @param postSd posterior standard deviation
 * @param chanceToWin P(effect > 0)
 * @param riskControl expected loss of keeping control, E[max(Δ, 0)]
 * @param riskTreatment expected loss of shipping treatment, E[max(−Δ, 0)]
 * @param ciLower lower end of the (1 − α) credible interval
 * @param ciUpper upper end of the (1 − α) credible interval
 * @param prior {@code flat} or {@code normal(mean, variance)}
 */
public record BayesianGaussian(double postMean, double postSd, double chanceToWin, double riskControl,
    double riskTreatment, double ciLower, double ciUpper, String prior) implements StatResult {

  @Override
  public Method method() {
    return prior.equals("flat") ? Method.BAYESIAN_GAUSSIAN_FLAT_PRIOR : Method.BAYESIAN_GAUSSIAN_NORMAL_PRIOR;
  }

  /**
   * @param priorVariance null for the flat (improper) prior
   */
  public static BayesianGaussian posterior(double estimate, double se, double priorMean,
      @Nullable Double priorVariance, double alpha) {
    Checks.alpha(alpha);
    Checks.positive("se", se);
    double mean;
    double var;
    String prior;
    if (priorVariance == null) {
      mean = estimate;
      var = se * se;
      prior = "flat";
    } else {
      Checks.positive("prior variance", priorVariance);
      double precision = 1 / (se * se) + 1 / priorVariance;
      var = 1 / precision;
      mean = (estimate / (se * se) + priorMean / priorVariance) * var;
      prior = "normal(" + priorMean + ", " + priorVariance + ")";
    }
    double sd = Math.sqrt(var);
    double u = mean / sd;
    double riskControl = sd * NormalTails.pdf(u) + mean * NormalTails.cdf(u);
    double riskTreatment = sd * NormalTails.pdf(u) - mean * NormalTails.cdf(-u);
    double zq = NormalTails.upperQuantile(alpha / 2);
    return new BayesianGaussian(mean, sd, NormalTails.cdf(u), riskControl, riskTreatment,
        mean - zq * sd, mean + zq * sd, prior);
  }
}
