package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /experiments/{key}/conclude} with a {@code rollout} on a real server: one call
 * concludes with "ship treatment" and starts the shipped variant's progressive rollout at its
 * first step (the SDK payload serves treatment to about 20%); a bad plan, a non-ship decision and
 * an approval policy each leave the experiment stopped, no rollout, and no new audit entry.
 */
class ConcludeWithRolloutTest {
  private static final String CONCLUDE = "/api/v1/experiments/checkout/conclude";
  private static final String ROLLOUT = "/api/v1/flags/checkout-flow/rollout?environment=production";
  private static final String SHIP = "\"decision\":{\"outcome\":\"ship\",\"variant\":\"treatment\","
      + "\"audience\":\"everyone\",\"writeUp\":\"won\"}";
  private TestServer t;
  private String clientKey;

  TestServer server() {
    return new TestServer();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  @BeforeEach
  void stoppedExperiment() {
    t = server();
    clientKey = ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}"))
        .json().get("key").asText();
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}"""));
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"checkout-flow","type":"string","defaultValue":"off",
         "environments":{"production":{"enabled":true,"rules":[{"experiment":"checkout"}]}}}"""));
    ok(t.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
    ok(t.admin("POST", "/api/v1/experiments/checkout/stop", "{}"));
  }

  private long served(String value) {
    ExperimentClient sdk = ExperimentClient.builder()
        .payload(ok(t.call("GET", "/api/features/" + clientKey, null, null)).body()).build();
    return IntStream.range(0, 1000).filter(i -> sdk.evaluate("checkout-flow", Attributes.of("id", "probe-" + i))
        .value().orElse("").equals(value)).count();
  }

  private JsonNode audit() {
    return ok(t.admin("GET", "/api/v1/audit", null)).json().get("items");
  }

  private static String body(String rollout) {
    return "{" + SHIP + ",\"rollout\":" + rollout + "}";
  }

  @Test
  void oneCall_concludesShipsAndStartsTheRolloutAtItsFirstStep() {
    assertThat(served("new")).as("stopped: nobody gets treatment").isZero();
    JsonNode concluded = ok(t.admin("POST", CONCLUDE, body("""
        {"flag":"checkout-flow","environment":"production",
         "plan":{"steps":[0.2,0.5,1.0],"dwellSeconds":60,"gates":{"errorRateMargin":0.03}}}"""))).json();
    assertThat(concluded.path("status").asText()).isEqualTo("concluded");
    assertThat(concluded.at("/decision/variant").asText()).isEqualTo("treatment");
    JsonNode r = ok(t.admin("GET", ROLLOUT, null)).json();
    assertThat(r.path("status").asText()).isEqualTo("running");
    assertThat(r.path("step").asInt()).isZero();
    assertThat(r.path("fraction").asDouble()).isEqualTo(0.2);
    long treated = served("new");
    assertThat(treated).as("the payload was recompiled: about 20% get the shipped value").isBetween(150L, 250L);
    assertThat(served("old")).isEqualTo(1000 - treated);
    JsonNode items = audit();
    assertThat(items.findValuesAsText("action")).contains("conclude", "create");
    assertThat(items.findValuesAsText("key")).contains("checkout", "checkout-flow:production");
  }

  private void assertNothingWritten(int auditSize) {
    assertThat(ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json().path("status").asText())
        .as("the experiment is not concluded").isEqualTo("stopped");
    assertThat(t.admin("GET", ROLLOUT, null).status()).as("no rollout").isEqualTo(404);
    assertThat(audit().size()).as("no audit entry").isEqualTo(auditSize);
  }

  private void assertInvalid(String body, String field, int auditSize) {
    TestServer.Response r = t.admin("POST", CONCLUDE, body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
    assertNothingWritten(auditSize);
  }

  @Test
  void badPlan_400NamingTheField_andNothingWritten() {
    int before = audit().size();
    String at = "\"flag\":\"checkout-flow\",\"environment\":\"production\"";
    assertInvalid(body("{" + at + ",\"plan\":{\"steps\":[0.5,0.2,1.0]}}"), "rollout.plan.steps[1]", before);
    assertInvalid(body("{" + at + ",\"plan\":{\"steps\":[0.1,0.5]}}"), "rollout.plan.steps", before);
    assertInvalid(body("{" + at + ",\"plan\":{\"steps\":[0.1,1.0],\"rule\":2}}"), "rollout.plan.rule", before);
    assertInvalid(body("{" + at + ",\"plan\":{\"steps\":[0.1,1.0],\"gates\":{\"alpha\":0.9}}}"),
        "rollout.plan.gates.alpha", before);
    assertInvalid(body("{" + at + "}"), "rollout.plan", before);
    assertInvalid(body("{\"environment\":\"production\",\"plan\":{\"steps\":[0.1,1.0]}}"), "rollout.flag", before);
    assertInvalid(body("{" + at + ",\"plan\":{\"steps\":[0.1,1.0]},\"speed\":1}"), "rollout.speed", before);
    assertInvalid("{\"decision\":{\"outcome\":\"rollback\",\"writeUp\":\"lost\"},\"rollout\":{" + at
        + ",\"plan\":{\"steps\":[0.1,1.0]}}}", "rollout", before);
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"other","type":"string","defaultValue":"x",
         "environments":{"production":{"enabled":true,"rules":[{"value":"y"}]}}}"""));
    int withFlag = audit().size();
    assertInvalid(body("{\"flag\":\"other\",\"environment\":\"production\",\"plan\":{\"steps\":[0.1,1.0]}}"),
        "rollout.plan.rule", withFlag);
  }

  @Test
  void underAnApprovalPolicy_refusedAsThePut_andTheConclusionUndone() {
    ok(t.admin("PUT", "/api/v1/approval-policies/production", "{\"approvals\":1,\"role\":\"experimenter\"}"));
    int before = audit().size();
    TestServer.Response r = t.admin("POST", CONCLUDE, body("""
        {"flag":"checkout-flow","environment":"production","plan":{"steps":[0.2,1.0]}}"""));
    assertThat(r.status()).as(r.body()).isEqualTo(409);
    assertThat(r.json().at("/error/code").asText()).isEqualTo("approval_required");
    assertNothingWritten(before);
  }
}
