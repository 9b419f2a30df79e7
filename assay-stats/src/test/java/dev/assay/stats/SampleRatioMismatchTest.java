package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SampleRatioMismatchTest {

  private static long[] multinomial(SplittableRandom random, int n, double[] p) {
    long[] counts = new long[p.length];
    for (int i = 0; i < n; i++) {
      double u = random.nextDouble();
      int k = 0;
      double c = p[0];
      while (u >= c && k < p.length - 1) {
        c += p[++k];
      }
      counts[k]++;
    }
    return counts;
  }

  @Test
  void test_nullSplit_falsePositiveRateIsAlpha() {
    SplittableRandom random = new SplittableRandom(7);
    double[] weights = {0.2, 0.3, 0.5};
    int trials = 4000;
    int flagged = 0;
    for (int t = 0; t < trials; t++) {
      if (SampleRatioMismatch.test(multinomial(random, 2000, weights), weights, 0.05).flagged()) {
        flagged++;
      }
    }
    double rate = (double) flagged / trials;
    assertThat(rate).isCloseTo(0.05, within(4 * Math.sqrt(0.05 * 0.95 / trials)));
  }

  @Test
  void test_threeEqualArmsExtremeImbalance_pValueMatchesClosedFormTail() {
    // For df = 2 the chi-square survival function is exactly exp(-x/2): an independent check far
    // into the tail, where 1 - cdf would return 0.
    SampleRatioMismatch srm =
        SampleRatioMismatch.test(new long[] {10_000, 12_000, 14_000}, new double[] {1, 1, 1});
    assertThat(srm.df()).isEqualTo(2);
    assertThat(srm.pValue()).isGreaterThan(0);
    assertThat(srm.pValue()).isCloseTo(Math.exp(-srm.chi2() / 2), within(1e-9 * srm.pValue()));
    assertThat(srm.flagged()).isTrue();
  }

  @Test
  void test_oneArmWithWeight_throwsNamingWeights() {
    assertThatThrownBy(() -> SampleRatioMismatch.test(new long[] {5, 5}, new double[] {1, 0}))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("weights");
  }

  @Test
  void sequential_nullSplitCheckedDaily_falseAlarmRateAtMostAlpha() {
    SplittableRandom random = new SplittableRandom(99);
    double[] weights = {0.5, 0.5};
    int streams = 400;
    int alarms = 0;
    for (int s = 0; s < streams; s++) {
      SequentialSampleRatioTest test = SequentialSampleRatioTest.start(weights, 10_000);
      for (int day = 0; day < 30; day++) {
        test = test.next(multinomial(random, 500, weights));
      }
      if (test.flagged(0.05)) {
        alarms++;
      }
    }
    assertThat((double) alarms / streams)
        .isLessThanOrEqualTo(0.05 + 3 * Math.sqrt(0.05 * 0.95 / streams));
  }

  @Test
  void sequential_persistentImbalance_isFlagged() {
    SplittableRandom random = new SplittableRandom(5);
    SequentialSampleRatioTest test = SequentialSampleRatioTest.start(new double[] {1, 1}, 10_000);
    for (int day = 0; day < 30; day++) {
      test = test.next(multinomial(random, 2000, new double[] {0.47, 0.53}));
    }
    assertThat(test.flagged(0.001)).isTrue();
  }

  @Test
  void sequential_batching_bayesFactorDependsOnlyOnTotals() {
    double[] w = {0.5, 0.25, 0.25};
    SequentialSampleRatioTest daily =
        SequentialSampleRatioTest.start(w, 10_000)
            .next(new long[] {500, 260, 240})
            .next(new long[] {510, 250, 255});
    SequentialSampleRatioTest once =
        SequentialSampleRatioTest.start(w, 10_000).next(new long[] {1010, 510, 495});
    assertThat(daily.logBayesFactor()).isCloseTo(once.logBayesFactor(), within(1e-10));
    assertThat(daily.batches()).isEqualTo(2);
    assertThat(daily.totals()).containsExactly(1010, 510, 495);
  }

  @Test
  void sequential_zeroWeight_throwsNamingWeights() {
    assertThatThrownBy(() -> SequentialSampleRatioTest.start(new double[] {1, 0}, 10_000))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("weights[1]");
  }
}
