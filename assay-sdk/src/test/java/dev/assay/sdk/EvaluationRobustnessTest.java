package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Evaluation never throws into the host, whatever the attributes hold: seeded random attribute
 * maps with values of every JSON type and some that are not JSON at all (dates, arbitrary objects,
 * NaN, infinities, deep nesting) go through every entry point on the example payload.
 */
class EvaluationRobustnessTest {

  private static final String[] KEYS = {"id", "email", "country", "platform", "appVersion", "plan", "company", "age"};

  @Test
  void everyEntryPoint_randomAttributesOfAnyType_neverThrowsAndAlwaysGivesASource() {
    ExperimentClient client = ExperimentClient.builder()
        .payloadFile(Path.of("..", "examples", "payload.json"))
        .onExposure((e, r) -> { })
        .build();
    Experiment inline = Experiment.builder("inline", List.of("a", "b")).build();
    SplittableRandom rnd = new SplittableRandom(20261201L);
    List<String> features = new ArrayList<>(client.featureKeys());
    features.add("no-such-feature");

    for (int i = 0; i < 3000; i++) {
      Map<String, Object> map = new LinkedHashMap<>();
      int size = rnd.nextInt(KEYS.length + 1);
      for (int k = 0; k < size; k++) {
        map.put(KEYS[rnd.nextInt(KEYS.length)], value(rnd, 0));
      }
      Attributes attributes = Attributes.fromMap(map);
      assertThatCode(() -> {
        for (FeatureResult r : client.evaluateAll(attributes).values()) {
          // Odd values are handled by the engine itself, not by the last-resort catch.
          assertThat(r.source()).isNotNull().isNotEqualTo(FeatureResult.Source.ERROR);
        }
        for (String f : features) {
          client.isOn(f, attributes);
          client.getString(f, attributes, "d");
          client.getLong(f, attributes, 1);
          assertThat(client.booleanValue(f, attributes, false).reason()).isNotNull();
          assertThat(client.doubleValue(f, attributes, 0.5).value()).isNotNull();
        }
        assertThat(client.run(inline, attributes)).isNotNull();
      }).as("attributes %s", map).doesNotThrowAnyException();
    }
  }

  private static Object value(SplittableRandom rnd, int depth) {
    switch (rnd.nextInt(depth > 2 ? 10 : 13)) {
      case 0: return "user-" + rnd.nextInt(1000);
      case 1: return "用户-ü-😀-" + rnd.nextInt(10);
      case 2: return rnd.nextInt(200) - 50;
      case 3: return rnd.nextDouble() * 100;
      case 4: return List.of(Double.NaN, Double.POSITIVE_INFINITY, -0.0).get(rnd.nextInt(3));
      case 5: return rnd.nextBoolean();
      case 6: return List.of("1.2.3", "5.10.0-beta", "", "..", "v1").get(rnd.nextInt(5));
      case 7: return new Date(rnd.nextLong(0, 4_000_000_000_000L));
      case 8: return new Object();
      case 9: return Long.MAX_VALUE;
      case 10: return List.of(value(rnd, depth + 1), value(rnd, depth + 1));
      case 11: return Map.of("nested", value(rnd, depth + 1));
      default: return new ArrayList<>();
    }
  }
}
