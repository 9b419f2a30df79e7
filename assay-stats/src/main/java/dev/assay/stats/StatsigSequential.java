package dev.assay.stats;

/**
 * Statsig's documented sequential-testing interval, reproduced for platform parity only. It is an
 * mSPRT run at α/2 whose mixing variance is recomputed from the current sample at every look, so
 * Ville's inequality does not strictly cover it; Assay's default is {@link NormalMixtureSequence}.
 *
 * @param variance V = s²_t/N_t + s²_c/N_c
 * @param tau Statsig's mixing variance Z²_{α/2}·(s²_t + s²_c)/(N_t + N_c)
 * @param zStar the boundary Z*
 * @param ciLower Δ̂ − Z*·√V
 * @param ciUpper Δ̂ + Z*·√V
 * @param sigma Z* / Z_{α/2}
 * @param z Δ̂/√V
 * @param pValue 2Φ(−|z|/σ)
 */
public record StatsigSequential(
    double variance,
    double tau,
    double zStar,
    double ciLower,
    double ciUpper,
    double sigma,
    double z,
    double pValue) implements StatResult {

  @Override
  public Method method() {
    return Method.STATSIG_SEQUENTIAL;
  }

  /*
   * Statsig docs, "Sequential testing" (statsig-io/docs snippets/stats-methods), after Zhao,
   * Liu, Deb & others, arXiv 1905.10493: Z* = sqrt(((V+τ)/τ)·(−2 ln(α/2) − ln(V/(V+τ)))),
   * CI = Δ̂ ± Z*√V, p* = 2Φ(−|Z|/σ) with σ = Z* / (√2·erfinv(1−α)) = Z* / Z_{α/2}.
   * Shared statistics.md §4.3.
   */

  /**
   * Computes Statsig's two-sided sequential interval and p-value.
   *
   * @param nTreatment treatment units N_t (positive)
   * @param nControl control units N_c (positive)
   * @param varTreatment treatment unit variance s²_t (non-negative)
   * @param varControl control unit variance s²_c (non-negative, not both zero)
   * @param diff effect estimate Δ̂
   * @param alpha significance level
   */
  public static StatsigSequential of(
      double nTreatment,
      double nControl,
      double varTreatment,
      double varControl,
      double diff,
      double alpha) {
    if (!(nTreatment > 0) || !(nControl > 0)) {
      throw new StatsException("n_t and n_c must be positive");
    }
    if (!(varTreatment >= 0) || !(varControl >= 0) || !(varTreatment + varControl > 0)) {
      throw new StatsException("var_t and var_c must be non-negative and not both zero");
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
    if (!Double.isFinite(diff)) {
      throw new StatsException("diff must be finite, got " + diff);
    }
    double v = varTreatment / nTreatment + varControl / nControl;
    double zHalf = NormalTails.upperQuantile(alpha / 2.0);
    double tau = zHalf * zHalf * (varTreatment + varControl) / (nTreatment + nControl);
    double zStar =
        Math.sqrt((v + tau) / tau * (-2.0 * Math.log(alpha / 2.0) + Math.log1p(tau / v)));
    double half = zStar * Math.sqrt(v);
    double sigma = zStar / zHalf;
    double z = diff / Math.sqrt(v);
    double p = 2.0 * NormalTails.sf(Math.abs(z) / sigma);
    return new StatsigSequential(v, tau, zStar, diff - half, diff + half, sigma, z, p);
  }
}
