package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.AssayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The flag pages over HTTP: what the forms change is what the SDK payload serves. */
class FlagPagesTest {
  static final String TOKEN = "flag-pages-admin-token-0123456789";
  static final String PASSWORD = "flag pages password";
  static final ObjectMapper JSON = new ObjectMapper();
  static AssayServer server;
  static String clientKey;

  @BeforeAll
  static void start() throws Exception {
    server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("assay-flag-pages-"))
        .adminToken(TOKEN).adminPassword(PASSWORD).start();
    clientKey = JSON.readTree(api("POST", "/sdk-connections", "{\"environment\":\"production\"}").body())
        .get("key").asText();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> api(String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path.replaceFirst(
        "^/(?!api/)", "/api/v1/"))).header("Authorization", "Bearer " + TOKEN);
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return HttpClient.newHttpClient().send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static UiClient admin() {
    UiClient c = new UiClient(server.port());
    assertThat(c.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
    return c;
  }

  @Test
  void createFlag_thenA30PercentRollout_changesThePayload() throws Exception {
    UiClient c = admin();
    String csrf = UiClient.csrfIn(c.get("/ui/flags/new").body());
    HttpResponse<String> created = c.post("/ui/flags", Map.of("_csrf", csrf, "key", "new-search", "type", "boolean",
        "defaultValue", "false", "owner", "search-team", "tags", "search, q3"));
    assertThat(created.statusCode()).isEqualTo(303);
    assertThat(c.get("/ui/flags?tag=q3").body()).contains("new-search", "search-team");
    JsonNode before = JSON.readTree(api("GET", "/api/features/" + clientKey, null).body());
    assertThat(before.path("features").path("new-search").path("rules").size()).isZero();

    String page = c.get("/ui/flags/new-search").body();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("_csrf", UiClient.csrfIn(page));
    form.put("version", "1");
    form.put("enabled", "true");
    String at = "environments.production.rules[0].";
    form.put(at + "new", "true");
    form.put(at + "kind", "rollout");
    form.put(at + "value", "true");
    form.put(at + "coverage", "30");
    form.put(at + "attribute", "country");
    form.put(at + "operator", "$in");
    form.put(at + "operand", "DE, FR");
    HttpResponse<String> saved = c.post("/ui/flags/new-search/environments/production", form);
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(303);

    JsonNode rule = JSON.readTree(api("GET", "/api/features/" + clientKey, null).body())
        .path("features").path("new-search").path("rules").path(0);
    assertThat(rule.path("coverage").asDouble()).isEqualTo(0.3);
    assertThat(rule.path("force").asBoolean()).isTrue();
    assertThat(rule.path("condition").toString()).isEqualTo("{\"country\":{\"$in\":[\"DE\",\"FR\"]}}");
    assertThat(c.get("/ui/flags/new-search").body()).contains("value=\"30\"", "update");
  }

  @Test
  void badCoverage_showsTheMessageNextToItsInput_andChangesNothing() throws Exception {
    api("POST", "/flags", "{\"key\":\"cov\",\"type\":\"boolean\",\"defaultValue\":false}");
    UiClient c = admin();
    String csrf = UiClient.csrfIn(c.get("/ui/flags/cov").body());
    String at = "environments.production.rules[0].";
    HttpResponse<String> r = c.post("/ui/flags/cov/environments/production", Map.of("_csrf", csrf, "version", "1",
        "enabled", "true", at + "new", "true", at + "kind", "rollout", at + "value", "true", at + "coverage", "150"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).containsPattern("id=\"production-r0-coverage-error\">[^<]*percentage from 0 to 100");
    assertThat(r.body()).contains("value=\"150\"");
    assertThat(api("GET", "/flags/cov", null).body()).contains("\"version\":1");
  }

  @Test
  void wrongValueType_getsTheDomainsMessageOnTheValueInput() throws Exception {
    api("POST", "/flags", "{\"key\":\"num\",\"type\":\"number\",\"defaultValue\":1}");
    UiClient c = admin();
    String csrf = UiClient.csrfIn(c.get("/ui/flags/new").body());
    HttpResponse<String> r = c.post("/ui/flags", Map.of("_csrf", csrf, "key", "bad key!", "type", "boolean",
        "defaultValue", "true"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).containsPattern("id=\"key-error\">[^<]+");
  }

  @Test
  void staleVersion_showsChangedBySomeoneElse_withAReloadLink() throws Exception {
    api("POST", "/flags", "{\"key\":\"race\",\"type\":\"boolean\",\"defaultValue\":false}");
    UiClient c = admin();
    String csrf = UiClient.csrfIn(c.get("/ui/flags/race").body());
    api("PUT", "/flags/race", "{\"type\":\"boolean\",\"defaultValue\":true,\"version\":1}");
    HttpResponse<String> r = c.post("/ui/flags/race/settings", Map.of("_csrf", csrf, "version", "1", "type", "boolean",
        "defaultValue", "false", "lifecycle", "active"));
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(r.body()).contains("Changed by someone else", "Reload").doesNotContain("Exception");
  }

  @Test
  void preview_evaluatesWithTheSdkEngine_andKillSwitchServesTheDefault() throws Exception {
    api("POST", "/flags", "{\"key\":\"pv\",\"type\":\"string\",\"defaultValue\":\"off\",\"environments\":{\"production\":"
        + "{\"rules\":[{\"condition\":{\"country\":\"DE\"},\"value\":\"on\"}]}}}");
    UiClient c = admin();
    String de = c.get("/ui/flags/pv/preview?environment=production&attributes=%7B%22id%22%3A%22u1%22%2C%22country%22%3A%22DE%22%7D")
        .body();
    assertThat(de).contains("Value: <code>\"on\"</code>");
    String us = c.get("/ui/flags/pv/preview?environment=production&attributes=%7B%22country%22%3A%22US%22%7D").body();
    assertThat(us).contains("Value: <code>\"off\"</code>");
    String csrf = UiClient.csrfIn(c.get("/ui/flags/pv").body());
    assertThat(c.post("/ui/flags/pv/kill", Map.of("_csrf", csrf, "reason", "incident")).statusCode()).isEqualTo(303);
    String killed = c.get("/ui/flags/pv").body();
    assertThat(killed).contains("data-testid=\"killed-banner\"", "incident", "kill");
    assertThat(c.get("/ui/flags/pv/preview?environment=production&attributes=%7B%22country%22%3A%22DE%22%7D").body())
        .contains("Value: <code>\"off\"</code>");
  }

  @Test
  void historySection_listsVersions_andItsRestoreFormServesTheOldValueAgain() throws Exception {
    api("POST", "/flags", "{\"key\":\"hist\",\"type\":\"string\",\"defaultValue\":\"one\"}");
    api("PUT", "/flags/hist?reason=second", "{\"type\":\"string\",\"defaultValue\":\"two\",\"version\":1}");
    UiClient c = admin();
    String page = c.get("/ui/flags/hist").body();
    assertThat(page).contains("data-testid=\"flag-history\"", "data-version=\"2\"", "data-version=\"1\"", "second",
        "<code>/defaultValue</code>", "Restore v1");
    String csrf = UiClient.csrfIn(page);
    assertThat(c.post("/ui/flags/hist/versions/1/restore", Map.of("version", "2", "reason", "from the ui"))
        .statusCode()).as("no CSRF token").isEqualTo(403);
    assertThat(c.post("/ui/flags/hist/versions/1/restore", Map.of("_csrf", csrf, "version", "2", "reason", "from the ui"))
        .statusCode()).isEqualTo(303);
    JsonNode flag = JSON.readTree(api("GET", "/flags/hist", null).body());
    assertThat(flag.path("version").asLong()).isEqualTo(3);
    assertThat(flag.path("defaultValue").asText()).isEqualTo("one");
    assertThat(JSON.readTree(api("GET", "/api/features/" + clientKey, null).body()).at("/features/hist/defaultValue")
        .asText()).isEqualTo("one");
    assertThat(c.get("/ui/flags/hist").body()).contains("restore_version", "restores version 1: from the ui");
    HttpResponse<String> stale = c.post("/ui/flags/hist/versions/1/restore", Map.of("_csrf", csrf, "version", "2"));
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(stale.body()).doesNotContain("Exception");
  }
}
