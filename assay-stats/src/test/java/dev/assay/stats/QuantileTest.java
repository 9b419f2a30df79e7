package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QuantileTest {

  private static double exponential(SplittableRandom r) {
    return -Math.log(1 - r.nextDouble());
  }

  @Test
  void estimate_iidExponentialP90_intervalCoversTrueQuantile() {
    SplittableRandom random = new SplittableRandom(17);
    double truth = Math.log(10); // P90 of Exp(1)
    int trials = 600;
    int covered = 0;
    for (int t = 0; t < trials; t++) {
      double[] y = new double[2000];
      for (int i = 0; i < y.length; i++) {
        y[i] = exponential(random);
      }
      QuantileEstimate q = QuantileEstimate.from(QuantileStats.fromSample(y, 0.9, 0.05));
      if (q.ciLower() <= truth && truth <= q.ciUpper()) {
        covered++;
      }
    }
    assertThat((double) covered / trials).isCloseTo(0.95, within(4 * Math.sqrt(0.05 * 0.95 / trials)));
  }

  @Test
  void estimate_eachUnitRepeatsItsValue_clusterCorrectionScalesVarianceByClusterSize() {
    // Every unit contributes 4 identical events: the events carry the information of 1 000 units,
    // not 4 000 events, so the cluster-adjusted variance must be about 4× the naive one.
    SplittableRandom random = new SplittableRandom(23);
    double[][] units = new double[1000][];
    double[] flat = new double[4000];
    for (int u = 0; u < units.length; u++) {
      double y = exponential(random);
      units[u] = new double[] {y, y, y, y};
      for (int j = 0; j < 4; j++) {
        flat[4 * u + j] = y;
      }
    }
    QuantileEstimate clustered = QuantileEstimate.from(QuantileStats.fromUnits(units, 0.5, 0.05));
    QuantileEstimate naive = QuantileEstimate.from(QuantileStats.fromSample(flat, 0.5, 0.05));
    assertThat(clustered.clusterAdjusted()).isTrue();
    assertThat(clustered.variance() / naive.variance()).isCloseTo(4.0, within(0.4));
  }

  @Test
  void compare_shiftedTreatment_differenceAndLiftCoverShift() {
    SplittableRandom random = new SplittableRandom(31);
    double[] a = new double[20_000];
    double[] b = new double[20_000];
    for (int i = 0; i < a.length; i++) {
      a[i] = 10 + exponential(random);
      b[i] = 11 + exponential(random);
    }
    QuantileComparison c =
        QuantileComparison.of(QuantileStats.fromSample(a, 0.5, 0.05), QuantileStats.fromSample(b, 0.5, 0.05));
    assertThat(c.missing()).isEmpty();
    QuantileComparison.QuantileEffect d = c.difference().orElseThrow();
    assertThat(d.ciLower()).isLessThan(1.0);
    assertThat(d.ciUpper()).isGreaterThan(1.0);
    assertThat(d.pValue()).isLessThan(1e-10);
    assertThat(c.lift().orElseThrow().estimate()).isCloseTo(1.0 / (10 + Math.log(2)), within(0.01));
  }

  @Test
  void compare_controlQuantileZero_liftMissingWithReason() {
    QuantileStats a = new QuantileStats(0.5, 1000, 0, -1, 1, 0.05, java.util.Optional.empty());
    QuantileStats b = new QuantileStats(0.5, 1000, 2, 1, 3, 0.05, java.util.Optional.empty());
    QuantileComparison c = QuantileComparison.of(a, b);
    assertThat(c.difference()).isPresent();
    assertThat(c.lift()).isEmpty();
    assertThat(c.missing()).get().asString().contains("not distinguishable from 0");
  }

  @Test
  void compare_tooFewObservationsForP99_missingWithReason() {
    QuantileStats a = new QuantileStats(0.99, 200, 5, 4, 6, 0.05, java.util.Optional.empty());
    QuantileStats b = new QuantileStats(0.99, 5000, 5, 4, 6, 0.05, java.util.Optional.empty());
    QuantileComparison c = QuantileComparison.of(a, b);
    assertThat(c.difference()).isEmpty();
    assertThat(c.missing()).get().asString().startsWith("control: n = 200").contains("need n > 380");
  }

  @Test
  void ranks_p90OfThousand_areSymmetricAroundQuantileRank() {
    long[] r = QuantileStats.ranks(1000, 0.9, 0.05);
    assertThat(r[1]).isEqualTo(900);
    assertThat(r[0]).isEqualTo(882); // ceil(900 - 1.96·√90 = 881.41)
    assertThat(r[2]).isEqualTo(919); // ceil(918.59)
  }

  @Test
  void constructor_levelOutOfRange_throwsNamingLevel() {
    assertThatThrownBy(() -> new QuantileStats(1.0, 10, 1, 1, 1, 0.05, java.util.Optional.empty()))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("quantile level");
  }
}
