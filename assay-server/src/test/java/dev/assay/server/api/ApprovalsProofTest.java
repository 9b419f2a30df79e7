package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.testsupport.Await;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The approval flow on a real server (issue 17, Proof): with a four-eyes policy on production, a
 * direct write of a production flag is refused on every write path; the author opens a change
 * request, their own approval is refused, another user's approval applies it and the payload the
 * SDK is served changes; a request made stale by a concurrent change is not applied.
 */
class ApprovalsProofTest {
  private final TestServer t = server();
  private String alice;
  private String bob;
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

  private Optional<Object> served() {
    ExperimentClient sdk = ExperimentClient.builder()
        .payload(t.call("GET", "/api/features/" + clientKey, null, null).body()).build();
    return sdk.evaluate("button", Attributes.of("id", "u1")).value();
  }

  private JsonNode flag() {
    return ok(t.admin("GET", "/api/v1/flags/button", null)).json();
  }

  private ObjectNode withProduction(JsonNode flag, String value) {
    ObjectNode doc = flag.deepCopy();
    ((ObjectNode) doc.path("environments").path("production").path("rules").path(0)).put("value", value);
    return doc;
  }

  private JsonNode open(String token, JsonNode doc, long base) {
    ObjectNode body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    body.put("target", "flag").put("key", "button").put("baseVersion", base).put("title", "make it pop");
    ObjectNode d = doc.deepCopy();
    d.remove(java.util.List.of("version", "createdAt", "updatedAt", "project"));
    body.set("document", d);
    TestServer.Response r = t.call("POST", "/api/v1/change-requests", token, body.toString());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  @Test
  void directWrites_areRefusedOnEveryPath_unlessTheyLeaveProductionAlone() {
    JsonNode f = flag();
    long v = f.path("version").asLong();
    refused(t.call("PUT", "/api/v1/flags/button", alice, withProduction(f, "green").toString()), 409,
        "approval_required");
    TestServer.Response admin = t.admin("PUT", "/api/v1/flags/button", withProduction(f, "green").toString());
    refused(admin, 409, "approval_required");
    assertThat(admin.json().path("error").path("message").asText()).contains("production", "/api/v1/change-requests");
    refused(t.call("DELETE", "/api/v1/flags/button?version=" + v, alice, null), 409, "approval_required");
    String yaml = "kind: flag\nkey: button\ntype: string\ndefault_value: grey\nenvironments:\n  production:\n"
        + "    rules:\n      - value: purple\n";
    TestServer.Response asCode = t.send("POST", "/api/v1/as-code/apply", TestServer.ADMIN_TOKEN, "application/yaml",
        yaml.getBytes(StandardCharsets.UTF_8));
    assertThat(asCode.body()).as("as-code apply").contains("approval_required");
    assertThat(served()).contains("blue");

    // Staging alone is not covered: written directly.
    ObjectNode staging = f.deepCopy();
    ((ObjectNode) staging.path("environments").path("staging").path("rules").path(0)).put("value", "red");
    JsonNode written = ok(t.call("PUT", "/api/v1/flags/button", alice, staging.toString())).json();
    // Restoring version 1 would change nothing in production either (it is the same there)…
    ok(t.call("POST", "/api/v1/flags/button/versions/1/restore?version=" + written.path("version").asLong(), alice,
        null));
    // …but restoring a version whose production rule differs is refused (see the proof below).
    assertThat(flag().path("version").asLong()).isEqualTo(v + 2);
  }

  @Test
  void approvalFlow_ownApprovalRefused_otherAppliesIt_payloadChanges_staleNotApplied() throws Exception {
    JsonNode f = flag();
    long v = f.path("version").asLong();
    JsonNode cr = open(alice, withProduction(f, "green"), v);
    String id = cr.path("id").asText();
    assertThat(cr.path("status").asText()).isEqualTo("open");
    assertThat(cr.path("environments").toString()).isEqualTo("[\"production\"]");
    assertThat(cr.path("changes").toString()).contains("/environments/production/rules/0/value", "green");

    refused(t.call("POST", "/api/v1/change-requests/" + id + "/approve", alice, "{\"comment\":\"lgtm\"}"), 409,
        "own_change");
    String viewer = key("vic", "viewer");
    assertThat(t.call("POST", "/api/v1/change-requests/" + id + "/approve", viewer, "{}").status()).isEqualTo(403);
    assertThat(served()).contains("blue");

    JsonNode applied = ok(t.call("POST", "/api/v1/change-requests/" + id + "/approve", bob,
        "{\"comment\":\"looks right\"}")).json();
    assertThat(applied.path("status").asText()).as(applied.toString()).isEqualTo("applied");
    assertThat(applied.path("appliedVersion").asLong()).isEqualTo(v + 1);
    assertThat(applied.path("approvals").path(0).path("comment").asText()).isEqualTo("looks right");
    Await.until(() -> served().equals(Optional.of("green")), "the payload serves the approved value");
    assertThat(flag().path("version").asLong()).isEqualTo(v + 1);
    JsonNode audit = ok(t.admin("GET", "/api/v1/audit?kind=flag&key=button", null)).json().path("items");
    assertThat(audit.findValuesAsText("actor")).anyMatch(a -> a.contains("change request " + id)
        && a.contains("alice") && a.contains("approved by bob"));
    refused(t.call("POST", "/api/v1/change-requests/" + id + "/approve", bob, "{}"), 409, "not_open");

    // A request made stale by a concurrent change is not applied.
    JsonNode f2 = flag();
    String stale = open(alice, withProduction(f2, "red"), f2.path("version").asLong()).path("id").asText();
    ObjectNode described = f2.deepCopy();
    described.put("description", "a concurrent edit outside production's settings");
    long concurrent = ok(t.admin("PUT", "/api/v1/flags/button", described.toString())).json().path("version").asLong();
    JsonNode s = ok(t.call("POST", "/api/v1/change-requests/" + stale + "/approve", bob, "{}")).json();
    assertThat(s.path("status").asText()).as(s.toString()).isEqualTo("stale");
    assertThat(s.path("outcome").asText()).contains("version");
    assertThat(flag().path("version").asLong()).isEqualTo(concurrent);
    assertThat(served()).contains("green");
    assertThat(ok(t.admin("GET", "/api/v1/change-requests?status=stale", null)).json().path("items")
        .findValuesAsText("id")).containsExactly(stale);

    // Restoring the version before the approved change is a covered write too.
    refused(t.call("POST", "/api/v1/flags/button/versions/" + v + "/restore?version=" + concurrent, alice, null), 409,
        "approval_required");
  }

  @Test
  void runningExperimentServedInProduction_isCovered_draftIsNot() {
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}"""));
    String flag = """
        {"key":"checkout-flag","type":"string","defaultValue":"old",
         "environments":{"production":{"rules":[{"experiment":"checkout"}]}}}""";
    // A new flag with production settings is covered too: created through a request at base version 0.
    refused(t.call("POST", "/api/v1/flags", alice, flag), 409, "approval_required");
    TestServer.Response create = t.call("POST", "/api/v1/change-requests", alice,
        "{\"target\":\"flag\",\"key\":\"checkout-flag\",\"baseVersion\":0,\"document\":" + flag + "}");
    assertThat(create.status()).as(create.body()).isEqualTo(201);
    JsonNode created = ok(t.call("POST", "/api/v1/change-requests/" + create.json().path("id").asText() + "/approve",
        bob, "{}")).json();
    assertThat(created.path("appliedVersion").asLong()).as(created.toString()).isEqualTo(1);
    ObjectNode draft = ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json().deepCopy();
    draft.put("hypothesis", "drafts are edited freely");
    ok(t.call("PUT", "/api/v1/experiments/checkout", alice, draft.toString()));
    ok(t.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
    JsonNode running = ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json();
    ObjectNode edit = running.deepCopy();
    edit.put("hypothesis", "running in production");
    refused(t.call("PUT", "/api/v1/experiments/checkout", alice, edit.toString()), 409, "approval_required");
    ObjectNode body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    body.put("target", "experiment").put("key", "checkout").put("baseVersion", running.path("version").asLong());
    body.set("document", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
        .setAll((ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(edit)));
    TestServer.Response opened = t.call("POST", "/api/v1/change-requests", alice, body.toString());
    assertThat(opened.status()).as(opened.body()).isEqualTo(201);
    assertThat(opened.json().path("changes").toString()).contains("/hypothesis").doesNotContain("/status");
    JsonNode applied = ok(t.call("POST", "/api/v1/change-requests/" + opened.json().path("id").asText()
        + "/approve", bob, "{}")).json();
    assertThat(applied.path("status").asText()).as(applied.toString()).isEqualTo("applied");
    JsonNode after = ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json();
    assertThat(after.path("hypothesis").asText()).isEqualTo("running in production");
    assertThat(after.path("status").asText()).isEqualTo("running");
    // The kill switch stays a direct emergency action.
    ok(t.call("POST", "/api/v1/experiments/checkout/kill", alice, "{\"reason\":\"incident\"}"));
  }

  @Test
  void rejectAndWithdraw_writeNothing() {
    JsonNode f = flag();
    long v = f.path("version").asLong();
    String rejected = open(alice, withProduction(f, "green"), v).path("id").asText();
    JsonNode r = ok(t.call("POST", "/api/v1/change-requests/" + rejected + "/reject", bob,
        "{\"comment\":\"not before the sale\"}")).json();
    assertThat(r.path("status").asText()).isEqualTo("rejected");
    assertThat(r.path("closedBy").path("comment").asText()).isEqualTo("not before the sale");
    String withdrawn = open(alice, withProduction(f, "green"), v).path("id").asText();
    refused(t.call("POST", "/api/v1/change-requests/" + withdrawn + "/withdraw", bob, "{}"), 409, "not_author");
    assertThat(ok(t.call("POST", "/api/v1/change-requests/" + withdrawn + "/withdraw", alice, "{}")).json()
        .path("status").asText()).isEqualTo("withdrawn");
    refused(t.call("POST", "/api/v1/change-requests/" + withdrawn + "/approve", bob, "{}"), 409, "not_open");
    String open = open(alice, withProduction(f, "green"), v).path("id").asText();
    refused(t.admin("DELETE", "/api/v1/change-requests/" + open, null), 409, "open");
    ok(t.admin("DELETE", "/api/v1/change-requests/" + withdrawn, null));
    assertThat(t.admin("GET", "/api/v1/change-requests/" + withdrawn, null).status()).isEqualTo(404);
    assertThat(flag().path("version").asLong()).isEqualTo(v);
    assertThat(served()).contains("blue");
  }

  @Test
  void badInput_is4xxNamingTheField() {
    expect(t.call("POST", "/api/v1/change-requests", alice, "[1]"), 400, "body");
    expect(t.call("POST", "/api/v1/change-requests", alice, "{\"target\":\"flag\",\"key\":\"button\",\"baseVersion\":1,"
        + "\"document\":{},\"bogus\":1}"), 400, "bogus");
    expect(t.call("POST", "/api/v1/change-requests", alice, "{\"target\":\"segment\",\"key\":\"button\","
        + "\"baseVersion\":1,\"document\":{}}"), 400, "target");
    expect(t.call("POST", "/api/v1/change-requests", alice, "{\"target\":\"flag\",\"key\":\"button\","
        + "\"baseVersion\":-1,\"document\":{}}"), 400, "baseVersion");
    expect(t.call("POST", "/api/v1/change-requests", alice, "{\"target\":\"flag\",\"key\":\"button\","
        + "\"baseVersion\":1,\"document\":{\"type\":\"string\",\"defaultValue\":7}}"), 400, "document.defaultValue");
    expect(t.call("POST", "/api/v1/change-requests", alice, "{\"target\":\"flag\",\"key\":\"button\","
        + "\"baseVersion\":1,\"document\":\"x\"}"), 400, "document");
    expect(t.call("POST", "/api/v1/change-requests/nope/approve", bob, "{\"comment\":5}"), 400, "comment");
    expect(t.call("POST", "/api/v1/change-requests/nope/approve", bob, "{}"), 404, null);
    expect(t.call("GET", "/api/v1/change-requests?status=maybe", bob, null), 400, "status");
    expect(t.admin("PUT", "/api/v1/approval-policies/production", "{\"approvals\":0,\"role\":\"admin\"}"), 400,
        "approvals");
    expect(t.admin("PUT", "/api/v1/approval-policies/production", "{\"approvals\":2,\"role\":\"boss\"}"), 400, "role");
    expect(t.admin("PUT", "/api/v1/approval-policies/nowhere", "{\"approvals\":2,\"role\":\"admin\"}"), 404, null);
    assertThat(t.call("PUT", "/api/v1/approval-policies/production", alice, "{\"approvals\":1,\"role\":\"viewer\"}")
        .status()).isEqualTo(403);
    // A change no policy covers is written directly, not requested.
    JsonNode f = flag();
    ObjectNode staging = f.deepCopy();
    staging.put("description", "x");
    expect(t.call("POST", "/api/v1/change-requests", alice, "{\"target\":\"flag\",\"key\":\"button\",\"baseVersion\":"
        + f.path("version").asLong() + ",\"document\":" + strip(staging) + "}"), 409, null);
  }

  private static String strip(ObjectNode doc) {
    ObjectNode d = doc.deepCopy();
    d.remove(java.util.List.of("version", "createdAt", "updatedAt", "project"));
    return d.toString();
  }

  private static void expect(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    if (field != null) {
      assertThat(r.json().path("error").path("details").findValuesAsText("field")).as(r.body()).contains(field);
    }
  }
}
