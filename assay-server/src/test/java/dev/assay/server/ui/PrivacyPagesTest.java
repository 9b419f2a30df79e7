package dev.assay.server.ui;

import static dev.assay.server.ui.AdminPagesTest.JSON;
import static dev.assay.server.ui.AdminPagesTest.testId;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.AssayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The privacy settings page on a real server with a real HTTP client: an admin's form is saved
 * through the service the API uses (the API then serves it), bad values are 400 pages with the
 * domain's message next to the input and nothing saved, and roles below admin see the settings
 * read-only and are refused a post.
 */
class PrivacyPagesTest {
  static final String TOKEN = "ui-privacy-test-token-0123456789";
  static final String PASSWORD = "correct horse battery";
  static final HttpClient API = HttpClient.newHttpClient();
  static AssayServer server;

  @BeforeAll
  static void start() throws Exception {
    server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("assay-ui-privacy-"))
        .adminToken(TOKEN).adminPassword(PASSWORD).start();
    assertThat(api("POST", "/projects", "{\"key\":\"shop\"}").statusCode()).isEqualTo(201);
    for (String[] u : new String[][] {{"vera", "viewer"}, {"eddie", "experimenter"}}) {
      assertThat(api("POST", "/users", "{\"key\":\"" + u[0] + "\",\"name\":\"" + u[0] + "\",\"role\":\"" + u[1] + "\"}")
          .statusCode()).isEqualTo(201);
      api("PUT", "/users/" + u[0] + "/password", "{\"password\":\"" + PASSWORD + "\"}");
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> api(String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1" + path))
        .header("Authorization", "Bearer " + TOKEN);
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

  static HttpResponse<String> save(UiClient c, String project, Map<String, String> fields) {
    String page = "/ui/project/privacy?project=" + project;
    Map<String, String> form = new HashMap<>(Map.of("consent", "keep", "minCellUnits", "10", "epsilonBudget", "1.0"));
    form.putAll(fields);
    form.put("_csrf", UiClient.csrfIn(c.get(page).body()));
    return c.post(page, form);
  }

  static JsonNode stored(String project) throws Exception {
    HttpResponse<String> r = api("GET", "/privacy?project=" + project, null);
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static Map<String, String> fields(String... nameValue) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      out.put(nameValue[i], nameValue[i + 1]);
    }
    return out;
  }

  static int audits() throws Exception {
    return JSON.readTree(api("GET", "/audit?kind=PRIVACY&limit=1000", null).body()).path("items").size();
  }

  @Test
  void admin_savesTheForm_apiServesIt_andThePageShowsIt() throws Exception {
    api("PUT", "/privacy?project=shop", "{\"clipBounds\":{\"revenue\":{\"lo\":0,\"hi\":200}}}");
    int audited = audits();
    UiClient admin = signedIn("admin");
    assertThat(admin.get("/ui/project?project=shop").body()).contains("data-testid=\"privacy-link\"");
    HttpResponse<String> saved = save(admin, "shop", fields("consent", "strip", "minCellUnits", "5",
        "epsilonBudget", "2.5", "redaction.0.name", "email", "redaction.0.rule", "hash",
        "redaction.1.name", "zip", "redaction.1.rule", "truncate", "redaction.1.length", "3",
        "retention.0.name", "page_view", "retention.0.days", "30", "retention.1.name", "", "retention.1.days", ""));
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(303);

    JsonNode s = stored("shop");
    assertThat(s.path("consent").asText()).isEqualTo("strip");
    assertThat(s.path("minCellUnits").asInt()).isEqualTo(5);
    assertThat(s.path("epsilonBudget").asDouble()).isEqualTo(2.5);
    assertThat(s.path("redactions")).isEqualTo(JSON.readTree("{\"email\":\"hash\",\"zip\":\"truncate:3\"}"));
    assertThat(s.path("retentionDays")).isEqualTo(JSON.readTree("{\"page_view\":30}"));
    assertThat(s.at("/clipBounds/revenue/hi").asDouble()).as("clip bounds are kept").isEqualTo(200.0);
    assertThat(audits()).as("the save is audited").isEqualTo(audited + 1);

    String page = admin.get("/ui/project/privacy?project=shop").body();
    assertThat(testId(page, "stored-consent")).isEqualTo("strip");
    assertThat(testId(page, "stored-minCellUnits")).isEqualTo("5");
    assertThat(page).contains("name=\"redaction.1.length\" inputmode=\"numeric\" value=\"3\"",
        "<td><code>page_view</code></td><td>30</td>");
    assertThat(stored("default").path("consent").asText()).as("other project untouched").isEqualTo("keep");
  }

  @Test
  void badInput_isA400_withTheDomainMessageAtTheField_andNothingSaved() throws Exception {
    api("PUT", "/privacy?project=default", "{\"minCellUnits\":7}");
    JsonNode before = stored("default");
    UiClient admin = signedIn("admin");

    HttpResponse<String> zeroK = save(admin, "default", fields("minCellUnits", "0"));
    assertThat(zeroK.statusCode()).isEqualTo(400);
    JsonNode apiError = JSON.readTree(api("PUT", "/privacy?project=default", "{\"minCellUnits\":0}").body());
    assertThat(apiError.at("/error/details/0/field").asText()).isEqualTo("minCellUnits");
    assertThat(testId(zeroK.body(), "error-minCellUnits")).isEqualTo(apiError.at("/error/details/0/message").asText());
    assertThat(zeroK.body()).contains("name=\"minCellUnits\" inputmode=\"numeric\" value=\"0\"");

    HttpResponse<String> mode = save(admin, "default", fields("redaction.0.name", "email",
        "redaction.0.rule", "scramble"));
    assertThat(mode.statusCode()).isEqualTo(400);
    assertThat(testId(mode.body(), "error-redaction.0.rule")).contains("must be hash, drop or truncate:N", "'scramble'");

    HttpResponse<String> length = save(admin, "default", fields("redaction.0.name", "zip",
        "redaction.0.rule", "truncate", "redaction.0.length", "many"));
    assertThat(testId(length.body(), "error-redaction.0.length")).contains("'truncate:many'");

    HttpResponse<String> negative = save(admin, "default", fields("retention.0.name", "page_view",
        "retention.0.days", "-3"));
    assertThat(negative.statusCode()).isEqualTo(400);
    assertThat(testId(negative.body(), "error-retention.0.days"))
        .isEqualTo("must be a whole number of days from 1 to 36500, was -3");

    HttpResponse<String> several = save(admin, "default", fields("minCellUnits", "ten", "epsilonBudget", "",
        "consent", "forget", "retention.0.name", "", "retention.0.days", "5",
        "redaction.0.name", "ip", "redaction.0.rule", "drop", "redaction.1.name", "ip", "redaction.1.rule", "hash"));
    assertThat(several.statusCode()).isEqualTo(400);
    assertThat(testId(several.body(), "error-minCellUnits")).isEqualTo("must be a whole number from 1 to 1000000, was 'ten'");
    assertThat(testId(several.body(), "error-epsilonBudget")).startsWith("is required");
    assertThat(testId(several.body(), "error-consent")).isEqualTo("must be keep, strip or drop, was 'forget'");
    assertThat(testId(several.body(), "error-retention.0.name")).startsWith("is required");
    assertThat(testId(several.body(), "error-redaction.1.name")).isEqualTo("'ip' appears twice; keep one row per name");

    for (HttpResponse<String> r : java.util.List.of(zeroK, mode, length, negative, several)) {
      assertThat(r.body()).doesNotContain("Something went wrong", "Exception");
    }
    assertThat(stored("default")).isEqualTo(before);
  }

  @Test
  void rolesBelowAdmin_seeTheSettingsReadOnly_andArePostRefused() throws Exception {
    JsonNode before = stored("default");
    for (String user : new String[] {"vera", "eddie"}) {
      UiClient c = signedIn(user);
      HttpResponse<String> page = c.get("/ui/project/privacy");
      assertThat(page.statusCode()).as(user).isEqualTo(200);
      assertThat(page.body()).as(user).contains("data-testid=\"privacy-read-only\"", "data-testid=\"privacy-admins-only\"")
          .doesNotContain("data-testid=\"privacy-form\"").doesNotContain("method=\"post\" action=\"/ui/project/privacy");
      assertThat(testId(page.body(), "stored-minCellUnits")).isEqualTo(before.path("minCellUnits").asText());
      HttpResponse<String> forged = save(c, "default", fields("minCellUnits", "3"));
      assertThat(forged.statusCode()).as(user).isEqualTo(403);
    }
    assertThat(stored("default")).isEqualTo(before);
  }
}
