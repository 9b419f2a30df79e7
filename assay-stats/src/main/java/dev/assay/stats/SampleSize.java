package dev.assay.stats;

import org.hipparchus.analysis.integration.gauss.GaussIntegratorFactory;
import org.hipparchus.analysis.solvers.BrentSolver;
import org.hipparchus.distribution.continuous.ChiSquaredDistribution;
import org.jspecify.annotations.Nullable;

/**
 * Sample size, power and minimum detectable effect for two-arm tests of proportions and means,
 * with the CUPED factor (1 − ρ²) and the group-sequential inflation factor.
 */
public final class SampleSize {

  private SampleSize() {}

  /** Units per arm (continuous, before rounding up) by four formulas in use. */
  public record Proportions(double unpooled, double fleissPooledNull, double controlVariance, double arcsine) {}

  /**
   * n per arm (1:1) to detect p_a → p_b with the given power.
   *
   * @param twoSided two-sided test at {@code alpha} if true, else one-sided
   */
  public static Proportions proportions(double pA, double pB, double alpha, double power, boolean twoSided) {
    check(pA, pB, alpha, power);
    double za = zAlpha(alpha, twoSided);
    double zb = NormalTails.upperQuantile(1 - power);
    double qa = 1 - pA;
    double qb = 1 - pB;
    double delta = pB - pA;
    double v1 = pA * qa + pB * qb;
    double pbar = (pA + pB) / 2;
    double unpooled = (za + zb) * (za + zb) * v1 / (delta * delta);
    double f = za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(v1);
    double fleiss = f * f / (delta * delta);
    double control = (za + zb) * (za + zb) * 2 * pA * qa / (delta * delta);
    double h = 2 * Math.asin(Math.sqrt(pB)) - 2 * Math.asin(Math.sqrt(pA));
    double arcsine = 2 * Math.pow((za + zb) / h, 2);
    return new Proportions(unpooled, fleiss, control, arcsine);
  }

  /** Power of the unpooled z-test with n per arm. */
  public static double powerProportionsUnpooled(double pA, double pB, double n, double alpha, boolean twoSided) {
    double za = zAlpha(alpha, twoSided);
    double shift = Math.abs(pB - pA) / Math.sqrt((pA * (1 - pA) + pB * (1 - pB)) / n);
    return tails(shift, za, 1.0, twoSided);
  }

  /** Power of the pooled-SE z-test (the Fleiss design) with n per arm. */
  public static double powerProportionsFleiss(double pA, double pB, double n, double alpha, boolean twoSided) {
    double za = zAlpha(alpha, twoSided);
    double pbar = (pA + pB) / 2;
    double s1 = Math.sqrt(pA * (1 - pA) + pB * (1 - pB));
    double s0 = Math.sqrt(2 * pbar * (1 - pbar));
    double shift = Math.abs(pB - pA) * Math.sqrt(n) / s1;
    return tails(shift, za * s0 / s1, 1.0, twoSided);
  }

  private static double tails(double shift, double threshold, double scale, boolean twoSided) {
    double p = NormalTails.cdf((shift - threshold) / scale);
    return twoSided ? p + NormalTails.cdf((-shift - threshold) / scale) : p;
  }

  /** Units per arm for a difference in means. */
  public record Means(double nA, long nACeil, long nBCeil, double nACuped, long nACupedCeil,
      @Nullable Double nPerArmExactT, @Nullable Long nPerArmExactTCeil) {}

  /**
   * n_a = (z_α + z_β)²σ²(1 + 1/κ)/δ², n_b = κn_a; with CUPED × (1 − ρ²); and, for equal arms, the
   * exact n from the noncentral t distribution.
   */
  public static Means means(double sigma, double delta, double alpha, double power, boolean twoSided,
      double kappa, double cupedRho) {
    Checks.positive("sigma", sigma);
    Checks.alpha(alpha);
    Checks.positive("kappa", kappa);
    if (delta == 0 || !Double.isFinite(delta)) {
      throw new StatsException("delta must be a non-zero finite effect, got " + delta);
    }
    if (!(power > 0 && power < 1)) {
      throw new StatsException("power must be in (0, 1), got " + power);
    }
    if (!(Math.abs(cupedRho) < 1)) {
      throw new StatsException("cuped_rho must be in (-1, 1), got " + cupedRho);
    }
    double za = zAlpha(alpha, twoSided);
    double zb = NormalTails.upperQuantile(1 - power);
    double nA = (za + zb) * (za + zb) * sigma * sigma * (1 + 1 / kappa) / (delta * delta);
    double nCuped = nA * (1 - cupedRho * cupedRho);
    Double exact = null;
    Long exactCeil = null;
    if (kappa == 1.0) {
      exact = exactT(Math.abs(delta) / sigma, alpha, power, twoSided, nA);
      exactCeil = (long) Math.ceil(exact);
    }
    return new Means(nA, (long) Math.ceil(nA), (long) Math.ceil(kappa * nA), nCuped,
        (long) Math.ceil(nCuped), exact, exactCeil);
  }

