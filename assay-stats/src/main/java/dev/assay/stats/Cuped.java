package dev.assay.stats;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * CUPED (Deng, Xu, Kohavi &amp; Walker 2013): the difference of means adjusted by a pre-exposure
 * covariate with θ pooled across arms, its variance reduction, and the unadjusted result beside
 * it. With θ estimated from the pooled sample the adjusted variance is, up to O(1/n), never above
 * the unadjusted one.
 *
 * @param theta pooled Cov(x, y)/Var(x); 0 when x has no variance (then nothing is adjusted)
 * @param varXPooled pooled variance of x
 * @param covXYPooled pooled covariance of x and y
 * @param adjMeanA ȳ_a − θx̄_a
 * @param adjMeanB ȳ_b − θx̄_b
 * @param varAdjUnitA s²_y + θ²s²_x − 2θs_xy in control
 * @param varAdjUnitB the same in treatment
 * @param unadjusted the Welch result without adjustment
 * @param diffAdjusted adjusted difference
 * @param seAdjusted its standard error
 * @param zAdjusted diffAdjusted / seAdjusted
 * @param pValueAdjustedZ two-sided normal p-value
 * @param ciLowerAdjustedZ normal interval
 * @param ciUpperAdjustedZ normal interval
 * @param dfWelchAdjusted Welch df from the adjusted unit variances
 * @param pValueAdjustedT two-sided t p-value
 * @param ciLowerAdjustedT t interval
 * @param ciUpperAdjustedT t interval
 * @param varianceReduction 1 − se²_adjusted/se²_unadjusted
 * @param effectiveSampleMultiplier 1/(1 − varianceReduction): CUPED is worth this much traffic
 * @param liftAdjusted diffAdjusted / |ȳ_a|
 * @param varLiftGb GrowthBook's variance of the adjusted lift (drops θ(x̄_a − x̄_b)); for reference
 * @param varLiftFullDelta full delta-method variance of the adjusted lift ({@code relative.varianceDelta()})
 * @param relative the adjusted relative lift with its delta, Fieller and log-ratio intervals, by the
 *     full delta method (numerator ȳ_a + diffAdjusted correlated with ȳ_a through x̄_a)
 * @param missingReason why values are NaN, or why no adjustment happened (null otherwise)
 */
public record Cuped(
    double theta,
    double varXPooled,
    double covXYPooled,
    double adjMeanA,
    double adjMeanB,
    double varAdjUnitA,
    double varAdjUnitB,
    MeanDifference unadjusted,
    double diffAdjusted,
    double seAdjusted,
    double zAdjusted,
    double pValueAdjustedZ,
    double ciLowerAdjustedZ,
    double ciUpperAdjustedZ,
    double dfWelchAdjusted,
    double pValueAdjustedT,
    double ciLowerAdjustedT,
    double ciUpperAdjustedT,
    double varianceReduction,
    double effectiveSampleMultiplier,
    double liftAdjusted,
    double varLiftGb,
    double varLiftFullDelta,
    RelativeLift relative,
    @Nullable String missingReason) implements StatResult {

  @Override
  public Method method() {
    return Method.CUPED_POOLED_THETA;
  }

  public Optional<String> missing() {
    return Optional.ofNullable(missingReason);
  }

  /*
   * Relative lift of the adjusted effect: L = (ȳ*_b − ȳ*_a)/ȳ_a with ȳ*_k = ȳ_k − θx̄_k, divided by
   * the unadjusted control mean. Write it as N/D − 1 with N = ȳ_b − θ(x̄_b − x̄_a) and D = ȳ_a. N
   * holds the control's covariate mean x̄_a, which is correlated with ȳ_a, so N and D are not
   * independent (θ is held fixed, as for the absolute effect; its sampling error adds O(1/n²)):
   *
   *   Var(N) = (s²_y,b + θ²s²_x,b − 2θs_xy,b)/n_b + θ²s²_x,a/n_a
   *   Var(D) = s²_y,a/n_a,   Cov(N, D) = θ s_xy,a/n_a
   *
   * and Var(L) ≈ (Var(N) − 2R·Cov(N, D) + R²Var(D))/D² with R = N/D (delta method; docs/statistics.md
   * "CUPED relative lift"). Giving the control the adjusted variance (s²_y + θ²s²_x − 2θs_xy)/n_a
   * instead, as for the absolute effect, is right only when R = 1.
   */
  private static RelativeLift relativeLift(CupedStats a, CupedStats b, double theta, double varAdjUnitB, double df,
      double alpha) {
    double control = a.meanY();
    double numerator = b.meanY() - theta * (b.meanX() - a.meanX());
    double varNumerator = varAdjUnitB / b.n() + theta * theta * a.varX() / a.n();
    double cov = theta * a.covXY() / a.n();
    return RelativeLift.compute(control, Math.max(0, a.varY()) / a.n(), numerator, varNumerator, cov, df, alpha);
  }

  public static Cuped adjust(CupedStats a, CupedStats b, double alpha) {
    Checks.alpha(alpha);
    if (a.n() < 2 || b.n() < 2) {
      throw new StatsException("CUPED needs n >= 2 in both arms, got n_a=" + a.n() + " n_b=" + b.n());
    }
    CupedStats pooled = a.plus(b);
    double varX = pooled.varX();
    double cov = pooled.covXY();
    String missing = null;
    double theta;
    if (varX > 0) {
      theta = cov / varX;
    } else {
      theta = 0;
      missing = "covariate has zero variance: no adjustment";
    }
    double vuA = a.varY() + theta * theta * a.varX() - 2 * theta * a.covXY();
    double vuB = b.varY() + theta * theta * b.varX() - 2 * theta * b.covXY();
    vuA = Math.max(0, vuA);
    vuB = Math.max(0, vuB);
    double adjA = a.meanY() - theta * a.meanX();
    double adjB = b.meanY() - theta * b.meanX();
    double vA = vuA / a.n();
    double vB = vuB / b.n();
    double diff = adjB - adjA;
    double se = Math.sqrt(vA + vB);
    MeanDifference raw = MeanDifference.welch(a.outcome(), b.outcome(), alpha);
    double z = diff / se;
    double zq = NormalTails.upperQuantile(alpha / 2);
    double df = Distributions.welchDf(vA, a.n(), vB, b.n());
    double tq = Distributions.tUpperQuantile(alpha / 2, df);
    double vr = 1 - (se * se) / (raw.se() * raw.se());
    double ya = a.meanY();
    double yb = b.meanY();
    double varLiftGb = vuB / (b.n() * ya * ya)
        + (a.varY() * yb * yb / (ya * ya) - 2 * theta * a.covXY() * yb / ya + theta * theta * a.varX())
            / (a.n() * ya * ya);
    RelativeLift relative = relativeLift(a, b, theta, vuB, df, alpha);
    if (!(se > 0)) {
      missing = "zero variance after adjustment";
    }
    return new Cuped(theta, varX, cov, adjA, adjB, vuA, vuB, raw, diff, se, z, TwoProportions.twoSided(z),
        diff - zq * se, diff + zq * se, df, Distributions.tTwoSidedP(z, df), diff - tq * se, diff + tq * se,
        vr, 1 / (1 - vr), ya == 0 ? Double.NaN : diff / Math.abs(ya), varLiftGb, relative.varianceDelta(), relative,
        missing);
  }
}
