package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.assay.testsupport.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The GrowthBook JavaScript SDK (npm {@code @growthbook/growthbook}) in Node against a real
 * {@code assay serve}: it loads the payload from {@code /api/features/{key}}, assigns every unit the
 * variant the Java SDK assigns, posts its exposures from the tracking callback to
 * {@code /api/v1/events}, and receives changes by server-sent events.
 */
class GrowthBookNodeE2ETest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** A three-way experiment of this test alone, so its exposure counts are exactly the Node client's. */
  static final String EXPERIMENT = "js-three-way";
  private static final Duration NODE = Duration.ofSeconds(120);
  private static ServeProcess server;

  @BeforeAll
  static void start() throws Exception {
    NodeClients.install();
    server = new ServeProcess();
    server.admin("POST", "/experiments", "{\"key\":\"" + EXPERIMENT + "\",\"name\":\"JS three-way\",\"hashAttribute\":\"id\","
        + "\"variants\":[{\"key\":\"control\",\"weight\":0.2,\"value\":{\"layout\":\"list\"}},"
        + "{\"key\":\"grid\",\"weight\":0.3,\"value\":{\"layout\":\"grid\"}},"
        + "{\"key\":\"cards\",\"weight\":0.5,\"value\":{\"layout\":\"cards\",\"size\":3}}],"
        + "\"metrics\":{\"primary\":\"purchase\"}}");
    server.admin("POST", "/experiments/" + EXPERIMENT + "/start", "{}");
    awaitInPayload(server, "\"" + EXPERIMENT + "\"");
  }

  /** Waits until the served payload (recompiled after a change) contains {@code fragment}. */
  static void awaitInPayload(ServeProcess server, String fragment) throws InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create(server.baseUrl() + "/api/features/" + server.demoClientKey);
    Await.until(() -> {
      try {
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body().contains(fragment);
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }, "the payload contains " + fragment);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /**
   * {@code n} units whose ids mix ASCII with accents, combining marks, CJK, right-to-left script
   * and emoji (surrogate pairs), some with the attributes the demo's targeting rules read.
   */
  static List<Map<String, Object>> units(int n) {
    String[] stems = {"user-", "Zoë-", "用户-", "🚀", "ñandú/", "e\u0301", "مستخدم-", "Ünïcødé ", "👩‍💻#", "id:"};
    String[] countries = {"NL", "DE", "US", "JP"};
    List<Map<String, Object>> units = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, Object> u = new TreeMap<>();
      u.put("id", stems[i % stems.length] + i);
      u.put("country", countries[i % countries.length]);
      if (i % 7 == 0) {
        u.put("beta", true);
      }
      units.add(u);
    }
    return units;
  }

  @Test
  void nodeSdk_assignsLikeTheJavaSdk_forTenThousandIds_andItsExposuresAreCounted() throws Exception {
    Path dir = Files.createTempDirectory("assay-js-");
    List<Map<String, Object>> units = units(10_000);
    StringBuilder lines = new StringBuilder();
    for (Map<String, Object> u : units) {
      lines.append(JSON.writeValueAsString(u)).append('\n');
    }
    Files.writeString(dir.resolve("units.jsonl"), lines, StandardCharsets.UTF_8);

    JsonNode assigned;
    try (NodeClients.Run node = NodeClients.start("growthbook-node.mjs", Map.of("ASSAY_URL", server.baseUrl(),
        "ASSAY_CLIENT_KEY", server.demoClientKey, "UNITS_FILE", dir.resolve("units.jsonl").toString(),
        "OUT_FILE", dir.resolve("assignments.jsonl").toString(), "PAYLOAD_FILE", dir.resolve("payload.json").toString(),
        "WATCH_FLAG", "new-header"))) {
      JsonNode ready = node.await("ready", NODE);
      assertThat(ready.get("success").asBoolean()).as(ready.toString()).isTrue();
      assertThat(ready.get("source").asText()).isEqualTo("network");
      assigned = node.await("assigned", NODE);
    }

    // The Java SDK on the very payload the Node SDK evaluated.
    ExperimentClient java = ExperimentClient.builder().payload(Files.readString(dir.resolve("payload.json"))).build();
    List<String> nodeLines = Files.readAllLines(dir.resolve("assignments.jsonl"), StandardCharsets.UTF_8);
    assertThat(nodeLines).hasSize(units.size());
    List<String> mismatches = new ArrayList<>();
    Map<Integer, Integer> expectedExposures = new TreeMap<>();
    Map<Integer, Integer> nonAsciiInVariation = new TreeMap<>();
    int expectedTracked = 0;
    for (int i = 0; i < units.size(); i++) {
      Map<String, Object> unit = units.get(i);
      JsonNode js = JSON.readTree(nodeLines.get(i));
      assertThat(js.get("id").asText()).isEqualTo(unit.get("id"));
      Map<String, FeatureResult> results = java.evaluateAll(Attributes.fromMap(unit));
      assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(() -> js.get("features").fieldNames());
      for (Map.Entry<String, FeatureResult> e : results.entrySet()) {
        String diff = difference(e.getValue(), js.get("features").get(e.getKey()));
        if (diff != null && mismatches.size() < 20) {
          mismatches.add(unit.get("id") + " / " + e.getKey() + ": " + diff);
        }
        ExperimentResult x = e.getValue().experimentResult().orElse(null);
        if (x != null && x.inExperiment()) {
          expectedTracked++;
          if (e.getValue().experiment().map(xp -> xp.key().equals(EXPERIMENT)).orElse(false)) {
            expectedExposures.merge(x.variationId(), 1, Integer::sum);
            if (!unit.get("id").toString().chars().allMatch(c -> c < 128)) {
              nonAsciiInVariation.merge(x.variationId(), 1, Integer::sum);
            }
          }
        }
      }
    }
    assertThat(mismatches).as("assignments where the Node SDK and the Java SDK differ").isEmpty();
    assertThat(expectedExposures).as("the three-way split").containsOnlyKeys(0, 1, 2);
    assertThat(expectedExposures.get(0)).isBetween(1_700, 2_300);
    assertThat(expectedExposures.get(2)).isBetween(4_600, 5_400);
    assertThat(nonAsciiInVariation).as("non-ASCII ids reach every variation").containsOnlyKeys(0, 1, 2);

    // Every exposure of the tracking callback reached Assay and is counted per variation.
    assertThat(assigned.get("failures")).as(assigned.toString()).isEmpty();
    assertThat(assigned.get("sent").asInt()).isEqualTo(expectedTracked);
    assertThat(assigned.get("accepted").asInt()).isEqualTo(expectedTracked);
    Await.until(() -> exposuresByVariation().equals(expectedExposures), Duration.ofSeconds(60),
        () -> "summary " + exposuresByVariation() + " counts the Node exposures " + expectedExposures);
  }

  /** Null when the Java SDK's result and the Node SDK's agree, else what differs. */
  static String difference(FeatureResult java, JsonNode js) {
    JsonNode value = JSON.valueToTree(java.value().orElse(null));
    if (!value.equals(NUMBERS_BY_VALUE, js.get("value"))) {
      return "value " + value + " vs " + js.get("value");
    }
    if (!java.source().wireName().equals(js.get("source").asText()) || !java.ruleId().equals(js.get("ruleId").asText())) {
      return "source " + java.source().wireName() + "/" + java.ruleId() + " vs " + js.get("source") + "/" + js.get("ruleId");
    }
    ExperimentResult x = java.experimentResult().orElse(null);
    if (x == null) {
      return js.get("variationId").isNull() ? null : "no experiment vs variation " + js.get("variationId");
    }
    boolean same = x.variationId() == js.get("variationId").asInt() && x.inExperiment() == js.get("inExperiment").asBoolean()
        && x.hashValue().equals(js.get("hashValue").asText())
        && (x.bucket().isEmpty() ? js.get("bucket").isNull() : Math.abs(x.bucket().getAsDouble() - js.get("bucket").asDouble()) < 1e-9);
    return same ? null : "experiment " + x + " vs " + js;
  }

  private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> {
    if (a.isNumber() && b.isNumber()) {
      return Double.compare(a.asDouble(), b.asDouble());
    }
    return a.equals(b) ? 0 : 1;
  };

  private static Map<Integer, Integer> exposuresByVariation() {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (JsonNode row : server.admin("GET", "/events/summary?from=0", null).get("byExperiment")) {
      if (EXPERIMENT.equals(row.get("experimentKey").asText())) {
        counts.put(row.get("variationId").asInt(), row.get("exposures").asInt());
      }
    }
    return counts;
  }

  @Test
  void nodeSdk_receivesAChangeByServerSentEvents() throws Exception {
    server.admin("POST", "/flags", "{\"key\":\"js-banner\",\"type\":\"string\",\"defaultValue\":\"before\"}");
    awaitInPayload(server, "\"js-banner\"");
    try (NodeClients.Run node = NodeClients.start("growthbook-node.mjs", Map.of("ASSAY_URL", server.baseUrl(),
        "ASSAY_CLIENT_KEY", server.demoClientKey, "WATCH_FLAG", "js-banner"))) {
      assertThat(node.await("ready", NODE).get("features")).anyMatch(f -> f.asText().equals("js-banner"));
      assertThat(node.await("watching", NODE).get("value").asText()).isEqualTo("before");

      server.setDefault("js-banner", "string", "\"after 🚀\"");

      assertThat(node.await("changed", NODE).get("value").asText()).isEqualTo("after 🚀");
      node.send("quit");
      node.await("stopped", NODE);
      assertThat(node.waitFor(NODE)).isZero();
    }
  }
}
