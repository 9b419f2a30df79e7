package dev.assay.openfeature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.FeatureResult;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.ImmutableStructure;
import dev.openfeature.sdk.MutableContext;
import dev.openfeature.sdk.MutableTrackingEventDetails;
import dev.openfeature.sdk.NoOpProvider;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.Reason;
import dev.openfeature.sdk.Value;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The provider over a local {@link ExperimentClient}, through the real OpenFeature SDK. */
class AssayProviderTest {

  private static final AtomicInteger DOMAINS = new AtomicInteger();

  /** Features beyond the example payload: static rules, context conversion, a prerequisite cycle. */
  private static final String CASES = """
      {"features": {
        "static-on": {"defaultValue": false, "rules": [{"id": "fr_all", "force": true}]},
        "static-empty-condition": {"defaultValue": 1, "rules": [{"id": "fr_empty", "force": 2, "condition": {}, "parentConditions": []}]},
        "full-coverage": {"defaultValue": 1, "rules": [{"id": "fr_full", "force": 2, "coverage": 1.0}]},
        "static-second": {"defaultValue": "a", "rules": [
          {"id": "fr_beta", "condition": {"beta": true}, "force": "b"},
          {"id": "fr_rest", "force": "c"}]},
        "by-id": {"defaultValue": "nobody", "rules": [{"id": "fr_seven", "condition": {"id": "user-7"}, "force": "seven"}]},
        "by-plan": {"defaultValue": "basic", "rules": [{"id": "fr_gold", "condition": {"plan.tier": "gold", "age": {"$gt": 17}, "tags": {"$elemMatch": {"$eq": "beta"}}}, "force": "gold"}]},
        "by-time": {"defaultValue": "later", "rules": [{"id": "fr_early", "condition": {"signup": {"$lt": "2025-01-01"}}, "force": "early"}]},
        "ratio": {"defaultValue": 0.25},
        "nulled": {"defaultValue": null},
        "big": {"defaultValue": 3000000000},
        "cycle-a": {"defaultValue": 1, "rules": [{"parentConditions": [{"id": "cycle-b", "condition": {"value": 1}}], "force": 2}]},
        "cycle-b": {"defaultValue": 1, "rules": [{"parentConditions": [{"id": "cycle-a", "condition": {"value": 1}}], "force": 2}]},
        "gated": {"defaultValue": "open", "rules": [{"parentConditions": [{"id": "static-on", "condition": {"value": false}, "gate": true}], "force": "x"}]}
      }}
      """;

  private final OpenFeatureAPI api = OpenFeatureAPI.getInstance();
  private final List<String> domains = new ArrayList<>();

  @AfterEach
  void unbind() {
    for (String d : domains) {
      api.setProviderAndWait(d, new NoOpProvider());
    }
  }

