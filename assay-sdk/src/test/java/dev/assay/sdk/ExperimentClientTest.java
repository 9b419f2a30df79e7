package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.assay.sdk.FeatureResult.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ExperimentClient}'s contract with the host: updates are all-or-nothing, exposures are
 * reported once per unit/experiment/variation, typed getters fall back to the caller's default,
 * and evaluation never throws.
 */
class ExperimentClientTest {

  private static final String V1 = "{\"dateUpdated\":\"2026-01-01T00:00:00Z\",\"features\":{"
      + "\"banner\":{\"defaultValue\":\"v1\"},"
      + "\"old-only\":{\"defaultValue\":true}}}";
  private static final String V2 = "{\"dateUpdated\":\"2026-02-01T00:00:00Z\",\"features\":{"
      + "\"banner\":{\"defaultValue\":\"v2\"}}}";

  /** A 2-variation experiment on feature {@code checkout}, everyone included, variation by weights. */
  private static String experimentPayload(double w0, double w1) {
    return "{\"features\":{\"checkout\":{\"defaultValue\":\"off\",\"rules\":[{\"key\":\"checkout-exp\","
        + "\"variations\":[\"control\",\"treatment\"],\"weights\":[" + w0 + "," + w1 + "],"
        + "\"meta\":[{\"key\":\"c\"},{\"key\":\"t\"}]}]},"
        + "\"pricing\":{\"defaultValue\":0,\"rules\":[{\"key\":\"pricing-exp\",\"variations\":[10,20]}]}}}";
  }

  private record Exposure(String experiment, String hashValue, int variation) {}

  private static final class Recorder implements ExposureListener {
    final List<Exposure> seen = new ArrayList<>();

    @Override
    public void onExposure(Experiment experiment, ExperimentResult result) {
      seen.add(new Exposure(experiment.key(), result.hashValue(), result.variationId()));
    }
  }

  // ---- update --------------------------------------------------------------------------------

  @Test
  void update_validPayload_swapsRuleset() {
    ExperimentClient client = ExperimentClient.builder().payload(V1).build();

    client.update(V2);

    assertThat(client.getString("banner", Attributes.empty(), "x")).isEqualTo("v2");
    assertThat(client.featureKeys()).containsExactly("banner");
    assertThat(client.payloadDate()).isEqualTo("2026-02-01T00:00:00Z");
  }

  @Test
  void update_malformedJson_throwsAndKeepsPreviousRuleset() {
    ExperimentClient client = ExperimentClient.builder().payload(V1).build();

    assertThatThrownBy(() -> client.update("{\"features\":{\"banner\":"))
        .isInstanceOf(PayloadException.class).hasMessageContaining("malformed JSON");

    assertThat(client.getString("banner", Attributes.empty(), "x")).isEqualTo("v1");
    assertThat(client.isOn("old-only", Attributes.empty())).isTrue();
    assertThat(client.payloadDate()).isEqualTo("2026-01-01T00:00:00Z");
  }

  @Test
  void update_badRuleLateInPayload_keepsPreviousRulesetWhole() {
    // The first feature of the new payload is fine; a later one is not. Nothing of it may apply.
    ExperimentClient client = ExperimentClient.builder().payload(V1).build();
    String bad = "{\"features\":{\"banner\":{\"defaultValue\":\"v3\"},"
        + "\"broken\":{\"rules\":[{\"force\":1,\"coverage\":\"all\"}]}}}";

    assertThatThrownBy(() -> client.update(bad))
        .isInstanceOf(PayloadException.class)
        .extracting(e -> ((PayloadException) e).jsonPath()).isEqualTo("$.features.broken.rules[0].coverage");

    assertThat(client.getString("banner", Attributes.empty(), "x")).isEqualTo("v1");
    assertThat(client.featureKeys()).containsExactlyInAnyOrder("banner", "old-only");
  }

