package dev.assay.stats;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Treatment minus control for a quantile metric, absolute and relative, with z-based intervals.
 * A part that cannot be computed is empty, and {@link #missing()} says why.
 *
 * @param level quantile level ν
 * @param control control arm's estimate, if computable
 * @param treatment treatment arm's estimate, if computable
 * @param difference Q_b − Q_a with Var = σ²_a + σ²_b
 * @param lift Q_b/Q_a − 1 by the delta method
 * @param missingReason why a part is empty; null when all parts are present (read it with {@link #missing()})
 */
public record QuantileComparison(
    double level,
    Optional<QuantileEstimate> control,
    Optional<QuantileEstimate> treatment,
    Optional<QuantileEffect> difference,
    Optional<QuantileEffect> lift,
    @Nullable String missingReason) implements StatResult {

  @Override
  public Method method() {
    return Method.QUANTILE_DELTA_OUTER_CI;
  }

  @Override
  public Optional<String> missing() {
    return Optional.ofNullable(missingReason);
  }

  /*
   * The two arms are independent, so Var(Q_b − Q_a) = σ²_a + σ²_b. The relative lift uses the
   * delta method for a ratio of independent estimates, Var(Q_b/Q_a) ≈ σ²_b/Q_a² + Q_b²σ²_a/Q_a⁴
   * (shared statistics.md §2.3, §10.2 step 4); it is undefined when Q_a is not distinguishable
   * from 0 at level α, since the ratio then has no finite-variance approximation.
   */

  /**
   * An effect with a normal-theory interval and two-sided p-value against 0.
   *
   * @param estimate the effect
   * @param se its standard error
   * @param ciLower lower end of the 1 − α interval
   * @param ciUpper upper end
   * @param pValue two-sided p-value
   */
  public record QuantileEffect(
      double estimate, double se, double ciLower, double ciUpper, double pValue) {}

  /**
   * Compares two arms' quantiles.
   *
   * @throws StatsException if the arms have different levels or α
   */
  public static QuantileComparison of(QuantileStats control, QuantileStats treatment) {
    if (control.level() != treatment.level()) {
      throw new StatsException(
          "quantile levels differ: " + control.level() + " vs " + treatment.level());
    }
    if (control.alpha() != treatment.alpha()) {
      throw new StatsException("alpha differs: " + control.alpha() + " vs " + treatment.alpha());
    }
    double alpha = control.alpha();
    Optional<String> reasonA = QuantileEstimate.insufficientReason(control);
    Optional<String> reasonB = QuantileEstimate.insufficientReason(treatment);
    Optional<QuantileEstimate> a =
        reasonA.isEmpty() ? Optional.of(QuantileEstimate.from(control)) : Optional.empty();
    Optional<QuantileEstimate> b =
        reasonB.isEmpty() ? Optional.of(QuantileEstimate.from(treatment)) : Optional.empty();
    if (a.isEmpty() || b.isEmpty()) {
      String reason =
          a.isEmpty() ? "control: " + reasonA.orElseThrow() : "treatment: " + reasonB.orElseThrow();
      return new QuantileComparison(
          control.level(), a, b, Optional.empty(), Optional.empty(), reason);
    }
    double z = NormalTails.upperQuantile(alpha / 2.0);
    QuantileEstimate qa = a.get();
    QuantileEstimate qb = b.get();
    double diff = qb.estimate() - qa.estimate();
    double se = Math.sqrt(qa.variance() + qb.variance());
    QuantileEffect difference = effect(diff, se, z);
    double ma = qa.estimate();
    double seA = Math.sqrt(qa.variance());
    if (ma == 0 || Math.abs(ma) <= z * seA) {
      return new QuantileComparison(
          control.level(),
          a,
          b,
          Optional.of(difference),
          Optional.empty(),
          "relative lift undefined: control quantile "
              + ma
              + " is not distinguishable from 0");
    }
    double mb = qb.estimate();
    double liftVar = qb.variance() / (ma * ma) + mb * mb * qa.variance() / (ma * ma * ma * ma);
    QuantileEffect lift = effect(mb / ma - 1, Math.sqrt(liftVar), z);
    return new QuantileComparison(
        control.level(), a, b, Optional.of(difference), Optional.of(lift), null);
  }

  private static QuantileEffect effect(double estimate, double se, double z) {
    double p = se > 0 ? 2 * NormalTails.sf(Math.abs(estimate) / se) : (estimate == 0 ? 1.0 : 0.0);
    return new QuantileEffect(estimate, se, estimate - z * se, estimate + z * se, p);
  }
}
