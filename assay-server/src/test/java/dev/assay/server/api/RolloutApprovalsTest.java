package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.assay.testsupport.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rollouts under an approval policy (ADR 0036) on a real server: with a four-eyes policy on
 * production, putting a rollout plan, deleting it, advancing and resuming it by hand are refused
 * and go through a change request (the author cannot approve their own; another user's approval
 * applies it and the SDK payload serves the rollout); pausing and rolling back are never held;
 * the evaluator's own transitions are not subject to approval; staging (no policy) is written
 * directly; a scheduled start under the policy fails with the reason.
 */
class RolloutApprovalsTest {
  private static final String PROD = "/api/v1/flags/button/rollout?environment=production";
  /* Holds by itself: no traffic, a sample of 10^9 units per step. */
  private static final String HOLDING = "{\"steps\":[0.2,0.5,1.0],\"minUnitsPerStep\":1000000000}";
  /* Only dwell (0 s) and a sample of one unit per arm-step: the evaluator advances it as soon as it sees traffic. */
  private static final String FREE = "{\"steps\":[0.2,0.5,1.0],\"settleSeconds\":0,\"minUnitsPerStep\":1,"
      + "\"gates\":{\"srm\":false}}";
  private final TestServer t = server(b -> b.rolloutTick(Duration.ofMillis(200)));
  private String alice;
  private String bob;
  private String clientKey;

  TestServer server(java.util.function.UnaryOperator<dev.assay.server.ServerConfig.Builder> customize) {
    return new TestServer(customize);
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  private static void refused(TestServer.Response r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().path("error").path("code").asText()).as(r.body()).isEqualTo(code);
  }

