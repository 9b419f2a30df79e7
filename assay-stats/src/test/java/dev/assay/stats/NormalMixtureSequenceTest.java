package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NormalMixtureSequenceTest {

  private static final double ALPHA = 0.05;
  private static final int STREAMS = 500;
  private static final int LOOKS = 50;
  private static final int UNITS_PER_LOOK = 40;

  /** Fraction of A/A streams whose interval ever excludes the true effect 0 over all looks. */
  private static double everExcludesZero(boolean alwaysValid, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double sigma = 3.0;
    double plannedVariance = 2 * sigma * sigma / (LOOKS * UNITS_PER_LOOK);
    NormalMixtureSequence test = NormalMixtureSequence.tunedTo(plannedVariance, ALPHA);
    double z = NormalTails.upperQuantile(ALPHA / 2);
    int failures = 0;
    for (int s = 0; s < STREAMS; s++) {
      double[] sum = new double[2];
      double[] sumSq = new double[2];
      long n = 0;
      AlwaysValidState state = AlwaysValidState.initial();
      boolean excluded = false;
      for (int look = 0; look < LOOKS; look++) {
        for (int i = 0; i < UNITS_PER_LOOK; i++) {
          for (int arm = 0; arm < 2; arm++) {
            double y = 10 + sigma * random.nextGaussian();
            sum[arm] += y;
            sumSq[arm] += y * y;
          }
        }
        n += UNITS_PER_LOOK;
        double va = (sumSq[0] - sum[0] * sum[0] / n) / (n - 1);
        double vb = (sumSq[1] - sum[1] * sum[1] / n) / (n - 1);
        double diff = sum[1] / n - sum[0] / n;
        double v = va / n + vb / n;
        if (alwaysValid) {
          state = state.next(test.look(diff, v));
          excluded |= state.ciLower() > 0 || state.ciUpper() < 0;
        } else {
          excluded |= Math.abs(diff) > z * Math.sqrt(v);
        }
      }
      if (excluded) {
        failures++;
      }
    }
    return (double) failures / STREAMS;
  }

  @Test
  void runningInterval_aaStreamsWithContinuousPeeking_keepsCoverage() {
    double bound = ALPHA + 3 * Math.sqrt(ALPHA * (1 - ALPHA) / STREAMS);
    assertThat(everExcludesZero(true, 20240601L)).isLessThanOrEqualTo(bound);
  }

  @Test
  void fixedHorizonInterval_sameStreamsWithPeeking_losesCoverage() {
    // Control for the simulation above: the naive interval peeked 50 times must fail it.
    double bound = ALPHA + 3 * Math.sqrt(ALPHA * (1 - ALPHA) / STREAMS);
    assertThat(everExcludesZero(false, 20240601L)).isGreaterThan(bound);
  }

  @Test
  void run_sequenceOfLooks_pValueIsRunningMinimumAndIntervalNeverWidens() {
    NormalMixtureSequence test = NormalMixtureSequence.of(0.01, ALPHA);
    double[] estimates = {0.45, 0.29, 0.25, 0.18, 0.2, 0.0};
    double[] variances = {0.05, 0.025, 0.0166, 0.0125, 0.01, 0.02};
    List<AlwaysValidState> states = test.run(estimates, variances);
    assertThat(states).hasSize(6);
    for (int i = 1; i < states.size(); i++) {
      AlwaysValidState prev = states.get(i - 1);
      AlwaysValidState cur = states.get(i);
      AlwaysValidLook look = test.look(estimates[i], variances[i]);
      assertThat(cur.pValue()).isEqualTo(Math.min(prev.pValue(), look.pValue()));
      assertThat(cur.ciLower()).isGreaterThanOrEqualTo(prev.ciLower());
      assertThat(cur.ciUpper()).isLessThanOrEqualTo(prev.ciUpper());
      assertThat(cur.looks()).isEqualTo(i + 1);
    }
    // The last look has a wider interval than the running one: the intersection must keep it.
    assertThat(test.look(0.0, 0.02).ciLower()).isLessThan(states.get(5).ciLower());
  }

  @Test
  void look_intervalEndpoints_areWhereLikelihoodRatioEqualsOneOverAlpha() {
    NormalMixtureSequence test = NormalMixtureSequence.of(0.003, ALPHA);
    AlwaysValidLook look = test.look(0.12, 0.0004);
    for (double end : new double[] {look.ciLower(), look.ciUpper()}) {
      NormalMixtureSequence at = new NormalMixtureSequence(0.003, ALPHA, end);
      assertThat(at.look(0.12, 0.0004).logLikelihoodRatio()).isCloseTo(Math.log(1 / ALPHA), within(1e-9));
    }
  }

  @Test
  void tunedTo_plannedVariance_minimisesHalfwidthThere() {
    double vStar = 4e-4;
    MixtureTuning tuning = MixtureTuning.of(vStar, ALPHA);
    double best = NormalMixtureSequence.halfwidth(vStar, tuning.tau2Optimal(), ALPHA);
    for (double factor : new double[] {0.5, 0.9, 1.1, 2.0}) {
      assertThat(NormalMixtureSequence.halfwidth(vStar, factor * tuning.tau2Optimal(), ALPHA))
          .isGreaterThan(best);
    }
    assertThat(NormalMixtureSequence.tunedTo(vStar, ALPHA).tau2()).isEqualTo(tuning.tau2Optimal());
  }

  @Test
  void asymptoticConfidenceSequence_growthBookInterval_equalsMixtureWithScaledTau2() {
    AsymptoticConfidenceSequence gb = AsymptoticConfidenceSequence.of(0.05, 0.02, 10_000, 5_000, ALPHA, 0);
    double tau2 = 0.02 * 0.02 * 10_000 * gb.rho() * gb.rho();
    AlwaysValidLook look = NormalMixtureSequence.of(tau2, ALPHA).look(0.05, 0.02 * 0.02);
    assertThat(gb.ciLower()).isCloseTo(look.ciLower(), within(1e-12));
    assertThat(gb.ciUpper()).isCloseTo(look.ciUpper(), within(1e-12));
    assertThat(gb.pValue()).isCloseTo(look.pValue(), within(1e-12));
  }

  @Test
  void statsigSequential_documentedFormula_isMixtureAtHalfAlpha() {
    StatsigSequential s = StatsigSequential.of(8000, 8000, 30, 28, 0.25, ALPHA);
    AlwaysValidLook look = NormalMixtureSequence.of(s.tau(), ALPHA / 2).look(0.25, s.variance());
    assertThat(s.ciLower()).isCloseTo(look.ciLower(), within(1e-12));
    assertThat(s.ciUpper()).isCloseTo(look.ciUpper(), within(1e-12));
  }

  @Test
  void look_zeroVariance_throwsNamingVariance() {
    NormalMixtureSequence test = NormalMixtureSequence.of(0.01, ALPHA);
    assertThatThrownBy(() -> test.look(0.1, 0.0))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("variance");
  }

  @Test
  void constructor_alphaOutOfRange_throwsNamingAlpha() {
    assertThatThrownBy(() -> NormalMixtureSequence.of(0.01, 1.5))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("alpha");
  }
}
