package dev.assay.stats;

/**
 * One look of a {@link NormalMixtureSequence}, on cumulative data, before combining with earlier
 * looks. Use {@link AlwaysValidState#next(AlwaysValidLook)} for the values to report.
 *
 * @param estimate effect estimate Δ̂
 * @param variance its variance V
 * @param logLikelihoodRatio log of the mixture likelihood ratio Λ against θ₀
 * @param pValue this look's p-value, min(1, 1/Λ)
 * @param ciLower lower end of this look's always-valid interval
 * @param ciUpper upper end of this look's always-valid interval
 */
public record AlwaysValidLook(
    double estimate,
    double variance,
    double logLikelihoodRatio,
    double pValue,
    double ciLower,
    double ciUpper) implements StatResult {

  @Override
  public Method method() {
    return Method.MSPRT;
  }

  public AlwaysValidLook {
    if (!(pValue >= 0 && pValue <= 1)) {
      throw new StatsException("pValue must be in [0, 1], got " + pValue);
    }
    if (!(ciLower <= ciUpper)) {
      throw new StatsException("ciLower " + ciLower + " must not exceed ciUpper " + ciUpper);
    }
  }

  /** exp(log Λ). */
  public double likelihoodRatio() {
    return Math.exp(logLikelihoodRatio);
  }
}
