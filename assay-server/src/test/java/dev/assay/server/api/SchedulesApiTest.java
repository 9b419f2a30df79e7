package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.FeatureResult;
import dev.assay.testsupport.Await;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Scheduled changes on a real server: a scheduled start runs after its instant through the
 * lifecycle (audited under the schedule's actor), a scheduled flag kill makes the payload serve the
 * default, a cancelled one never runs, an illegal transition at run time is a failed outcome, and
 * bad input is a 400 naming the field.
 */
class SchedulesApiTest {
  private final TestServer t = new TestServer();

  @AfterEach
  void stop() {
    t.close();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  private void experiment() {
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}"""));
  }

  private static String soon() {
    return Instant.now().plusMillis(300).toString();
  }

  private JsonNode schedule(String path, String action, String at) {
    TestServer.Response r = t.admin("POST", path, "{\"action\":\"" + action + "\",\"at\":\"" + at
        + "\",\"reason\":\"launch\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  private JsonNode listed(String id) {
    for (JsonNode s : ok(t.admin("GET", "/api/v1/schedules", null)).json().path("items")) {
      if (s.path("id").asText().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("schedule " + id + " not listed");
  }

  private void awaitStatus(String id, String status) throws InterruptedException {
    Await.until(() -> listed(id).path("status").asText().equals(status), Await.DEFAULT_TIMEOUT,
        () -> "schedule " + status + ", but it is " + listed(id));
  }

  @Test
  void scheduledStart_runsAfterAt_audited() throws Exception {
    experiment();
    JsonNode s = schedule("/api/v1/experiments/checkout/schedule", "start", soon());
    assertThat(s.path("status").asText()).isEqualTo("pending");
    String id = s.path("id").asText();
    assertThat(ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json().path("status").asText())
        .isEqualTo("draft");

    awaitStatus(id, "done");
    JsonNode done = listed(id);
    assertThat(Instant.parse(done.path("ranAt").asText())).isAfterOrEqualTo(Instant.parse(s.path("at").asText()));
    assertThat(ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json().path("status").asText())
        .isEqualTo("running");
    JsonNode audit = ok(t.admin("GET", "/api/v1/audit?kind=experiment&key=checkout", null)).json().path("items");
    assertThat(audit.findValuesAsText("actor")).contains("schedule " + id + " by " + done.path("createdBy").asText());

    // A second start at run time is illegal (already running): recorded as failed, not retried.
    String again = schedule("/api/v1/experiments/checkout/schedule", "start", soon()).path("id").asText();
    awaitStatus(again, "failed");
    assertThat(listed(again).path("outcome").asText()).isNotBlank();
    assertThat(ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json().path("status").asText())
        .isEqualTo("running");
  }

  @Test
  void scheduledKill_payloadServesDefault() throws Exception {
    String clientKey = ok(t.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}")).json().get("key").asText();
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"dark","type":"boolean","defaultValue":false,"environments":{"production":{"rules":[{"value":true}]}}}"""));
    String id = schedule("/api/v1/flags/dark/schedule", "kill", soon()).path("id").asText();
    Await.until(() -> {
      ExperimentClient sdk = ExperimentClient.builder()
          .payload(t.call("GET", "/api/features/" + clientKey, null, null).body()).build();
      return sdk.evaluate("dark", Attributes.of("id", "u1")).source() == FeatureResult.Source.DEFAULT_VALUE;
    }, "payload serves the default");
    awaitStatus(id, "done");
    JsonNode flag = ok(t.admin("GET", "/api/v1/flags/dark", null)).json();
    assertThat(flag.path("killed").path("reason").asText()).isEqualTo("launch");
    assertThat(flag.path("killed").path("by").asText()).startsWith("schedule " + id + " by ");
  }

  @Test
  void cancelled_neverRuns() throws Exception {
    experiment();
    String cancelled = schedule("/api/v1/experiments/checkout/schedule", "start", soon()).path("id").asText();
    JsonNode c = ok(t.admin("DELETE", "/api/v1/schedules/" + cancelled, null)).json();
    assertThat(c.path("status").asText()).isEqualTo("cancelled");
    // A later schedule on the same experiment that does run: once it is done, the earlier one had its turn.
    String marker = schedule("/api/v1/experiments/checkout/schedule", "kill", Instant.now().plusMillis(600).toString())
        .path("id").asText();
    awaitStatus(marker, "done");
    assertThat(listed(cancelled).path("status").asText()).isEqualTo("cancelled");
    assertThat(ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json().path("status").asText())
        .isEqualTo("draft");
    // A finished schedule is removed by a second DELETE (so its project can be deleted).
    assertThat(t.admin("DELETE", "/api/v1/schedules/" + cancelled, null).status()).isEqualTo(204);
    assertThat(t.admin("DELETE", "/api/v1/schedules/" + cancelled, null).status()).isEqualTo(404);
    assertThat(ok(t.admin("GET", "/api/v1/schedules", null)).json().path("items").findValuesAsText("id"))
        .containsExactly(marker);
    assertThat(t.admin("DELETE", "/api/v1/schedules/nope", null).status()).isEqualTo(404);
  }

  @Test
  void badInput_namesTheField_viewerForbidden() {
    experiment();
    TestServer.Response past = t.admin("POST", "/api/v1/experiments/checkout/schedule",
        "{\"action\":\"start\",\"at\":\"2020-01-01T00:00:00Z\"}");
    assertThat(past.status()).isEqualTo(400);
    assertThat(past.body()).contains("\"at\"");
    TestServer.Response garbled = t.admin("POST", "/api/v1/experiments/checkout/schedule",
        "{\"action\":\"start\",\"at\":\"tomorrow\"}");
    assertThat(garbled.status()).isEqualTo(400);
    assertThat(garbled.body()).contains("\"at\"");
    TestServer.Response action = t.admin("POST", "/api/v1/flags/checkout/schedule",
        "{\"action\":\"conclude\",\"at\":\"" + soon() + "\"}");
    assertThat(action.status()).isEqualTo(400);
    assertThat(action.body()).contains("\"action\"");
    TestServer.Response conclude = t.admin("POST", "/api/v1/experiments/checkout/schedule",
        "{\"action\":\"conclude\",\"at\":\"" + soon() + "\"}");
    assertThat(conclude.status()).isEqualTo(400);
    assertThat(conclude.body()).contains("decision");
    assertThat(t.admin("POST", "/api/v1/experiments/missing/schedule",
        "{\"action\":\"start\",\"at\":\"" + soon() + "\"}").status()).isEqualTo(404);
    assertThat(t.call("POST", "/api/v1/experiments/checkout/schedule", t.token("viewer"),
        "{\"action\":\"start\",\"at\":\"" + soon() + "\"}").status()).isEqualTo(403);
    assertThat(t.call("GET", "/api/v1/schedules", t.token("viewer"), null).status()).isEqualTo(200);
  }
}
