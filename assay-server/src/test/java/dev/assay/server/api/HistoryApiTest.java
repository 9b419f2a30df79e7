package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.testsupport.Await;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * History and rollback of flags and experiments (issue 17) on a real server and store: the
 * versions kept in the audit log with actors, reasons and field-level diffs, the entity at a
 * version, a restore as a new version served to SDKs, and the payload an SDK key served at a past
 * instant, rebuilt from the log. {@link PostgresHistoryApiTest} runs the same on PostgreSQL.
 */
class HistoryApiTest {
  private static final String FLAG = """
      {"key":"banner","type":"string","defaultValue":"off",
       "environments":{"production":{"rules":[{"value":"%s"}]}}}""";
  private final TestServer t = server();

  TestServer server() {
    return new TestServer();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private static JsonNode json(String text) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new AssertionError(text, e);
    }
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  private String connection() {
    return ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}"))
        .json().get("key").asText();
  }

  private String served(String clientKey) {
    ExperimentClient sdk = ExperimentClient.builder()
        .payload(ok(t.call("GET", "/api/features/" + clientKey, null, null)).body()).build();
    return sdk.evaluate("banner", Attributes.of("id", "u1")).value().orElseThrow().toString();
  }

  private JsonNode put(String token, String value, long version, String reason) {
    ObjectNode body = (ObjectNode) json(FLAG.formatted(value));
    body.remove("key");
    body.put("version", version);
    return ok(t.call("PUT", "/api/v1/flags/banner" + (reason == null ? "" : "?reason=" + reason), token,
        body.toString())).json();
  }

  /* Creates the flag (v1, "blue", by the admin) and edits it twice (v2 "green" by an experimenter, v3 "red"). */
  private String experimenter;

  private void threeVersions() {
    experimenter = t.token("experimenter");
    ok(t.admin("POST", "/api/v1/flags?reason=launch", FLAG.formatted("blue")));
    put(experimenter, "green", 1, "try%20green");
    put(TestServer.ADMIN_TOKEN, "red", 2, null);
  }

  @Test
  void history_afterThreeWrites_listsThreeVersionsNewestFirstWithActorsReasonsAndDiffs() {
    threeVersions();
    JsonNode items = ok(t.admin("GET", "/api/v1/flags/banner/history", null)).json().path("items");
    assertThat(items).hasSize(3);
    assertThat(items.get(0).path("version").asLong()).isEqualTo(3);
    assertThat(items.get(2).path("version").asLong()).isEqualTo(1);
    assertThat(items.get(2).path("action").asText()).isEqualTo("create");
    assertThat(items.get(2).path("reason").asText()).isEqualTo("launch");
    assertThat(items.get(1).path("actor").asText()).startsWith("experimenter-key");
    assertThat(items.get(1).path("reason").asText()).isEqualTo("try green");
    assertThat(items.get(0).has("reason")).isFalse();
    assertThat(items.get(0).path("actor").asText()).isNotEqualTo(items.get(1).path("actor").asText());

    JsonNode v3 = items.get(0).path("changes");
    assertThat(v3).hasSize(1);
    assertThat(v3.get(0).path("path").asText()).isEqualTo("/environments/production/rules/0/value");
    assertThat(v3.get(0).path("op").asText()).isEqualTo("replace");
    assertThat(v3.get(0).path("from").asText()).isEqualTo("green");
    assertThat(v3.get(0).path("to").asText()).isEqualTo("red");
    List<String> created = new ArrayList<>();
    items.get(2).path("changes").forEach(c -> created.add(c.path("op").asText() + " " + c.path("path").asText()));
    assertThat(created).contains("add /defaultValue", "add /environments", "add /key", "add /type");

    // Paging: one per page, following next.
    JsonNode first = ok(t.admin("GET", "/api/v1/flags/banner/history?limit=1", null)).json();
    assertThat(first.path("items")).hasSize(1);
    assertThat(first.path("next").asLong()).isEqualTo(3);
    JsonNode second = ok(t.admin("GET", "/api/v1/flags/banner/history?limit=1&before=3", null)).json();
    assertThat(second.path("items").get(0).path("version").asLong()).isEqualTo(2);
    JsonNode last = ok(t.admin("GET", "/api/v1/flags/banner/history?limit=5&before=2", null)).json();
    assertThat(last.path("items")).hasSize(1);
    assertThat(last.has("next")).isFalse();

    // Comments are audited under the flag but are not versions of it.
    ok(t.admin("POST", "/api/v1/flags/banner/comments", "{\"text\":\"looks good\"}"));
    assertThat(ok(t.admin("GET", "/api/v1/flags/banner/history", null)).json().path("items")).hasSize(3);

    JsonNode v2 = ok(t.admin("GET", "/api/v1/flags/banner/versions/2", null)).json();
    assertThat(v2.path("version").asLong()).isEqualTo(2);
    assertThat(v2.path("key").asText()).isEqualTo("banner");
    assertThat(v2.at("/environments/production/rules/0/value").asText()).isEqualTo("green");
    JsonNode current = ok(t.admin("GET", "/api/v1/flags/banner", null)).json();
    JsonNode v3view = ok(t.admin("GET", "/api/v1/flags/banner/versions/3", null)).json();
    assertThat(withoutTimes(v3view)).isEqualTo(withoutTimes(current));
  }

  private static JsonNode withoutTimes(JsonNode view) {
    ObjectNode copy = view.deepCopy();
    copy.remove(List.of("createdAt", "updatedAt"));
    return copy;
  }

  @Test
  void restore_ofVersionOne_isANewVersionEqualInDesign_andTheSdkServesItsValueAgain() {
    String key = connection();
    threeVersions();
    assertThat(served(key)).isEqualTo("red");

    TestServer.Response stale = t.admin("POST", "/api/v1/flags/banner/versions/1/restore?version=2", null);
    assertThat(stale.status()).as(stale.body()).isEqualTo(409);
    JsonNode v4 = ok(t.call("POST", "/api/v1/flags/banner/versions/1/restore?version=3&reason=rollback",
        experimenter, null)).json();
    assertThat(v4.path("version").asLong()).isEqualTo(4);
    JsonNode v1 = ok(t.admin("GET", "/api/v1/flags/banner/versions/1", null)).json();
    assertThat(design(v4)).isEqualTo(design(v1));
    assertThat(served(key)).isEqualTo("blue");

    JsonNode newest = ok(t.admin("GET", "/api/v1/flags/banner/history?limit=1", null)).json().path("items").get(0);
    assertThat(newest.path("version").asLong()).isEqualTo(4);
    assertThat(newest.path("action").asText()).isEqualTo("restore_version");
    assertThat(newest.path("reason").asText()).isEqualTo("restores version 1: rollback");
    assertThat(newest.path("changes").get(0).path("to").asText()).isEqualTo("blue");
    assertThat(ok(t.admin("GET", "/api/v1/audit/verify", null)).json().path("intact").asBoolean()).isTrue();
  }

  private static JsonNode design(JsonNode view) {
    ObjectNode copy = view.deepCopy();
    copy.remove(List.of("version", "createdAt", "updatedAt"));
    return copy;
  }

  @Test
  void restore_ofARunningExperimentsAllocation_needsANewPhase() {
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"cta","variants":[{"key":"control","weight":0.5,"value":"Buy"},{"key":"bold","weight":0.5,"value":"Now"}]}"""));
    ok(t.admin("POST", "/api/v1/experiments/cta/start", null));
    JsonNode current = ok(t.admin("GET", "/api/v1/experiments/cta", null)).json();
    ObjectNode edit = current.deepCopy();
    edit.withArray("variants").removeAll().add(json("{\"key\":\"control\",\"weight\":0.8,\"value\":\"Buy\"}"))
        .add(json("{\"key\":\"bold\",\"weight\":0.2,\"value\":\"Now\"}"));
    long v = ok(t.admin("PUT", "/api/v1/experiments/cta?newPhase=true", edit.toString())).json().path("version").asLong();

    TestServer.Response refused = t.admin("POST", "/api/v1/experiments/cta/versions/1/restore?version=" + v, null);
    assertThat(refused.status()).as(refused.body()).isEqualTo(409);
    assertThat(refused.json().at("/error/code").asText()).isEqualTo("phase_required");
    JsonNode restored = ok(t.admin("POST", "/api/v1/experiments/cta/versions/1/restore?newPhase=true&version=" + v,
        null)).json();
    assertThat(restored.at("/variants/0/weight").asDouble()).isEqualTo(0.5);
    assertThat(restored.path("status").asText()).as("the lifecycle state is the current one").isEqualTo("running");
    assertThat(restored.path("phases").size()).isEqualTo(3);
  }

  @Test
  void payloadAt_anInstantBetweenTwoVersions_equalsWhatWasServedThen() throws InterruptedException {
    String key = connection();
    experimenter = t.token("experimenter");
    ok(t.admin("POST", "/api/v1/flags", FLAG.formatted("blue")));
    put(experimenter, "green", 1, null);
    JsonNode servedThen = json(ok(t.call("GET", "/api/features/" + key, null, null)).body());
    Instant between = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Await.until(() -> Instant.now().truncatedTo(ChronoUnit.MILLIS).isAfter(between), "the clock passes the instant");
    put(experimenter, "red", 2, null);
    assertThat(served(key)).isEqualTo("red");

    JsonNode rebuilt = ok(t.admin("GET", "/api/v1/sdk-connections/" + key + "/payload?at=" + between, null)).json();
    assertThat(rebuilt.path("features")).isEqualTo(servedThen.path("features"));
    assertThat(rebuilt.path("savedGroups")).isEqualTo(servedThen.path("savedGroups"));
    JsonNode now = ok(t.admin("GET", "/api/v1/sdk-connections/" + key + "/payload?at=" + Instant.now(), null)).json();
    assertThat(now.at("/features/banner/rules/0/force").asText()).isEqualTo("red");
    assertThat(ok(t.call("GET", "/api/v1/sdk-connections/" + key + "/payload?at=" + between, t.token("viewer"), null))
        .json().path("features")).isEqualTo(servedThen.path("features"));
  }

  @Test
  void restore_isPushedToStreamingClients() throws Exception {
    String key = connection();
    threeVersions();
    java.net.http.HttpResponse<java.io.InputStream> res = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + t.port() + "/sub/" + key))
            .header("Accept", "text/event-stream").build(),
        java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    assertThat(res.statusCode()).isEqualTo(200);
    java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(res.body(),
          java.nio.charset.StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException closedByTheTest) {
        // the stream is closed at the end of the test
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      ok(t.admin("POST", "/api/v1/flags/banner/versions/1/restore?version=3", null));
      boolean pushed = false;
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (!pushed && System.nanoTime() < deadline) {
        String line = lines.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (line != null && line.startsWith("data:") && line.contains("\"banner\"")) {
          pushed = json(line.substring(5).trim()).at("/features/banner/rules/0/force").asText().equals("blue");
        }
      }
      assertThat(pushed).as("an SSE event carries version 1's value").isTrue();
    } finally {
      res.body().close();
    }
  }

  @Test
  void badInput_getsPreciseErrors() {
    String key = connection();
    threeVersions();
    assertError(t.admin("GET", "/api/v1/flags/banner/versions/9", null), 404, "version 9");
    assertError(t.admin("GET", "/api/v1/flags/banner/versions/zero", null), 400, "n");
    assertError(t.admin("GET", "/api/v1/flags/banner/versions/0", null), 400, "n");
    assertError(t.admin("POST", "/api/v1/flags/banner/versions/9/restore?version=3", null), 404, "version 9");
    assertError(t.admin("POST", "/api/v1/flags/banner/versions/1/restore", null), 400, "version");
    assertError(t.admin("POST", "/api/v1/flags/banner/versions/1/restore?version=3", "{\"x\":1}"), 400, "x");
    assertError(t.admin("POST", "/api/v1/flags/banner/versions/1/restore?version=3&reason=%20", null), 400, "reason");
    assertError(t.admin("GET", "/api/v1/flags/banner/history?limit=0", null), 400, "limit");
    assertError(t.admin("GET", "/api/v1/flags/banner/history?limit=99999999999", null), 400, "limit");
    assertError(t.admin("GET", "/api/v1/flags/banner/history?before=x", null), 400, "before");
    assertError(t.admin("GET", "/api/v1/flags/nope/history", null), 404, "nope");
    assertError(t.admin("GET", "/api/v1/experiments/nope/versions/1", null), 404, "nope");
    String payload = "/api/v1/sdk-connections/" + key + "/payload?at=";
    assertError(t.admin("GET", payload + "yesterday", null), 400, "at");
    assertError(t.admin("GET", payload + "2001-01-01T00:00:00Z", null), 400, "at");
    assertError(t.admin("GET", payload + "2999-01-01T00:00:00Z", null), 400, "at");
    assertError(t.admin("GET", "/api/v1/sdk-connections/nope/payload?at=" + Instant.now(), null), 404, "nope");
    assertThat(t.call("GET", "/api/v1/flags/banner/history", t.token("viewer"), null).status()).isEqualTo(200);
    assertThat(t.call("POST", "/api/v1/flags/banner/versions/1/restore?version=3", t.token("viewer"), null).status())
        .isEqualTo(403);
    assertThat(t.call("GET", "/api/v1/flags/banner/history", null, null).status()).isEqualTo(401);
  }

  private static void assertError(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().path("error").path("details").toString() + r.json().path("error").path("message").asText())
        .contains(field);
  }
}
