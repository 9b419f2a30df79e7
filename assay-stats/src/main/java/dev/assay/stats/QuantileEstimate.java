package dev.assay.stats;

import java.util.Optional;

/**
 * A sample quantile with its variance and confidence interval, with the cluster correction when
 * observations are events nested in randomization units.
 *
 * @param level quantile level ν
 * @param estimate the sample quantile
 * @param variance variance of the sample quantile (cluster-adjusted if {@code clusterAdjusted})
 * @param ciLower lower end of the 1 − α interval
 * @param ciUpper upper end of the 1 − α interval
 * @param clusterAdjusted whether the cluster correction was applied
 */
public record QuantileEstimate(
    double level,
    double estimate,
    double variance,
    double ciLower,
    double ciUpper,
    boolean clusterAdjusted) implements StatResult {

  @Override
  public Method method() {
    return clusterAdjusted ? Method.QUANTILE_OUTER_CI_CLUSTER : Method.QUANTILE_OUTER_CI;
  }

  /*
   * Deng, Knoblich & Lu, "Applying the Delta Method in Metric Analytics", KDD 2018, §4 ("outer
   * confidence interval" with post-adjustment; also Algorithm 1 of Yao, Li & Lu 2024), as used by
   * GrowthBook (QuantileStatistic, QuantileClusteredStatistic) and Eppo:
   *
   *   1. Ranks L, U = n(ν ∓ z√(ν(1−ν)/n)); the distribution-free interval [Y_(L), Y_(U)] covers the
   *      quantile with probability ≈ 1 − α, so σ²_iid = ((Y_(U) − Y_(L))/(2z))² is the variance
   *      it implies for the sample quantile.
   *   2. With events nested in units the events are not independent. The fraction of events below
   *      the quantile, Ī = ΣS_i/Σc_i, is a ratio of per-unit sums whose delta-method variance
   *      σ²_{I,c} is valid under clustering, while ν(1−ν)/n is its variance if events were iid.
   *      By Bahadur's representation the quantile's variance scales the same way:
   *      σ² = σ²_iid · σ²_{I,c}/(ν(1−ν)/n). (GrowthBook's docs print the ratio inverted; its code,
   *      followed here, is right: shared statistics.md §10.2.)
   *
   * The normal approximation needs n > z²ν/(1−ν) and n > z²(1−ν)/ν (about 380 for P99 at 95%).
   */

  public QuantileEstimate {
    if (!(variance >= 0) || !Double.isFinite(variance)) {
      throw new StatsException("variance must be finite and non-negative, got " + variance);
    }
  }

  /**
   * Why the quantile of {@code s} cannot be estimated by the normal approximation, or empty if it
   * can.
   */
  static Optional<String> insufficientReason(QuantileStats s) {
    double z = NormalTails.upperQuantile(s.alpha() / 2.0);
    double nu = s.level();
    double minimum = Math.max(z * z * nu / (1 - nu), z * z * (1 - nu) / nu);
    if (s.n() > minimum) {
      return Optional.empty();
    }
    return Optional.of(
        "n = "
            + s.n()
            + " is too small for the normal approximation at quantile "
            + nu
            + "; need n > "
            + (long) Math.floor(minimum));
  }

  /**
   * Estimates the quantile from its order statistics.
   *
   * @throws StatsException if the sample is too small for the normal approximation at this level
   */
  public static QuantileEstimate from(QuantileStats s) {
    Optional<String> reason = insufficientReason(s);
    if (reason.isPresent()) {
      throw new StatsException(reason.get());
    }
    double z = NormalTails.upperQuantile(s.alpha() / 2.0);
    double nu = s.level();
    double half = (s.upperOrderStatistic() - s.lowerOrderStatistic()) / (2 * z);
    double variance = half * half;
    boolean adjusted = false;
    if (s.clusters().isPresent()) {
      QuantileStats.Clusters c = s.clusters().get();
      double g = c.units();
      double muS = c.sumIndicator() / g;
      double muC = c.sumEvents() / g;
      double varS = (c.sumIndicatorSquares() - c.sumIndicator() * c.sumIndicator() / g) / (g - 1);
      double varC = (c.sumEventsSquares() - c.sumEvents() * c.sumEvents() / g) / (g - 1);
      double cov = (c.sumIndicatorEvents() - c.sumIndicator() * c.sumEvents() / g) / (g - 1);
      double ratioVariance =
          (varS / (muC * muC)
                  - 2 * muS * cov / (muC * muC * muC)
                  + muS * muS * varC / (muC * muC * muC * muC))
              / g;
      double iidVariance = nu * (1 - nu) / s.n();
      variance = variance * Math.max(ratioVariance, 0.0) / iidVariance;
      adjusted = true;
    }
    double se = Math.sqrt(variance);
    return new QuantileEstimate(
        nu, s.estimate(), variance, s.estimate() - z * se, s.estimate() + z * se, adjusted);
  }
}
