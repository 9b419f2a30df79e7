package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The approval pages over real HTTP (issue 17, UI): an admin sets a four-eyes policy on
 * production through the policy form; a save of a production rule in the flag form is refused
 * with the offer to open a change request, which opens it; the author's own approval is refused
 * with the reason on the page; another user's approval through the UI applies the change, which
 * the API then serves; a viewer sees but cannot act; hostile input gets a message naming its
 * field and changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChangeRequestPagesTest {
  UiTestServer t;
  private final java.util.concurrent.atomic.AtomicInteger values = new java.util.concurrent.atomic.AtomicInteger();

  UiTestServer server() {
    return UiTestServer.embedded();
  }

  @BeforeAll
  void start() {
    t = server();
    t.user("alice", "experimenter");
    t.user("bob", "experimenter");
    t.user("vera", "viewer");
    t.user("ann", "analyst");
    t.ok("POST", "/flags", "{\"key\":\"banner\",\"type\":\"string\",\"defaultValue\":\"off\","
        + "\"environments\":{\"production\":{\"rules\":[]}}}");
    UiClient admin = t.signIn("admin");
    HttpResponse<String> set = admin.post("/ui/approval-policies", form(admin, "/ui/approval-policies",
        "environment", "production", "approvals", "1", "role", "experimenter"));
    assertThat(set.statusCode()).as(set.body()).isEqualTo(303);
    JsonNode policies = t.ok("GET", "/approval-policies", null).path("items");
    assertThat(policies).hasSize(1);
    assertThat(policies.get(0).path("environment").asText()).isEqualTo("production");
    assertThat(policies.get(0).path("role").asText()).isEqualTo("experimenter");
  }

  @AfterAll
  void stop() {
    t.close();
  }

  /** The fields of a form, with the CSRF token of the page it is on. */
  static Map<String, String> form(UiClient c, String page, String... pairs) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("_csrf", UiClient.csrfIn(c.get(page).body()));
    for (int i = 0; i < pairs.length; i += 2) {
      f.put(pairs[i], pairs[i + 1]);
    }
    return f;
  }

  private static String location(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    return r.headers().firstValue("location").orElseThrow();
  }

  /* Alice saves a new forced value in production from the flag page and opens a change request with it. */
  private String openRequest(UiClient alice, String value, String title) {
    String at = "environments.production.rules[0].";
    Map<String, String> rules = form(alice, "/ui/flags/banner", "version",
        t.ok("GET", "/flags/banner", null).path("version").asText(), "enabled", "true", at + "new", "true",
        at + "kind", "value", at + "value", value);
    HttpResponse<String> refused = alice.post("/ui/flags/banner/environments/production", rules);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
    assertThat(refused.body()).contains("needs approval", "name=\"changeRequest\"", "Open a change request");
    rules.put("changeRequest", "true");
    rules.put("title", title);
    String where = location(alice.post("/ui/flags/banner/environments/production", rules));
    assertThat(where).startsWith("/ui/change-requests/");
    return where.substring("/ui/change-requests/".length(), where.indexOf('?'));
  }

  @Test
  void secondUserApprovesInTheUi_changeIsAppliedAndServedByTheApi() {
    UiClient alice = t.signIn("alice");
    String value = "blue-" + values.incrementAndGet();
    String id = openRequest(alice, value, "Banner on in production");
    JsonNode open = t.ok("GET", "/change-requests/" + id, null);
    assertThat(open.path("status").asText()).isEqualTo("open");
    assertThat(open.path("author").asText()).contains("alice");
    long before = t.ok("GET", "/flags/banner", null).path("version").asLong();

    String page = alice.get("/ui/change-requests/" + id).body();
    assertThat(page).contains("Banner on in production", "data-testid=\"request-diff\"",
        "<code>/environments/production/rules/0</code></td><td>add", value, "approve-form");

    HttpResponse<String> own = alice.post("/ui/change-requests/" + id + "/approve",
        form(alice, "/ui/change-requests/" + id, "comment", "self"));
    assertThat(own.statusCode()).isEqualTo(409);
    assertThat(own.body()).contains("data-testid=\"approve-error\"", "cannot approve it");
    assertThat(t.ok("GET", "/change-requests/" + id, null).path("status").asText()).isEqualTo("open");
    assertThat(t.ok("GET", "/flags/banner", null).path("version").asLong()).isEqualTo(before);

    UiClient bob = t.signIn("bob");
    HttpResponse<String> approved = bob.post("/ui/change-requests/" + id + "/approve",
        form(bob, "/ui/change-requests/" + id, "comment", "looks right"));
    assertThat(location(approved)).startsWith("/ui/change-requests/" + id);
    assertThat(bob.get("/ui/change-requests/" + id).body()).contains("Approved: the change is applied.", "looks right",
        "status-applied");

    JsonNode cr = t.ok("GET", "/change-requests/" + id, null);
    assertThat(cr.path("status").asText()).isEqualTo("applied");
    assertThat(cr.at("/approvals/0/by").asText()).contains("bob");
    assertThat(cr.at("/approvals/0/comment").asText()).isEqualTo("looks right");
    JsonNode flag = t.ok("GET", "/flags/banner", null);
    assertThat(flag.path("version").asLong()).isEqualTo(before + 1);
    assertThat(flag.at("/environments/production/rules/0/value").asText()).isEqualTo(value);

    String applied = alice.get("/ui/change-requests?status=applied").body();
    assertThat(applied).contains("data-id=\"" + id + "\"");
    assertThat(alice.get("/ui/change-requests?status=open").body()).doesNotContain("data-id=\"" + id + "\"");
  }

  @Test
  void viewerSeesRequest_butIsOfferedNoActionAndIsRefused() {
    String id = openRequest(t.signIn("alice"), "v-" + values.incrementAndGet(), "viewer check");
    UiClient vera = t.signIn("vera");
    HttpResponse<String> page = vera.get("/ui/change-requests/" + id);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("viewer check").doesNotContain("approve-form", "reject-form");
    HttpResponse<String> forged = vera.post("/ui/change-requests/" + id + "/approve",
        form(vera, "/ui/change-requests/" + id, "comment", ""));
    assertThat(forged.statusCode()).isEqualTo(403);
    UiClient ann = t.signIn("ann");
    assertThat(ann.post("/ui/change-requests/" + id + "/approve", form(ann, "/ui/change-requests/" + id)).statusCode())
        .isEqualTo(403);
    assertThat(vera.get("/ui/approval-policies").body()).doesNotContain("policy-form");
    assertThat(vera.post("/ui/approval-policies", form(vera, "/ui/approval-policies", "environment", "production",
        "approvals", "5", "role", "viewer")).statusCode()).isEqualTo(403);
    assertThat(t.ok("GET", "/change-requests/" + id, null).path("status").asText()).isEqualTo("open");
    assertThat(t.ok("GET", "/approval-policies", null).at("/items/0/approvals").asInt()).isEqualTo(1);
    t.ok("POST", "/change-requests/" + id + "/withdraw", "{}");
  }

  @Test
  void rejectAndWithdraw_withHostileComments_showFieldErrorsAndKeepTheRequest() {
    UiClient alice = t.signIn("alice");
    String id = openRequest(alice, "r-" + values.incrementAndGet(), "to be rejected");
    UiClient bob = t.signIn("bob");
    String tooLong = "x".repeat(501);
    HttpResponse<String> bad = bob.post("/ui/change-requests/" + id + "/reject",
        form(bob, "/ui/change-requests/" + id, "comment", tooLong));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("id=\"reject-comment-error\"", "at most 500 characters");
    assertThat(t.ok("GET", "/change-requests/" + id, null).path("status").asText()).isEqualTo("open");

    HttpResponse<String> markup = bob.post("/ui/change-requests/" + id + "/reject",
        form(bob, "/ui/change-requests/" + id, "comment", "<script>alert(1)</script>"));
    assertThat(location(markup)).startsWith("/ui/change-requests/" + id);
    String page = bob.get("/ui/change-requests/" + id).body();
    assertThat(page).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>alert(1)");
    assertThat(t.ok("GET", "/change-requests/" + id, null).path("status").asText()).isEqualTo("rejected");

    // the form is gone once closed; a forged withdraw of a closed request is a visible conflict, not a 500
    assertThat(page).doesNotContain("withdraw-form");
    HttpResponse<String> late = alice.post("/ui/change-requests/" + id + "/withdraw",
        form(alice, "/ui/change-requests/" + id, "comment", ""));
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.body()).contains("is rejected, not open");

    assertThat(alice.post("/ui/change-requests/" + id + "/explode", form(alice, "/ui/change-requests/" + id))
        .statusCode()).isEqualTo(404);
    assertThat(alice.get("/ui/change-requests/no-such-request").statusCode()).isEqualTo(404);
  }

  @Test
  void statusFilterAndPolicyForm_refuseHostileInputNamingTheField() {
    UiClient admin = t.signIn("admin");
    HttpResponse<String> filter = admin.get("/ui/change-requests?status=%3Cbogus%3E");
    assertThat(filter.statusCode()).isEqualTo(400);
    assertThat(filter.body()).contains("id=\"status-error\"", "must be one of");

    for (String[] bad : new String[][] {{"approvals", "eleven"}, {"approvals", "11"}, {"approvals", "1e3"},
        {"role", "root"}, {"environment", "nowhere"}}) {
      Map<String, String> f = form(admin, "/ui/approval-policies", "environment", "production", "approvals", "2",
          "role", "admin");
      f.put(bad[0], bad[1]);
      HttpResponse<String> r = admin.post("/ui/approval-policies", f);
      assertThat(r.statusCode()).as(bad[0] + "=" + bad[1]).isBetween(400, 404);
      assertThat(r.body()).as(bad[0] + "=" + bad[1]).contains("id=\"p-" + bad[0] + "-error\"");
    }
    JsonNode p = t.ok("GET", "/approval-policies", null).path("items");
    assertThat(p).hasSize(1);
    assertThat(p.get(0).path("approvals").asInt()).isEqualTo(1);
    assertThat(p.get(0).path("role").asText()).isEqualTo("experimenter");

    UiClient alice = t.signIn("alice");
    HttpResponse<String> title = alice.post("/ui/flags/banner/environments/production", titled(alice));
    assertThat(title.statusCode()).isEqualTo(400);
    assertThat(title.body()).contains("id=\"env-production-title-error\"");
  }

  private Map<String, String> titled(UiClient alice) {
    String at = "environments.production.rules[0].";
    return form(alice, "/ui/flags/banner", "version", t.ok("GET", "/flags/banner", null).path("version").asText(),
        "enabled", "true", at + "new", "true", at + "kind", "value", at + "value", "t-" + values.incrementAndGet(), "changeRequest", "true",
        "title", "t".repeat(501));
  }
}
