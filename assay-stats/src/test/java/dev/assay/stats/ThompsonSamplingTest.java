package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ThompsonSamplingTest {

  @Test
  void weights_randomArms_sumToOneAndRespectFloor() {
    SplittableRandom setup = new SplittableRandom(3);
    ThompsonSampling ts = ThompsonSampling.defaults().withDraws(2000);
    for (int trial = 0; trial < 200; trial++) {
      int k = 2 + setup.nextInt(6);
      List<BanditArm> arms = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        arms.add(new BanditArm(100 + setup.nextInt(5000), setup.nextDouble(), 0.01 + setup.nextDouble()));
      }
      BanditWeights w = ts.weights(arms, new SplittableRandom(trial));
      assertThat(w.updated()).isTrue();
      assertThat(w.weights().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-12));
      assertThat(w.weights()).allSatisfy(x -> assertThat(x).isGreaterThanOrEqualTo(0.01 - 1e-15));
    }
  }

  @Test
  void weights_sameSeed_reproducesUpdate() {
    List<BanditArm> arms =
        List.of(new BanditArm(500, 1.0, 4.0), new BanditArm(500, 1.1, 4.0), new BanditArm(500, 1.05, 4.0));
    ThompsonSampling ts = ThompsonSampling.defaults();
    assertThat(ts.weights(arms, new SplittableRandom(42)))
        .isEqualTo(ts.weights(arms, new SplittableRandom(42)));
  }

  @Test
  void weights_twoArms_probabilityBestMatchesNormalFormula() {
    // P(B > A) for independent normal posteriors is Φ((μ_B − μ_A)/√(v_A + v_B)).
    BanditArm a = new BanditArm(400, 1.0, 4.0);
    BanditArm b = new BanditArm(400, 1.1, 4.0);
    ThompsonSampling ts = ThompsonSampling.defaults().withDraws(200_000).withFloor(0);
    BanditWeights w = ts.weights(List.of(a, b), new SplittableRandom(1));
    double precision = 400 / 4.0 + 1e-4;
    double meanA = (400 / 4.0 * 1.0) / precision;
    double meanB = (400 / 4.0 * 1.1) / precision;
    double exact = NormalTails.cdf((meanB - meanA) / Math.sqrt(2 / precision));
    assertThat(w.probabilityBest().get(1)).isCloseTo(exact, within(4 * Math.sqrt(0.25 / 200_000)));
    assertThat(w.weights().get(1)).isEqualTo(w.probabilityBest().get(1));
  }

  @Test
  void weights_lowerIsBetter_favoursSmallerMean() {
    List<BanditArm> arms = List.of(new BanditArm(5000, 2.0, 1.0), new BanditArm(5000, 1.5, 1.0));
    BanditWeights w =
        ThompsonSampling.defaults().withHigherIsBetter(false).weights(arms, new SplittableRandom(9));
    assertThat(w.weights().get(1)).isGreaterThan(0.98);
    assertThat(w.weights().get(0)).isCloseTo(0.01, within(1e-12));
  }

  @Test
  void weights_armBelowBurnIn_returnsEqualWeightsWithReason() {
    List<BanditArm> arms = List.of(new BanditArm(5000, 2.0, 1.0), new BanditArm(99, 1.5, 1.0));
    BanditWeights w = ThompsonSampling.defaults().weights(arms, new SplittableRandom(9));
    assertThat(w.updated()).isFalse();
    assertThat(w.weights()).containsExactly(0.5, 0.5);
    assertThat(w.notUpdatedReason()).hasValueSatisfying(r -> assertThat(r).contains("arm 1"));
  }

  @Test
  void applyFloor_floorTooLargeForArms_isUniform() {
    assertThat(ThompsonSampling.applyFloor(new double[] {1, 0, 0, 0}, 0.3))
        .containsExactly(0.25, 0.25, 0.25, 0.25);
    assertThat(ThompsonSampling.applyFloor(new double[] {0.7, 0.3}, 0.1))
        .containsExactly(0.1 + 0.8 * 0.7, 0.1 + 0.8 * 0.3);
  }

  @Test
  void periodStratified_allocationShiftWithTrend_removesSimpsonBias() {
    // Period 1: low baseline, arm 0 gets most traffic; period 2: high baseline, arm 1 does.
    // Both arms have identical per-period means, so the stratified means must be equal although
    // the pooled means differ a lot.
    List<List<BanditArm>> periods =
        List.of(
            List.of(new BanditArm(900, 1.0, 1.0), new BanditArm(100, 1.0, 1.0)),
            List.of(new BanditArm(100, 3.0, 1.0), new BanditArm(900, 3.0, 1.0)));
    List<PeriodStratifiedEstimate> est = PeriodStratifiedEstimate.of(periods);
    assertThat(est.get(0).mean()).isCloseTo(2.0, within(1e-12));
    assertThat(est.get(1).mean()).isCloseTo(2.0, within(1e-12));
    assertThat(est.get(0).variance()).isCloseTo(0.25 / 900 + 0.25 / 100, within(1e-15));
    assertThat(est.get(0).units()).isEqualTo(1000);
  }

  @Test
  void periodStratified_pseudoSums_reproduceMeanAndVarianceOfMean() {
    PeriodStratifiedEstimate e = new PeriodStratifiedEstimate(1.7, 0.002, 800);
    double n = e.units();
    double mean = e.pseudoSum() / n;
    double unitVariance = (e.pseudoSumOfSquares() - e.pseudoSum() * e.pseudoSum() / n) / (n - 1);
    assertThat(mean).isCloseTo(1.7, within(1e-12));
    assertThat(unitVariance / n).isCloseTo(0.002, within(1e-12));
    assertThat(e.asArm().variance() / n).isCloseTo(0.002, within(1e-15));
  }
}
