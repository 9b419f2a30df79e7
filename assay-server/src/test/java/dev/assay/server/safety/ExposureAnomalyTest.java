package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The exposure-anomaly rule on known counts, its bounds worked out by hand. */
class ExposureAnomalyTest {
  private static long[] steady() {
    long[] h = new long[24];
    for (int i = 0; i < 24; i++) {
      h[i] = i % 2 == 0 ? 990 : 1010;
    }
    return h;
  }

  @Test
  void boundsAreMedianPlusMinusFiveSpreads() {
    long[] h = new long[12];
    Arrays.fill(h, 1000);
    // MAD 0, so the spread is the Poisson floor √1000 = 31.6228; bounds 1000 ∓ 158.11.
    assertThat(ExposureAnomaly.judge(h, 842)).isEmpty();
    var drop = ExposureAnomaly.judge(h, 841).orElseThrow();
    assertThat(drop.kind()).isEqualTo("drop");
    assertThat(drop.median()).isEqualTo(1000);
    assertThat(drop.spread()).isCloseTo(31.6228, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(drop.lower()).isCloseTo(841.886, org.assertj.core.data.Offset.offset(1e-3));
    assertThat(ExposureAnomaly.judge(h, 1158)).isEmpty();
    assertThat(ExposureAnomaly.judge(h, 1159).orElseThrow().kind()).isEqualTo("spike");
    assertThat(ExposureAnomaly.judge(h, 0).orElseThrow().kind()).isEqualTo("drop");
  }

  @Test
  void robustSpread_oneOutlierInTheHistoryDoesNotWidenTheBounds() {
    long[] h = steady();
    h[0] = 50_000;
    // 11 × 990, 12 × 1010, 1 × 50000: median 1010, MAD 10 (robust 14.8) under the floor √1010 = 31.78.
    var a = ExposureAnomaly.judge(h, 500).orElseThrow();
    assertThat(a.kind()).isEqualTo("drop");
    assertThat(a.median()).isEqualTo(1010);
    assertThat(a.upper()).as("a mean ± sd rule would be blown open by the 50000")
        .isCloseTo(1010 + 5 * Math.sqrt(1010), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(ExposureAnomaly.judge(h, 1050)).isEmpty();
  }

  @Test
  void tooLittleHistory_orLowVolume_isNotJudged() {
    long[] eleven = new long[11];
    Arrays.fill(eleven, 1000);
    assertThat(ExposureAnomaly.judge(eleven, 0)).as("11 of the 12 hours needed").isEmpty();
    long[] low = new long[24];
    Arrays.fill(low, 3);
    // Median 3, spread √3 = 1.73: a drop to 0 is within the noise of such small counts.
    assertThat(ExposureAnomaly.judge(low, 0)).isEmpty();
    assertThat(ExposureAnomaly.judge(low, 13).orElseThrow().kind()).isEqualTo("spike");
  }

  @Test
  void onlyTheLast24HoursAreUsed() {
    long[] h = new long[48];
    Arrays.fill(h, 0, 24, 10);
    Arrays.fill(h, 24, 48, 1000);
    assertThat(ExposureAnomaly.judge(h, 1000)).isEmpty();
    assertThat(ExposureAnomaly.judge(h, 10).orElseThrow().historyHours()).isEqualTo(24);
  }
}
