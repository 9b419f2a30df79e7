package dev.assay.stats;

/**
 * GrowthBook's and Eppo's asymptotic confidence sequence for one look, reproduced for parity.
 * Assay's default is {@link NormalMixtureSequence}: this interval is the same mSPRT with
 * τ² = se²·N·ρ² (so the tuning is fixed in total units rather than in variance), and GrowthBook
 * does not intersect intervals across looks. Feed {@link #asLook()} to {@link AlwaysValidState} to
 * add the running intersection and running minimum.
 *
 * @param estimate effect estimate μ̂ (absolute or relative lift)
 * @param se its standard error σ̂
 * @param nTotal total units N in the two arms compared
 * @param nStar tuning sample size N* (GrowthBook 5000, Eppo N_tune 10,000)
 * @param alpha significance level
 * @param testValue null value μ₀ of the p-value
 * @param rho the tuning parameter ρ
 * @param halfwidth the always-valid half-width
 * @param pValue p-value min(1, 1/E) from the e-value
 * @param fixedHalfwidth fixed-horizon half-width z_{1−α/2}·σ̂, for comparison
 */
public record AsymptoticConfidenceSequence(
    double estimate,
    double se,
    double nTotal,
    double nStar,
    double alpha,
    double testValue,
    double rho,
    double halfwidth,
    double pValue,
    double fixedHalfwidth) implements StatResult {

  @Override
  public Method method() {
    return Method.ASYMPTOTIC_CONFIDENCE_SEQUENCE;
  }

  /*
   * Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and
   * asymptotic confidence sequences", Annals of Statistics 2024 (arXiv 2103.06476), the
   * normal-mixture boundary of their eq. (13)–(14) and the e-value of eq. (155):
   *
   *   ρ = sqrt((−2 ln α + ln(−2 ln α + 1)) / N*),
   *   halfwidth = σ̂ √N · sqrt( 2(Nρ² + 1)/(N²ρ²) · ln( sqrt(Nρ² + 1)/α ) ),
   *   E = exp( ρ² S² / (2(Nρ² + 1)) ) / sqrt(Nρ² + 1),  S² = N (μ̂ − μ₀)²/σ̂².
   *
   * GrowthBook gbstats `sequential_interval_halfwidth`; Eppo "statistical nitty-gritty" writes the
   * same boundary with ρ_Eppo = 1/ρ². Shared statistics.md §4.2.
   */

  public AsymptoticConfidenceSequence {
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
  }

  /**
   * Computes the interval and p-value for one look.
   *
   * @throws StatsException if se, nTotal or nStar is not positive, or alpha is outside (0, 1)
   */
  public static AsymptoticConfidenceSequence of(
      double estimate, double se, double nTotal, double nStar, double alpha, double testValue) {
    if (!Double.isFinite(estimate)) {
      throw new StatsException("estimate must be finite, got " + estimate);
    }
    if (!(se > 0) || !Double.isFinite(se)) {
      throw new StatsException("se must be positive and finite, got " + se);
    }
    if (!(nTotal > 0) || !Double.isFinite(nTotal)) {
      throw new StatsException("n_total must be positive, got " + nTotal);
    }
    if (!(nStar > 0) || !Double.isFinite(nStar)) {
      throw new StatsException("n_star must be positive, got " + nStar);
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
    double c = -2.0 * Math.log(alpha);
    double rho2 = (c + Math.log1p(c)) / nStar;
    double nRho2 = nTotal * rho2;
    double halfwidth =
        se
            * Math.sqrt(nTotal)
            * Math.sqrt(
                2.0 * (nRho2 + 1.0) / (nTotal * nTotal * rho2)
                    * Math.log(Math.sqrt(nRho2 + 1.0) / alpha));
    double z = (estimate - testValue) / se;
    double logE = nRho2 * z * z / (2.0 * (nRho2 + 1.0)) - 0.5 * Math.log1p(nRho2);
    double p = logE <= 0 ? 1.0 : Math.exp(-logE);
    return new AsymptoticConfidenceSequence(
        estimate,
        se,
        nTotal,
        nStar,
        alpha,
        testValue,
        Math.sqrt(rho2),
        halfwidth,
        p,
        NormalTails.upperQuantile(alpha / 2.0) * se);
  }

  public double ciLower() {
    return estimate - halfwidth;
  }

  public double ciUpper() {
    return estimate + halfwidth;
  }

  /** How much wider the interval is than the fixed-horizon one at this look. */
  public double widthRatioVsFixed() {
    return halfwidth / fixedHalfwidth;
  }

  /** This look as an mSPRT look, to combine across looks with {@link AlwaysValidState}. */
  public AlwaysValidLook asLook() {
    double logE = -Math.log(pValue);
    return new AlwaysValidLook(estimate, se * se, logE, pValue, ciLower(), ciUpper());
  }
}
