package dev.assay.stats;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Comparison of a ratio metric (e.g. clicks per session) between arms by the delta method at the
 * randomization unit — which equals the cluster-robust variance, so cluster-randomized
 * experiments use the same path with clusters as units.
 *
 * @param ratioA Σm/Σd in control
 * @param ratioB Σm/Σd in treatment
 * @param varianceA delta-method variance of ratioA
 * @param varianceB delta-method variance of ratioB
 * @param absDiff ratioB − ratioA
 * @param seAbs √(varianceA + varianceB)
 * @param zAbs absDiff / seAbs
 * @param pValueAbs two-sided normal p-value of the absolute difference
 * @param ciLowerAbs normal interval of the absolute difference
 * @param ciUpperAbs normal interval of the absolute difference
 * @param lift relative lift (delta method)
 * @param missingReason why values are NaN (null when defined)
 */
public record RatioComparison(
    double ratioA,
    double ratioB,
    double varianceA,
    double varianceB,
    double absDiff,
    double seAbs,
    double zAbs,
    double pValueAbs,
    double ciLowerAbs,
    double ciUpperAbs,
    RelativeLift lift,
    @Nullable String missingReason) implements StatResult {

  @Override
  public Method method() {
    return Method.RATIO_DELTA_METHOD;
  }

  public Optional<String> missing() {
    return Optional.ofNullable(missingReason);
  }

  public static RatioComparison compare(RatioStats a, RatioStats b, double alpha) {
    Checks.alpha(alpha);
    if (a.n() < 2 || b.n() < 2) {
      throw new StatsException("ratio metrics need n >= 2 in both arms, got n_a=" + a.n() + " n_b=" + b.n());
    }
    if (a.sumDen() == 0 || b.sumDen() == 0) {
      throw new StatsException("ratio metric denominator sums to 0 in " + (a.sumDen() == 0 ? "control" : "treatment"));
    }
    double ra = a.ratio();
    double rb = b.ratio();
    double va = a.varianceOfRatio();
    double vb = b.varianceOfRatio();
    double diff = rb - ra;
    double se = Math.sqrt(va + vb);
    double z = diff / se;
    double zq = NormalTails.upperQuantile(alpha / 2);
    double df = Distributions.welchDf(va, a.n(), vb, b.n());
    RelativeLift lift = RelativeLift.compute(ra, va, rb, vb, df, alpha);
    String missing = se > 0 ? null : "zero variance in both arms";
    return new RatioComparison(ra, rb, va, vb, diff, se, z, TwoProportions.twoSided(z), diff - zq * se,
        diff + zq * se, lift, missing);
  }
}