  /** Power of the equal-n two-sample t-test with effect size d = δ/σ and n per arm. */
  public static double powerT(double d, double n, double alpha, boolean twoSided) {
    double df = 2 * n - 2;
    double lambda = d / Math.sqrt(2 / n);
    double tc = Distributions.tUpperQuantile(twoSided ? alpha / 2 : alpha, df);
    double upper = 1 - noncentralTCdf(tc, df, lambda);
    return twoSided ? upper + noncentralTCdf(-tc, df, lambda) : upper;
  }

  private static double exactT(double d, double alpha, double power, boolean twoSided, double normalN) {
    BrentSolver solver = new BrentSolver(1e-12, 1e-10);
    double lo = 2.0;
    double hi = Math.max(4.0, normalN * 2 + 10);
    return solver.solve(10_000, n -> powerT(d, n, alpha, twoSided) - power, lo, hi);
  }

  /**
   * P(T ≤ t) for the noncentral t with {@code df} degrees of freedom and noncentrality λ, as the
   * mixture ∫ Φ(t·√(v/df) − λ) f_χ²(v) dv over Hipparchus' chi-squared density, integrated over
   * −12/+14 standard deviations of the chi-squared around its mean, by 24-point Gauss–Legendre on
   * 128 panels (the integrand is smooth, so this is accurate to ~1e-13).
   */
  static double noncentralTCdf(double t, double df, double lambda) {
    ChiSquaredDistribution chi = new ChiSquaredDistribution(df);
    double sd = Math.sqrt(2 * df);
    double lo = Math.max(0, df - 12 * sd);
    double hi = df + 14 * sd;
    GaussIntegratorFactory factory = new GaussIntegratorFactory();
    int pieces = 128;
    double width = (hi - lo) / pieces;
    double sum = 0;
    for (int k = 0; k < pieces; k++) {
      double a = lo + k * width;
      sum += factory.legendre(24, a, a + width)
          .integrate(v -> NormalTails.cdf(t * Math.sqrt(v / df) - lambda) * chi.density(v));
    }
    return sum;
  }

  /**
   * GrowthBook's relative MDE with lift-dependent variance: the smallest relative lift detectable
   * with {@code nPerArm} units per arm, or NaN when n ≤ σ²k²/μ_A² (no lift is detectable).
   *
   * @return {mde_relative, k}
   */
  public static double[] mdeRelative(double muA, double variance, long nPerArm, double alpha, double power) {
    Checks.alpha(alpha);
    Checks.positive("var", variance);
    if (muA == 0) {
      throw new StatsException("mu_a must not be 0 for a relative MDE");
    }
    double k = NormalTails.upperQuantile(alpha / 2) + NormalTails.upperQuantile(1 - power);
    double s = variance / nPerArm;
    double denom = 1 - s * k * k / (muA * muA);
    if (!(denom > 0)) {
      return new double[] {Double.NaN, k};
    }
    double muB = (muA + Math.sqrt(k * k * s * (2 - s * k * k / (muA * muA)))) / denom;
    return new double[] {muB / muA - 1, k};
  }

  /**
   * The smallest absolute difference in means detectable with {@code nPerArm} units per arm (equal
   * arms, normal approximation): (z_α + z_β)·σ·√(2/n).
   */
  public static double mdeMeans(double sigma, double nPerArm, double alpha, double power, boolean twoSided) {
    Checks.positive("sigma", sigma);
    Checks.positive("nPerArm", nPerArm);
    if (!(power > 0 && power < 1)) {
      throw new StatsException("power must be in (0, 1), got " + power);
    }
    double z = zAlpha(alpha, twoSided) + NormalTails.upperQuantile(1 - power);
    return z * sigma * Math.sqrt(2 / nPerArm);
  }

  /**
   * Group-sequential inflation: n_GST ≈ n_fixed·((c_K + z_β)/(z_α + z_β))², with c_K the final
   * boundary of the design (conservative approximation, §8.4).
   */
  public static double sequentialInflation(double finalBoundary, double alpha, double power, boolean twoSided) {
    double za = zAlpha(alpha, twoSided);
    double zb = NormalTails.upperQuantile(1 - power);
    return Math.pow((finalBoundary + zb) / (za + zb), 2);
  }

  private static double zAlpha(double alpha, boolean twoSided) {
    Checks.alpha(alpha);
    return NormalTails.upperQuantile(twoSided ? alpha / 2 : alpha);
  }

  private static void check(double pA, double pB, double alpha, double power) {
    if (!(pA > 0 && pA < 1) || !(pB > 0 && pB < 1)) {
      throw new StatsException("p_a and p_b must be in (0, 1), got " + pA + " and " + pB);
    }
    if (pA == pB) {
      throw new StatsException("p_b must differ from p_a");
    }
    Checks.alpha(alpha);
    if (!(power > 0 && power < 1)) {
      throw new StatsException("power must be in (0, 1), got " + power);
    }
  }
}
