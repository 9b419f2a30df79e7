package dev.assay.stats;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Relative lift ȳ_b/ȳ_a − 1 with three intervals: delta method (normal and Welch t), Fieller
 * (exact for a ratio of normal means; undefined when the control mean is indistinguishable from
 * 0), and log-ratio (positive means only). The engine's default interval is Fieller; the p-value
 * for "lift ≠ 0" should come from the absolute test ({@link MeanDifference}). The numerator and the
 * control mean may be correlated (a CUPED-adjusted effect shares the control arm's covariate mean):
 * every interval then carries their covariance.
 *
 * @param lift ȳ_b/ȳ_a − 1
 * @param varianceDelta delta-method variance of the lift
 * @param seDelta its square root
 * @param z lift / seDelta
 * @param pValueZ two-sided normal p-value of z
 * @param ciLowerDeltaZ delta-method normal interval
 * @param ciUpperDeltaZ delta-method normal interval
 * @param dfWelch Welch df of the arm variances
 * @param ciLowerDeltaT delta-method interval with the Welch t quantile
 * @param ciUpperDeltaT delta-method interval with the Welch t quantile
 * @param fiellerG z²·v_a/ȳ_a²; the Fieller interval exists only when g &lt; 1
 * @param ciLowerFieller Fieller interval (null when unbounded); on the same scale as {@code lift},
 *     so mirrored (−(R − 1)) when the control mean is negative
 * @param ciUpperFieller Fieller interval (null when unbounded)
 * @param ciLowerLogRatio log-ratio interval (null unless both means are positive)
 * @param ciUpperLogRatio log-ratio interval (null unless both means are positive)
 * @param missingReason why some values are absent (null when all are defined)
 */
public record RelativeLift(
    double lift,
    double varianceDelta,
    double seDelta,
    double z,
    double pValueZ,
    double ciLowerDeltaZ,
    double ciUpperDeltaZ,
    double dfWelch,
    double ciLowerDeltaT,
    double ciUpperDeltaT,
    double fiellerG,
    @Nullable Double ciLowerFieller,
    @Nullable Double ciUpperFieller,
    @Nullable Double ciLowerLogRatio,
    @Nullable Double ciUpperLogRatio,
    @Nullable String missingReason) implements StatResult {

  @Override
  public Method method() {
    return Method.RELATIVE_LIFT_DELTA_METHOD_FIELLER;
  }

  public Optional<String> missing() {
    return Optional.ofNullable(missingReason);
  }

  /** Lift of b over a at level {@code alpha} from the arms' means and variances. */
  public static RelativeLift compute(SampleStats a, SampleStats b, double alpha) {
    Checks.alpha(alpha);
    if (a.n() < 2 || b.n() < 2) {
      throw new StatsException("relative lift needs n >= 2 in both arms, got n_a=" + a.n() + " n_b=" + b.n());
    }
    return compute(a.mean(), a.varianceOfMean(), b.mean(), b.varianceOfMean(),
        Distributions.welchDf(a.varianceOfMean(), a.n(), b.varianceOfMean(), b.n()), alpha);
  }

  /**
   * Lift from two means and the variances of those means (s²/n, or a ratio metric's delta-method
   * variance), with {@code df} for the t interval. The means are independent (separate arms).
   */
  static RelativeLift compute(double meanA, double vA, double meanB, double vB, double df, double alpha) {
    return compute(meanA, vA, meanB, vB, 0, df, alpha);
  }

  /*
   * The general form: the lift is N/D − 1 for a numerator N and the control mean D that may be
   * correlated, with Var(N) = vN, Var(D) = vD and Cov(N, D) = c. CUPED needs it: its numerator
   * ȳ_b − θ(x̄_b − x̄_a) shares x̄_a with the control arm, and x̄_a is correlated with D = ȳ_a
   * (see Cuped). With c = 0 every formula below reduces to the independent-arm one.
   *
   *   delta method:  Var(N/D) ≈ (vN − 2Rc + R²vD)/D²                      (R = N/D)
   *   Fieller:       the roots r of (N − rD)² = z²(vN − 2rc + r²vD), i.e.
   *                  r = [(R − f) ± √(gR² − 2Rf + f² + (1 − g)z²vN/D²)]/(1 − g)
   *                  with g = z²vD/D² and f = z²c/D² (Fieller 1954, "Some problems in interval
   *                  estimation", J. R. Stat. Soc. B 16(2); the quadratic has two real roots whenever g < 1, since its value at
   *                  r = R is −z²(vN − 2Rc + R²vD) ≤ 0);
   *   log ratio:     Var(ln N − ln D) ≈ vN/N² + vD/D² − 2c/(ND).
   */

  /**
   * Lift N/D − 1 of a numerator N over the control mean D (the lift divides by |D|), where the two
   * may be correlated.
   *
   * @param meanA control mean D
   * @param vA variance of D
   * @param meanB numerator N (the treatment mean, or control mean + adjusted effect)
   * @param vB variance of N
   * @param cov covariance of N and D (0 for independent arms)
   */
  static RelativeLift compute(double meanA, double vA, double meanB, double vB, double cov, double df,
      double alpha) {
    double nan = Double.NaN;
    if (meanA == 0) {
      return new RelativeLift(nan, nan, nan, nan, nan, nan, nan, df, nan, nan, Double.POSITIVE_INFINITY,
          null, null, null, null, "control mean is 0: relative lift undefined");
    }
    double r = meanB / meanA;
    double lift = (meanB - meanA) / Math.abs(meanA);
    double var = Math.max(0, vB - 2 * r * cov + r * r * vA) / (meanA * meanA);
    double se = Math.sqrt(var);
    double zq = NormalTails.upperQuantile(alpha / 2);
    double tq = Double.isFinite(df) ? Distributions.tUpperQuantile(alpha / 2, df) : nan;
    double z = lift / se;
    double g = zq * zq * vA / (meanA * meanA);
    Double fLo = null;
    Double fHi = null;
    String missing = null;
    if (g < 1) {
      double f = zq * zq * cov / (meanA * meanA);
      double centre = r - f;
      // (R − f)² − (1 − g)(R² − z²vN/D²), expanded so that R² does not cancel when g is small.
      double disc = g * r * r - 2 * r * f + f * f + (1 - g) * zq * zq * vB / (meanA * meanA);
      double half = Math.sqrt(Math.max(0, disc));
      fLo = (centre - half) / (1 - g) - 1;
      fHi = (centre + half) / (1 - g) - 1;
      if (meanA < 0) {
        // lift divides by |ȳ_a|, so for a negative control mean it is −(R − 1): mirror the interval.
        double lo = -fHi;
        fHi = -fLo;
        fLo = lo;
      }
    } else {
      missing = "control mean indistinguishable from 0 (Fieller g = " + g + " >= 1): interval unbounded";
    }
    Double lLo = null;
    Double lHi = null;
    if (meanA > 0 && meanB > 0) {
      double s = Math.sqrt(Math.max(0, vB / (meanB * meanB) + vA / (meanA * meanA) - 2 * cov / (meanA * meanB)));
      lLo = Math.exp(Math.log(r) - zq * s) - 1;
      lHi = Math.exp(Math.log(r) + zq * s) - 1;
    } else if (missing == null) {
      missing = "log-ratio interval needs positive means";
    }
    return new RelativeLift(lift, var, se, z, TwoProportions.twoSided(z), lift - zq * se, lift + zq * se,
        df, lift - tq * se, lift + tq * se, g, fLo, fHi, lLo, lHi, missing);
  }
}
