package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Linear contrasts of arm means against values computed outside Assay, with SciPy 1.17
 * ({@code scipy.stats.t}: Welch–Satterthwaite df, {@code t.sf}, {@code t.ppf}) from the same
 * summary statistics, and against {@link MeanDifference#welch} for the two-arm contrast.
 */
class LinearContrastTest {
  /* A 2×2 design's cells in row-major order: (a0,b0), (a0,b1), (a1,b0), (a1,b1). */
  private static final List<SampleStats> CELLS = List.of(new SampleStats(120, 10.2, 4.1),
      new SampleStats(95, 11.5, 5.3), new SampleStats(143, 10.9, 3.8), new SampleStats(88, 13.1, 6.2));

  @Test
  void interaction_matchesScipy() {
    LinearContrast r = LinearContrast.of(new double[] {1, -1, -1, 1}, CELLS, 0.05);
    assertThat(r.method().id()).isEqualTo("welch_contrast");
    assertThat(r.estimate()).isCloseTo(0.8999999999999986, within(1e-12));
    assertThat(r.se()).isCloseTo(0.4324165958642767, within(1e-12));
    assertThat(r.df()).isCloseTo(333.1413404792771, within(1e-8));
    assertThat(r.pValue()).isCloseTo(0.03816735880169145, within(1e-9));
    assertThat(r.ciLower()).isCloseTo(0.0493888168152673, within(1e-9));
    assertThat(r.ciUpper()).isCloseTo(1.7506111831847297, within(1e-9));
    assertThat(r.missing()).isEmpty();
  }

  @Test
  void mainEffect_atAlphaTenPercent_matchesScipy() {
    LinearContrast r = LinearContrast.of(new double[] {-0.5, 0.5, -0.5, 0.5}, CELLS, 0.10);
    assertThat(r.estimate()).isCloseTo(1.75, within(1e-12));
    assertThat(r.se()).isCloseTo(0.21620829793213836, within(1e-12));
    assertThat(r.pValue()).isCloseTo(1.0934313327750443e-14, within(1e-18));
    assertThat(r.ciLower()).isCloseTo(1.3933773002894618, within(1e-9));
    assertThat(r.ciUpper()).isCloseTo(2.106622699710538, within(1e-9));
  }

  @Test
  void twoArmContrast_isWelch() {
    SampleStats a = CELLS.get(0);
    SampleStats b = CELLS.get(3);
    LinearContrast r = LinearContrast.of(new double[] {-1, 1}, List.of(a, b), 0.05);
    MeanDifference w = MeanDifference.welch(a, b, 0.05);
    assertThat(r.estimate()).isCloseTo(w.diff(), within(1e-12));
    assertThat(r.df()).isCloseTo(w.df(), within(1e-9));
    assertThat(r.pValue()).isCloseTo(w.pValue(), within(1e-12));
    assertThat(r.ciLower()).isCloseTo(w.ciLower(), within(1e-12));
  }

  @Test
  void tooFewUnits_explainsTheGap_andBadInputIsRejected() {
    List<SampleStats> arms = List.of(new SampleStats(1, 2.0, Double.NaN), new SampleStats(50, 1.0, 1.0));
    LinearContrast r = LinearContrast.of(new double[] {-1, 1}, arms, 0.05);
    assertThat(r.pValue()).isNaN();
    assertThat(r.missing()).hasValueSatisfying(m -> assertThat(m).contains("arm 0"));
    assertThat(LinearContrast.of(new double[] {0, 1}, arms, 0.05).missing()).isEmpty();
    assertThatThrownBy(() -> LinearContrast.of(new double[] {1}, arms, 0.05)).isInstanceOf(StatsException.class);
  }
}
