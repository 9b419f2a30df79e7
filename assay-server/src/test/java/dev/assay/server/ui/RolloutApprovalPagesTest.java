package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Rollouts under an approval policy in the UI (issue 17, ADR 0049) over real HTTP: the start form
 * takes guardrail gates (a bad one is refused naming its row's input, nothing written); under a
 * production policy it offers "Request approval to start", which opens a rollout change request
 * whose page shows the diff against the rollout as it is, and the flag page shows it pending;
 * another user's approval starts the rollout with the guardrails; an advance then opens a request
 * too, its diff naming the step and fraction that change, while a pause is made at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolloutApprovalPagesTest {
  private static final String PAGE = "/ui/flags/checkout";
  UiTestServer t;

  @BeforeAll
  void start() {
    t = UiTestServer.embedded();
    t.user("alice", "experimenter");
    t.user("bob", "experimenter");
    t.ok("POST", "/environments", "{\"key\":\"staging\"}");
    t.ok("POST", "/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}");
    t.ok("POST", "/flags", """
        {"key":"checkout","type":"string","defaultValue":"old",
         "environments":{"production":{"rules":[{"value":"new"}]},"staging":{"rules":[{"value":"new"}]}}}""");
  }

  @AfterAll
  void stop() {
    t.close();
  }

  private static Map<String, String> plan(UiClient c, String... extra) {
    Map<String, String> f = ChangeRequestPagesTest.form(c, PAGE, "rule", "0", "steps", "10, 50, 100",
        "dwellSeconds", "60", "minUnitsPerStep", "200", "gates.errorRateMargin", "0.02", "gates.srm", "true",
        "gates.guardrails[0].metric", "purchase", "gates.guardrails[0].margin", "0.01");
    for (int i = 0; i < extra.length; i += 2) {
      f.put(extra[i], extra[i + 1]);
    }
    return f;
  }

  private static String location(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    return r.headers().firstValue("location").orElseThrow();
  }

  @Test
  void startForm_takesGuardrailGates_andNamesTheBadRow() {
    UiClient admin = t.signIn("admin");
    assertThat(admin.get(PAGE).body()).contains("name=\"gates.guardrails[2].margin\"", "<option value=\"purchase\"");
    for (String[] bad : new String[][] {{"gates.guardrails[1].metric", "no-such-metric", "guardrail-1-metric"},
        {"gates.guardrails[0].margin", "-1", "guardrail-0-margin"}, {"gates.guardrails[0].margin", "", "guardrail-0-margin"},
        {"gates.guardrails[0].margin", "1e999", "guardrail-0-margin"}}) {
      Map<String, String> f = plan(admin, bad[0], bad[1]);
      if (bad[0].endsWith("[1].metric")) {
        f.put("gates.guardrails[1].margin", "0.5");
      }
      HttpResponse<String> r = admin.post("/ui/flags/checkout/rollout/staging/start", f);
      assertThat(r.statusCode()).as(bad[0] + "=" + bad[1]).isEqualTo(400);
      assertThat(r.body()).as(bad[0] + "=" + bad[1]).contains("id=\"rollout-staging-" + bad[2] + "-error\"");
    }
    HttpResponse<String> marginOnly = admin.post("/ui/flags/checkout/rollout/staging/start",
        plan(admin, "gates.guardrails[2].margin", "3"));
    assertThat(marginOnly.body()).contains("id=\"rollout-staging-guardrail-2-metric-error\"", "is required");
    assertThat(t.api("GET", "/flags/checkout/rollout?environment=staging", null).statusCode()).isEqualTo(404);

    location(admin.post("/ui/flags/checkout/rollout/staging/start", plan(admin)));
    JsonNode r = t.ok("GET", "/flags/checkout/rollout?environment=staging", null);
    assertThat(r.at("/gates/guardrails").toString()).isEqualTo("[{\"metric\":\"purchase\",\"margin\":0.01}]");
    assertThat(r.path("minUnitsPerStep").asLong()).isEqualTo(200);
    assertThat(r.at("/gates/errorRateMargin").asDouble()).isEqualTo(0.02);
    assertThat(admin.get(PAGE).body()).contains("guardrail purchase within 0.01");
  }

  @Test
  void underAPolicy_startAndAdvanceOpenChangeRequests_withADiff_andPauseIsDirect() {
    t.ok("PUT", "/approval-policies/production", "{\"approvals\":1,\"role\":\"experimenter\"}");
    UiClient alice = t.signIn("alice");
    String page = alice.get(PAGE).body();
    assertThat(page).contains("data-testid=\"rollout-production-policy\"", "Request approval to start");

    // a direct start is refused by the policy (the form without changeRequest), nothing written
    HttpResponse<String> direct = alice.post("/ui/flags/checkout/rollout/production/start", plan(alice));
    assertThat(direct.statusCode()).isEqualTo(409);
    assertThat(direct.body()).contains("approval(s) by another experimenter", "open a change request");
    assertThat(t.api("GET", "/flags/checkout/rollout?environment=production", null).statusCode()).isEqualTo(404);

    // a bad plan is refused before any request opens
    HttpResponse<String> bad = alice.post("/ui/flags/checkout/rollout/production/start",
        plan(alice, "changeRequest", "true", "steps", "10, 5, 100"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("id=\"rollout-production-steps-error\"");
    assertThat(t.ok("GET", "/change-requests?status=open", null).path("items")).isEmpty();

    String request = location(alice.post("/ui/flags/checkout/rollout/production/start",
        plan(alice, "changeRequest", "true", "title", "Ramp the new checkout")));
    assertThat(request).contains("/ui/change-requests/");
    String shown = alice.get(request).body();
    assertThat(shown).contains("data-testid=\"request-diff\"", "/steps", "/gates", "purchase", "/fraction", "0.1",
        "/status", "running");
    assertThat(shown).doesNotContain("<code>/history").doesNotContain("<code>/stepStartedAt");
    assertThat(alice.get(PAGE).body()).contains("data-testid=\"rollout-production-pending\"", "Ramp the new checkout",
        "0 of 1 approval(s)");
    assertThat(t.api("GET", "/flags/checkout/rollout?environment=production", null).statusCode()).isEqualTo(404);

    UiClient bob = t.signIn("bob");
    String id = request.substring(request.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
    location(bob.post("/ui/change-requests/" + id + "/approve", ChangeRequestPagesTest.form(bob,
        "/ui/change-requests/" + id, "comment", "gates look right")));
    JsonNode r = t.ok("GET", "/flags/checkout/rollout?environment=production", null);
    assertThat(r.path("status").asText()).isEqualTo("running");
    assertThat(r.at("/gates/guardrails/0/metric").asText()).isEqualTo("purchase");
    assertThat(alice.get(PAGE).body()).doesNotContain("data-testid=\"rollout-production-pending\"")
        .contains("Request approval: advance");

    // advance waits for approval; its diff is the step and fraction it would move
    String advance = location(alice.post("/ui/flags/checkout/rollout/production", ChangeRequestPagesTest.form(alice,
        PAGE, "changeRequest", "true", "action", "advance", "reason", "canary clean")));
    String diff = alice.get(advance).body();
    assertThat(diff).contains("<code>/step</code>", "<code>/fraction</code>", "<code>0.5</code>")
        .doesNotContain("<code>/steps</code>");
    assertThat(t.ok("GET", "/flags/checkout/rollout?environment=production", null).path("step").asInt()).isZero();

    // pause is made at once, even from the form that carries changeRequest
    location(alice.post("/ui/flags/checkout/rollout/production", ChangeRequestPagesTest.form(alice, PAGE,
        "changeRequest", "true", "action", "pause", "reason", "ticket")));
    assertThat(t.ok("GET", "/flags/checkout/rollout?environment=production", null).path("status").asText())
        .isEqualTo("paused");
    assertThat(t.ok("GET", "/change-requests?status=open", null).path("items")).hasSize(1);
  }

  @Test
  void experimentRestoreHeldByAPolicy_offersAChangeRequest_withTheRestoredDesign() {
    t.ok("PUT", "/approval-policies/production", "{\"approvals\":1,\"role\":\"experimenter\"}");
    t.ok("POST", "/experiments", """
        {"key":"exp","hypothesis":"first idea",
         "variants":[{"key":"control","weight":0.5,"value":"a"},{"key":"treatment","weight":0.5,"value":"b"}],
         "metrics":{"primary":"purchase"}}""");
    JsonNode v1 = t.ok("GET", "/experiments/exp", null);
    ((com.fasterxml.jackson.databind.node.ObjectNode) v1).put("hypothesis", "second idea");
    t.ok("PUT", "/experiments/exp", v1.toString());
    t.ok("POST", "/experiments/exp/start", "{}");
    long current = t.ok("GET", "/experiments/exp", null).path("version").asLong();

    UiClient alice = t.signIn("alice");
    String page = "/ui/experiments/exp";
    HttpResponse<String> held = alice.post(page + "/versions/1/restore", ChangeRequestPagesTest.form(alice, page,
        "version", Long.toString(current), "reason", "back to the first idea"));
    assertThat(held.statusCode()).isEqualTo(409);
    assertThat(held.body()).contains("data-testid=\"restore-propose\"", "Restoring version 1 needs approval",
        "[production]", "name=\"changeRequest\"", "value=\"back to the first idea\"");
    assertThat(t.ok("GET", "/experiments/exp", null).path("hypothesis").asText()).isEqualTo("second idea");

    HttpResponse<String> longTitle = alice.post(page + "/versions/1/restore", ChangeRequestPagesTest.form(alice, page,
        "version", Long.toString(current), "changeRequest", "true", "title", "t".repeat(501)));
    assertThat(longTitle.statusCode()).isEqualTo(400);
    assertThat(longTitle.body()).contains("id=\"restore-title-error\"", "at most 500");

    String request = location(alice.post(page + "/versions/1/restore", ChangeRequestPagesTest.form(alice, page,
        "version", Long.toString(current), "reason", "back to the first idea", "changeRequest", "true",
        "title", "Back to the first idea")));
    String shown = alice.get(request).body();
    assertThat(shown).contains("data-testid=\"request-diff\"", "<code>/hypothesis</code>", "second idea",
        "first idea", "Back to the first idea");
    assertThat(t.ok("GET", "/experiments/exp", null).path("hypothesis").asText()).isEqualTo("second idea");

    UiClient bob = t.signIn("bob");
    String id = request.substring(request.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
    location(bob.post("/ui/change-requests/" + id + "/approve", ChangeRequestPagesTest.form(bob,
        "/ui/change-requests/" + id, "comment", "ok")));
    JsonNode after = t.ok("GET", "/experiments/exp", null);
    assertThat(after.path("hypothesis").asText()).isEqualTo("first idea");
    assertThat(after.path("status").asText()).isEqualTo("running");
  }
}
