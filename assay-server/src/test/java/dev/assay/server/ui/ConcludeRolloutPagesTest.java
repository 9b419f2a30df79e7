package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The conclude form's "Roll out gradually" (issue 17, ADR 0051) over real HTTP: a "ship" with a
 * plan concludes the experiment and starts the shipped variant's rollout at its first step in one
 * write (the SDK payload then serves the shipped value to about the first step's share); a bad plan
 * field is a 400 with the message next to that input and nothing written; under an approval policy
 * the form says a change request is needed (409) and nothing is written. Each test has its own
 * experiment and flag.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcludeRolloutPagesTest {
  UiTestServer t;
  private String clientKey;

  UiTestServer server() {
    return UiTestServer.embedded();
  }

  @BeforeAll
  void start() {
    t = server();
    t.ok("POST", "/environments", "{\"key\":\"eu\"}");
    t.ok("POST", "/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}");
    clientKey = t.ok("POST", "/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}").path("key")
        .asText();
  }

  @AfterAll
  void stop() {
    t.close();
  }

  private long stopped(String key) {
    return stopped(key, "eu");
  }

  /* A stopped experiment {@code key} whose flag {@code key}-flow names it in production and {@code env}; its version. */
  private long stopped(String key, String env) {
    t.ok("POST", "/experiments", """
        {"key":"%s","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}""".formatted(key));
    t.ok("POST", "/flags", """
        {"key":"%s-flow","type":"string","defaultValue":"off",
         "environments":{"production":{"enabled":true,"rules":[{"value":"beta","condition":{"beta":true}},{"experiment":"%s"}]},
          "%s":{"enabled":true,"rules":[{"experiment":"%s"}]}}}""".formatted(key, key, env, key));
    t.ok("POST", "/experiments/" + key + "/start", "{}");
    return t.ok("POST", "/experiments/" + key + "/stop", "{}").path("version").asLong();
  }

  private Map<String, String> form(UiClient c, String key, long version, String rule, String... extra) {
    Map<String, String> f = ChangeRequestPagesTest.form(c, "/ui/experiments/" + key, "version", "" + version,
        "decision.outcome", "ship", "decision.variant", "treatment", "decision.audience", "everyone",
        "decision.writeUp", "Treatment won.", "rollout", "true", "rollout.rule", rule,
        "rollout.plan.steps", "20, 50, 100", "rollout.plan.dwellSeconds", "60", "rollout.plan.minUnitsPerStep", "100",
        "rollout.plan.gates.errorRateMargin", "0.03", "rollout.plan.gates.srm", "true",
        "rollout.plan.gates.guardrails[0].metric", "purchase", "rollout.plan.gates.guardrails[0].margin", "0.01");
    for (int i = 0; i < extra.length; i += 2) {
      f.put(extra[i], extra[i + 1]);
    }
    return f;
  }

  private int auditSize() {
    return t.ok("GET", "/audit?limit=500", null).path("items").size();
  }

  private void assertNothingWritten(String key, int auditBefore) {
    assertThat(t.ok("GET", "/experiments/" + key, null).path("status").asText()).isEqualTo("stopped");
    for (String env : new String[] {"production", "eu", "apac"}) {
      assertThat(t.api("GET", "/flags/" + key + "-flow/rollout?environment=" + env, null).statusCode())
          .as("no rollout in " + env).isEqualTo(404);
    }
    assertThat(auditSize()).as("no audit entry").isEqualTo(auditBefore);
  }

  private long served(UiClient c, String flag, String value) {
    ExperimentClient sdk = ExperimentClient.builder().payload(c.get("/api/features/" + clientKey).body()).build();
    return IntStream.range(0, 1000).filter(i -> sdk.evaluate(flag, Attributes.of("id", "probe-" + i))
        .value().orElse("").equals(value)).count();
  }

  @Test
  void shipWithARollout_concludesAndStartsItAtItsFirstStep_inOneWrite() {
    long version = stopped("ship-ok");
    UiClient admin = t.signIn("admin");
    String page = admin.get("/ui/experiments/ship-ok").body();
    assertThat(page).contains("data-testid=\"rollout-gradually\"", "<option value=\"ship-ok-flow:eu:0\"",
        "<option value=\"ship-ok-flow:production:1\"", "value=\"1, 5, 25, 50, 100\"",
        "name=\"rollout.plan.gates.guardrails[2].margin\"");
    assertThat(served(admin, "ship-ok-flow", "new")).as("stopped: nobody gets treatment").isZero();
    int before = auditSize();

    HttpResponse<String> r = admin.post("/ui/experiments/ship-ok/conclude",
        form(admin, "ship-ok", version, "ship-ok-flow:production:1"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);

    JsonNode x = t.ok("GET", "/experiments/ship-ok", null);
    assertThat(x.path("status").asText()).isEqualTo("concluded");
    assertThat(x.at("/decision/variant").asText()).isEqualTo("treatment");
    JsonNode ro = t.ok("GET", "/flags/ship-ok-flow/rollout?environment=production", null);
    assertThat(ro.path("status").asText()).isEqualTo("running");
    assertThat(ro.path("step").asInt()).isZero();
    assertThat(ro.path("rule").asInt()).isEqualTo(1);
    assertThat(ro.path("fraction").asDouble()).isEqualTo(0.2);
    assertThat(ro.path("dwellSeconds").asLong()).isEqualTo(60);
    assertThat(ro.path("minUnitsPerStep").asLong()).isEqualTo(100);
    assertThat(ro.at("/gates/errorRateMargin").asDouble()).isEqualTo(0.03);
    assertThat(ro.at("/gates/guardrails").toString()).isEqualTo("[{\"metric\":\"purchase\",\"margin\":0.01}]");
    assertThat(t.api("GET", "/flags/ship-ok-flow/rollout?environment=eu", null).statusCode()).isEqualTo(404);
    JsonNode audit = t.ok("GET", "/audit?limit=500", null).path("items");
    assertThat(audit.size()).as("the conclusion and the rollout, audited").isEqualTo(before + 2);
    assertThat(audit.findValuesAsText("key")).contains("ship-ok", "ship-ok-flow:production");

    long treated = served(admin, "ship-ok-flow", "new");
    // 1000 probes at 20%: binomial sd 12.6, so 150..250 is four sd either side.
    assertThat(treated).as("the recompiled payload serves the shipped value to the first step").isBetween(150L, 250L);
    assertThat(served(admin, "ship-ok-flow", "old")).isEqualTo(1000 - treated);
    assertThat(admin.get("/ui/flags/ship-ok-flow").body()).contains("data-testid=\"rollout-production-status\">running",
        "serving <strong>20%");
  }

  @Test
  void badPlanField_400NextToTheInput_andNothingWritten() {
    long version = stopped("ship-bad");
    UiClient admin = t.signIn("admin");
    int before = auditSize();
    for (String[] bad : new String[][] {{"rollout.plan.steps", "50, 20, 100", "f-rollout-steps-error"},
        {"rollout.plan.steps", "10, 50", "f-rollout-steps-error"},
        {"rollout.plan.dwellSeconds", "-5", "f-rollout-dwellSeconds-error"},
        {"rollout.plan.gates.errorRateMargin", "two", "f-rollout-gates-errorRateMargin-error"},
        {"rollout.plan.gates.guardrails[0].margin", "", "f-rollout-guardrail-0-margin-error"},
        {"rollout.rule", "ship-bad-flow:staging:0", "f-rollout-rule-error"},
        {"rollout.rule", "", "f-rollout-rule-error"}}) {
      HttpResponse<String> r = admin.post("/ui/experiments/ship-bad/conclude",
          form(admin, "ship-bad", version, "ship-bad-flow:eu:0", bad[0], bad[1]));
      assertThat(r.statusCode()).as(bad[0] + "=" + bad[1] + ": " + r.body()).isEqualTo(400);
      assertThat(r.body()).as(bad[0] + "=" + bad[1]).contains("id=\"" + bad[2] + "\"");
      if (!bad[0].equals("rollout.rule")) {
        assertThat(r.body()).as("what was typed is kept").contains("name=\"" + bad[0] + "\" value=\"" + bad[1] + "\"");
      }
      assertNothingWritten("ship-bad", before);
    }
    HttpResponse<String> noVariant = admin.post("/ui/experiments/ship-bad/conclude",
        form(admin, "ship-bad", version, "ship-bad-flow:eu:0", "decision.variant", "purple"));
    assertThat(noVariant.statusCode()).as(noVariant.body()).isEqualTo(400);
    assertThat(noVariant.body()).contains("field-error", "purple");
    assertNothingWritten("ship-bad", before);
  }

  @Test
  void anotherDecisionThanShip_ignoresTheHiddenRolloutOption() {
    long version = stopped("roll-back");
    UiClient admin = t.signIn("admin");
    Map<String, String> f = form(admin, "roll-back", version, "roll-back-flow:eu:0", "decision.outcome", "rollback",
        "decision.writeUp", "No lift.");
    HttpResponse<String> r = admin.post("/ui/experiments/roll-back/conclude", f);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    assertThat(t.ok("GET", "/experiments/roll-back", null).at("/decision/outcome").asText()).isEqualTo("rollback");
    assertThat(t.api("GET", "/flags/roll-back-flow/rollout?environment=eu", null).statusCode()).isEqualTo(404);
  }

  @Test
  void underAnApprovalPolicy_theFormSaysAChangeRequestIsNeeded_andNothingIsWritten() {
    t.ok("POST", "/environments", "{\"key\":\"apac\"}");
    long version = stopped("ship-held", "apac");
    UiClient admin = t.signIn("admin");
    assertThat(admin.get("/ui/experiments/ship-held").body()).contains(">ship-held-flow in apac (rule 1)</option>")
        .doesNotContain("rollout-needs-approval");
    t.ok("PUT", "/approval-policies/apac", "{\"approvals\":1,\"role\":\"experimenter\"}");
    // Said before the submit: the rule's option and a hint name the policy.
    String page = admin.get("/ui/experiments/ship-held").body();
    assertThat(page).contains(">ship-held-flow in apac (rule 1) · needs approval</option>", "data-testid=\"rollout-needs-approval\"");
    int before = auditSize();
    HttpResponse<String> r = admin.post("/ui/experiments/ship-held/conclude",
        form(admin, "ship-held", version, "ship-held-flow:apac:0"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    assertThat(r.body()).contains("id=\"f-rollout-error\"", "needs approval", "apac: needs 1 approval(s)",
        "open a change request", "the experiment is still stopped");
    assertNothingWritten("ship-held", before);
  }
}
