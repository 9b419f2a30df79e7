package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Guardrails as one-sided non-inferiority tests: the fixed-horizon Welch form, the always-valid
 * form, and the margin carried through {@link ExperimentAnalysis}.
 */
class NonInferiorityTest {

  private static CupedStats arm(long n, double mean, double var) {
    double sumY = n * mean;
    return new CupedStats(n, sumY, 0, var * (n - 1) + sumY * sumY / n, 0, 0);
  }

  private static MetricResult analyzeGuardrail(double controlMean, double variantMean, double margin,
      boolean sequential) {
    MetricData latency = new MetricData("page-load-ms", MetricData.Type.MEAN, false, MetricData.Role.GUARDRAIL,
        List.of(arm(50_000, controlMean, 90_000), arm(50_000, variantMean, 90_000)), null, margin);
    AnalysisSettings s = AnalysisSettings.defaults();
    s = new AnalysisSettings(s.engine(), s.alpha(), sequential, s.cuped(), s.correction(), 0, 0, null);
    return ExperimentAnalysis.analyze(List.of("control", "treatment"), new long[] {50_000, 50_000},
        new double[] {0.5, 0.5}, List.of(latency), s).results().get(0);
  }

  @Test
  void fixedHorizon_matchesOneSidedWelchByHand() {
    // Lower is better, margin 2: t = (−(200.5 − 200) + 2) / √(2·2500/1e5) = 1.5/0.2236 = 6.708.
    SampleStats control = new SampleStats(100_000, 200.0, 2500.0);
    NonInferiority r = NonInferiority.test(control, new SampleStats(100_000, 200.5, 2500.0), 2.0, false, 0.05);

    assertThat(r.method()).isEqualTo("welch_t_one_sided");
    assertThat(r.t()).isCloseTo(1.5 / Math.sqrt(0.05), within(1e-9));
    assertThat(r.df()).isCloseTo(199_998, within(1e-6));
    // Upper bound 0.5 + z₀.₉₅·0.2236 (t with ~2e5 df: 1.644869).
    assertThat(r.bound()).isCloseTo(0.5 + 1.644869 * Math.sqrt(0.05), within(1e-5));
    assertThat(r.nonInferior()).isTrue();
  }

  @Test
  void analysis_guardrailWithinMargin_nonInferiorBothWays() {
    // Control 850 ms, treatment 855 ms (+0.6%), margin 5% = 42.5 ms; se of the difference ≈ 1.9 ms.
    MetricResult seq = analyzeGuardrail(850, 855, 0.05, true);
    MetricResult fixed = analyzeGuardrail(850, 855, 0.05, false);

    assertThat(seq.nonInferiority().method()).isEqualTo("msprt_one_sided");
    assertThat(seq.nonInferiority().margin()).isCloseTo(42.5, within(1e-9));
    assertThat(seq.nonInferiority().nonInferior()).isTrue();
    assertThat(seq.nonInferiority().bound()).isBetween(5.0, 42.5);
    assertThat(fixed.nonInferiority().method()).isEqualTo("welch_t_one_sided");
    assertThat(fixed.nonInferiority().nonInferior()).isTrue();
    // The always-valid bound is further out than the fixed-horizon one: it pays for peeking.
    assertThat(seq.nonInferiority().bound()).isGreaterThan(fixed.nonInferiority().bound());
    assertThat(seq.nonInferiority().pValue()).isGreaterThan(fixed.nonInferiority().pValue());
  }

  @Test
  void analysis_guardrailBeyondMargin_notNonInferior() {
    // +6% slower with a 5% margin: the estimate itself is past the margin.
    MetricResult r = analyzeGuardrail(850, 901, 0.05, true);

    assertThat(r.nonInferiority().nonInferior()).isFalse();
    assertThat(r.nonInferiority().pValue()).isEqualTo(1.0);
    assertThat(r.nonInferiority().bound()).isGreaterThan(42.5);
  }

  @Test
  void analysis_noMargin_noTest_zeroControlMean_explained() {
    MetricData plain = new MetricData("m", MetricData.Type.MEAN, true, MetricData.Role.GUARDRAIL,
        List.of(arm(1000, 1, 1), arm(1000, 1, 1)), null);
    MetricData zero = new MetricData("z", MetricData.Type.MEAN, true, MetricData.Role.GUARDRAIL,
        List.of(arm(1000, 0, 1), arm(1000, 0.01, 1)), null, 0.05);

    ExperimentAnalysis r = ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {1000, 1000},
        new double[] {0.5, 0.5}, List.of(plain, zero), AnalysisSettings.defaults());

    assertThat(r.results().get(0).nonInferiority()).isNull();
    assertThat(r.results().get(0).notes()).noneMatch(n -> n.contains("non-inferiority"));
    assertThat(r.results().get(1).nonInferiority()).isNull();
    assertThat(r.results().get(1).notes()).anyMatch(n -> n.contains("non-inferiority not tested")
        && n.contains("control mean"));
  }

  @Test
  void metricData_nonPositiveMargin_rejectedNamingIt() {
    assertThatThrownBy(() -> new MetricData("m", MetricData.Type.MEAN, true, MetricData.Role.GUARDRAIL,
        List.of(arm(10, 1, 1), arm(10, 1, 1)), null, -0.05))
        .isInstanceOf(StatsException.class).hasMessageContaining("nonInferiorityMargin");
  }

  @Test
  void alwaysValid_trueEffectExactlyAtMarginCheckedAfterEveryBatch_falseClaimRateAtMostAlpha() {
    // Seeded simulation of the least favourable null: the treatment is exactly `margin` worse.
    // Checking after every batch of 200 units per arm for 50 batches, a test valid at one look only
    // would claim non-inferiority far more often than α; the always-valid one must stay at or
    // under α (allowing three binomial standard errors).
    SplittableRandom rnd = new SplittableRandom(20261201L);
    int sims = 400;
    int batches = 50;
    int batch = 200;
    double alpha = 0.05;
    double margin = 0.1;
    double plannedVariance = 2.0 / (batches * batch);
    int claimsAlwaysValid = 0;
    int claimsFixed = 0;
    for (int s = 0; s < sims; s++) {
      double sumA = 0;
      double sumB = 0;
      long n = 0;
      boolean claimedAv = false;
      boolean claimedFixed = false;
      for (int b = 0; b < batches; b++) {
        for (int i = 0; i < batch; i++) {
          sumA += rnd.nextGaussian();
          sumB += rnd.nextGaussian() - margin; // higher is better: treatment is `margin` worse
        }
        n += batch;
        double diff = sumB / n - sumA / n;
        double variance = 2.0 / n;
        claimedAv |= NonInferiority.alwaysValid(diff, variance, plannedVariance, margin, true, alpha).nonInferior();
        claimedFixed |= NonInferiority.fixedHorizon(diff, variance, 2 * n - 2, margin, true, alpha).nonInferior();
      }
      claimsAlwaysValid += claimedAv ? 1 : 0;
      claimsFixed += claimedFixed ? 1 : 0;
    }
    double se = Math.sqrt(alpha * (1 - alpha) / sims);
    assertThat((double) claimsAlwaysValid / sims).isLessThanOrEqualTo(alpha + 3 * se);
    assertThat((double) claimsFixed / sims).as("peeking at a fixed-horizon test inflates the error")
        .isGreaterThan(2 * alpha);
  }
}
