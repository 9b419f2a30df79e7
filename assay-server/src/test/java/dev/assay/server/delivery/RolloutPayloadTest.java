package dev.assay.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.ProjectConfig;
import dev.assay.server.domain.model.Rollout;
import dev.assay.server.domain.model.RolloutStatus;
import dev.assay.server.domain.model.Versioned;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A rule under a rollout compiles to a tracked two-arm experiment with weights [1 − p, p] whose
 * treated units, evaluated by the SDK, only grow as p grows; rolled back to control it is a force
 * rule to control; completed it is the plain rule again.
 */
class RolloutPayloadTest {
  private static final Flag FLAG = ModelJson.fromStored(Flag.class, """
      {"key":"checkout-flow","type":"string","defaultValue":"old",
       "environments":{"production":{"enabled":true,"rules":[{"value":"new"}]}}}""");

  private static Rollout rollout(RolloutStatus status, int step) {
    return new Rollout("checkout-flow", "production", 0, null, List.of(0.1, 0.5, 1.0), 0, 0, null, "r1", status, step,
        "2026-01-01T00:00:00Z", List.of(), List.of(), 0L);
  }

  private static JsonNode compile(Rollout r) {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    return PayloadCompiler.compile(new ProjectConfig("p", List.of(new Versioned<>(FLAG, "p", 1, t, t)), List.of(),
        List.of(), List.of(), List.of(), List.of(new Versioned<>(r, "p", 1, t, t))), "production");
  }

  private static long treated(JsonNode payload, int from, int to) {
    ExperimentClient sdk = ExperimentClient.builder().payload(payload.toString()).build();
    return IntStream.range(from, to).filter(i -> sdk.evaluate("checkout-flow", Attributes.of("id", "u" + i)).value()
        .orElse("").equals("new")).count();
  }

  @Test
  void runningStep_isATrackedTwoArmExperiment() {
    JsonNode rule = compile(rollout(RolloutStatus.RUNNING, 1)).at("/features/checkout-flow/rules/0");
    assertThat(rule.path("key").asText()).isEqualTo("rollout:checkout-flow:r1");
    assertThat(rule.path("seed").asText()).isEqualTo("rollout:checkout-flow:r1");
    assertThat(rule.path("variations").toString()).isEqualTo("[\"old\",\"new\"]");
    assertThat(rule.path("weights").toString()).isEqualTo("[0.5,0.5]");
    assertThat(rule.path("hashAttribute").asText()).isEqualTo("id");
  }

  @Test
  void raisingTheStep_onlyAddsTreatedUnits() {
    JsonNode low = compile(rollout(RolloutStatus.RUNNING, 0));
    JsonNode high = compile(rollout(RolloutStatus.RUNNING, 1));
    ExperimentClient a = ExperimentClient.builder().payload(low.toString()).build();
    ExperimentClient b = ExperimentClient.builder().payload(high.toString()).build();
    for (int i = 0; i < 5000; i++) {
      Attributes u = Attributes.of("id", "u" + i);
      if (a.evaluate("checkout-flow", u).value().orElse("").equals("new")) {
        assertThat(b.evaluate("checkout-flow", u).value()).as("u" + i).contains("new");
      }
    }
    assertThat(treated(low, 0, 5000)).isBetween(400L, 600L);
    assertThat(treated(high, 0, 5000)).isBetween(2350L, 2650L);
  }

  @Test
  void rolledBackToControl_forcesControl_completed_servesTheRulePlainly() {
    JsonNode off = compile(rollout(RolloutStatus.ROLLED_BACK, -1)).at("/features/checkout-flow/rules/0");
    assertThat(off.path("force")).isEqualTo(TextNode.valueOf("old"));
    assertThat(off.has("key")).isFalse();
    JsonNode done = compile(rollout(RolloutStatus.COMPLETED, 2)).at("/features/checkout-flow/rules/0");
    assertThat(done.path("force")).isEqualTo(TextNode.valueOf("new"));
    assertThat(done.has("key")).isFalse();
  }
}
