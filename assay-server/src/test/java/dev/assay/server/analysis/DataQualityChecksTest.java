package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.assay.server.analysis.AnalysisSnapshot.QualityCheck;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The data-quality checks' statuses, against numbers worked out by hand (ADR 0042). */
class DataQualityChecksTest {
  private static final long DAY = DataQualityQueries.DAY;

  @Test
  void volume_lastDayFarAboveHistory_failsWithItsZScore() {
    // Started during day 10; now is during day 16: full days 11..15, the last full day is 15.
    // Earlier days 100, 110, 90, 100: mean 100, sd = sqrt((0 + 100 + 100 + 0) / 3) = 8.165 < sqrt(100) = 10,
    // so the scale is 10 and day 15's 160 exposures give z = 6 (fail); 130 gives z = 3 (ok: not above 3).
    Map<Long, Long> days = Map.of(10L, 7L, 11L, 100L, 12L, 110L, 13L, 90L, 14L, 100L, 15L, 160L, 16L, 3L);
    QualityCheck fail = DataQualityChecks.volume(days, 10 * DAY + 5, 16 * DAY + 5);
    assertThat(fail.status()).isEqualTo("fail");
    assertThat(fail.value().getAsDouble()).isCloseTo(6.0, within(1e-12));
    Map<Long, Long> edge = new java.util.HashMap<>(days);
    edge.put(15L, 130L);
    assertThat(DataQualityChecks.volume(edge, 10 * DAY + 5, 16 * DAY + 5).status()).isEqualTo("ok");
    edge.put(15L, 140L); // z = 4
    assertThat(DataQualityChecks.volume(edge, 10 * DAY + 5, 16 * DAY + 5).status()).isEqualTo("warn");
  }

  @Test
  void volume_spreadAboveThePoissonFloor_usesTheSampleSd() {
    // Earlier days 50, 150, 50, 150: mean 100, sd = sqrt(4 * 2500 / 3) = 57.735 > 10; day 15 at 0
    // gives z = -100 / 57.735 = -1.732 (ok), and a missing day counts as 0 exposures.
    Map<Long, Long> days = Map.of(11L, 50L, 12L, 150L, 13L, 50L, 14L, 150L);
    QualityCheck c = DataQualityChecks.volume(days, 10 * DAY, 16 * DAY);
    assertThat(c.status()).isEqualTo("ok");
    assertThat(c.value().getAsDouble()).isCloseTo(-100 / Math.sqrt(10_000.0 / 3), within(1e-12));
  }

  @Test
  void volume_fewerThanThreeEarlierDays_okWithANote() {
    QualityCheck c = DataQualityChecks.volume(Map.of(11L, 5L, 12L, 500L), 10 * DAY, 14 * DAY);
    assertThat(c.status()).isEqualTo("ok");
    assertThat(c.value()).isEmpty();
    assertThat(c.message()).contains("2 earlier full days");
  }

  @Test
  void multipleExposureAndSourcesAndLate_thresholds() {
    assertThat(DataQualityChecks.multiple(0.0099).status()).isEqualTo("ok");
    assertThat(DataQualityChecks.multiple(0.01).status()).isEqualTo("warn");
    assertThat(DataQualityChecks.multiple(0.05).status()).isEqualTo("fail");
    assertThat(DataQualityChecks.sources(Map.of("buy", 3L, "refund", 0L), Optional.of("buy")).status()).isEqualTo("warn");
    assertThat(DataQualityChecks.sources(Map.of("buy", 0L, "refund", 0L), Optional.of("buy")).status()).isEqualTo("fail");
    assertThat(DataQualityChecks.sources(Map.of("buy", 1L), Optional.of("buy")).status()).isEqualTo("ok");
    // 200 rows before the previous refresh's time now, 198 then: 2 late of 200 = 1 % (warn only above).
    DataQualityQueries.Counts c = new DataQualityQueries.Counts(Map.of(), Map.of(), Map.of(), 250, OptionalLong.of(200));
    assertThat(DataQualityChecks.late(c, 198).status()).isEqualTo("ok");
    assertThat(DataQualityChecks.late(c, 197).status()).isEqualTo("warn"); // 1.5 %
    assertThat(DataQualityChecks.late(c, 189).status()).isEqualTo("fail"); // 5.5 %
    assertThat(DataQualityChecks.late(c, 189).value().getAsDouble()).isCloseTo(11 / 200.0, within(1e-15));
    assertThat(DataQualityChecks.late(c, -1).status()).isEqualTo("ok"); // no previous refresh
  }
}
