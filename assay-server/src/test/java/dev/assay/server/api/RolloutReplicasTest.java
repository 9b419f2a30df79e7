package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.assay.server.AssayServer;
import dev.assay.testsupport.Await;
import dev.assay.testsupport.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas on one PostgreSQL schema, both running the rollout evaluator and the scheduler
 * every 200 ms and both fed the same traffic: a rollout is paused by a schedule, resumed by hand
 * on the other replica and ramped to 100% by the evaluators, and each transition is applied once
 * — one audit record per transition, the history's steps consecutive (none lost, none twice), one
 * run of the schedule — and both replicas' payloads agree.
 */
class RolloutReplicasTest {
  private static final String TOKEN = "replica-admin-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROLLOUT = "/api/v1/flags/checkout-flow/rollout?environment=production";
  private AssayServer a;
  private AssayServer b;
  private final HttpClient http = HttpClient.newHttpClient();
  private int round;

  @AfterEach
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  private HttpResponse<String> send(AssayServer s, String method, String path, String token, String type,
      String body) {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    if (type != null) {
      r.header("Content-Type", type);
    }
    try {
      return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonNode admin(AssayServer s, String method, String path, String json) {
    HttpResponse<String> res = send(s, method, path, TOKEN, json == null ? null : "application/json", json);
    assertThat(res.statusCode()).as(res.body()).isBetween(200, 299);
    try {
      return res.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(res.body());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private AssayServer replica(String url, String name) throws Exception {
    return AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("rollout-" + name))
        .databaseUrl(url).allowLocalWarehouse(true).adminToken(TOKEN).rolloutTick(Duration.ofMillis(200)).start();
  }

  /* Fresh units on replica a's payload; the exposures of those in the rollout reach both replicas. */
  private void traffic(String clientKey) {
    ExperimentClient sdk = ExperimentClient.builder().payload(send(a, "GET", "/api/features/" + clientKey, null, null,
        null).body()).build();
    long now = System.currentTimeMillis();
    StringBuilder body = new StringBuilder();
    round++;
    for (int i = 0; i < 300; i++) {
      String unit = "u-" + round + "-" + i;
      FeatureResult r = sdk.evaluate("checkout-flow", Attributes.of("id", unit));
      Optional<ExperimentResult> x = r.experimentResult().filter(ExperimentResult::inExperiment);
      x.ifPresent(e -> body.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"exposure\",")
          .append("\"experimentKey\":\"").append(r.experiment().orElseThrow().key()).append("\",\"variationId\":")
          .append(e.variationId()).append(",\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now)
          .append("}\n"));
    }
    for (AssayServer s : new AssayServer[] {a, b}) {
      if (!body.isEmpty()) {
        assertThat(send(s, "POST", "/api/v1/events", clientKey, "application/x-ndjson", body.toString()).statusCode())
            .isEqualTo(200);
      }
    }
  }

  private String status(AssayServer s) {
    return admin(s, "GET", ROLLOUT, null).path("status").asText();
  }

  @Test
  void twoReplicas_oneRollout_eachTransitionAppliedOnce() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String url = TestPostgres.urlWithSchema(schema);
    a = replica(url, "a");
    b = replica(url, "b");
    String clientKey = admin(a, "POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .get("key").asText();
    admin(a, "POST", "/api/v1/flags", """
        {"key":"checkout-flow","type":"string","defaultValue":"old",
         "environments":{"production":{"enabled":true,"rules":[{"value":"new"}]}}}""");
    admin(b, "PUT", ROLLOUT, """
        {"steps":[0.1,0.3,0.6,1.0],"settleSeconds":0,"minUnitsPerStep":20,"gates":{"srm":false}}""");
    JsonNode pause = admin(a, "POST", "/api/v1/flags/checkout-flow/schedule", "{\"action\":\"pause\","
        + "\"environment\":\"production\",\"at\":\"" + Instant.now().plusMillis(300) + "\"}");
    Await.until(() -> status(b).equals("paused"), Await.DEFAULT_TIMEOUT, () -> "the scheduled pause is applied");
    admin(b, "POST", ROLLOUT.replace("rollout?", "rollout/resume?"), "{}");

    long start = System.nanoTime();
    Await.until(() -> {
      traffic(clientKey);
      return status(a).equals("completed");
    }, Duration.ofSeconds(60), () -> "the evaluators complete the rollout");
    System.out.println("two-replica rollout of 4 steps completed in " + (System.nanoTime() - start) / 1_000_000
        + " ms");

    JsonNode rollout = admin(b, "GET", ROLLOUT, null);
    List<String> actions = new ArrayList<>();
    int step = 0;
    for (JsonNode t : rollout.path("history")) {
      actions.add(t.path("action").asText());
      assertThat(t.path("fromStep").asInt()).as("no step lost or applied twice: " + rollout.path("history"))
          .isEqualTo(step);
      step = t.path("toStep").asInt();
    }
    assertThat(actions).containsExactly("start", "pause", "resume", "advance", "advance", "complete");
    assertThat(step).isEqualTo(3);

    JsonNode audit = admin(a, "GET", "/api/v1/audit?kind=rollout&limit=500", null).path("items");
    List<String> transitions = new ArrayList<>();
    for (JsonNode e : audit) {
      if (!e.path("action").asText().equals("look")) {
        transitions.add(e.path("action").asText());
      }
    }
    assertThat(transitions).as("one audit record per transition: " + transitions)
        .containsExactlyInAnyOrder("create", "pause", "resume", "advance", "advance", "advance"); // the last completes
    JsonNode runs = admin(a, "GET", "/api/v1/audit?kind=schedule", null).path("items");
    assertThat(runs.findValuesAsText("action").stream().filter("run"::equals)).as("the schedule ran once").hasSize(1);
    assertThat(runs.findValuesAsText("key")).contains(pause.path("id").asText());
    for (AssayServer s : new AssayServer[] {a, b}) {
      Await.until(() -> !send(s, "GET", "/api/features/" + clientKey, null, null, null).body()
          .contains("rollout:checkout-flow"), Await.DEFAULT_TIMEOUT, () -> "each replica serves the plain rule");
    }
  }
}