  private String key(String name, String role) {
    return ok(t.admin("POST", "/api/v1/api-keys", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}"))
        .json().path("token").asText();
  }

  @BeforeEach
  void setUp() {
    alice = key("alice", "experimenter");
    bob = key("bob", "experimenter");
    clientKey = ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}"))
        .json().path("key").asText();
    ok(t.admin("POST", "/api/v1/environments", "{\"key\":\"staging\",\"name\":\"Staging\"}"));
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"button","type":"string","defaultValue":"grey",
         "environments":{"production":{"rules":[{"value":"blue"}]},"staging":{"rules":[{"value":"blue"}]}}}"""));
    ok(t.admin("PUT", "/api/v1/approval-policies/production", "{\"approvals\":1,\"role\":\"experimenter\"}"));
  }

  private String payload() {
    return ok(t.call("GET", "/api/features/" + clientKey, null, null)).body();
  }

  private JsonNode rollout() {
    return ok(t.admin("GET", PROD, null)).json();
  }

  private JsonNode open(String token, String document) {
    TestServer.Response r = t.call("POST", "/api/v1/change-requests", token,
        "{\"target\":\"rollout\",\"key\":\"button\",\"title\":\"ramp the button\",\"document\":" + document + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  private JsonNode approve(String token, JsonNode request) {
    return ok(t.call("POST", "/api/v1/change-requests/" + request.path("id").asText() + "/approve", token, "{}"))
        .json();
  }

  private TestServer.Response act(String token, String action) {
    return t.call("POST", "/api/v1/flags/button/rollout/" + action + "?environment=production", token, "{}");
  }

  @Test
  void rolloutChanges_goThroughChangeRequests_pauseAndRollbackNeverWait() throws Exception {
    TestServer.Response direct = t.call("PUT", PROD, alice, HOLDING);
    refused(direct, 409, "approval_required");
    assertThat(direct.json().path("error").path("message").asText()).contains("/api/v1/change-requests", "rollout");
    assertThat(t.admin("GET", PROD, null).status()).as("nothing was written").isEqualTo(404);
    ok(t.call("PUT", "/api/v1/flags/button/rollout?environment=staging", alice, HOLDING));

    JsonNode start = open(alice, "{\"environment\":\"production\",\"action\":\"start\",\"plan\":" + HOLDING + "}");
    assertThat(start.path("status").asText()).isEqualTo("open");
    assertThat(start.path("environments").get(0).asText()).isEqualTo("production");
    assertThat(start.path("changes")).isNotEmpty();
    refused(t.call("POST", "/api/v1/change-requests/" + start.path("id").asText() + "/approve", alice, "{}"), 409,
        "own_change");
    assertThat(t.admin("GET", PROD, null).status()).isEqualTo(404);
    JsonNode applied = approve(bob, start);
    assertThat(applied.path("status").asText()).as(applied.toString()).isEqualTo("applied");
    JsonNode r = rollout();
    assertThat(r.path("status").asText()).isEqualTo("running");
    assertThat(r.path("fraction").asDouble()).isEqualTo(0.2);
    assertThat(r.path("history").get(0).path("actor").asText()).contains("change request", "approved by");
    String tracking = r.path("trackingKey").asText();
    Await.until(() -> payload().contains(tracking), Await.DEFAULT_TIMEOUT, () -> "the SDK is served the rollout");

    refused(act(alice, "advance"), 409, "approval_required");
    assertThat(rollout().path("fraction").asDouble()).isEqualTo(0.2);
    assertThat(ok(act(alice, "pause")).json().path("status").asText()).isEqualTo("paused");
    JsonNode back = ok(act(alice, "rollback")).json();
    assertThat(back.path("status").asText()).isEqualTo("rolled_back");
    assertThat(back.path("step").asInt()).isEqualTo(-1);
    refused(act(alice, "resume"), 409, "approval_required");
    refused(t.call("DELETE", PROD, alice, null), 409, "approval_required");
    TestServer.Response pauseRequest = t.call("POST", "/api/v1/change-requests", alice,
        "{\"target\":\"rollout\",\"key\":\"button\",\"document\":{\"environment\":\"production\",\"action\":\"pause\"}}");
    assertThat(pauseRequest.status()).as(pauseRequest.body()).isEqualTo(400);
    assertThat(pauseRequest.json().at("/error/details/0/field").asText()).isEqualTo("document.action");

    JsonNode resumed = approve(bob, open(alice, "{\"environment\":\"production\",\"action\":\"resume\"}"));
    assertThat(resumed.path("status").asText()).as(resumed.toString()).isEqualTo("applied");
    assertThat(rollout().path("status").asText()).isEqualTo("running");
    assertThat(rollout().path("step").asInt()).isZero();
    JsonNode advanced = approve(bob, open(alice, "{\"environment\":\"production\",\"action\":\"advance\","
        + "\"reason\":\"canary is clean\"}"));
    assertThat(advanced.path("status").asText()).isEqualTo("applied");
    JsonNode now = rollout();
    assertThat(now.path("fraction").asDouble()).isEqualTo(0.5);
    assertThat(now.path("history").get(now.path("history").size() - 1).path("reason").asText())
        .isEqualTo("canary is clean");

    // A scheduled start is a person's change too: under the policy it fails with the reason.
    JsonNode schedule = ok(t.call("POST", "/api/v1/flags/button/schedule", alice, "{\"action\":\"start\","
        + "\"environment\":\"production\",\"at\":\"" + Instant.now().plusMillis(300) + "\",\"plan\":" + HOLDING + "}"))
        .json();
    Await.until(() -> listedStatus(schedule.path("id").asText()).equals("failed"), Await.DEFAULT_TIMEOUT,
        () -> "the scheduled start fails under the policy");
    assertThat(rollout().path("trackingKey").asText()).as("the rollout was not restarted").isEqualTo(tracking);

    // The evaluator's own transitions need no approval: a plan without data gates ramps by itself.
    JsonNode restart = approve(bob, open(alice, "{\"environment\":\"production\",\"action\":\"start\",\"plan\":"
        + FREE + "}"));
    assertThat(restart.path("status").asText()).isEqualTo("applied");
    Await.until(() -> {
      exposures();
      return rollout().path("status").asText().equals("completed");
    }, Duration.ofSeconds(30),
        () -> "the evaluator completes the rollout: " + rollout());
    JsonNode done = rollout();
    assertThat(done.path("history").findValuesAsText("action")).containsExactly("start", "advance", "complete");
    assertThat(done.path("history").get(2).path("actor").asText()).isEqualTo("rollout-evaluator");

    JsonNode deleted = approve(bob, open(alice, "{\"environment\":\"production\",\"action\":\"delete\"}"));
    assertThat(deleted.path("status").asText()).isEqualTo("applied");
    assertThat(t.admin("GET", PROD, null).status()).isEqualTo(404);
    JsonNode audit = ok(t.admin("GET", "/api/v1/audit?kind=change_request", null)).json().path("items");
    assertThat(audit.findValuesAsText("action")).contains("apply");
  }

  private int round;

  /* Fresh units evaluated on the current payload; the exposures of those in the rollout are posted. */
  private void exposures() {
    ExperimentClient sdk = ExperimentClient.builder().payload(payload()).build();
    long now = System.currentTimeMillis();
    StringBuilder b = new StringBuilder();
    round++;
    for (int i = 0; i < 200; i++) {
      String unit = "u-" + round + "-" + i;
      FeatureResult r = sdk.evaluate("button", Attributes.of("id", unit));
      r.experimentResult().filter(ExperimentResult::inExperiment).ifPresent(x -> b.append("{\"id\":\"")
          .append(UUID.randomUUID()).append("\",\"type\":\"exposure\",\"experimentKey\":\"")
          .append(r.experiment().orElseThrow().key()).append("\",\"variationId\":").append(x.variationId())
          .append(",\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now).append("}\n"));
    }
    if (!b.isEmpty()) {
      ok(t.send("POST", "/api/v1/events", clientKey, "application/x-ndjson",
          b.toString().getBytes(StandardCharsets.UTF_8)));
    }
  }

  private String listedStatus(String id) {
    for (JsonNode s : ok(t.admin("GET", "/api/v1/schedules", null)).json().path("items")) {
      if (s.path("id").asText().equals(id)) {
        return s.path("status").asText().equals("failed") && !s.path("outcome").asText().contains("approval")
            ? "failed for another reason: " + s.path("outcome").asText() : s.path("status").asText();
      }
    }
    return "missing";
  }

  @Test
  void rolloutRequest_badOrNeedless_isRefusedNamingTheField() {
    ok(t.call("PUT", PROD.replace("production", "staging"), alice, HOLDING));
    TestServer.Response needless = t.call("POST", "/api/v1/change-requests", alice,
        "{\"target\":\"rollout\",\"key\":\"button\",\"document\":{\"environment\":\"staging\",\"action\":\"advance\"}}");
    refused(needless, 409, "approval_not_required");
    String[][] bad = {
        {"{\"environment\":\"production\",\"action\":\"start\"}", "document.plan"},
        {"{\"environment\":\"production\",\"action\":\"start\",\"plan\":{\"steps\":[0.5,0.2,1.0]}}",
            "document.plan.steps[1]"},
        {"{\"environment\":\"production\",\"action\":\"start\",\"plan\":{\"steps\":[0.2,1.0],\"rule\":4}}",
            "document.plan.rule"},
        {"{\"environment\":\"production\",\"action\":\"jump\"}", "document.action"},
        {"{\"action\":\"advance\"}", "document.environment"},
        {"{\"environment\":\"production\",\"action\":\"advance\",\"speed\":2}", "document.speed"},
        {"{\"environment\":\"production\",\"action\":\"advance\",\"plan\":" + HOLDING + "}", "document.plan"}};
    for (String[] b : bad) {
      TestServer.Response r = t.call("POST", "/api/v1/change-requests", alice,
          "{\"target\":\"rollout\",\"key\":\"button\",\"document\":" + b[0] + "}");
      assertThat(r.status()).as(b[0] + " -> " + r.body()).isEqualTo(400);
      assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(b[1]);
    }
    TestServer.Response base = t.call("POST", "/api/v1/change-requests", alice, "{\"target\":\"rollout\",\"key\":"
        + "\"button\",\"baseVersion\":3,\"document\":{\"environment\":\"production\",\"action\":\"advance\"}}");
    assertThat(base.json().at("/error/details/0/field").asText()).as(base.body()).isEqualTo("baseVersion");
    assertThat(t.call("POST", "/api/v1/change-requests", alice, "{\"target\":\"rollout\",\"key\":\"button\","
        + "\"document\":{\"environment\":\"production\",\"action\":\"advance\"}}").status())
        .as("no rollout in production to advance").isEqualTo(404);
  }
}
