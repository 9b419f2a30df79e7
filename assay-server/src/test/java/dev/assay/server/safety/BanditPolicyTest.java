package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.assay.server.domain.model.BanditSettings;
import dev.assay.stats.BanditArm;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BanditPolicyTest {
  private static final BanditSettings S = new BanditSettings(100L, 0.05, 0.1, 60L, false);

  @Test
  void burnIn_untilEveryArmHasTheUnits() {
    List<List<BanditArm>> periods = List.of(List.of(new BanditArm(100, 0.1, 0.09), new BanditArm(99, 0.2, 0.16)));
    assertThat(BanditPolicy.next(S, List.of(0.5, 0.5), periods, true, new SplittableRandom(1))).isEmpty();
  }

  @Test
  void step_isCappedAtMaxChangeAndKeepsTheSum() {
    // target (0.95, 0.05) from (0.5, 0.5): the largest move 0.45 is scaled to 0.1
    double[] w = BanditPolicy.step(new double[] {0.5, 0.5}, new double[] {0.95, 0.05}, 0.1);
    assertThat(w[0]).isCloseTo(0.6, within(1e-12));
    assertThat(w[1]).isCloseTo(0.4, within(1e-12));
  }

  @Test
  void floor_isAdditive() {
    double[] w = BanditPolicy.floor(new double[] {1, 0, 0, 0}, 0.01);
    assertThat(w).containsExactly(new double[] {0.97, 0.01, 0.01, 0.01}, within(1e-12));
  }

  @Test
  void topTwo_matchesRusso2016Allocation() {
    // p = (0.8, 0.2), β = 0.5: ψ1 ∝ 0.8 (0.5 + 0.5 · 0.2/0.8) = 0.5, ψ2 ∝ 0.2 (0.5 + 0.5 · 0.8/0.2) = 0.5
    double[] w = BanditPolicy.topTwo(new double[] {0.8, 0.2}, 0.5);
    assertThat(w[0]).isCloseTo(0.5, within(1e-12));
    assertThat(w[1]).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void clearlyBetterArm_gainsAtMostMaxChange_andLowerIsBetterFlips() {
    List<List<BanditArm>> periods = List.of(List.of(new BanditArm(5000, 0.10, 0.09), new BanditArm(5000, 0.20, 0.16)));
    var up = BanditPolicy.next(S, List.of(0.5, 0.5), periods, true, new SplittableRandom(1)).orElseThrow();
    assertThat(up.weights().get(1)).isCloseTo(0.6, within(1e-9));
    assertThat(up.probabilityBest().get(1)).isGreaterThan(0.99);
    var down = BanditPolicy.next(S, List.of(0.5, 0.5), periods, false, new SplittableRandom(1)).orElseThrow();
    assertThat(down.weights().get(0)).isCloseTo(0.6, within(1e-9));
    assertThat(up.units()).containsExactly(5000L, 5000L);
  }

  @Test
  void stratifiedMeans_removeSimpsonsParadox() {
    // Arm 1 is better in both periods but got most of its units in the poor period 2: pooled it looks worse.
    List<List<BanditArm>> periods = List.of(
        List.of(new BanditArm(900, 0.30, 0.21), new BanditArm(100, 0.32, 0.2176)),
        List.of(new BanditArm(100, 0.10, 0.09), new BanditArm(900, 0.12, 0.1056)));
    var u = BanditPolicy.next(S, List.of(0.5, 0.5), periods, true, new SplittableRandom(1)).orElseThrow();
    // stratified: period shares 1000/2000 each → arm means 0.20 and 0.22 (pooled would be 0.28 vs 0.14)
    assertThat(u.means().get(0)).isCloseTo(0.20, within(1e-12));
    assertThat(u.means().get(1)).isCloseTo(0.22, within(1e-12));
  }
}