  static String examplePayload() {
    try (InputStream in = AssayProviderTest.class.getResourceAsStream("/payload.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private Client bind(AssayProvider provider) {
    String domain = "assay-test-" + DOMAINS.incrementAndGet();
    domains.add(domain);
    api.setProviderAndWait(domain, provider);
    return api.getClient(domain);
  }

  private Client example() {
    return bind(AssayProvider.of(ExperimentClient.builder().payload(examplePayload()).build()));
  }

  private Client cases() {
    return bind(AssayProvider.of(ExperimentClient.builder().payload(CASES).build()));
  }

  private static EvaluationContext user(String id, Map<String, Value> attributes) {
    return new ImmutableContext(id, attributes);
  }

  @Test
  void metadata_isNamedAssay() {
    assertThat(AssayProvider.of(ExperimentClient.builder().build()).getMetadata().getName()).isEqualTo("assay");
  }

  @Test
  void boolean_targetedForceRule_isTargetingMatchWithRuleId() {
    FlagEvaluationDetails<Boolean> d = example().getBooleanDetails("new-checkout", false,
        user("u1", Map.of("email", new Value("ann@example.com"))));

    assertThat(d.getValue()).isTrue();
    assertThat(d.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
    assertThat(d.getErrorCode()).isNull();
    assertThat(d.getVariant()).isNull();
    assertThat(d.getFlagMetadata().getString("ruleId")).isEqualTo("fr_internal");
    assertThat(d.getFlagMetadata().getString("source")).isEqualTo("force");
    assertThat(d.getFlagMetadata().getString("experimentKey")).isNull();
  }

  @Test
  void boolean_noRuleApplies_isDefaultWithFeatureDefault() {
    // The caller's default (true) must not win: the feature's own default (false) is the value.
    FlagEvaluationDetails<Boolean> d = example().getBooleanDetails("new-checkout", true,
        user("u1", Map.of("country", new Value("FR"))));

    assertThat(d.getValue()).isFalse();
    assertThat(d.getReason()).isEqualTo(Reason.DEFAULT.name());
    assertThat(d.getErrorCode()).isNull();
  }

  @Test
  void string_experiment_isSplitWithVariationKeyAndMetadata() {
    Client client = example();
    Map<String, String> valueByVariant = Map.of("control", "blue", "green", "green", "orange", "orange");
    List<String> variantKeys = List.of("control", "green", "orange");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      FlagEvaluationDetails<String> d = client.getStringDetails("button-colour", "none",
          new ImmutableContext("user-" + i));

      assertThat(d.getReason()).isEqualTo(Reason.SPLIT.name());
      assertThat(d.getVariant()).isIn(variantKeys);
      assertThat(d.getValue()).isEqualTo(valueByVariant.get(d.getVariant()));
      assertThat(d.getFlagMetadata().getString("experimentKey")).isEqualTo("button-colour-test");
      assertThat(d.getFlagMetadata().getInteger("variationId")).isEqualTo(variantKeys.indexOf(d.getVariant()));
      assertThat(d.getFlagMetadata().getBoolean("inExperiment")).isTrue();
      assertThat(d.getFlagMetadata().getString("ruleId")).isEqualTo("fr_button_experiment");
      seen.add(d.getVariant());
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(variantKeys);
  }

  @Test
  void sameUser_getsSameVariantThroughProviderAsThroughSdk() {
    ExperimentClient direct = ExperimentClient.builder().payload(examplePayload()).build();
    Client client = example();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      String id = "visitor-" + i;
      FeatureResult expected = direct.evaluate("button-colour", Attributes.of("id", id));
      FlagEvaluationDetails<String> d = client.getStringDetails("button-colour", "none", new ImmutableContext(id));

      assertThat(d.getVariant()).as(id).isEqualTo(expected.experimentResult().orElseThrow().key());
      assertThat(d.getValue()).as(id).isEqualTo(expected.value().orElseThrow());
      seen.add(d.getVariant());

      // The 50% US rollout hashes on id too: the provider must hash the targeting key the same way.
      FeatureResult rollout = direct.evaluate("new-checkout", Attributes.of("id", id, "country", "US"));
      boolean viaProvider = client.getBooleanValue("new-checkout", false,
          user(id, Map.of("country", new Value("US"))));
      assertThat(viaProvider).as(id).isEqualTo(rollout.on());
    }
    assertThat(seen).hasSize(3);
  }

  @Test
  void integerAndDouble_numericFeature() {
    Client client = example();
    EvaluationContext ios = user("u2", Map.of("platform", new Value("ios"), "appVersion", new Value("5.3.0")));

    FlagEvaluationDetails<Integer> i = client.getIntegerDetails("search-results-per-page", 0, ios);
    assertThat(i.getValue()).isEqualTo(30);
    assertThat(i.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
    assertThat(client.getIntegerDetails("search-results-per-page", 0, new ImmutableContext("u2")).getValue())
        .isEqualTo(20);
    assertThat(client.getDoubleDetails("search-results-per-page", 0.0, ios).getValue()).isEqualTo(30.0);
  }

  @Test
  void double_fractionalValue_andIntegerOfFraction_isTypeMismatch() {
    Client client = cases();

    assertThat(client.getDoubleValue("ratio", 0.0)).isEqualTo(0.25);
    FlagEvaluationDetails<Integer> d = client.getIntegerDetails("ratio", 7);
    assertThat(d.getValue()).isEqualTo(7);
    assertThat(d.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
    assertThat(d.getErrorMessage()).contains("ratio").contains("number").contains("integer");
  }

  @Test
  void integer_outOfIntRange_isTypeMismatch_butDoubleWorks() {
    Client client = cases();

    assertThat(client.getIntegerDetails("big", 1).getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
    assertThat(client.getDoubleValue("big", 0.0)).isEqualTo(3_000_000_000.0);
  }

  @Test
  void object_convertsMapToStructure() {
    Client client = example();

    FlagEvaluationDetails<Value> on = client.getObjectDetails("pricing-banner", new Value(),
        user("u3", Map.of("email", new Value("bo@example.com"))));
    assertThat(on.getValue().isStructure()).isTrue();
    assertThat(on.getValue().asStructure().getValue("enabled").asBoolean()).isTrue();
    assertThat(on.getValue().asStructure().getValue("text").asString()).isEqualTo("Free shipping this week");
    assertThat(on.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());

    FlagEvaluationDetails<Value> off = client.getObjectDetails("pricing-banner", new Value(),
        new ImmutableContext("u3"));
    assertThat(off.getValue().asStructure().asObjectMap()).isEqualTo(Map.of("enabled", false));
    assertThat(off.getReason()).isEqualTo(Reason.DEFAULT.name());
  }

  @Test
  void object_ofScalarFeature_isThatScalar() {
    assertThat(example().getObjectValue("search-results-per-page", new Value()).asInteger()).isEqualTo(20);
  }

  @Test
  void typeMismatch_returnsCallerDefaultWithError() {
    Client client = example();

    FlagEvaluationDetails<Integer> d = client.getIntegerDetails("button-colour", 42, new ImmutableContext("u4"));
    assertThat(d.getValue()).isEqualTo(42);
    assertThat(d.getReason()).isEqualTo(Reason.ERROR.name());
    assertThat(d.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
    assertThat(d.getErrorMessage()).contains("button-colour").contains("string");

    FlagEvaluationDetails<Boolean> b = client.getBooleanDetails("search-results-per-page", true);
    assertThat(b.getValue()).isTrue();
    assertThat(b.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);

    FlagEvaluationDetails<String> s = client.getStringDetails("pricing-banner", "fallback");
    assertThat(s.getValue()).isEqualTo("fallback");
    assertThat(s.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
  }

  @Test
  void unknownFlag_isFlagNotFoundWithCallerDefault() {
    FlagEvaluationDetails<String> d = example().getStringDetails("no-such-flag", "fallback");

    assertThat(d.getValue()).isEqualTo("fallback");
    assertThat(d.getReason()).isEqualTo(Reason.ERROR.name());
    assertThat(d.getErrorCode()).isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    assertThat(d.getErrorMessage()).contains("no-such-flag");
  }

  @Test
  void forceRule_firstAndUntargeted_isStatic() {
    // Static rules are recognised from the payload, which an AssayClient keeps (here offline).
    AssayClient offline = AssayClient.builder("http://127.0.0.1:9", "unused").sync(false).bootstrap(CASES).build();
    Client client = bind(AssayProvider.of(offline));

    assertThat(client.getBooleanDetails("static-on", false).getReason()).isEqualTo(Reason.STATIC.name());
    FlagEvaluationDetails<Integer> empty = client.getIntegerDetails("static-empty-condition", 0);
    assertThat(empty.getValue()).isEqualTo(2);
    assertThat(empty.getReason()).isEqualTo(Reason.STATIC.name());
    // A rollout, even at full coverage, depends on the unit having an id.
    FlagEvaluationDetails<Integer> full = client.getIntegerDetails("full-coverage", 0, new ImmutableContext("u"));
    assertThat(full.getValue()).isEqualTo(2);
    assertThat(full.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
  }

  @Test
  void forceRule_overExperimentClient_isTargetingMatch() {
    // An ExperimentClient does not expose its payload, so a static rule cannot be recognised.
    assertThat(cases().getBooleanDetails("static-on", false).getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
  }

  @Test
  void forceRule_afterATargetedRule_isTargetingMatch() {
    AssayClient offline = AssayClient.builder("http://127.0.0.1:9", "unused").sync(false).bootstrap(CASES).build();
    Client client = bind(AssayProvider.of(offline));

    FlagEvaluationDetails<String> rest = client.getStringDetails("static-second", "", new ImmutableContext("u"));
    assertThat(rest.getValue()).isEqualTo("c");
    assertThat(rest.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
    FlagEvaluationDetails<String> beta = client.getStringDetails("static-second", "",
        user("u", Map.of("beta", new Value(true))));
    assertThat(beta.getValue()).isEqualTo("b");
    assertThat(beta.getReason()).isEqualTo(Reason.TARGETING_MATCH.name());
  }

  @Test
  void context_targetingKeyBecomesId() {
    Client client = cases();

    assertThat(client.getStringValue("by-id", "", new ImmutableContext("user-7"))).isEqualTo("seven");
    assertThat(client.getStringValue("by-id", "", new ImmutableContext("user-8"))).isEqualTo("nobody");
  }

  @Test
  void context_explicitIdWinsOverTargetingKey() {
    Client client = cases();

    assertThat(client.getStringValue("by-id", "", user("user-8", Map.of("id", new Value("user-7")))))
        .isEqualTo("seven");
    assertThat(client.getStringValue("by-id", "", user("user-7", Map.of("id", new Value("user-8")))))
        .isEqualTo("nobody");
  }

  @Test
  void context_structuresListsAndNumbersConvert() {
    Client client = cases();
    MutableContext gold = new MutableContext("u9");
    gold.add("plan", new ImmutableStructure(Map.of("tier", new Value("gold"))));
    gold.add("age", 30);
    gold.add("tags", List.of(new Value("alpha"), new Value("beta")));

    assertThat(client.getStringValue("by-plan", "", gold)).isEqualTo("gold");
    gold.add("age", 17);
    assertThat(client.getStringValue("by-plan", "", gold)).isEqualTo("basic");
  }

  @Test
  void context_instantBecomesIsoString() {
    Client client = cases();
    MutableContext early = new MutableContext("u10");
    early.add("signup", Instant.parse("2024-06-01T00:00:00Z"));

    assertThat(client.getStringValue("by-time", "", early)).isEqualTo("early");
    early.add("signup", Instant.parse("2025-06-01T00:00:00Z"));
    assertThat(client.getStringValue("by-time", "", early)).isEqualTo("later");
  }

  @Test
  void nullValue_returnsCallerDefaultWithoutError() {
    FlagEvaluationDetails<String> d = cases().getStringDetails("nulled", "fallback");

    assertThat(d.getValue()).isEqualTo("fallback");
    assertThat(d.getReason()).isEqualTo(Reason.DEFAULT.name());
    assertThat(d.getErrorCode()).isNull();
  }

  @Test
  void cyclicPrerequisites_isGeneralError() {
    FlagEvaluationDetails<Integer> d = cases().getIntegerDetails("cycle-a", 9);

    assertThat(d.getValue()).isEqualTo(9);
    assertThat(d.getReason()).isEqualTo(Reason.ERROR.name());
    assertThat(d.getErrorCode()).isEqualTo(ErrorCode.GENERAL);
    assertThat(d.getErrorMessage()).contains("cycle-a").contains("cyclic");
  }

  @Test
  void failedGate_isDefaultWithCallerDefault() {
    FlagEvaluationDetails<String> d = cases().getStringDetails("gated", "caller");

    assertThat(d.getValue()).isEqualTo("caller");
    assertThat(d.getReason()).isEqualTo(Reason.DEFAULT.name());
    assertThat(d.getErrorCode()).isNull();
    assertThat(d.getFlagMetadata().getString("source")).isEqualTo("prerequisite");
  }

  @Test
  void disabled_returnsCallerDefaultWithDisabled_untilEnabled() {
    AssayProvider provider = AssayProvider.builder()
        .experimentClient(ExperimentClient.builder().payload(examplePayload()).build())
        .enabled(false)
        .build();
    Client client = bind(provider);

    FlagEvaluationDetails<String> d = client.getStringDetails("button-colour", "none", new ImmutableContext("u"));
    assertThat(d.getValue()).isEqualTo("none");
    assertThat(d.getReason()).isEqualTo(Reason.DISABLED.name());
    assertThat(d.getErrorCode()).isNull();

    provider.setEnabled(true);
    assertThat(client.getStringDetails("button-colour", "none", new ImmutableContext("u")).getReason())
        .isEqualTo(Reason.SPLIT.name());
  }

  @Test
  void track_forwardsNameAttributesValueAndDetails() {
    List<Object[]> events = new ArrayList<>();
    AssayProvider provider = AssayProvider.builder()
        .experimentClient(ExperimentClient.builder().payload(examplePayload()).build())
        .onTrack((name, attributes, value, details) -> events.add(new Object[] {name, attributes, value, details}))
        .build();
    Client client = bind(provider);

    client.track("purchase", user("buyer-1", Map.of("country", new Value("US"))),
        new MutableTrackingEventDetails(9.99).add("currency", "EUR").add("items", 3));
    client.track("page-view", new ImmutableContext("buyer-2"));

    assertThat(events).hasSize(2);
    assertThat(events.get(0)[0]).isEqualTo("purchase");
    Attributes attributes = (Attributes) events.get(0)[1];
    assertThat(attributes.value("id")).contains("buyer-1");
    assertThat(attributes.value("country")).contains("US");
    assertThat(events.get(0)[2]).isEqualTo(OptionalDouble.of(9.99));
    assertThat(events.get(0)[3]).isEqualTo(Map.of("currency", "EUR", "items", 3));
    assertThat(events.get(1)[0]).isEqualTo("page-view");
    assertThat(((Attributes) events.get(1)[1]).value("id")).contains("buyer-2");
    assertThat(events.get(1)[2]).isEqualTo(OptionalDouble.empty());
  }

  @Test
  void track_listenerFailure_neverReachesCaller() {
    AssayProvider provider = AssayProvider.builder()
        .experimentClient(ExperimentClient.builder().build())
        .onTrack((name, attributes, value, details) -> {
          throw new IllegalStateException("boom");
        })
        .build();

    bind(provider).track("purchase", new ImmutableContext("u"));
  }

  @Test
  void builder_requiresExactlyOneClient() {
    assertThatThrownBy(() -> AssayProvider.builder().build()).hasMessageContaining("exactly one");
    ExperimentClient local = ExperimentClient.builder().build();
    assertThatThrownBy(() -> AssayProvider.builder().experimentClient(local).ownsClient(true).build())
        .hasMessageContaining("ownsClient");
    assertThatThrownBy(() -> AssayProvider.builder().statusCheckInterval(Duration.ZERO))
        .hasMessageContaining("statusCheckInterval");
  }
}
