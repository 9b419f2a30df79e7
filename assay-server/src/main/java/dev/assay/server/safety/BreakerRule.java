package dev.assay.server.safety;

import dev.assay.stats.AlwaysValidLook;
import dev.assay.stats.NormalMixtureSequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The statistics of a breaker: whether one cohort of a window (counts since a fixed second) shows
 * a treatment worse than control, or than an absolute budget, with evidence. Pure and thread-safe.
 *
 * <p>Each test is a one-sided mixture SPRT on a difference of proportions (the normal-mixture
 * always-valid test of {@code assay-stats}, Johari, Pekelis and Walsh 2022, centred on the null
 * θ₀ = the margin): error rates (errors per request), and for latency the share of requests slower
 * than a threshold, which exceeds 1% exactly when the p99 exceeds the threshold. A cohort's counts
 * grow from a fixed start, so repeated looks at it are valid; {@link CircuitBreakers} spends the
 * configured α over the cohorts of a horizon (Bonferroni), so that α bounds false trips over it.
 */
final class BreakerRule {
  /* Mixing standard deviation τ of each test, in units of the proportion: effects of about a percentage point. */
  static final double TAU = 0.01;
  private static final double P99_SHARE = 0.01;

  private BreakerRule() {}

  /** The number of tests one treatment variation takes per look (for the α split). */
  static int testsPerTreatment(BreakerConfig c) {
    return (c.errorRateMargin().isPresent() ? 1 : 0) + (c.latencyP99Margin().isPresent() ? 1 : 0)
        + (c.maxErrorRate().isPresent() ? 1 : 0) + (c.maxP99Millis().isPresent() ? 1 : 0);
  }

  /**
   * The breaches of one cohort, as sentences; empty when there is no evidence of one.
   *
   * @param counts per variation, index 0 control
   * @param alpha the level of each single test
   */
  static List<String> breaches(BreakerConfig c, List<SignalWindow.Counts> counts, double alpha) {
    List<String> out = new ArrayList<>();
    if (counts.isEmpty() || counts.get(0).requests() < c.minSamples()) {
      return out;
    }
    SignalWindow.Counts control = counts.get(0);
    for (int v = 1; v < counts.size(); v++) {
      SignalWindow.Counts t = counts.get(v);
      if (t.requests() < c.minSamples()) {
        continue;
      }
      breach(c, control, t, v, alpha).ifPresent(out::add);
    }
    return out;
  }

  private static Optional<String> breach(BreakerConfig c, SignalWindow.Counts control, SignalWindow.Counts t, int v,
      double alpha) {
    if (c.errorRateMargin().isPresent()) {
      double m = c.errorRateMargin().getAsDouble();
      if (exceeds(t.cappedErrors(), t.requests(), control.cappedErrors(), control.requests(), m, alpha)) {
        return Optional.of(String.format(Locale.ROOT, "variation %d's error rate %.4f exceeds control's %.4f by more"
            + " than %s", v, rate(t.cappedErrors(), t.requests()), rate(control.cappedErrors(), control.requests()),
            m));
      }
    }
    if (c.maxErrorRate().isPresent()) {
      double budget = c.maxErrorRate().getAsDouble();
      if (exceeds(t.cappedErrors(), t.requests(), 0, 0, budget, alpha)) {
        return Optional.of(String.format(Locale.ROOT, "variation %d's error rate %.4f exceeds the budget %s", v,
            rate(t.cappedErrors(), t.requests()), budget));
      }
    }
    if (c.latencyP99Margin().isPresent()) {
      double controlP99 = control.quantile(0.99);
      double threshold = controlP99 * (1 + c.latencyP99Margin().getAsDouble());
      // H0: treatment's p99 ≤ threshold, i.e. its share above it ≤ 1%; control's share above it is ≤ 1% as well.
      long slowControl = control.slowerThan(threshold);
      double baseline = Math.max(P99_SHARE, rate(slowControl, control.requests()));
      if (exceeds(t.slowerThan(threshold), t.requests(), slowControl, control.requests(), baseline
          - rate(slowControl, control.requests()), alpha)) {
        return Optional.of(String.format(Locale.ROOT, "variation %d's p99 latency %.1f ms exceeds control's %.1f ms"
            + " by more than %s", v, t.quantile(0.99), controlP99, percent(c.latencyP99Margin().getAsDouble())));
      }
    }
    if (c.maxP99Millis().isPresent()) {
      double budget = c.maxP99Millis().getAsDouble();
      if (exceeds(t.slowerThan(budget), t.requests(), 0, 0, P99_SHARE, alpha)) {
        return Optional.of(String.format(Locale.ROOT, "variation %d's p99 latency %.1f ms exceeds the budget %s ms", v,
            t.quantile(0.99), budget));
      }
    }
    return Optional.empty();
  }

  /**
   * Whether x/n exceeds y/m + margin with evidence at level alpha (m = 0: a one-sample test of x/n
   * against the margin). Proportions are smoothed by half a count, so a zero count has a variance.
   */
  static boolean exceeds(long x, long n, long y, long m, double margin, double alpha) {
    double p = (x + 0.5) / (n + 1.0);
    double estimate = p;
    double variance = p * (1 - p) / n;
    if (m > 0) {
      double q = (y + 0.5) / (m + 1.0);
      estimate -= q;
      variance += q * (1 - q) / m;
    }
    if (estimate <= margin) {
      return false;
    }
    AlwaysValidLook look = new NormalMixtureSequence(TAU * TAU, alpha, margin).look(estimate, variance);
    return look.pValue() < alpha;
  }

  private static double rate(long x, long n) {
    return n == 0 ? 0 : (double) x / n;
  }

  private static String percent(double f) {
    return String.format(Locale.ROOT, "%.0f%%", f * 100);
  }
}
