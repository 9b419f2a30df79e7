package dev.assay.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.ProjectConfig;
import dev.assay.server.domain.model.Segment;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PayloadCompiler} on hand-written snapshots (entity views as the API returns them, read
 * as records): the
 * exact GrowthBook fields each piece of configuration becomes, and determinism.
 */
class PayloadCompilerTest {

  private final Map<Kind, List<ObjectNode>> snapshot = new EnumMap<>(Kind.class);

  private PayloadCompilerTest add(Kind kind, String json) {
    snapshot.computeIfAbsent(kind, k -> new ArrayList<>()).add((ObjectNode) Harness.json(json));
    return this;
  }

  private JsonNode compile() {
    return PayloadCompiler.compile(new ProjectConfig("p", records(Kind.FLAG, Flag.class),
        records(Kind.EXPERIMENT, Experiment.class), records(Kind.SEGMENT, Segment.class),
        records(Kind.HOLDOUT, Holdout.class), List.of()), "production");
  }

  /* The views are read as the store's records are: through the one mapper, validated. */
  private <T> List<Versioned<T>> records(Kind kind, Class<T> type) {
    return snapshot.getOrDefault(kind, List.of()).stream().map(v -> ModelJson.versionedView(type, v)).toList();
  }

  private static final String RUNNING = """
      {"key":"%s","name":"Checkout","status":"running","hashAttribute":"deviceId","fallbackAttribute":"id",
       "coverage":1.0,"layer":"checkout","range":{"start":0.2,"end":0.6},
       "condition":{"plan":"pro"},
       "variants":[{"key":"control","name":"Control","weight":0.5,"value":"a"},{"key":"fast","weight":0.5}],
       "phases":[{"number":1,"seed":"%s:phase-1","startedAt":1767225600000,"coverage":1.0,"weights":[0.5,0.5]},
                 {"number":2,"seed":"%s:phase-2","startedAt":1767312000000,"coverage":0.8,"weights":[0.1,0.9]}],
       "updatedAt":"2026-01-02T00:00:00Z"}""";

  @Test
  void runningExperimentRule_carriesTheCurrentPhaseAndEveryGrowthBookField() {
    add(Kind.EXPERIMENT, RUNNING.formatted("exp", "exp", "exp"));
    add(Kind.FLAG, """
        {"key":"flow","type":"string","defaultValue":"a","updatedAt":"2026-01-01T00:00:00Z",
         "environments":{"production":{"enabled":true,"rules":[{"condition":{"country":"NL"},"experiment":"exp"}]}}}""");

    JsonNode rule = compile().at("/features/flow/rules/0");
    assertThat(rule.path("key").asText()).isEqualTo("exp");
    assertThat(rule.path("name").asText()).isEqualTo("Checkout");
    assertThat(rule.path("variations").toString()).as("a variant without value serves its key")
        .isEqualTo("[\"a\",\"fast\"]");
    assertThat(rule.path("weights").toString()).as("current phase").isEqualTo("[0.1,0.9]");
    assertThat(rule.path("coverage").asDouble()).isEqualTo(0.8);
    assertThat(rule.path("seed").asText()).isEqualTo("exp:phase-2");
    assertThat(rule.path("phase").asText()).isEqualTo("2");
    assertThat(rule.path("hashVersion").asInt()).isEqualTo(2);
    assertThat(rule.path("hashAttribute").asText()).isEqualTo("deviceId");
    assertThat(rule.path("fallbackAttribute").asText()).isEqualTo("id");
    assertThat(rule.path("namespace").toString()).isEqualTo("[\"checkout\",0.2,0.6]");
    assertThat(rule.path("meta").toString())
        .isEqualTo("[{\"key\":\"control\",\"name\":\"Control\"},{\"key\":\"fast\"}]");
    assertThat(rule.path("condition").toString())
        .isEqualTo("{\"$and\":[{\"country\":\"NL\"},{\"plan\":\"pro\"}]}");
    assertThat(compile().path("features").has("exp")).as("named by a flag: no feature of its own").isFalse();
  }

  @Test
  void unnamedRunningExperiment_isServedUnderItsOwnKeyUnlessAFlagHasIt() {
    add(Kind.EXPERIMENT, RUNNING.formatted("solo", "solo", "solo"));
    add(Kind.EXPERIMENT, RUNNING.formatted("taken", "taken", "taken"));
    add(Kind.EXPERIMENT, """
        {"key":"draft","status":"draft","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],"phases":[]}""");
    add(Kind.FLAG, "{\"key\":\"taken\",\"type\":\"boolean\",\"defaultValue\":false}");

    JsonNode features = compile().path("features");
    assertThat(features.at("/solo/defaultValue").asText()).as("first variant's value").isEqualTo("a");
    assertThat(features.at("/solo/rules/0/seed").asText()).isEqualTo("solo:phase-2");
    assertThat(features.at("/taken/defaultValue").asBoolean(true)).isFalse();
    assertThat(features.path("taken").has("rules")).isFalse();
    assertThat(features.has("draft")).isFalse();
  }

