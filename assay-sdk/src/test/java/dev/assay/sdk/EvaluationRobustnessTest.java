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
  void everyEntryPoint_randomAttributesOfAnyType_neverThrowsAndGettersAgreeWithEvaluate() {
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
          checkGettersAgreeWithEvaluate(client, f, attributes);
        }
        assertThat(client.run(inline, attributes).variationId()).isBetween(0, 1);
      }).as("attributes %s", map).doesNotThrowAnyException();
    }
  }

  /*
   * Every getter returns what evaluate() decided, converted, or the caller's default with the
   * reason that matches the evaluated value: unknown feature, JSON null, or another type.
   */
  private static void checkGettersAgreeWithEvaluate(ExperimentClient client, String f, Attributes attributes) {
    FeatureResult r = client.evaluate(f, attributes);
    Object raw = r.value().orElse(null);
    assertThat(r.source()).isNotEqualTo(FeatureResult.Source.ERROR);
    if (f.equals("no-such-feature")) {
      assertThat(r.source()).isEqualTo(FeatureResult.Source.UNKNOWN_FEATURE);
    }
    assertThat(client.isOn(f, attributes)).isEqualTo(r.on());

    String s = raw instanceof String str ? str : "d";
    assertThat(client.getString(f, attributes, "d")).isEqualTo(s);
    TypedValue<String> sv = client.getStringDetails(f, attributes, "d");
    assertThat(sv.value()).isEqualTo(s);
    assertThat(sv.reason()).isEqualTo(reason(r, raw instanceof String));

    boolean b = raw instanceof Boolean bool ? bool : false;
    assertThat(client.getBoolean(f, attributes, false)).isEqualTo(b);
    TypedValue<Boolean> bv = client.getBooleanDetails(f, attributes, false);
    assertThat(bv.value()).isEqualTo(b);
    assertThat(bv.reason()).isEqualTo(reason(r, raw instanceof Boolean));

    double d = raw instanceof Number n ? n.doubleValue() : 0.5;
    assertThat(client.getDouble(f, attributes, 0.5)).isEqualTo(d);
    TypedValue<Double> dv = client.getDoubleDetails(f, attributes, 0.5);
    assertThat(dv.value()).isEqualTo(d);
    assertThat(dv.reason()).isEqualTo(reason(r, raw instanceof Number));

    boolean whole = raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) < 0x1p63;
    long l = whole ? ((Number) raw).longValue() : -7;
    assertThat(client.getLong(f, attributes, -7)).as("getLong and longValue convert alike").isEqualTo(l);
    TypedValue<Long> lv = client.getLongDetails(f, attributes, -7);
    assertThat(lv.value()).isEqualTo(l);
    assertThat(lv.reason()).isEqualTo(reason(r, whole));
  }

  private static TypedValue.Reason reason(FeatureResult r, boolean ofTheType) {
    if (r.source() == FeatureResult.Source.UNKNOWN_FEATURE) {
      return TypedValue.Reason.UNKNOWN_FEATURE;
    }
    if (r.value().isEmpty()) {
      return TypedValue.Reason.NULL_VALUE;
    }
    return ofTheType ? TypedValue.Reason.EVALUATED : TypedValue.Reason.TYPE_MISMATCH;
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
