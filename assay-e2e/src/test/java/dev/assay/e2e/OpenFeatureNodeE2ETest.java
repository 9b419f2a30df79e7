package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenFeature JavaScript server SDK (npm {@code @openfeature/server-sdk}) with the OFREP
 * provider (npm {@code @openfeature/ofrep-provider}) in Node against a real {@code assay serve}:
 * targeting rules on context attributes, experiment variants as the Java SDK assigns them, and
 * the caller's default with an error code for an unknown flag or a wrong type.
 */
class OpenFeatureNodeE2ETest {
  private static ServeProcess server;

  @BeforeAll
  static void start() throws Exception {
    NodeClients.install();
    server = new ServeProcess();
    server.admin("POST", "/flags", "{\"key\":\"js-pro-export\",\"type\":\"boolean\",\"defaultValue\":false,"
        + "\"environments\":{\"production\":{\"enabled\":true,\"rules\":[{\"condition\":{\"plan\":\"pro\"},\"value\":true}]}}}");
    server.admin("POST", "/flags", "{\"key\":\"js-greeting\",\"type\":\"string\",\"defaultValue\":\"Hello\","
        + "\"environments\":{\"production\":{\"enabled\":true,\"rules\":[{\"condition\":{\"country\":{\"$in\":[\"NL\",\"BE\"]}},"
        + "\"value\":\"Hallo\"}]}}}");
    GrowthBookNodeE2ETest.awaitInPayload(server, "\"js-greeting\"");
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static ObjectNode evaluation(String flag, String type, Object defaultValue, Map<String, Object> context) {
    ObjectNode c = GrowthBookNodeE2ETest.JSON.createObjectNode().put("flag", flag).put("type", type);
    c.set("default", GrowthBookNodeE2ETest.JSON.valueToTree(defaultValue));
    c.set("context", GrowthBookNodeE2ETest.JSON.valueToTree(context));
    return c;
  }

  /** Runs the Node program on these cases; returns its answers in order. */
  private static List<JsonNode> run(List<ObjectNode> cases) throws Exception {
    return run(cases, server.demoClientKey);
  }

  private static List<JsonNode> run(List<ObjectNode> cases, String key) throws Exception {
    Path file = Files.createTempFile("assay-of-cases-", ".jsonl");
    StringBuilder lines = new StringBuilder();
    for (ObjectNode c : cases) {
      lines.append(c).append('\n');
    }
    Files.writeString(file, lines, StandardCharsets.UTF_8);
    List<JsonNode> answers = new ArrayList<>();
    try (NodeClients.Run node = NodeClients.start("openfeature-node.mjs", Map.of("ASSAY_URL", server.baseUrl(),
        "ASSAY_CLIENT_KEY", key, "CASES_FILE", file.toString()))) {
      JsonNode done = node.await("done", Duration.ofSeconds(120));
      assertThat(done.get("cases").asInt()).isEqualTo(cases.size());
      assertThat(node.waitFor(Duration.ofSeconds(30))).isZero();
      for (String line : node.transcript().split("\n")) {
        JsonNode answer = GrowthBookNodeE2ETest.JSON.readTree(line);
        if (!answer.has("event")) {
          answers.add(answer);
        }
      }
    }
    assertThat(answers).hasSize(cases.size());
    return answers;
  }

  @Test
  void ofrepProvider_targetsOnContextAttributes_andAnswersUnknownFlagsWithTheDefault() throws Exception {
    List<JsonNode> a = run(List.of(
        evaluation("js-pro-export", "boolean", false, Map.of("targetingKey", "Zoë", "plan", "pro")),
        evaluation("js-pro-export", "boolean", true, Map.of("targetingKey", "Zoë", "plan", "free")),
        evaluation("js-greeting", "string", "?", Map.of("targetingKey", "用户-42", "country", "BE")),
        evaluation("js-greeting", "string", "?", Map.of("targetingKey", "用户-42", "country", "JP")),
        evaluation("no-such-flag", "boolean", true, Map.of("targetingKey", "u1")),
        evaluation("js-greeting", "number", 7, Map.of("targetingKey", "u1"))));

    assertThat(a.get(0).get("value").asBoolean()).isTrue();
    assertThat(a.get(0).get("reason").asText()).isEqualTo("TARGETING_MATCH");
    assertThat(a.get(1).get("value").isBoolean()).isTrue();
    assertThat(a.get(1).get("value").asBoolean()).as("the flag's default, not the caller's").isFalse();
    assertThat(a.get(1).get("reason").asText()).isEqualTo("DEFAULT");
    assertThat(a.get(2).get("value").asText()).isEqualTo("Hallo");
    assertThat(a.get(3).get("value").asText()).isEqualTo("Hello");
    for (JsonNode ok : a.subList(0, 4)) {
      assertThat(ok.get("errorCode").isNull()).as(ok.toString()).isTrue();
    }
    assertThat(a.get(4).get("value").asBoolean()).isTrue();
    assertThat(a.get(4).get("reason").asText()).isEqualTo("ERROR");
    assertThat(a.get(4).get("errorCode").asText()).isEqualTo("FLAG_NOT_FOUND");
    assertThat(a.get(4).get("errorMessage").asText()).contains("no-such-flag");
    assertThat(a.get(5).get("value").asInt()).isEqualTo(7);
    assertThat(a.get(5).get("errorCode").asText()).isEqualTo("TYPE_MISMATCH");
  }

  @Test
  void ofrepProvider_givesEachUnitTheJavaSdksVariant() throws Exception {
    List<Map<String, Object>> units = GrowthBookNodeE2ETest.units(300);
    List<ObjectNode> cases = new ArrayList<>();
    for (Map<String, Object> u : units) {
      Map<String, Object> context = new java.util.TreeMap<>(u);
      context.put("targetingKey", context.remove("id"));
      cases.add(evaluation("checkout-button", "string", "none", context));
    }
    List<JsonNode> a = run(cases);

    String payload = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/features/" + server.demoClientKey)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    ExperimentClient java = ExperimentClient.builder().payload(payload).build();
    int split = 0;
    for (int i = 0; i < units.size(); i++) {
      FeatureResult r = java.evaluate("checkout-button", Attributes.fromMap(units.get(i)));
      JsonNode js = a.get(i);
      assertThat(js.get("errorCode").isNull()).as(js.toString()).isTrue();
      assertThat(js.get("value").asText()).as("value for %s", units.get(i).get("id")).isEqualTo(r.value().orElseThrow());
      ExperimentResult x = r.experimentResult().orElse(null);
      if (x != null && x.inExperiment()) {
        split++;
        assertThat(js.get("reason").asText()).isEqualTo("SPLIT");
        assertThat(js.get("variant").asText()).isEqualTo(x.key());
        assertThat(js.get("metadata").get("variationId").asInt()).isEqualTo(x.variationId());
      } else {
        assertThat(js.get("reason").asText()).isEqualTo("DEFAULT");
      }
    }
    // The demo experiment holds half of its layer: about half the units are in it.
    assertThat(split).isBetween(100, 200);
  }

  @Test
  void ofrepProvider_withTheConnectionsSecretServerKey() throws Exception {
    String serverKey = server.admin("POST", "/sdk-connections/" + server.demoClientKey + "/server-key", null)
        .get("token").asText();
    assertThat(serverKey).startsWith("assay_srv_");

    List<JsonNode> a = run(List.of(
        evaluation("js-greeting", "string", "?", Map.of("targetingKey", "u1", "country", "NL"))), serverKey);

    assertThat(a.get(0).get("value").asText()).as(a.get(0).toString()).isEqualTo("Hallo");
    assertThat(a.get(0).get("errorCode").isNull()).isTrue();
  }
}