  @Test
  void rolloutRule_isAForceRuleWithCoverageSeededByTheFlagKey() {
    add(Kind.FLAG, """
        {"key":"search","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"value":true,"coverage":0.3}]},
                         "staging":{"rules":[{"value":true}]}}}""");
    JsonNode rule = compile().at("/features/search/rules/0");
    assertThat(rule.path("force").asBoolean()).isTrue();
    assertThat(rule.path("coverage").asDouble()).isEqualTo(0.3);
    assertThat(rule.path("hashAttribute").asText()).isEqualTo("id");
    assertThat(rule.path("seed").asText()).isEqualTo("search");
    assertThat(rule.path("hashVersion").asInt()).isEqualTo(2);
    assertThat(rule.has("condition")).isFalse();
  }

  @Test
  void segments_idListsBecomeSavedGroupsAndConditionsAreInlinedRecursively() {
    add(Kind.SEGMENT, "{\"key\":\"vips\",\"attribute\":\"id\",\"ids\":[\"u1\",\"u2\"]}");
    add(Kind.SEGMENT, "{\"key\":\"eu\",\"condition\":{\"country\":{\"$in\":[\"NL\",\"DE\"]}}}");
    add(Kind.SEGMENT, "{\"key\":\"eu-pro\",\"condition\":{\"plan\":\"pro\",\"x\":{\"$inGroup\":\"eu\"}}}");
    add(Kind.FLAG, """
        {"key":"f","type":"number","defaultValue":0,"environments":{"production":{"rules":[
           {"condition":{"id":{"$inGroup":"vips"}},"value":1},
           {"condition":{"y":{"$notInGroup":"eu-pro"},"age":{"$gt":18}},"value":2}]}}}""");

    JsonNode payload = compile();
    assertThat(payload.at("/savedGroups").toString()).isEqualTo("{\"vips\":[\"u1\",\"u2\"]}");
    assertThat(payload.at("/features/f/rules/0/condition").toString())
        .isEqualTo("{\"id\":{\"$inGroup\":\"vips\"}}");
    assertThat(payload.at("/features/f/rules/1/condition").toString()).isEqualTo(
        "{\"$and\":[{\"age\":{\"$gt\":18}},{\"$not\":{\"$and\":[{\"plan\":\"pro\"},"
            + "{\"country\":{\"$in\":[\"NL\",\"DE\"]}}]}}]}");

    ExperimentClient sdk = ExperimentClient.builder().payload(payload.toString()).build();
    assertThat(sdk.getLong("f", Attributes.of("id", "u2"), -1)).isEqualTo(1);
    assertThat(sdk.getLong("f", Attributes.builder().put("id", "u9").put("age", 30).put("plan", "pro")
        .put("country", "FR").build(), -1)).as("adult outside eu-pro").isEqualTo(2);
    assertThat(sdk.getLong("f", Attributes.builder().put("id", "u9").put("age", 30).put("plan", "pro")
        .put("country", "NL").build(), -1)).as("adult in eu-pro").isEqualTo(0);
  }

  @Test
  void concludedExperiment_shipForcesTheVariantValueWithTheFlagCondition() {
    add(Kind.EXPERIMENT, """
        {"key":"e","status":"concluded","decision":{"outcome":"ship","variant":"b"},
         "variants":[{"key":"a","weight":0.5,"value":1},{"key":"b","weight":0.5,"value":2}],
         "phases":[{"number":1,"seed":"e:phase-1","startedAt":1767225600000,"coverage":1.0,"weights":[0.5,0.5]}]}""");
    add(Kind.FLAG, """
        {"key":"f","type":"number","defaultValue":0,"environments":{"production":{"rules":[
           {"condition":{"country":"NL"},"experiment":"e"}]}}}""");
    JsonNode rule = compile().at("/features/f/rules/0");
    assertThat(rule.toString()).isEqualTo(
        "{\"id\":\"fr_f_production_0\",\"condition\":{\"country\":\"NL\"},\"force\":2}");
  }

