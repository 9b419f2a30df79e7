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
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The catalogue, audit, users and keys, events, comments and archive pages on a real server with
 * a real HTTP client: form errors are the API's messages next to the field, a viewer gets no form
 * and is refused, and each change is visible where the API shows it.
 */
class AdminPagesTest {
  static final String TOKEN = "ui-admin-test-token-0123456789";
  static final String PASSWORD = "correct horse battery";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient API = HttpClient.newHttpClient();
  static AssayServer server;

  @BeforeAll
  static void start() throws Exception {
    server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("assay-ui-admin-"))
        .adminToken(TOKEN).adminPassword(PASSWORD).start();
    api("POST", "/flags", "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}");
    api("POST", "/users", "{\"key\":\"vera\",\"name\":\"Vera Viewer\",\"role\":\"viewer\"}");
    api("PUT", "/users/vera/password", "{\"password\":\"" + PASSWORD + "\"}");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> api(String method, String path, String json) throws Exception {
    return api(TOKEN, method, path, json);
  }

  static HttpResponse<String> api(String token, String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1" + path))
        .header("Authorization", "Bearer " + token);
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return API.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static UiClient signedIn(String user) {
    UiClient c = new UiClient(server.port());
    assertThat(c.signIn(user, PASSWORD).statusCode()).isEqualTo(303);
    return c;
  }

  static HttpResponse<String> post(UiClient c, String page, String action, Map<String, String> fields) {
    Map<String, String> form = new HashMap<>(fields);
    form.put("_csrf", UiClient.csrfIn(c.get(page).body()));
    return c.post(action, form);
  }

  /* The text of the element with this data-testid, HTML entities decoded. */
  static String testId(String page, String id) {
    Matcher m = Pattern.compile("data-testid=\"" + id + "\"[^>]*>([^<]*)<").matcher(page);
    assertThat(m.find()).as("element " + id + " in page").isTrue();
    return m.group(1).replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
        .replace("&amp;", "&");
  }

  @Test
  void metric_badSql_apiMessageNextToTheField_thenAGoodOneIsStored() throws Exception {
    UiClient admin = signedIn("admin");
    String bad = "SELECT user_id AS unit_id FROM t; DROP TABLE t";
    HttpResponse<String> refused = post(admin, "/ui/metrics", "/ui/metrics",
        Map.of("key", "refunds", "type", "sum", "sql", bad, "direction", "decrease"));
    assertThat(refused.statusCode()).isEqualTo(400);
    JsonNode apiError = JSON.readTree(api("POST", "/metrics",
        JSON.writeValueAsString(Map.of("key", "refunds", "type", "sum", "sql", bad))).body());
    assertThat(apiError.at("/error/details/0/field").asText()).isEqualTo("sql");
    assertThat(testId(refused.body(), "error-sql")).isEqualTo(apiError.at("/error/details/0/message").asText());
    assertThat(refused.body()).contains(">" + bad.replace("'", "&#39;") + "</textarea>");

    HttpResponse<String> created = post(admin, "/ui/metrics", "/ui/metrics", Map.of("key", "refunds", "type", "sum",
        "sql", "SELECT user_id AS unit_id, refunded_at AS timestamp, amount AS value FROM refunds",
        "direction", "decrease", "cupedLookbackDays", "0"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(303);
    JsonNode stored = JSON.readTree(api("GET", "/metrics/refunds", null).body());
    assertThat(stored.path("sql").asText()).startsWith("SELECT user_id AS unit_id");
    assertThat(stored.path("cupedLookbackDays").asInt()).isZero();
    assertThat(admin.get("/ui/metrics").body()).contains("refunds", "sum · SQL · decrease");

    HttpResponse<String> notANumber = post(admin, "/ui/metrics/refunds", "/ui/metrics/refunds",
        Map.of("version", "1", "type", "sum", "sql", stored.path("sql").asText(), "minimumSample", "many"));
    assertThat(notANumber.statusCode()).isEqualTo(400);
    assertThat(testId(notANumber.body(), "error-minimumSample")).isEqualTo("must be a whole number, was 'many'");
  }

  @Test
  void holdout_editedInTheUi_keepsItsMetrics() throws Exception {
    api("POST", "/metrics", "{\"key\":\"buy\",\"type\":\"proportion\",\"event\":\"buy\"}");
    api("POST", "/flags", "{\"key\":\"hf\",\"type\":\"boolean\",\"defaultValue\":false}");
    api("POST", "/holdouts", "{\"key\":\"lt\",\"fraction\":0.1,\"flags\":[\"hf\"],\"metrics\":{\"primary\":\"buy\"}}");
    UiClient admin = signedIn("admin");
    assertThat(admin.get("/ui/holdouts/lt").body()).contains("\"primary\":\"buy\"");
    assertThat(post(admin, "/ui/holdouts/lt", "/ui/holdouts/lt", Map.of("version", "1", "fraction", "0.2",
        "flags", "hf", "metrics", "{\"primary\":\"buy\"}")).statusCode()).isEqualTo(303);
    JsonNode stored = JSON.readTree(api("GET", "/holdouts/lt", null).body());
    assertThat(stored.path("fraction").asDouble()).isEqualTo(0.2);
    assertThat(stored.at("/metrics/primary").asText()).isEqualTo("buy");
    assertThat(admin.get("/ui/holdouts/lt").body()).doesNotContain("data-testid=\"holdout-results\"");
    assertThat(api("POST", "/holdouts/lt/refresh", "{}").statusCode()).isEqualTo(200);
    assertThat(admin.get("/ui/holdouts/lt").body()).contains("data-testid=\"holdout-results\"", "<td>buy</td>",
        "(0 units)", "fewer than 2 units in an arm");
  }

  @Test
  void layer_editAtAStaleVersion_changedBySomeoneElse_andDeleteNeedsTheVersion() throws Exception {
    UiClient admin = signedIn("admin");
    assertThat(post(admin, "/ui/layers", "/ui/layers", Map.of("key", "checkout", "name", "Checkout")).statusCode())
        .isEqualTo(303);
    assertThat(post(admin, "/ui/layers/checkout", "/ui/layers/checkout",
        Map.of("version", "1", "name", "Checkout layer")).statusCode()).isEqualTo(303);
    HttpResponse<String> stale = post(admin, "/ui/layers/checkout", "/ui/layers/checkout",
        Map.of("version", "1", "name", "Mine"));
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(stale.body()).contains("Changed by someone else", "Reload");
    assertThat(JSON.readTree(api("GET", "/layers/checkout", null).body()).path("name").asText()).isEqualTo("Checkout layer");
    assertThat(post(admin, "/ui/layers/checkout", "/ui/layers/checkout/delete", Map.of("version", "1")).statusCode())
        .isEqualTo(409);
    assertThat(post(admin, "/ui/layers/checkout", "/ui/layers/checkout/delete", Map.of("version", "2")).statusCode())
        .isEqualTo(303);
    assertThat(api("GET", "/layers/checkout", null).statusCode()).isEqualTo(404);
  }

  @Test
  void viewer_seesNoEditControls_andIsRefusedAnyway() throws Exception {
    api("POST", "/segments", "{\"key\":\"beta\",\"name\":\"Beta\",\"attribute\":\"id\",\"ids\":[\"u1\",\"u2\"]}");
    UiClient viewer = signedIn("vera");
    for (String page : new String[] {"/ui/metrics", "/ui/segments", "/ui/layers", "/ui/holdouts"}) {
      HttpResponse<String> r = viewer.get(page);
      assertThat(r.statusCode()).as(page).isEqualTo(200);
      assertThat(r.body()).as(page).doesNotContain("data-testid=\"create-form\"").doesNotContain("method=\"post\" action=\"" + page);
    }
    HttpResponse<String> segment = viewer.get("/ui/segments/beta");
    assertThat(segment.body()).contains("data-testid=\"read-only\"", "u1").doesNotContain("data-testid=\"edit-form\"")
        .doesNotContain("Delete segment");
    assertThat(post(viewer, "/ui/segments", "/ui/segments", Map.of("key", "x", "condition", "{}")).statusCode())
        .isEqualTo(403);
    assertThat(post(viewer, "/ui/segments", "/ui/comments/flags/f", Map.of("text", "hi")).statusCode()).isEqualTo(403);
    assertThat(viewer.get("/ui/flags/f").body()).contains("/ui/comments/flags/f");
    assertThat(viewer.get("/ui/comments/flags/f").body()).doesNotContain("data-testid=\"comment-form\"");
    assertThat(viewer.get("/ui/users").statusCode()).isEqualTo(403);
    assertThat(viewer.get("/ui/audit").statusCode()).isEqualTo(403);
    assertThat(api("GET", "/segments", null).body()).doesNotContain("\"key\":\"x\"");
  }

  @Test
  void comment_addedInTheUi_isListed_andInTheAuditLog() throws Exception {
    UiClient admin = signedIn("admin");
    HttpResponse<String> empty = post(admin, "/ui/flags/f", "/ui/comments/flags/f", Map.of("text", "  ", "back", "/ui/flags/f"));
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(testId(empty.body(), "comment-error")).isEqualTo("must not be empty");
    HttpResponse<String> added = post(admin, "/ui/flags/f", "/ui/comments/flags/f",
        Map.of("text", "Rolled out to 30% <b>today</b>", "back", "/ui/flags/f?project=default"));
    assertThat(added.statusCode()).isEqualTo(303);
    assertThat(added.headers().firstValue("location")).contains("/ui/flags/f?project=default");
    String block = admin.get("/ui/comments/flags/f").body();
    assertThat(block).contains("Rolled out to 30% &lt;b&gt;today&lt;/b&gt;", "admin (user:admin)").doesNotContain("<b>today");
    String audit = admin.get("/ui/audit?kind=flag&key=f").body();
    assertThat(audit).contains("<td>comment</td>", "Rolled out to 30%");
    JsonNode listed = JSON.readTree(api("GET", "/flags/f/comments", null).body()).path("items");
    assertThat(listed.get(listed.size() - 1).path("text").asText()).isEqualTo("Rolled out to 30% <b>today</b>");
  }

  @Test
  void events_justIngested_showInTheLiveFragment_withWhatMatchesNothing() throws Exception {
    String clientKey = JSON.readTree(api("POST", "/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .body()).path("key").asText();
    String name = "signup_" + System.nanoTime();
    long now = System.currentTimeMillis();
    HttpResponse<String> sent = api(clientKey, "POST", "/events", "[{\"id\":\"ev-" + name + "\",\"type\":\"metric\",\"name\":\""
        + name + "\",\"unitId\":\"u-1\",\"timestamp\":" + now + "},{\"id\":\"ex-" + name + "\",\"type\":\"exposure\","
        + "\"experimentKey\":\"ghost\",\"variationId\":0,\"unitId\":\"u-1\",\"timestamp\":" + now + "}]");
    assertThat(sent.body()).contains("\"accepted\":2");
    UiClient viewer = signedIn("vera");
    String page = viewer.get("/ui/events?window=5m").body();
    assertThat(page).contains("hx-trigger=\"every 2s\"", "/ui/events/live?window=5m");
    String live = viewer.get("/ui/events/live?window=5m").body();
    assertThat(live).doesNotContain("<html").contains("data-event-id=\"ev-" + name + "\"",
        "no metric reads event '" + name + "'", "no experiment 'ghost'");
    assertThat(viewer.get("/ui/events/live?window=forever").statusCode()).isEqualTo(400);
  }

  @Test
  void events_flagged_countedByReasonAndName_withSchemaViolations() throws Exception {
    String clientKey = JSON.readTree(api("POST", "/sdk-connections",
        "{\"name\":\"web-flagged\",\"environment\":\"production\"}").body()).path("key").asText();
    assertThat(api("PUT", "/event-schemas/checkout_done", "{\"value\":\"required\"}").statusCode()).isEqualTo(201);
    assertThat(api("PUT", "/data-quality", "{\"flagging\":true}").statusCode()).isEqualTo(200);
    try {
      long now = System.currentTimeMillis();
      String ghost = "phantom_" + System.nanoTime();
      HttpResponse<String> sent = api(clientKey, "POST", "/events", "[{\"id\":\"fx-" + ghost + "\",\"type\":\"exposure\","
          + "\"experimentKey\":\"" + ghost + "\",\"variationId\":0,\"unitId\":\"u-9\",\"timestamp\":" + now + "},"
          + "{\"id\":\"fm-" + ghost + "\",\"type\":\"metric\",\"name\":\"checkout_done\",\"unitId\":\"u-9\","
          + "\"timestamp\":" + now + "}]");
      assertThat(sent.body()).contains("\"accepted\":2");
      String live = signedIn("vera").get("/ui/events/live?window=5m").body();
      String byName = section(live, "flagged-by-name");
      assertThat(byName).contains("<code>" + ghost + "</code></td><td>unknown experiment</td><td>1</td>");
      assertThat(section(live, "flagged-by-reason")).contains("data-reason=\"unknown_experiment\"")
          .doesNotContain("data-reason=\"clock_skew");
      // The metric event had no value: a warned schema violation, listed beside the flags.
      assertThat(section(live, "schema-violations")).contains("<code>checkout_done</code></td><td>missing_value</td>");
    } finally {
      api("PUT", "/data-quality", "{}");
      api("DELETE", "/event-schemas/checkout_done", null);
    }
  }

  /* The element with this data-testid, to its closing tag (tables here do not nest). */
  private static String section(String html, String testId) {
    int at = html.indexOf("data-testid=\"" + testId + "\"");
    assertThat(at).as(testId + " in " + html).isNotNegative();
    int end = html.indexOf("</table>", at);
    return html.substring(at, end < 0 ? html.length() : end);
  }

  @Test
  void users_createWithPassword_signsIn_shortPasswordNamedAtTheField() {
    UiClient admin = signedIn("admin");
    HttpResponse<String> shortPassword = post(admin, "/ui/users", "/ui/users",
        Map.of("key", "anna", "name", "Anna", "role", "analyst", "password", "short"));
    assertThat(shortPassword.statusCode()).isEqualTo(400);
    assertThat(shortPassword.body()).contains("id=\"u-password-error\">must be at least 12 characters, was 5<");
    HttpResponse<String> created = post(admin, "/ui/users", "/ui/users",
        Map.of("key", "anna", "name", "Anna", "role", "analyst", "password", "anna's long password"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(303);
    UiClient anna = new UiClient(server.port());
    assertThat(anna.signIn("anna", "anna's long password").statusCode()).isEqualTo(303);
    assertThat(anna.get("/ui/audit").statusCode()).isEqualTo(200);
    assertThat(anna.get("/ui/users").statusCode()).isEqualTo(403);

    assertThat(post(admin, "/ui/users", "/ui/users/anna/password", Map.of("password", "a new long password")).statusCode())
        .isEqualTo(303);
    assertThat(anna.get("/ui/audit").statusCode()).as("sessions end with a new password").isEqualTo(303);
    assertThat(new UiClient(server.port()).signIn("anna", "a new long password").statusCode()).isEqualTo(303);
  }

  @Test
  void apiKey_tokenShownOnce_works_thenRevoked() throws Exception {
    UiClient admin = signedIn("admin");
    HttpResponse<String> created = post(admin, "/ui/users", "/ui/users/keys", Map.of("name", "ci", "role", "viewer"));
    assertThat(created.statusCode()).isEqualTo(201);
    String token = testId(created.body(), "new-token").isEmpty() ? "" : created.body()
        .replaceAll("(?s).*<code id=\"new-token\">([^<]*)</code>.*", "$1");
    assertThat(token).startsWith("assay_");
    assertThat(api(token, "GET", "/flags", null).statusCode()).isEqualTo(200);
    assertThat(admin.get("/ui/users").body()).doesNotContain(token);
    HttpResponse<String> noName = post(admin, "/ui/users", "/ui/users/keys", Map.of("name", "", "role", "viewer"));
    assertThat(noName.body()).contains("id=\"k-name-error\">is required");
    String id = JSON.readTree(api("GET", "/api-keys", null).body()).path("items").findValues("id").stream()
        .map(JsonNode::asText).filter(k -> admin.get("/ui/users").body().contains("Revoke ci")).reduce((a, b) -> b)
        .orElseThrow();
    assertThat(post(admin, "/ui/users", "/ui/users/keys/" + id + "/revoke", Map.of()).statusCode()).isEqualTo(303);
    assertThat(api(token, "GET", "/flags", null).statusCode()).isEqualTo(401);
  }

  @Test
  void audit_filtersAndVerifiesTheChain() {
    UiClient admin = signedIn("admin");
    String verified = admin.get("/ui/audit/verify").body();
    assertThat(testId(verified, "chain-status")).startsWith("Intact: ");
    assertThat(admin.get("/ui/audit?actor=nobody-at-all").body()).contains("No entry matches.");
    assertThat(admin.get("/ui/audit?kind=user&key=vera").body()).contains("<td>set_password</td>", "<code>vera</code>");
    HttpResponse<String> badTime = admin.get("/ui/audit?from=yesterday");
    assertThat(badTime.statusCode()).isEqualTo(400);
    assertThat(badTime.body()).contains("id=\"a-from-error\">must be a date and time");
  }

  @Test
  void archive_findsConcludedExperiments_byTheirWriteUp() throws Exception {
    api("POST", "/experiments", "{\"key\":\"green-button\",\"name\":\"Green button\",\"hypothesis\":\"Green converts\","
        + "\"variants\":[{\"key\":\"control\",\"weight\":0.5},{\"key\":\"green\",\"weight\":0.5}]}");
    for (String a : new String[] {"start", "stop"}) {
      assertThat(api("POST", "/experiments/green-button/" + a, null).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> concluded = api("POST", "/experiments/green-button/conclude",
        "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"green\",\"writeUp\":\"Checkout rate up 4% in every market\"}}");
    assertThat(concluded.statusCode()).as(concluded.body()).isEqualTo(200);
    UiClient viewer = signedIn("vera");
    assertThat(viewer.get("/ui/archive?q=every+market").body()).contains("Green button", "ship green");
    assertThat(viewer.get("/ui/archive?q=nothing-like-this").body()).contains("data-testid=\"archive-empty\"");
    assertThat(viewer.get("/ui/archive/green-button").body()).contains("Checkout rate up 4%", "data-testid=\"comments\"");
  }
}
