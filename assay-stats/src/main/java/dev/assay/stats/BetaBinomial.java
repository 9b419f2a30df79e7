package dev.assay.stats;

import org.hipparchus.special.Beta;

/**
 * Exact Beta-binomial comparison of two conversion rates: with a Beta(α₀, β₀) prior, the
 * probability that b's rate exceeds a's (Evan Miller's closed form, in log space) and the expected
 * loss of choosing either arm.
 *
 * @param posteriorA Beta parameters (α, β) of control's rate
 * @param posteriorB Beta parameters (α, β) of treatment's rate
 * @param probBBeatsA P(p_b > p_a)
 * @param expectedLossChooseB E[max(p_a − p_b, 0)]
 * @param expectedLossChooseA E[max(p_b − p_a, 0)]
 */
public record BetaBinomial(double[] posteriorA, double[] posteriorB, double probBBeatsA,
    double expectedLossChooseB, double expectedLossChooseA) implements StatResult {

  @Override
  public Method method() {
    return Method.BETA_BINOMIAL_EXACT;
  }

  /** Largest integer posterior α the closed-form sum accepts (it has α terms). */
  static final long MAX_TERMS = 50_000_000L;

  public static BetaBinomial compare(long xA, long nA, long xB, long nB, double priorAlpha, double priorBeta) {
    if (xA < 0 || xB < 0 || xA > nA || xB > nB) {
      throw new StatsException("need 0 <= x <= n in both arms, got x_a=" + xA + " n_a=" + nA + " x_b=" + xB
          + " n_b=" + nB);
    }
    Checks.positive("prior_alpha", priorAlpha);
    Checks.positive("prior_beta", priorBeta);
    if (priorAlpha != Math.rint(priorAlpha)) {
      throw new StatsException("prior_alpha must be a whole number for the exact formula, got " + priorAlpha);
    }
    double aA = priorAlpha + xA;
    double bA = priorBeta + nA - xA;
    double aB = priorAlpha + xB;
    double bB = priorBeta + nB - xB;
    double pBA = probGreater(aB, bB, aA, bA);
    double lossB = aA / (aA + bA) * probGreater(aA + 1, bA, aB, bB) - aB / (aB + bB) * probGreater(aA, bA, aB + 1, bB);
    double lossA = aB / (aB + bB) * probGreater(aB + 1, bB, aA, bA) - aA / (aA + bA) * probGreater(aB, bB, aA + 1, bA);
    return new BetaBinomial(new double[] {aA, bA}, new double[] {aB, bB}, pBA, Math.max(0, lossB), Math.max(0, lossA));
  }

  /** P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2), a1 a whole number. */
  static double probGreater(double a1, double b1, double a2, double b2) {
    long terms = (long) a1;
    if (terms > MAX_TERMS) {
      throw new StatsException("too many conversions for the exact Beta-binomial sum (" + terms
          + "); use the Gaussian approximation");
    }
    double logBetaY = Beta.logBeta(a2, b2);
    double sum = 0;
    double c = 0;
    for (long i = 0; i < terms; i++) {
      double term = Math.exp(Beta.logBeta(a2 + i, b1 + b2) - Math.log(b1 + i) - Beta.logBeta(1 + i, b1) - logBetaY);
      double t = sum + term;
      c += Math.abs(sum) >= Math.abs(term) ? (sum - t) + term : (term - t) + sum;
      sum = t;
    }
    return Math.min(1.0, Math.max(0.0, sum + c));
  }
}