  @Test
  void update_afterRejectedPayload_nextValidPayloadApplies() {
    ExperimentClient client = ExperimentClient.builder().payload(V1).build();
    assertThatThrownBy(() -> client.update("[]")).isInstanceOf(PayloadException.class);

    client.update(V2);

    assertThat(client.getString("banner", Attributes.empty(), "x")).isEqualTo("v2");
  }

  @Test
  void build_withoutPayload_startsEmptyAndServesDefaults() {
    ExperimentClient client = ExperimentClient.builder().build();

    assertThat(client.featureKeys()).isEmpty();
    assertThat(client.getString("banner", Attributes.empty(), "code")).isEqualTo("code");
  }

  // ---- exposures -----------------------------------------------------------------------------

  @Test
  void exposure_sameUserExperimentVariation_reportedOnce() {
    Recorder rec = new Recorder();
    ExperimentClient client = ExperimentClient.builder().payload(experimentPayload(0.5, 0.5)).onExposure(rec).build();
    Attributes u1 = Attributes.of("id", "u1");

    FeatureResult first = client.evaluate("checkout", u1);
    client.evaluate("checkout", u1);
    client.getString("checkout", u1, "x");
    client.isOn("checkout", Attributes.of("id", "u1", "country", "US"));

    assertThat(first.source()).isEqualTo(Source.EXPERIMENT);
    assertThat(rec.seen).containsExactly(
        new Exposure("checkout-exp", "u1", first.experimentResult().orElseThrow().variationId()));
  }

  @Test
  void exposure_throughTypedGettersOnly_reportedOnceWithFullResult() {
    List<ExperimentResult> results = new ArrayList<>();
    ExperimentClient client = ExperimentClient.builder()
        .payload(experimentPayload(0, 1))
        .onExposure((e, r) -> results.add(r))
        .build();
    Attributes u1 = Attributes.of("id", "u1");

    String first = client.getString("checkout", u1, "x");
    String second = client.getString("checkout", u1, "x");
    boolean on = client.isOn("checkout", u1);

    assertThat(first).isEqualTo("treatment");
    assertThat(second).isEqualTo("treatment");
    assertThat(on).isTrue();
    assertThat(results).hasSize(1);
    ExperimentResult r = results.get(0);
    assertThat(r.inExperiment()).isTrue();
    assertThat(r.variationId()).isEqualTo(1);
    assertThat(r.key()).isEqualTo("t");
    assertThat(r.hashAttribute()).isEqualTo("id");
    assertThat(r.hashValue()).isEqualTo("u1");
    assertThat(r.featureId()).contains("checkout");
    assertThat(r.bucket()).hasValue(Hashing.hash("checkout-exp", "u1", 1));
  }

  @Test
  void exposure_unitsNotInExperiment_neverReported_evenThroughTypedGetters() {
    Recorder rec = new Recorder();
    String payload = "{\"features\":{\"f\":{\"defaultValue\":\"off\",\"rules\":[{\"key\":\"e\","
        + "\"variations\":[\"a\",\"b\"],\"coverage\":0}]}}}";
    ExperimentClient client = ExperimentClient.builder().payload(payload).onExposure(rec).build();

    for (int i = 0; i < 50; i++) {
      assertThat(client.getString("f", Attributes.of("id", "u" + i), "x")).isEqualTo("off");
    }
    assertThat(rec.seen).isEmpty();
  }

  @Test
  void exposure_differentUsersAndExperiments_eachReported() {
    Recorder rec = new Recorder();
    ExperimentClient client = ExperimentClient.builder().payload(experimentPayload(0.5, 0.5)).onExposure(rec).build();

    client.evaluate("checkout", Attributes.of("id", "u1"));
    client.evaluate("checkout", Attributes.of("id", "u2"));
    client.evaluate("pricing", Attributes.of("id", "u1"));
    client.evaluate("checkout", Attributes.of("id", "u2"));

    assertThat(rec.seen).extracting(Exposure::experiment, Exposure::hashValue)
        .containsExactly(
            tuple("checkout-exp", "u1"),
            tuple("checkout-exp", "u2"),
            tuple("pricing-exp", "u1"));
  }

