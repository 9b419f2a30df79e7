package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The platform A/A series over time ({@link DesignSeries#platformAa}) on runs whose p-values are
 * set by hand, so every value has a known truth: a run's false-positive rate is its count below
 * α over its tests, the pooled rate counts every run so far, and the Kolmogorov–Smirnov p-value of
 * the uniform quantiles {@code (i + 0.5) / n} is exactly 1 (their distance 1/(2n) is the smallest
 * any n values can have).
 */
class PlatformAaSeriesTest {
  private static final long DEC_1 = 1_796_083_200_000L; // 2026-12-01T00:00:00Z (date -u -d ... +%s)
  private static final long SIX_HOURS = 6 * 3_600_000L;

  @Test
  void runsOldestFirst_withTheirRates_andThePooledChecksOnceThereAreEnoughPValues() {
    List<PlatformAa.AaRun> oldestFirst = new ArrayList<>();
    // Run 1: the first 10 of the 40 uniform quantiles; 0.0125 and 0.0375 are below α = 0.05.
    oldestFirst.add(run("2026-12-01T00:00:00Z", quantiles(40, 0, 10)));
    // Run 2 tested nothing (every experiment skipped).
    oldestFirst.add(run("2026-12-01T06:00:00Z", List.of()));
    // Run 3: the other 30 quantiles, all above α; 40 pooled now, exactly uniform.
    oldestFirst.add(run("2026-12-01T12:00:00Z", quantiles(40, 10, 40)));
    // Run 4: 30 p-values of 0.001, every one a false positive.
    oldestFirst.add(run("2026-12-01T18:00:00Z", java.util.Collections.nCopies(30, 0.001)));
    JsonNode s = DesignSeries.platformAa(newestFirst(oldestFirst));

    assertThat(longs(s.get("t"))).containsExactly(DEC_1, DEC_1 + SIX_HOURS, DEC_1 + 2 * SIX_HOURS, DEC_1 + 3 * SIX_HOURS);
    assertThat(longs(s.get("tests"))).containsExactly(10L, 0L, 30L, 30L);
    assertThat(longs(s.get("falsePositives"))).containsExactly(2L, 0L, 0L, 30L);
    JsonNode rate = s.get("falsePositiveRate");
    assertThat(rate.get(0).asDouble()).isEqualTo(0.2);
    assertThat(rate.get(1).isNull()).as("a run without tests has no rate").isTrue();
    assertThat(rate.get(2).asDouble()).isZero();
    assertThat(rate.get(3).asDouble()).isEqualTo(1.0);
    JsonNode pooled = s.get("pooledFalsePositiveRate");
    JsonNode ks = s.get("ksPValue");
    for (int i = 0; i < 2; i++) {
      assertThat(pooled.get(i).isNull()).as("10 p-values pooled: fewer than %d", PlatformAa.MIN_P_VALUES).isTrue();
      assertThat(ks.get(i).isNull()).isTrue();
    }
    assertThat(pooled.get(2).asDouble()).isEqualTo(2 / 40.0);
    assertThat(ks.get(2).asDouble()).isEqualTo(1.0, offset(1e-9));
    assertThat(pooled.get(3).asDouble()).isEqualTo(32 / 70.0);
    // 30 of 70 values at 0.001: D ≥ 30/70 − 0.001 ≈ 0.428, √70 · D ≈ 3.6, p ≈ 2e^(−2 · 12.8) ≈ 1e-11.
    assertThat(ks.get(3).asDouble()).isLessThan(1e-6);
  }

  @Test
  void noRuns_emptySeries() {
    JsonNode s = DesignSeries.platformAa(List.of());
    for (String f : List.of("t", "tests", "falsePositives", "falsePositiveRate", "pooledFalsePositiveRate", "ksPValue")) {
      assertThat(s.get(f)).as(f).isEmpty();
    }
  }

  private static List<Double> quantiles(int n, int from, int to) {
    List<Double> p = new ArrayList<>();
    for (int i = from; i < to; i++) {
      p.add((i + 0.5) / n);
    }
    return p;
  }

  private static PlatformAa.AaRun run(String at, List<Double> p) {
    List<PlatformAa.AaTest> tests = p.stream().map(v -> new PlatformAa.AaTest("e", "m", 100, 100, 0, 0, v)).toList();
    return new PlatformAa.AaRun(at, "salt", tests, List.of());
  }

  private static List<PlatformAa.AaRun> newestFirst(List<PlatformAa.AaRun> oldestFirst) {
    List<PlatformAa.AaRun> out = new ArrayList<>(oldestFirst);
    java.util.Collections.reverse(out);
    return out;
  }

  private static List<Long> longs(JsonNode a) {
    List<Long> out = new ArrayList<>();
    a.forEach(v -> out.add(v.asLong()));
    return out;
  }
}
