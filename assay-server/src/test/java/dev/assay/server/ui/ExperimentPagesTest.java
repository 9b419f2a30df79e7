package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.AssayServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The experiment pages on a real server with the demo project (its catalogue, experiments and
 * simulated traffic): list, wizard and power calculator, lifecycle with a stale version, conclude,
 * and the results page with its plot data and report — through a real HTTP client, checked
 * against the management API.
 */
class ExperimentPagesTest {
  static final String TOKEN = "ui-exp-test-admin-token-0123456789";
  static final String PASSWORD = "correct horse battery";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient API = HttpClient.newHttpClient();
  static AssayServer server;
  static UiClient browser;
  static String csrf;

  @BeforeAll
  static void start() throws IOException {
    Path data = Files.createTempDirectory("assay-ui-exp-test-");
    server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(data).adminToken(TOKEN)
        .adminPassword(PASSWORD).demo(true).start();
    browser = new UiClient(server.port());
    assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
    csrf = UiClient.csrfIn(browser.get("/ui/project?project=demo").body());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static JsonNode api(String method, String path) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1" + path))
        .header("Authorization", "Bearer " + TOKEN);
    HttpResponse<String> r = API.send(b.method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  static Map<String, String> wizard(String key) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("_csrf", csrf);
    f.put("key", key);
    f.put("name", "Wizard test " + key);
    f.put("hypothesis", "A shorter form raises purchases");
    f.put("owner", "growth");
    f.put("type", "ab");
    f.put("hashAttribute", "id");
    f.put("coverage", "1");
    f.put("variants[0].key", "control");
    f.put("variants[0].weight", "0.5");
    f.put("variants[0].value", "false");
    f.put("variants[1].key", "short");
    f.put("variants[1].weight", "0.5");
    f.put("variants[1].value", "true");
    f.put("metrics.primary", "purchase");
    f.put("metrics.secondary", "revenue");
    f.put("metrics.guardrails[0].metric", "page-load-ms");
    f.put("metrics.guardrails[0].direction", "decrease");
    f.put("metrics.guardrails[0].threshold", "0.05");
    f.put("analysis.engine", "frequentist");
    f.put("analysis.alpha", "0.05");
    f.put("analysis.sequential", "true");
    f.put("analysis.cuped", "true");
    f.put("analysis.correction", "holm");
    f.put("plannedUnits", "29498");
    return f;
  }

  @Test
  void experimentPage_showsThePlannedRunOfAnExperimentWrittenAsCode() throws Exception {
    HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
            + "/api/v1/experiments?project=demo"))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("""
            {"key":"planned-run","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],
             "minimumRuntimeDays":7,"targetSampleSizePerVariant":5000,"excludedExperiments":["checkout-button"]}"""))
        .build();
    assertThat(API.send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    assertThat(browser.get("/ui/experiments/planned-run?project=demo").body())
        .contains("at least 7 days · 5000 units per variant · excludes checkout-button (not yet enforced)");
  }

  @Test
  void list_filtersByStatusAndSearch() {
    String all = browser.get("/ui/experiments?project=demo").body();
    assertThat(all).contains("checkout-button", "search-ranking-aa", "free-shipping-banner");
    String concluded = browser.get("/ui/experiments?project=demo&status=concluded").body();
    assertThat(concluded).contains("free-shipping-banner").doesNotContain("checkout-button</code>");
    String search = browser.get("/ui/experiments?project=demo&q=colour").body();
    assertThat(search).contains("checkout-button").doesNotContain("search-ranking-aa</code>");
  }

  @Test
  void powerCalculator_givesTheSampleSizeOfAssaySampleSize() {
    // stat-vectors ss_prop_001: 10% -> 11% at alpha 0.05, power 0.8: 14,749 per arm (unpooled).
    Map<String, String> f = wizard("power-check");
    f.put("_calc", "1");
    f.put("power.kind", "proportion");
    f.put("power.baseline", "0.10");
    f.put("power.mde", "0.10");
    f.put("power.power", "0.8");
    f.put("power.dailyUnits", "1000");
    HttpResponse<String> r = browser.post("/ui/experiments?project=demo", f);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("data-per-variant=\"14749\"", "data-total=\"29498\"", "30 days",
        "name=\"plannedUnits\" type=\"text\" value=\"29498\"");
    f.put("power.baseline", "1.5");
    HttpResponse<String> bad = browser.post("/ui/experiments/power?project=demo", f);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("id=\"f-power-baseline-error\"", "conversion rate in (0, 1)");
  }

  @Test
  void wizard_badWeight_showsTheDomainMessageNextToTheField_andCreatesNothing() throws Exception {
    Map<String, String> f = wizard("bad-weights");
    f.put("variants[1].weight", "0.7");
    HttpResponse<String> r = browser.post("/ui/experiments?project=demo", f);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("id=\"variants-error\"", "sum");
    f.put("variants[1].weight", "lots");
    HttpResponse<String> nan = browser.post("/ui/experiments?project=demo", f);
    assertThat(nan.body()).contains("id=\"f-variants-1--weight-error\"", "must be a number, was 'lots'");
    f.put("variants[1].weight", "0.5");
    f.put("metrics.primary", "no-such-metric");
    HttpResponse<String> ref = browser.post("/ui/experiments?project=demo", f);
    assertThat(ref.statusCode()).isEqualTo(400);
    assertThat(ref.body()).contains("aria-invalid=\"true\"", "no-such-metric");
    assertThat(api("GET", "/experiments/bad-weights?project=demo").path("error").path("code").asText())
        .isEqualTo("not_found");
  }

  @Test
  void wizard_createsADraft_thenLifecycleAndConclude_withAStaleVersionRefused() throws Exception {
    HttpResponse<String> created = browser.post("/ui/experiments?project=demo", wizard("short-form"));
    assertThat(created.statusCode()).isEqualTo(303);
    JsonNode doc = api("GET", "/experiments/short-form?project=demo");
    assertThat(doc.path("status").asText()).isEqualTo("draft");
    assertThat(doc.at("/metrics/guardrails/0/threshold").asDouble()).isEqualTo(0.05);
    assertThat(doc.at("/analysis/correction").asText()).isEqualTo("holm");
    assertThat(doc.path("plannedUnits").asLong()).isEqualTo(29498);
    long v = doc.path("version").asLong();
    assertThat(post("/ui/experiments/short-form/start", Map.of("version", "" + v)).statusCode()).isEqualTo(303);
    HttpResponse<String> stale = post("/ui/experiments/short-form/pause", Map.of("version", "" + v));
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(stale.body()).contains("Changed by someone else", "Reload");
    long running = api("GET", "/experiments/short-form?project=demo").path("version").asLong();
    assertThat(post("/ui/experiments/short-form/stop", Map.of("version", "" + running)).statusCode()).isEqualTo(303);
    long stopped = api("GET", "/experiments/short-form?project=demo").path("version").asLong();
    HttpResponse<String> noOutcome = post("/ui/experiments/short-form/conclude",
        Map.of("version", "" + stopped, "decision.writeUp", "no outcome chosen"));
    assertThat(noOutcome.statusCode()).isEqualTo(400);
    assertThat(noOutcome.body()).contains("field-error", "outcome");
    HttpResponse<String> ship = post("/ui/experiments/short-form/conclude", Map.of("version", "" + stopped,
        "decision.outcome", "ship", "decision.variant", "short", "decision.audience", "experiment",
        "decision.writeUp", "Shorter form won."));
    assertThat(ship.statusCode()).isEqualTo(303);
    JsonNode concluded = api("GET", "/experiments/short-form?project=demo");
    assertThat(concluded.path("status").asText()).isEqualTo("concluded");
    assertThat(concluded.at("/decision/variant").asText()).isEqualTo("short");
    assertThat(concluded.at("/decision/audience").asText()).isEqualTo("experiment");
    assertThat(browser.get("/ui/experiments/short-form?project=demo").body()).contains("Shorter form won.");
  }

  @Test
  void results_afterARefresh_showTheKnownEffect_plotData_andTheReport() throws Exception {
    // Another test's background refresh of the project may hold the analysis slot (429): retry until admitted.
    HttpResponse<String> refresh = post("/ui/experiments/checkout-button/refresh", Map.of("dimensions", "country"));
    for (int i = 0; i < 120 && refresh.statusCode() == 429; i++) {
      Thread.sleep(250);
      refresh = post("/ui/experiments/checkout-button/refresh", Map.of("dimensions", "country"));
    }
    assertThat(refresh.statusCode()).isEqualTo(303);
    String page = browser.get("/ui/experiments/checkout-button/results?project=demo").body();
    // DemoTraffic: green raises purchase from 10% to 14%; page load is the same in both arms.
    assertThat(page).contains("data-metric=\"purchase\" data-variant=\"green\" data-verdict=\"win\"",
        "data-metric=\"page-load-ms\" data-variant=\"green\" data-verdict=\"flat\"", "Sample ratio ok",
        "Progress to the planned sample", "By country", "data-plot-url=");
    JsonNode plots = JSON.readTree(browser.get("/ui/experiments/checkout-button/results/plots.json?project=demo").body());
    JsonNode purchase = null;
    for (JsonNode m : plots.path("metrics")) {
      if (m.path("key").asText().equals("purchase")) {
        purchase = m;
      }
    }
    assertThat(purchase).isNotNull();
    assertThat(purchase.at("/forest/0/variant").asText()).isEqualTo("green");
    assertThat(purchase.at("/forest/0/lower").asDouble()).isGreaterThan(0);
    assertThat(purchase.at("/forest/0/verdict").asText()).isEqualTo("win");
    assertThat(purchase.at("/series/0/estimate").size()).isEqualTo(plots.path("times").size());
    HttpResponse<String> md = browser.get("/ui/experiments/checkout-button/report.md?project=demo");
    assertThat(md.headers().firstValue("content-disposition")).contains("attachment; filename=\"checkout-button-report.md\"");
    assertThat(md.body()).startsWith("# Checkout button colour").contains("purchase").contains("## Lineage");

    // The results page links the snapshot's lineage page (ADR 0043).
    java.util.regex.Matcher link = java.util.regex.Pattern.compile(
        "href=\"(/ui/snapshots/(\\d+)/lineage\\?project=demo)\" data-testid=\"lineage-link\"").matcher(page);
    assertThat(link.find()).as("a lineage link on the results page").isTrue();
    assertThat(md.body()).contains("/api/v1/snapshots/" + link.group(2) + "/lineage?project=demo");
    String lineage = browser.get(link.group(1)).body();
    assertThat(lineage).contains("Lineage · snapshot " + link.group(2), "data-testid=\"lineage-warehouse\">duckdb v",
        "data-testid=\"lineage-query\"", "exposure counts", "purchase", "WITH exposed AS", "country");
  }

  @Test
  void refresh_byHtmx_answersWithItsProgress() {
    HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/ui/experiments/search-ranking-aa/refresh?project=demo")).header("HX-Request", "true")
        .header("X-CSRF-Token", csrf).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("dimensions=")));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("id=\"refresh-progress\"");
    HttpResponse<String> bad = browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/ui/experiments/search-ranking-aa/refresh?project=demo")).header("HX-Request", "true")
        .header("X-CSRF-Token", csrf).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("dimensions=not%20a%20name")));
    assertThat(bad.body()).contains("data-testid=\"refresh-error\"", "not an exposure attribute name");
  }

  private static HttpResponse<String> post(String path, Map<String, String> fields) {
    Map<String, String> f = new LinkedHashMap<>(fields);
    f.put("_csrf", csrf);
    return browser.post(path + "?project=demo", f);
  }

  @Test
  void historySection_ofARunningExperiment_restoresAVersionAndKeepsItRunning() throws Exception {
    JsonNode before = api("GET", "/experiments/checkout-button?project=demo");
    assertThat(before.path("status").asText()).isEqualTo("running");
    long current = before.path("version").asLong();
    String page = browser.get("/ui/experiments/checkout-button?project=demo").body();
    assertThat(page).contains("data-testid=\"experiment-history\"", "data-version=\"1\"", "Restore v1", "name=\"newPhase\"");
    HttpResponse<String> r = browser.post("/ui/experiments/checkout-button/versions/1/restore?project=demo",
        Map.of("_csrf", csrf, "version", String.valueOf(current), "reason", "same design"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    JsonNode after = api("GET", "/experiments/checkout-button?project=demo");
    assertThat(after.path("version").asLong()).isEqualTo(current + 1);
    assertThat(after.path("status").asText()).as("the lifecycle state is kept").isEqualTo("running");
    assertThat(after.path("variants")).isEqualTo(before.path("variants"));
    JsonNode newest = api("GET", "/experiments/checkout-button/history?project=demo&limit=1").path("items").get(0);
    assertThat(newest.path("action").asText()).isEqualTo("restore_version");
    assertThat(newest.path("reason").asText()).isEqualTo("restores version 1: same design");
    HttpResponse<String> bad = browser.post("/ui/experiments/checkout-button/versions/x/restore?project=demo",
        Map.of("_csrf", csrf, "version", String.valueOf(current + 1)));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).doesNotContain("Exception");
  }
}
