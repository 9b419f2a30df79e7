package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A/A p-value checks against SciPy 1.17: {@code stats.kstest(p, 'uniform', method='exact')} and
 * {@code stats.binomtest(k, n, 0.05, alternative='greater')} on the same 30 values; and on seeded
 * uniform draws, no alarm.
 */
class PValueUniformityTest {
  private static final double[] P = {0.001, 0.004, 0.012, 0.03, 0.041, 0.049, 0.408473, 0.045275, 0.048758,
      0.999176, 0.652369, 0.23451, 0.434948, 0.974186, 0.897678, 0.844231, 0.392405, 0.493023, 0.676689, 0.060803,
      0.555596, 0.271452, 0.879651, 0.064214, 0.679182, 0.870089, 0.227319, 0.895448, 0.872195, 0.018517};

  @Test
  void excessOfSmallPValues_matchesScipy() {
    PValueUniformity u = PValueUniformity.of(P, 0.05);
    assertThat(u.method().id()).isEqualTo("pvalue_uniformity");
    assertThat(u.n()).isEqualTo(30);
    assertThat(u.rejections()).isEqualTo(9);
    assertThat(u.rejectionRate()).isCloseTo(0.3, within(1e-12));
    assertThat(u.binomialPValue()).isCloseTo(1.0678057083488735e-05, within(1e-10));
    assertThat(u.ksStatistic()).isCloseTo(0.30245266666666665, within(1e-12));
    assertThat(u.ksPValue()).isCloseTo(0.006240250063515473, within(1e-6));
  }

  @Test
  void uniformDraws_doNotLookBiased() {
    SplittableRandom rnd = new SplittableRandom(19);
    double[] p = new double[500];
    for (int i = 0; i < p.length; i++) {
      p[i] = rnd.nextDouble();
    }
    PValueUniformity u = PValueUniformity.of(p, 0.05);
    assertThat(u.ksPValue()).isGreaterThan(0.01);
    assertThat(u.binomialPValue()).isGreaterThan(0.01);
  }

  @Test
  void tooFew_explained_andOutOfRangeRejected() {
    assertThat(PValueUniformity.of(new double[] {0.2}, 0.05).missing()).contains("fewer than 2 p-values");
    assertThatThrownBy(() -> PValueUniformity.of(new double[] {0.2, 1.5}, 0.05)).isInstanceOf(StatsException.class)
        .hasMessageContaining("p_values[1]");
  }
}
