package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.FeatureResult;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The kill switch ({@code POST /flags/{key}/kill}, {@code /experiments/{key}/kill}, and
 * {@code /restore}): the compiled payload, evaluated by {@code assay-sdk}, serves the flag's default
 * or the experiment's control to everyone; the change is audited, streamed and reversible.
 */
class KillSwitchTest {
  private final TestServer t = new TestServer();

  @AfterEach
  void stop() {
    t.close();
  }

  private String connection() {
    TestServer.Response r = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().get("key").asText();
  }

  private ExperimentClient sdk(String clientKey) {
    TestServer.Response r = t.call("GET", "/api/features/" + clientKey, null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return ExperimentClient.builder().payload(r.body()).build();
  }

  private TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  @Test
  void killFlag_servesDefaultEverywhere_auditedAndRestorable() {
    String key = connection();
    ok(t.admin("POST", "/api/v1/environments", "{\"key\":\"staging\"}"));
    String staging = ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"s\",\"environment\":\"staging\"}"))
        .json().get("key").asText();
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"dark","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"value":true}]},"staging":{"rules":[{"value":true}]}}}"""));
    assertThat(sdk(key).isOn("dark", Attributes.of("id", "u1"))).isTrue();

    JsonNode killed = ok(t.admin("POST", "/api/v1/flags/dark/kill", "{\"reason\":\"incident 42\"}")).json();
    assertThat(killed.path("killed").path("reason").asText()).isEqualTo("incident 42");
    assertThat(killed.path("killed").path("by").asText()).contains("bootstrap-admin");

    for (String k : new String[] {key, staging}) {
      ExperimentClient sdk = sdk(k);
      for (int i = 0; i < 200; i++) {
        FeatureResult r = sdk.evaluate("dark", Attributes.of("id", "user-" + i));
        assertThat(r.value()).contains(false);
        assertThat(r.source()).isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
      }
    }

    // An edit keeps the kill: the flag stays off until it is restored.
    long version = killed.path("version").asLong();
    JsonNode edited = ok(t.admin("PUT", "/api/v1/flags/dark", """
        {"version":%d,"type":"boolean","defaultValue":false,"owner":"ops",
         "environments":{"production":{"rules":[{"value":true}]}}}""".formatted(version))).json();
    assertThat(edited.path("killed").isObject()).isTrue();
    assertThat(sdk(key).isOn("dark", Attributes.of("id", "u1"))).isFalse();

    TestServer.Response again = t.admin("POST", "/api/v1/flags/dark/kill", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().path("error").path("code").asText()).isEqualTo("already_killed");

    JsonNode restored = ok(t.admin("POST", "/api/v1/flags/dark/restore", null)).json();
    assertThat(restored.has("killed")).isFalse();
    assertThat(sdk(key).isOn("dark", Attributes.of("id", "u1"))).isTrue();
    assertThat(t.admin("POST", "/api/v1/flags/dark/restore", null).status()).isEqualTo(409);

    JsonNode audit = t.admin("GET", "/api/v1/audit?kind=flag&key=dark", null).json().path("items");
    java.util.List<String> actions = new java.util.ArrayList<>();
    audit.forEach(e -> actions.add(e.path("action").asText()));
    assertThat(actions).contains("kill", "restore");
    assertThat(t.admin("GET", "/api/v1/audit/verify", null).json().path("intact").asBoolean()).isTrue();
  }

  @Test
  void killExperiment_sendsAllTrafficToControl_thenRestoresTheSplit() {
    String key = connection();
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"cta","variants":[{"key":"control","weight":0.5,"value":"Buy"},{"key":"bold","weight":0.5,"value":"Buy now!"}]}"""));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"solo","variants":[{"key":"control","weight":0.5,"value":1},{"key":"b","weight":0.5,"value":2}]}"""));
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"cta-text","type":"string","defaultValue":"Default",
         "environments":{"production":{"rules":[{"experiment":"cta"}]}}}"""));
    ok(t.admin("POST", "/api/v1/experiments/cta/start", null));
    ok(t.admin("POST", "/api/v1/experiments/solo/start", null));
    assertThat(bold(sdk(key))).isBetween(100, 300);

    ok(t.admin("POST", "/api/v1/experiments/cta/kill", "{\"reason\":\"guardrail\"}"));
    JsonNode solo = ok(t.admin("POST", "/api/v1/experiments/solo/kill", null)).json();
    assertThat(solo.path("status").asText()).as("the lifecycle is untouched").isEqualTo("running");
    ExperimentClient killed = sdk(key);
    for (int i = 0; i < 400; i++) {
      FeatureResult r = killed.evaluate("cta-text", Attributes.of("id", "user-" + i));
      assertThat(r.value()).contains("Buy");
      assertThat(r.source()).isEqualTo(FeatureResult.Source.FORCE);
      assertThat(r.experimentResult()).as("no exposure once killed").isEmpty();
      assertThat(killed.evaluate("solo", Attributes.of("id", "user-" + i)).value().map(Object::toString)).contains("1");
    }

    ok(t.admin("POST", "/api/v1/experiments/cta/restore", null));
    assertThat(bold(sdk(key))).isBetween(100, 300);
  }

  private static int bold(ExperimentClient sdk) {
    int bold = 0;
    for (int i = 0; i < 400; i++) {
      if (sdk.evaluate("cta-text", Attributes.of("id", "user-" + i)).value().orElseThrow().equals("Buy now!")) {
        bold++;
      }
    }
    return bold;
  }

  @Test
  void kill_isPushedToStreamingClients() throws Exception {
    String key = connection();
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"dark","type":"boolean","defaultValue":false,"environments":{"production":{"rules":[{"value":true}]}}}"""));
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<InputStream> res = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + t.server.port() + "/sub/" + key)).header("Accept", "text/event-stream").build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(res.statusCode()).isEqualTo(200);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (Exception ignored) {
        // closed by the test
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      ok(t.admin("POST", "/api/v1/flags/dark/kill", null));
      boolean pushed = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!pushed && System.nanoTime() < deadline) {
        String line = lines.poll(100, TimeUnit.MILLISECONDS);
        if (line != null && line.startsWith("data:") && line.contains("\"dark\"")) {
          JsonNode payload = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring(5).trim());
          JsonNode dark = payload.path("features").path("dark");
          pushed = !dark.isMissingNode() && !dark.has("rules");
        }
      }
      assertThat(pushed).as("an SSE event carries the killed flag without rules").isTrue();
    } finally {
      res.body().close();
    }
  }

  @Test
  void kill_badInput_getsPreciseErrors() {
    ok(t.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}"));
    assertError(t.admin("POST", "/api/v1/flags/f/kill", "{\"reason\":5}"), 400, "reason");
    assertError(t.admin("POST", "/api/v1/flags/f/kill", "{\"why\":\"x\"}"), 400, "why");
    assertError(t.admin("POST", "/api/v1/flags/f/kill", "{\"reason\":\"" + "x".repeat(501) + "\"}"), 400, "reason");
    assertError(t.admin("POST", "/api/v1/flags/f/kill", "[]"), 400, "body");
    assertError(t.admin("POST", "/api/v1/flags/f/restore", "{\"reason\":\"x\"}"), 400, "reason");
    assertThat(t.admin("POST", "/api/v1/flags/nope/kill", null).status()).isEqualTo(404);
    assertThat(t.admin("POST", "/api/v1/experiments/nope/kill", null).status()).isEqualTo(404);
    assertThat(t.admin("POST", "/api/v1/flags", "{\"key\":\"g\",\"type\":\"boolean\",\"defaultValue\":false,"
        + "\"killed\":{}}").status()).as("killed is set by the server").isEqualTo(400);
    assertThat(t.call("POST", "/api/v1/flags/f/kill", t.token("viewer"), null).status()).isEqualTo(403);
    assertThat(t.call("POST", "/api/v1/flags/f/kill", t.token("experimenter"), null).status()).isEqualTo(200);
  }

  private static void assertError(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().path("error").path("details").toString() + r.json().path("error").path("message").asText())
        .contains(field);
  }
}