  @Test
  void exposure_sameUserNewVariationAfterUpdate_reportedAgain() {
    Recorder rec = new Recorder();
    ExperimentClient client = ExperimentClient.builder().payload(experimentPayload(1, 0)).onExposure(rec).build();
    Attributes u1 = Attributes.of("id", "u1");

    client.evaluate("checkout", u1);
    client.update(experimentPayload(0, 1));
    client.evaluate("checkout", u1);
    client.evaluate("checkout", u1);

    assertThat(rec.seen).containsExactly(new Exposure("checkout-exp", "u1", 0), new Exposure("checkout-exp", "u1", 1));
  }

  @Test
  void exposure_notInExperiment_notReported() {
    Recorder rec = new Recorder();
    ExperimentClient client = ExperimentClient.builder().payload(experimentPayload(0.5, 0.5)).onExposure(rec).build();

    FeatureResult r = client.evaluate("checkout", Attributes.empty()); // no id to hash

    assertThat(r.source()).isEqualTo(Source.DEFAULT_VALUE);
    assertThat(rec.seen).isEmpty();
  }

  @Test
  void exposure_runInCode_deduplicatedToo() {
    Recorder rec = new Recorder();
    ExperimentClient client = ExperimentClient.builder().onExposure(rec).build();
    Experiment exp = Experiment.builder("code-exp", List.of("a", "b")).build();

    client.run(exp, Attributes.of("id", "u1"));
    client.run(exp, Attributes.of("id", "u1"));

    assertThat(rec.seen).hasSize(1);
  }

  @Test
  void exposure_listenerThrows_evaluationStillReturnsValue() {
    ExperimentClient client = ExperimentClient.builder()
        .payload(experimentPayload(0, 1))
        .onExposure((e, r) -> {
          throw new IllegalStateException("listener bug");
        })
        .build();

    assertThat(client.getString("checkout", Attributes.of("id", "u1"), "x")).isEqualTo("treatment");
  }

  // ---- typed getters -------------------------------------------------------------------------

  private static final String TYPED = "{\"features\":{"
      + "\"bool\":{\"defaultValue\":true},"
      + "\"str\":{\"defaultValue\":\"hello\"},"
      + "\"int\":{\"defaultValue\":42},"
      + "\"whole-double\":{\"defaultValue\":2.0},"
      + "\"frac\":{\"defaultValue\":1.5},"
      + "\"json\":{\"defaultValue\":{\"a\":1}},"
      + "\"nul\":{\"defaultValue\":null}}}";

  @Test
  void typedGetters_matchingType_returnValue() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();
    Attributes a = Attributes.empty();

