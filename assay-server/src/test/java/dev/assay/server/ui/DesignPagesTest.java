package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bandit and platform A/A pages over HTTP: a bandit's page carries the API's weight series for
 * its plot and another type is 404; the platform A/A page offers "Run now" only to roles that may
 * run it, a viewer's forged post is refused and runs nothing, an analyst's post runs the check
 * (stored: the API counts it), and an HTMX post answers the new verdict's body to swap in, with the
 * API's series over time for its plot.
 */
class DesignPagesTest {
  @Test
  void banditPage_carriesTheApisSeries_andAnotherTypeIs404() throws Exception {
    try (UiTestServer server = UiTestServer.embedded()) {
      server.ok("POST", "/metrics", "{\"key\":\"signup\",\"type\":\"proportion\",\"event\":\"signup\"}");
      server.ok("POST", "/experiments", """
          {"key":"arms","type":"bandit","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],
           "metrics":{"primary":"signup"},"bandit":{"updateIntervalSeconds":60}}""");
      server.ok("POST", "/experiments", "{\"key\":\"ab\",\"variants\":[{\"key\":\"control\",\"weight\":0.5},"
          + "{\"key\":\"treatment\",\"weight\":0.5}]}");
      server.ok("POST", "/experiments/arms/start", "{}");
      String series = server.ok("GET", "/experiments/arms/bandit", null).path("series").toString();
      UiClient admin = server.signIn("admin");
      HttpResponse<String> page = admin.get("/ui/experiments/arms/bandit");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("data-plot-kind=\"bandit\"").contains("data-plot=\""
          + series.replace("\"", "&#34;") + "\"").contains("data-variant=\"a\" data-weight=\"0.5\"")
          .contains("/ui/assets/designs-");
      assertThat(admin.get("/ui/experiments/arms").body()).contains("data-testid=\"bandit-link\"");
      assertThat(admin.get("/ui/experiments/ab/bandit").statusCode()).isEqualTo(404);
      assertThat(admin.get("/ui/experiments/ab").body()).doesNotContain("data-testid=\"bandit-link\"");
    }
  }

  @Test
  void platformAaPage_runNowOnlyForThoseWhoMayRun_andAPostRunsTheCheck() throws Exception {
    try (UiTestServer server = UiTestServer.embedded()) {
      server.user("vera", "viewer");
      server.user("ana", "analyst");
      UiClient viewer = server.signIn("vera");
      HttpResponse<String> seen = viewer.get("/ui/platform/aa");
      assertThat(seen.statusCode()).isEqualTo(200);
      assertThat(seen.body()).contains("data-testid=\"aa-status\" data-status=\"insufficient\"")
          .contains("data-testid=\"aa-runs\" data-value=\"0\"").doesNotContain("data-testid=\"aa-run\"")
          .doesNotContain(">Platform A/A</a>");
      HttpResponse<String> forged = viewer.post("/ui/platform/aa/runs", Map.of("_csrf", UiClient.csrfIn(seen.body())));
      assertThat(forged.statusCode()).isEqualTo(403);
      assertThat(server.ok("GET", "/platform/aa", null).path("runs").asInt()).isZero();

      UiClient analyst = server.signIn("ana");
      HttpResponse<String> page = analyst.get("/ui/platform/aa");
      assertThat(page.body()).contains("data-testid=\"aa-run\"").contains(">Platform A/A</a>")
          .contains("data-plot-kind=\"aa-histogram\"");
      String csrf = UiClient.csrfIn(page.body());
      assertThat(analyst.post("/ui/platform/aa/runs", Map.of("_csrf", csrf)).statusCode()).isEqualTo(303);
      assertThat(server.ok("GET", "/platform/aa", null).path("runs").asInt()).isEqualTo(1);
      HttpResponse<String> swapped = analyst.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + server.port() + "/ui/platform/aa/runs")).header("HX-Request", "true").header("X-CSRF-Token", csrf)
          .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("")));
      assertThat(swapped.statusCode()).isEqualTo(200);
      assertThat(swapped.body()).startsWith("<div id=\"aa-body\"").contains("data-testid=\"aa-runs\" data-value=\"2\"")
          .doesNotContain("<html");
      com.fasterxml.jackson.databind.JsonNode api = server.ok("GET", "/platform/aa", null);
      assertThat(api.path("runs").asInt()).isEqualTo(2);
      // The over-time plot carries the API's series: one point per run (no experiment runs here, so no tests).
      assertThat(api.at("/overTime/t")).hasSize(2);
      assertThat(api.at("/overTime/tests").toString()).isEqualTo("[0,0]");
      assertThat(api.at("/overTime/falsePositiveRate").toString()).isEqualTo("[null,null]");
      assertThat(swapped.body()).contains("data-plot-kind=\"aa-over-time\" data-plot=\""
          + api.path("overTime").toString().replace("\"", "&#34;") + "\"");
    }
  }
}
