package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Cochran's Q, checked against values computed by hand and with R's pchisq. */
class HeterogeneityTest {

  @Test
  void cochranQ_twoSegments_equalsSquaredZOfTheDifference() {
    // Δ = 1.0 (se 0.5) and 0.0 (se 0.5): Q = (1 − 0)² / (0.25 + 0.25) = 2; R: pchisq(2, 1, lower=FALSE) = 0.1572992.
    Heterogeneity h = Heterogeneity.cochranQ(new double[] {1.0, 0.0}, new double[] {0.5, 0.5});

    assertThat(h.q()).isCloseTo(2.0, within(1e-12));
    assertThat(h.df()).isEqualTo(1);
    assertThat(h.pValue()).isCloseTo(0.1572992, within(1e-7));
    assertThat(h.pooledEffect()).isCloseTo(0.5, within(1e-12));
    assertThat(h.iSquared()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void cochranQ_identicalEffects_noHeterogeneity() {
    Heterogeneity h = Heterogeneity.cochranQ(new double[] {0.3, 0.3, 0.3}, new double[] {0.1, 0.2, 0.3});

    assertThat(h.q()).isCloseTo(0, within(1e-15));
    assertThat(h.pValue()).isEqualTo(1.0);
    assertThat(h.iSquared()).isZero();
  }

  @Test
  void cochranQ_threeSegments_matchesR() {
    // w = 1/se² = 100, 25, 11.111…; pooled = 20.2778 / 136.111 = 0.1489796; Q = 4.6734694;
    // with 2 df the χ² upper tail is exp(−Q/2) = 0.0966427 (closed form).
    Heterogeneity h = Heterogeneity.cochranQ(new double[] {0.1, 0.5, -0.2}, new double[] {0.1, 0.2, 0.3});

    assertThat(h.pooledEffect()).isCloseTo(0.1489796, within(1e-7));
    assertThat(h.q()).isCloseTo(4.6734694, within(1e-7));
    assertThat(h.pValue()).isCloseTo(Math.exp(-4.673469387755103 / 2), within(1e-12));
  }

  @Test
  void cochranQ_tooFewUsableSegments_explained() {
    assertThatThrownBy(() -> Heterogeneity.cochranQ(new double[] {1, 2}, new double[] {0.1, Double.NaN}))
        .hasMessageContaining("at least two segments");
  }
}
