package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClusteredMeanDifferenceTest {
  /*
   * Hand-worked: control clusters {1, 3}, {5, 7}, {2}; treatment {3, 5}, {9}, {4, 6, 8}.
   * Control: N = 5, ΣS = 18, ȳ = 3.6, residuals S_c − ȳN_c = −3.2, 4.8, −1.6, Σe² = 35.84,
   * V = 3/2 · 35.84 / 25 = 2.1504. Treatment: N = 6, ȳ = 35/6, residuals −11/3, 19/6, 1/2,
   * Σe² = 23.7222…, V = 3/2 · 23.7222… / 36 = 0.988426. SE = √3.138826 = 1.771673; df = 5,
   * t(0.975, 5) = 2.5705818 (tables); p = 2 P(T5 > 1.260579) = 0.263085 (numerical integration of
   * the t density). Naive: s² = 5.8 and 5.366667, SE = √(1.16 + 0.894444) = 1.433333.
   */
  static final List<ClusterSums> CONTROL = List.of(cluster(1, 3), cluster(5, 7), cluster(2));
  static final List<ClusterSums> TREATMENT = List.of(cluster(3, 5), cluster(9), cluster(4, 6, 8));

  @Test
  void compare_handWorkedExample_matches() {
    ClusteredMeanDifference d = ClusteredMeanDifference.compare(CONTROL, TREATMENT, 0.05);
    assertThat(d.meanA()).isCloseTo(3.6, within(1e-12));
    assertThat(d.meanB()).isCloseTo(35.0 / 6, within(1e-12));
    assertThat(d.difference()).isCloseTo(2.2333333333, within(1e-9));
    assertThat(d.se()).isCloseTo(1.771673199528041, within(1e-9));
    assertThat(d.df()).isEqualTo(5);
    assertThat(d.ciLower()).isCloseTo(2.2333333333 - 2.5705818366 * 1.7716731995, within(1e-6));
    assertThat(d.ciUpper()).isCloseTo(2.2333333333 + 2.5705818366 * 1.7716731995, within(1e-6));
    assertThat(d.pValue()).isCloseTo(0.2630854653, within(1e-6));
    assertThat(d.naiveSe()).isCloseTo(1.4333333333, within(1e-9));
    assertThat(d.designEffect()).isCloseTo(Math.pow(1.771673199528041 / 1.4333333333333333, 2), within(1e-9));
    assertThat(d.clustersA()).isEqualTo(3);
    assertThat(d.observationsB()).isEqualTo(6);
  }

  /** The CR1 variance of an arm is the delta-method variance of ΣS/ΣN with clusters as units (RatioStats). */
  @Test
  void compare_varianceEqualsTheRatioDeltaMethodWithClustersAsUnits() {
    SplittableRandom rnd = new SplittableRandom(7);
    List<ClusterSums> a = new ArrayList<>();
    List<ClusterSums> b = new ArrayList<>();
    double[][] numDen = new double[2][40];
    double[][] numDenB = new double[2][40];
    for (int c = 0; c < 40; c++) {
      a.add(random(rnd, 0, numDen, c));
      b.add(random(rnd, 1, numDenB, c));
    }
    ClusteredMeanDifference d = ClusteredMeanDifference.compare(a, b, 0.05);
    RatioStats ra = RatioStats.fromValues(numDen[0], numDen[1]);
    RatioStats rb = RatioStats.fromValues(numDenB[0], numDenB[1]);
    assertThat(d.se()).isCloseTo(Math.sqrt(ra.varianceOfRatio() + rb.varianceOfRatio()), within(1e-12));
    assertThat(d.difference()).isCloseTo(rb.ratio() - ra.ratio(), within(1e-12));
  }

  @Test
  void compare_independentObservationsInClusters_designEffectNearOne() {
    SplittableRandom rnd = new SplittableRandom(11);
    List<List<ClusterSums>> arms = List.of(new ArrayList<>(), new ArrayList<>());
    for (int c = 0; c < 400; c++) {
      double[] y = new double[20];
      for (int i = 0; i < y.length; i++) {
        y[i] = 10 + rnd.nextGaussian();
      }
      arms.get(c % 2).add(cluster(y));
    }
    ClusteredMeanDifference d = ClusteredMeanDifference.compare(arms.get(0), arms.get(1), 0.05);
    assertThat(d.designEffect()).isBetween(0.8, 1.25);
  }

  @Test
  void compare_tooFewClustersOrBadSums_throw() {
    assertThatThrownBy(() -> ClusteredMeanDifference.compare(List.of(cluster(1)), TREATMENT, 0.05))
        .isInstanceOf(StatsException.class).hasMessageContaining("2 clusters");
    assertThatThrownBy(() -> new ClusterSums(0, 0, 0)).isInstanceOf(StatsException.class);
    assertThatThrownBy(() -> new ClusterSums(1, Double.NaN, 0)).isInstanceOf(StatsException.class);
  }

  private static ClusterSums random(SplittableRandom rnd, int arm, double[][] numDen, int c) {
    int n = 1 + rnd.nextInt(30);
    double shock = rnd.nextGaussian() * 2;
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = 5 + arm + shock + rnd.nextGaussian();
    }
    ClusterSums s = cluster(y);
    numDen[0][c] = s.sum();
    numDen[1][c] = s.n();
    return s;
  }

  static ClusterSums cluster(double... y) {
    double sum = 0;
    double squares = 0;
    for (double v : y) {
      sum += v;
      squares += v * v;
    }
    return new ClusterSums(y.length, sum, squares);
  }
}
