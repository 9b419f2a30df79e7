package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SwitchbackTest {
  static final String PAYLOAD = """
      {"features":{"pricing":{"defaultValue":"default","rules":[{"key":"market","seed":"market","hashVersion":2,
       "hashAttribute":"switchback_unit","variations":["control","treatment"],"weights":[0.5,0.5],"coverage":1}]}}}""";
  static final Instant ORIGIN = Instant.parse("2026-01-15T00:00:00Z");
  final Switchback hourly = Switchback.of(Duration.ofHours(1), "region", ORIGIN);
  final ExperimentClient sdk = ExperimentClient.builder().payload(PAYLOAD).build();

  @Test
  void window_isTheFloorOfHoursSinceTheOrigin() {
    assertThat(hourly.window(ORIGIN)).isZero();
    assertThat(hourly.window(Instant.parse("2026-01-15T02:59:59.999Z"))).isEqualTo(2);
    assertThat(hourly.window(Instant.parse("2026-01-15T03:00:00Z"))).isEqualTo(3);
    assertThat(hourly.window(Instant.parse("2026-01-14T23:30:00Z"))).isEqualTo(-1);
    assertThat(Switchback.of(Duration.ofHours(1), "region", Instant.EPOCH).window(ORIGIN)).isEqualTo(491_232);
    assertThat(hourly.unit("north", Instant.parse("2026-01-15T02:10:00Z"))).isEqualTo("north|2");
  }

  @Test
  void evaluate_sameRegionAndWindow_everyUserGetsTheSameVariation() {
    for (String region : new String[] {"north", "south", "east"}) {
      for (int w = 0; w < 24; w++) {
        Set<Integer> seen = new HashSet<>();
        for (int u = 0; u < 50; u++) {
          Instant at = ORIGIN.plusSeconds(w * 3600L + u * 71L);
          ExperimentResult r = result(Attributes.of("id", "user-" + u, "region", region), at);
          assertThat(r.hashValue()).isEqualTo(region + "|" + w);
          seen.add(r.variationId());
        }
        assertThat(seen).as(region + " window " + w).hasSize(1);
      }
    }
  }

  @Test
  void evaluate_acrossWindowsAndRegions_theVariationChanges() {
    Set<Integer> overWindows = new HashSet<>();
    Set<Integer> overRegions = new HashSet<>();
    int switches = 0;
    int previous = -1;
    for (int w = 0; w < 48; w++) {
      int v = result(Attributes.of("id", "u", "region", "north"), ORIGIN.plusSeconds(w * 3600L + 5)).variationId();
      overWindows.add(v);
      switches += previous >= 0 && v != previous ? 1 : 0;
      previous = v;
    }
    for (int r = 0; r < 20; r++) {
      overRegions.add(result(Attributes.of("id", "u", "region", "r" + r), ORIGIN).variationId());
    }
    assertThat(overWindows).containsExactlyInAnyOrder(0, 1);
    assertThat(overRegions).containsExactlyInAnyOrder(0, 1);
    // 47 boundaries of a fair coin: between 10 and 37 switches with probability > 0.9999.
    assertThat(switches).isBetween(10, 37);
  }

  @Test
  void attributes_withoutAStringRegion_areUnchangedAndTheFlagServesItsDefault() {
    Attributes none = Attributes.of("id", "u");
    assertThat(hourly.attributes(none, ORIGIN)).isEqualTo(none);
    assertThat(hourly.attributes(Attributes.of("id", "u", "region", 7), ORIGIN).value(Switchback.UNIT_ATTRIBUTE))
        .isEmpty();
    assertThat(sdk.evaluate("pricing", hourly.attributes(none, ORIGIN)).value()).contains("default");
  }

  @Test
  void of_badWindowOrAttribute_throws() {
    assertThatThrownBy(() -> Switchback.of(Duration.ofMillis(999), "region", ORIGIN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
    assertThatThrownBy(() -> Switchback.of(Duration.ofHours(1), "", ORIGIN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("regionAttribute");
  }

  private ExperimentResult result(Attributes attributes, Instant at) {
    return sdk.evaluate("pricing", hourly.attributes(attributes, at)).experimentResult().orElseThrow();
  }
}
