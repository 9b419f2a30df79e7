package dev.assay.stats;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The result of one metric for one treatment variant against control.
 *
 * @param metric metric key
 * @param variant treatment variant key
 * @param method how the headline numbers were produced: the {@link StatResult.Method} identifiers
 *     joined with {@code +}, e.g. {@code welch_t+cuped+msprt} (a string: it is this result's JSON label;
 *     {@link #methods()} gives it typed, and the constructor rejects an unknown identifier)
 * @param controlMean control's mean (or ratio)
 * @param variantMean the variant's mean (or ratio)
 * @param effect absolute effect (CUPED-adjusted when adjusted)
 * @param ciLower headline interval of the absolute effect (always-valid when sequential)
 * @param ciUpper headline interval of the absolute effect
 * @param pValue headline p-value (always-valid when sequential)
 * @param pValueAdjusted after the multiple-testing correction (equal to pValue for guardrails)
 * @param fixedHorizonCiLower the fixed-horizon (single look) interval, beside the headline
 * @param fixedHorizonCiUpper the fixed-horizon interval
 * @param fixedHorizonPValue the fixed-horizon p-value
 * @param lift relative lift
 * @param liftCiLower relative-lift interval: always-valid (delta method) when sequential, else
 *     Fieller (null when unbounded)
 * @param liftCiUpper upper end of the same interval
 * @param cupedVarianceReduction 1 − adjusted/unadjusted variance (null when not adjusted)
 * @param unadjustedEffect the effect without CUPED (equal to effect when not adjusted)
 * @param unadjustedCiLower its fixed-horizon interval
 * @param unadjustedCiUpper its fixed-horizon interval
 * @param chanceToWin posterior probability that the variant is better (direction-aware)
 * @param riskControl expected loss (relative lift) of keeping control
 * @param riskVariant expected loss (relative lift) of shipping the variant
 * @param credibleLower credible interval of the relative lift
 * @param credibleUpper credible interval of the relative lift
 * @param significant frequentist engine: pValueAdjusted &lt; α; Bayesian engine: chanceToWin ≥ 1 − α/2
 *     or ≤ α/2 (a clear winner or a clear loser)
 * @param notes why values are missing, and other caveats
 * @param looks sequential looks folded into the headline interval and p-value (running intersection
 *     and running minimum); 0 when the headline is fixed-horizon or missing
 * @param nonInferiority the one-sided test against the metric's non-inferiority margin (null when
 *     the metric has no margin or the test is undefined; the notes then say why)
 */
public record MetricResult(
    String metric,
    String variant,
    String method,
    double controlMean,
    double variantMean,
    double effect,
    double ciLower,
    double ciUpper,
    double pValue,
    double pValueAdjusted,
    double fixedHorizonCiLower,
    double fixedHorizonCiUpper,
    double fixedHorizonPValue,
    double lift,
    @Nullable Double liftCiLower,
    @Nullable Double liftCiUpper,
    @Nullable Double cupedVarianceReduction,
    double unadjustedEffect,
    double unadjustedCiLower,
    double unadjustedCiUpper,
    double chanceToWin,
    double riskControl,
    double riskVariant,
    double credibleLower,
    double credibleUpper,
    boolean significant,
    List<String> notes,
    int looks,
    @Nullable NonInferiority nonInferiority) {

  /*
   * Not a StatResult: a metric's result combines several methods (an estimator, CUPED, the
   * sequential test, a Bayesian posterior), so it has methods() rather than one method(). The same
   * missing() convention holds.
   */

  public MetricResult {
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(variant, "variant");
    StatResult.Method.parseLabel(Objects.requireNonNull(method, "method"));
    notes = List.copyOf(notes);
  }

  /** The methods of the headline numbers, in the order they were applied (parsed from {@link #method()}). */
  public List<StatResult.Method> methods() {
    return StatResult.Method.parseLabel(method);
  }

  /** The notes, joined, when the result has any. */
  public Optional<String> missing() {
    return notes.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", notes));
  }

  /** This result with the Bayesian headline: chance to win, expected losses, decision and method. */
  MetricResult withBayesian(String newMethod, double chance, double lossControl, double lossVariant,
      boolean decided, List<String> newNotes) {
    return new MetricResult(metric, variant, newMethod, controlMean, variantMean, effect, ciLower, ciUpper,
        pValue, pValueAdjusted, fixedHorizonCiLower, fixedHorizonCiUpper, fixedHorizonPValue, lift, liftCiLower,
        liftCiUpper, cupedVarianceReduction, unadjustedEffect, unadjustedCiLower, unadjustedCiUpper,
        chance, lossControl, lossVariant, credibleLower, credibleUpper, decided, List.copyOf(newNotes),
        looks, nonInferiority);
  }

  /** The always-valid state of the headline, to fold the next look into; empty when not sequential. */
  public Optional<AlwaysValidState> runningState() {
    return looks > 0 ? Optional.of(new AlwaysValidState(looks, pValue, ciLower, ciUpper)) : Optional.empty();
  }

  /** This result with the headline replaced by a running state over several looks. */
  MetricResult withRunning(AlwaysValidState state, double alpha, List<String> newNotes) {
    return new MetricResult(metric, variant, method, controlMean, variantMean, effect, state.ciLower(),
        state.ciUpper(), state.pValue(), state.pValue(), fixedHorizonCiLower, fixedHorizonCiUpper,
        fixedHorizonPValue, lift, liftCiLower, liftCiUpper, cupedVarianceReduction, unadjustedEffect,
        unadjustedCiLower, unadjustedCiUpper, chanceToWin, riskControl, riskVariant, credibleLower, credibleUpper,
        state.pValue() < alpha, List.copyOf(newNotes), state.looks(), nonInferiority);
  }

  MetricResult withAdjusted(double adjusted, double alpha) {
    return new MetricResult(metric, variant, method, controlMean, variantMean, effect, ciLower, ciUpper,
        pValue, adjusted, fixedHorizonCiLower, fixedHorizonCiUpper, fixedHorizonPValue, lift, liftCiLower,
        liftCiUpper, cupedVarianceReduction, unadjustedEffect, unadjustedCiLower, unadjustedCiUpper,
        chanceToWin, riskControl, riskVariant, credibleLower, credibleUpper, adjusted < alpha, notes, looks, nonInferiority);
  }
}