    assertThat(c.getBoolean("bool", a, false)).isTrue();
    assertThat(c.getString("str", a, "d")).isEqualTo("hello");
    assertThat(c.getLong("int", a, -1)).isEqualTo(42);
    assertThat(c.getDouble("int", a, -1)).isEqualTo(42.0);
    assertThat(c.getDouble("frac", a, -1)).isEqualTo(1.5);
    assertThat(c.getLong("whole-double", a, -1)).isEqualTo(2);
  }

  @Test
  void typedGetters_typeMismatch_returnDefault() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();
    Attributes a = Attributes.empty();

    assertThat(c.getBoolean("str", a, false)).isFalse();
    assertThat(c.getBoolean("int", a, false)).isFalse();
    assertThat(c.getString("bool", a, "d")).isEqualTo("d");
    assertThat(c.getString("int", a, "d")).isEqualTo("d");
    assertThat(c.getString("json", a, "d")).isEqualTo("d");
    assertThat(c.getDouble("str", a, -1)).isEqualTo(-1);
    assertThat(c.getDouble("bool", a, -1)).isEqualTo(-1);
    assertThat(c.getLong("frac", a, -1)).isEqualTo(-1);
    assertThat(c.getLong("str", a, -1)).isEqualTo(-1);
  }

  @Test
  void typedGetters_nullValue_returnDefault() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();
    Attributes a = Attributes.empty();

    assertThat(c.getBoolean("nul", a, true)).isTrue();
    assertThat(c.getString("nul", a, "d")).isEqualTo("d");
    assertThat(c.getLong("nul", a, 7)).isEqualTo(7);
    assertThat(c.isOn("nul", a)).isFalse();
  }

  @Test
  void typedGetters_missingFeature_returnDefault() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();
    Attributes a = Attributes.of("id", "u1");

    assertThat(c.getBoolean("nope", a, true)).isTrue();
    assertThat(c.getBoolean("nope", a, false)).isFalse();
    assertThat(c.getString("nope", a, "d")).isEqualTo("d");
    assertThat(c.getDouble("nope", a, 0.25)).isEqualTo(0.25);
    assertThat(c.getLong("nope", a, 9)).isEqualTo(9);
    assertThat(c.isOn("nope", a)).isFalse();
  }

  @Test
  void typedValues_matchingType_evaluatedWithSourceAndRule() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();
    Attributes a = Attributes.empty();

    TypedValue<Boolean> b = c.getBooleanDetails("bool", a, false);
    TypedValue<Long> l = c.getLongDetails("whole-double", a, -1);

    assertThat(b.value()).isTrue();
    assertThat(b.reason()).isEqualTo(TypedValue.Reason.EVALUATED);
    assertThat(b.isDefault()).isFalse();
    assertThat(b.result().source()).isEqualTo(Source.DEFAULT_VALUE);
    assertThat(l.value()).isEqualTo(2L);
    assertThat(c.getStringDetails("str", a, "d").value()).isEqualTo("hello");
    assertThat(c.getDoubleDetails("frac", a, -1).value()).isEqualTo(1.5);
  }

  @Test
  void typedValues_typeMismatch_defaultWithReasonNamingBothTypes() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();
    Attributes a = Attributes.empty();

    TypedValue<Boolean> b = c.getBooleanDetails("str", a, false);
    TypedValue<Long> l = c.getLongDetails("frac", a, 7);
    TypedValue<String> s = c.getStringDetails("json", a, "d");
    TypedValue<Double> d = c.getDoubleDetails("bool", a, 0.5);

    assertThat(b.value()).isFalse();
    assertThat(b.reason()).isEqualTo(TypedValue.Reason.TYPE_MISMATCH);
    assertThat(b.isDefault()).isTrue();
    assertThat(b.detail()).isEqualTo("feature 'str' is a string (\"hello\"), not a boolean");
    assertThat(l.value()).isEqualTo(7L);
    assertThat(l.reason()).isEqualTo(TypedValue.Reason.TYPE_MISMATCH);
    assertThat(l.detail()).contains("a number (1.5)").contains("not a whole number");
    assertThat(s.value()).isEqualTo("d");
    assertThat(s.detail()).contains("an object ({\"a\":1})");
    assertThat(d.value()).isEqualTo(0.5);
    assertThat(d.reason()).isEqualTo(TypedValue.Reason.TYPE_MISMATCH);
  }

  @Test
  void typedValues_unknownAndNull_defaultWithTheirOwnReasons() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();
    Attributes a = Attributes.of("id", "u1");

    TypedValue<String> unknown = c.getStringDetails("nope", a, "d");
    TypedValue<Boolean> nul = c.getBooleanDetails("nul", a, true);

    assertThat(unknown.value()).isEqualTo("d");
    assertThat(unknown.reason()).isEqualTo(TypedValue.Reason.UNKNOWN_FEATURE);
    assertThat(unknown.detail()).contains("'nope'");
    assertThat(unknown.result().source()).isEqualTo(Source.UNKNOWN_FEATURE);
    assertThat(nul.value()).isTrue();
    assertThat(nul.reason()).isEqualTo(TypedValue.Reason.NULL_VALUE);
  }

  @Test
  @SuppressWarnings("removal")
  void deprecatedValueGetters_answerAsTheirDetailsReplacements() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();
    Attributes a = Attributes.empty();

    assertThat(c.booleanValue("bool", a, false)).usingRecursiveComparison().ignoringFields("result")
        .isEqualTo(c.getBooleanDetails("bool", a, false));
    assertThat(c.stringValue("json", a, "d")).usingRecursiveComparison().ignoringFields("result")
        .isEqualTo(c.getStringDetails("json", a, "d"));
    assertThat(c.doubleValue("frac", a, 0.5).value()).isEqualTo(1.5);
    assertThat(c.longValue("frac", a, 7).reason()).isEqualTo(TypedValue.Reason.TYPE_MISMATCH);
  }

  @Test
  void typedValues_experimentRule_evaluatedWithAssignment() {
    ExperimentClient c = ExperimentClient.builder().payload(experimentPayload(0, 1)).build();

    TypedValue<String> v = c.getStringDetails("checkout", Attributes.of("id", "u1"), "off");

    assertThat(v.value()).isEqualTo("treatment");
    assertThat(v.reason()).isEqualTo(TypedValue.Reason.EVALUATED);
    assertThat(v.result().experimentResult().orElseThrow().variationId()).isEqualTo(1);
  }

  @Test
  void isOn_followsJavaScriptTruthiness() {
    ExperimentClient c = ExperimentClient.builder()
        .payload("{\"features\":{\"zero\":{\"defaultValue\":0},\"empty\":{\"defaultValue\":\"\"},"
            + "\"obj\":{\"defaultValue\":{}},\"one\":{\"defaultValue\":1}}}")
        .build();

    assertThat(c.isOn("zero", Attributes.empty())).isFalse();
    assertThat(c.isOn("empty", Attributes.empty())).isFalse();
    assertThat(c.isOn("obj", Attributes.empty())).isTrue();
    assertThat(c.isOn("one", Attributes.empty())).isTrue();
  }

  // ---- evaluate ------------------------------------------------------------------------------

  @Test
  void evaluate_unknownFeature_reportsUnknownWithNullValue() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();

    FeatureResult r = c.evaluate("does-not-exist", Attributes.of("id", "u1"));

    assertThat(r.featureKey()).isEqualTo("does-not-exist");
    assertThat(r.source()).isEqualTo(Source.UNKNOWN_FEATURE);
    assertThat(r.source().wireName()).isEqualTo("unknownFeature");
    assertThat(r.value()).isEmpty();
    assertThat(r.on()).isFalse();
    assertThat(r.ruleId()).isEmpty();
    assertThat(r.experimentResult()).isEmpty();
  }

  @Test
  void evaluate_onEmptyClient_unknownFeature() {
    assertThat(ExperimentClient.builder().build().evaluate("f", Attributes.empty()).source())
        .isEqualTo(Source.UNKNOWN_FEATURE);
  }

  @Test
  void evaluate_experimentRule_explainsAssignment() {
    ExperimentClient c = ExperimentClient.builder().payload(experimentPayload(0, 1)).build();

    FeatureResult r = c.evaluate("checkout", Attributes.of("id", "u1"));

    assertThat(r.source()).isEqualTo(Source.EXPERIMENT);
    assertThat(r.value()).contains("treatment");
    ExperimentResult e = r.experimentResult().orElseThrow();
    assertThat(e.key()).isEqualTo("t");
    assertThat(e.variationId()).isEqualTo(1);
    assertThat(e.inExperiment()).isTrue();
    assertThat(e.hashAttribute()).isEqualTo("id");
    assertThat(e.hashValue()).isEqualTo("u1");
    assertThat(e.bucket()).isPresent();
  }

  @Test
  void evaluateAll_everyFeatureInKeyOrder() {
    ExperimentClient c = ExperimentClient.builder().payload(TYPED).build();

    Map<String, FeatureResult> all = c.evaluateAll(Attributes.empty());

    assertThat(all.keySet()).containsExactly("bool", "frac", "int", "json", "nul", "str", "whole-double");
    assertThat(all.get("str").value()).contains("hello");
  }
}
