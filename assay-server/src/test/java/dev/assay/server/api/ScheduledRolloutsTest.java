package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.testsupport.Await;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Scheduled rollout changes (ADR 0036) on a real server: a scheduled pause and then a scheduled
 * rollback change a running rollout when due (observed through the rollout's API, audited under
 * the schedule's actor), a scheduled start puts its plan and the SDK payload serves the rollout,
 * and a bad schedule is a 400 naming the field.
 */
class ScheduledRolloutsTest {
  private static final String ROLLOUT = "/api/v1/flags/checkout-flow/rollout?environment=production";
  /* No traffic and a sample of 10^9 units per step: the evaluator holds, only the schedule moves it. */
  private static final String PLAN = """
      {"rule":0,"steps":[0.2,0.5,1.0],"minUnitsPerStep":1000000000,"gates":{"errorRateMargin":0.03}}""";
  private final TestServer t = new TestServer(b -> b.rolloutTick(Duration.ofMillis(200)));

  @AfterEach
  void stop() {
    t.close();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  private String setUp() {
    String clientKey = ok(t.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}")).json().get("key").asText();
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"checkout-flow","type":"string","defaultValue":"old",
         "environments":{"production":{"enabled":true,"rules":[{"value":"new"}]}}}"""));
    return clientKey;
  }

  private static String soon() {
    return Instant.now().plusMillis(300).toString();
  }

  private JsonNode schedule(String body) {
    TestServer.Response r = t.admin("POST", "/api/v1/flags/checkout-flow/schedule", body);
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

  private TestServer.Response rollout() {
    return t.admin("GET", ROLLOUT, null);
  }

  @Test
  void scheduledPauseThenRollback_changeTheRunningRollout_audited() throws Exception {
    setUp();
    ok(t.admin("PUT", ROLLOUT, PLAN));
    JsonNode pause = schedule("{\"action\":\"pause\",\"environment\":\"production\",\"at\":\"" + soon()
        + "\",\"reason\":\"freeze for the release\"}");
    assertThat(pause.path("environment").asText()).isEqualTo("production");
    assertThat(pause.path("status").asText()).isEqualTo("pending");
    assertThat(rollout().json().path("status").asText()).isEqualTo("running");

    Await.until(() -> rollout().json().path("status").asText().equals("paused"), Await.DEFAULT_TIMEOUT,
        () -> "the scheduled pause pauses the rollout: " + rollout().body());
    String id = pause.path("id").asText();
    Await.until(() -> listed(id).path("status").asText().equals("done"), Await.DEFAULT_TIMEOUT,
        () -> "the schedule is done: " + listed(id));
    JsonNode paused = rollout().json();
    assertThat(paused.path("fraction").asDouble()).as("a pause keeps the step").isEqualTo(0.2);
    JsonNode last = paused.path("history").get(paused.path("history").size() - 1);
    assertThat(last.path("action").asText()).isEqualTo("pause");
    assertThat(last.path("reason").asText()).isEqualTo("freeze for the release");
    String actor = "schedule " + id + " by " + pause.path("createdBy").asText();
    assertThat(last.path("actor").asText()).isEqualTo(actor);
    assertThat(listed(id).path("outcome").asText()).contains("pause", "paused");
    JsonNode audit = ok(t.admin("GET", "/api/v1/audit?kind=rollout", null)).json().path("items");
    assertThat(audit.findValuesAsText("actor")).contains(actor);

    JsonNode rollback = schedule("{\"action\":\"rollback\",\"environment\":\"production\",\"at\":\"" + soon() + "\"}");
    Await.until(() -> rollout().json().path("status").asText().equals("rolled_back"), Await.DEFAULT_TIMEOUT,
        () -> "the scheduled rollback rolls the rollout back: " + rollout().body());
    assertThat(rollout().json().path("step").asInt()).as("from the first step back to control").isEqualTo(-1);
    Await.until(() -> listed(rollback.path("id").asText()).path("status").asText().equals("done"),
        Await.DEFAULT_TIMEOUT, () -> "the rollback schedule is done");
  }

  @Test
  void scheduledStart_putsThePlan_sdkPayloadServesTheRollout() throws Exception {
    String clientKey = setUp();
    assertThat(rollout().status()).isEqualTo(404);
    JsonNode start = schedule("{\"action\":\"start\",\"environment\":\"production\",\"at\":\"" + soon()
        + "\",\"plan\":" + PLAN + "}");
    assertThat(start.path("plan").path("steps")).hasSize(3);
    Await.until(() -> rollout().status() == 200, Await.DEFAULT_TIMEOUT, () -> "the scheduled start puts the plan");
    JsonNode r = rollout().json();
    assertThat(r.path("status").asText()).isEqualTo("running");
    assertThat(r.path("fraction").asDouble()).isEqualTo(0.2);
    assertThat(r.path("minUnitsPerStep").asLong()).isEqualTo(1_000_000_000L);
    assertThat(r.path("history").get(0).path("actor").asText()).startsWith("schedule " + start.path("id").asText());
    String tracking = r.path("trackingKey").asText();
    Await.until(() -> ok(t.call("GET", "/api/features/" + clientKey, null, null)).body().contains(tracking),
        Await.DEFAULT_TIMEOUT, () -> "the SDK payload serves the rollout under " + tracking);
  }

  private void assertInvalid(String path, String body, String field) {
    TestServer.Response r = t.admin("POST", path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }

  @Test
  void badRolloutSchedule_400NamingTheField() {
    setUp();
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}"""));
    String flag = "/api/v1/flags/checkout-flow/schedule";
    String at = "\"at\":\"" + Instant.now().plusSeconds(3600) + "\"";
    assertInvalid(flag, "{\"action\":\"pause\"," + at + "}", "environment");
    assertInvalid(flag, "{\"action\":\"pause\",\"environment\":\"../x\"," + at + "}", "environment");
    assertInvalid(flag, "{\"action\":\"pause\",\"environment\":7," + at + "}", "environment");
    assertInvalid(flag, "{\"action\":\"kill\",\"environment\":\"production\"," + at + "}", "environment");
    assertInvalid(flag, "{\"action\":\"pause\",\"environment\":\"production\",\"plan\":" + PLAN + "," + at + "}",
        "plan");
    assertInvalid(flag, "{\"action\":\"start\",\"environment\":\"production\"," + at + "}", "plan");
    assertInvalid(flag, "{\"action\":\"start\",\"environment\":\"production\",\"plan\":[1]," + at + "}", "plan");
    assertInvalid(flag, "{\"action\":\"start\",\"environment\":\"production\",\"plan\":{\"steps\":[0.5,0.2,1.0]},"
        + at + "}", "plan.steps[1]");
    assertInvalid(flag, "{\"action\":\"start\",\"environment\":\"production\",\"plan\":{\"steps\":[0.1,1.0],"
        + "\"rule\":3}," + at + "}", "plan.rule");
    assertInvalid(flag, "{\"action\":\"start\",\"environment\":\"production\",\"plan\":{\"steps\":[0.1,1.0],"
        + "\"speed\":1}," + at + "}", "plan.speed");
    assertInvalid(flag, "{\"action\":\"start\",\"environment\":\"production\",\"plan\":{\"steps\":[0.1,1.0],"
        + "\"gates\":{\"alpha\":0.9}}," + at + "}", "plan.gates.alpha");
    assertInvalid(flag, "{\"action\":\"advance\",\"environment\":\"production\",\"at\":\"2020-01-01T00:00:00Z\"}",
        "at");
    assertInvalid(flag, "{\"action\":\"ramp\",\"environment\":\"production\"," + at + "}", "action");
    assertInvalid("/api/v1/experiments/checkout/schedule", "{\"action\":\"start\",\"environment\":\"production\","
        + at + "}", "environment");
    TestServer.Response unknownEnv = t.admin("POST", flag, "{\"action\":\"pause\",\"environment\":\"mars\"," + at
        + "}");
    assertThat(unknownEnv.status()).as(unknownEnv.body()).isEqualTo(404);
    TestServer.Response viewer = t.call("POST", flag, t.token("viewer"), "{\"action\":\"pause\",\"environment\":\"production\","
        + at + "}");
    assertThat(viewer.status()).isEqualTo(403);
    assertThat(ok(t.admin("GET", "/api/v1/schedules", null)).json().path("items")).as("nothing was scheduled").isEmpty();
  }
}
