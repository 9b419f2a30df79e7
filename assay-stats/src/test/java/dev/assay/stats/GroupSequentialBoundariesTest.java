package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GroupSequentialBoundariesTest {

  /**
   * Simulates cumulative z-statistics under no effect (Brownian motion at the information
   * fractions) and returns the fraction of paths that have crossed by each look.
   */
  private static double[] crossedBy(GroupSequentialBoundaries b, int paths, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int k = b.informationFractions().size();
    long[] firstCross = new long[k];
    for (int p = 0; p < paths; p++) {
      double score = 0;
      double prevT = 0;
      for (int look = 0; look < k; look++) {
        double t = b.informationFractions().get(look);
        score += Math.sqrt(t - prevT) * random.nextGaussian();
        prevT = t;
        if (b.crosses(look, score / Math.sqrt(t))) {
          firstCross[look]++;
          break;
        }
      }
    }
    double[] cumulative = new double[k];
    long sum = 0;
    for (int look = 0; look < k; look++) {
      sum += firstCross[look];
      cumulative[look] = (double) sum / paths;
    }
    return cumulative;
  }

  private static void assertSpentMatchesSimulation(GroupSequentialBoundaries b, long seed) {
    int paths = 400_000;
    double[] simulated = crossedBy(b, paths, seed);
    for (int look = 0; look < simulated.length; look++) {
      double expected = b.spending().spent(b.alpha(), b.informationFractions().get(look));
      assertThat(b.cumulativeAlphaSpent().get(look)).isCloseTo(expected, within(1e-15));
      double error = 4 * Math.sqrt(expected * (1 - expected) / paths) + 1e-6;
      assertThat(simulated[look]).as("look %d", look).isCloseTo(expected, within(error));
    }
  }

  @Test
  void compute_obrienFlemingTwoSided_cumulativeCrossingEqualsSpending() {
    assertSpentMatchesSimulation(
        GroupSequentialBoundaries.compute(
            new double[] {0.2, 0.5, 0.8, 1.0}, 0.05, SpendingFunction.obrienFleming(), 2),
        11L);
  }

  @Test
  void compute_pocockOneSidedUnequalLooks_cumulativeCrossingEqualsSpending() {
    assertSpentMatchesSimulation(
        GroupSequentialBoundaries.compute(
            new double[] {0.1, 0.35, 0.6, 1.0}, 0.025, SpendingFunction.pocock(), 1),
        12L);
  }

  @Test
  void compute_powerFamilyTwoSided_cumulativeCrossingEqualsSpending() {
    assertSpentMatchesSimulation(
        GroupSequentialBoundaries.compute(
            new double[] {0.3, 0.6, 0.9, 1.0}, 0.1, SpendingFunction.powerFamily(3), 2),
        13L);
  }

  @Test
  void compute_closelySpacedFinalLook_cumulativeCrossingEqualsSpending() {
    assertSpentMatchesSimulation(
        GroupSequentialBoundaries.compute(
            new double[] {0.5, 0.98, 1.0}, 0.05, SpendingFunction.obrienFleming(), 2),
        14L);
  }

  @Test
  void compute_singleLook_isFixedHorizonCriticalValue() {
    GroupSequentialBoundaries b =
        GroupSequentialBoundaries.compute(new double[] {1.0}, 0.05, SpendingFunction.obrienFleming(), 2);
    assertThat(b.zBounds().get(0)).isCloseTo(1.959963984540054, within(1e-12));
  }

  @Test
  void compute_fractionsNotIncreasing_throwsNamingField() {
    assertThatThrownBy(
            () ->
                GroupSequentialBoundaries.compute(
                    new double[] {0.5, 0.5, 1.0}, 0.05, SpendingFunction.pocock(), 2))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("information_fractions");
  }

  @Test
  void informationFraction_pastPlannedMax_isCappedAtOne() {
    assertThat(GroupSequentialBoundaries.informationFraction(1200, 1000)).isEqualTo(1.0);
    assertThat(GroupSequentialBoundaries.informationFraction(250, 1000)).isEqualTo(0.25);
  }

  @Test
  void parse_unknownSpending_throwsNamingValue() {
    assertThatThrownBy(() -> SpendingFunction.parse("haybittle"))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("haybittle");
    assertThat(SpendingFunction.parse("power_2")).isEqualTo(SpendingFunction.powerFamily(2));
  }
}