  @Test
  void holdout_isATrackedMembershipFeatureThatCoveredRulesNameAsAPrerequisite() {
    add(Kind.FLAG, """
        {"key":"ship","type":"boolean","defaultValue":false,
         "environments":{"production":{"enabled":true,"rules":[{"value":true}]}}}""");
    add(Kind.HOLDOUT, "{\"key\":\"q4\",\"name\":\"Q4\",\"fraction\":0.15,\"flags\":[\"ship\"]}");
    JsonNode payload = compile();

    JsonNode member = payload.at("/features/holdout:q4");
    assertThat(member.path("defaultValue").asText()).isEqualTo("general");
    JsonNode assign = member.at("/rules/0");
    assertThat(assign.path("key").asText()).isEqualTo("holdout:q4");
    assertThat(assign.path("variations").toString()).isEqualTo("[\"held-out\",\"general\"]");
    assertThat(assign.path("weights").toString()).isEqualTo("[0.15,0.85]");
    assertThat(assign.path("seed").asText()).isEqualTo("holdout:q4");
    assertThat(assign.path("hashVersion").asInt()).isEqualTo(2);
    JsonNode skip = payload.at("/features/ship/rules/0");
    assertThat(skip.path("parentConditions").toString())
        .isEqualTo("[{\"id\":\"holdout:q4\",\"condition\":{\"value\":\"held-out\"}}]");
    assertThat(skip.path("force").asBoolean(true)).isFalse();
    assertThat(payload.at("/features/ship/rules/1/force").asBoolean()).isTrue();

    // The same units as the former expression: a force rule over range [0, fraction] of the same seed.
    ObjectNode former = payload.deepCopy();
    ObjectNode formerRule = (ObjectNode) former.at("/features/ship/rules/0");
    formerRule.remove("parentConditions");
    formerRule.set("range", Harness.json("[0.0, 0.15]"));
    formerRule.put("hashAttribute", "id").put("seed", "holdout:q4").put("hashVersion", 2);
    List<String> exposures = new ArrayList<>();
    ExperimentClient sdk = ExperimentClient.builder().payload(payload.toString())
        .onExposure((exp, result) -> exposures.add(exp.key() + "/" + result.key())).build();
    ExperimentClient formerSdk = ExperimentClient.builder().payload(former.toString()).build();
    int held = 0;
    for (int i = 0; i < 5_000; i++) {
      Attributes u = Attributes.of("id", "u" + i);
      boolean on = sdk.getBoolean("ship", u, false);
      assertThat(on).as("unit u" + i).isEqualTo(formerSdk.getBoolean("ship", u, false));
      held += on ? 0 : 1;
    }
    assertThat(held).isBetween(650, 850);
    assertThat(exposures).hasSize(5_000);
    assertThat(exposures.stream().filter(e -> e.equals("holdout:q4/held-out")).count()).isEqualTo(held);
  }

  @Test
  void dateUpdated_isTheLatestChangeComparedAsInstants() {
    add(Kind.FLAG, "{\"key\":\"a\",\"type\":\"number\",\"defaultValue\":1,\"updatedAt\":\"2026-03-01T10:00:00.9Z\"}");
    // As text, "…:00Z" sorts after "…:00.9Z" and "…:00.123456Z" before "…:00.123Z".
    add(Kind.FLAG, "{\"key\":\"b\",\"type\":\"number\",\"defaultValue\":1,\"updatedAt\":\"2026-03-01T10:00:00Z\"}");
    add(Kind.FLAG, "{\"key\":\"c\",\"type\":\"number\",\"defaultValue\":1,\"updatedAt\":\"2026-03-01T09:59:59.999999Z\"}");
    assertThat(compile().path("dateUpdated").asText()).isEqualTo("2026-03-01T10:00:00.900Z");

    snapshot.clear();
    assertThat(compile().path("dateUpdated").asText()).isEqualTo("1970-01-01T00:00:00.000Z");
    assertThat(compile().path("features").isEmpty()).isTrue();
  }

  @Test
  void output_doesNotDependOnTheOrderOfTheSnapshot() {
    add(Kind.SEGMENT, "{\"key\":\"s1\",\"attribute\":\"id\",\"ids\":[\"a\"]}");
    add(Kind.SEGMENT, "{\"key\":\"s2\",\"attribute\":\"id\",\"ids\":[\"b\"]}");
    for (String k : new String[] {"x", "y", "z"}) {
      add(Kind.EXPERIMENT, RUNNING.formatted(k, k, k).replace("\"layer\":\"checkout\",\"range\":{\"start\":0.2,\"end\":0.6},", ""));
      add(Kind.FLAG, "{\"key\":\"flag-" + k + "\",\"type\":\"number\",\"defaultValue\":1,\"updatedAt\":\"2026-01-0"
          + (k.charAt(0) - 'w') + "T00:00:00Z\"}");
    }
    String expected = compile().toString();
    Random random = new Random(42);
    for (int i = 0; i < 20; i++) {
      snapshot.values().forEach(l -> Collections.shuffle(l, random));
      assertThat(compile().toString()).isEqualTo(expected);
    }
  }
}
