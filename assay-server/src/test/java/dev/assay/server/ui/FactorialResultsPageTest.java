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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The results page of a factorial experiment shows the factorial section: the same effects as
 * {@code GET /experiments/{key}/factorial} (main effects, the interaction, adjusted p-values and
 * verdicts, the cells), through a real server and a signed-in browser session.
 */
class FactorialResultsPageTest {
  static final String TOKEN = "ui-factorial-test-admin-token-0123456789";
  static final String PASSWORD = "correct horse battery";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient API = HttpClient.newHttpClient();

  @Test
  void resultsPage_showsTheFactorialEffectsOfTheApi() throws Exception {
    try (AssayServer server = AssayServer.builder().port(0).host("127.0.0.1")
        .dataDir(Files.createTempDirectory("assay-ui-factorial-")).adminToken(TOKEN).adminPassword(PASSWORD).start()) {
      api(server, "POST", "/metrics", "{\"key\":\"signup\",\"type\":\"proportion\",\"event\":\"signup\"}");
      String clientKey = api(server, "POST", "/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .get("key").asText();
      api(server, "POST", "/experiments", """
          {"key":"promo","type":"multivariate","factors":[{"key":"color","levels":["blue","red"]},
           {"key":"size","levels":["small","large"]}],
           "variants":[{"key":"blue.small","weight":0.25},{"key":"blue.large","weight":0.25},
            {"key":"red.small","weight":0.25},{"key":"red.large","weight":0.25}],"metrics":{"primary":"signup"}}""");
      api(server, "POST", "/experiments/promo/start", "{}");
      // Each unit's cell by a seeded draw (the proof test uses the SDK); conversions 10% + 10% for red.
      SplittableRandom rnd = new SplittableRandom(18);
      StringBuilder batch = new StringBuilder();
      long t = System.currentTimeMillis();
      for (int u = 0; u < 2_000; u++) {
        int cell = rnd.nextInt(4);
        batch.append("{\"id\":\"x").append(u).append("\",\"type\":\"exposure\",\"unitId\":\"u").append(u)
            .append("\",\"experimentKey\":\"promo\",\"variationId\":").append(cell).append(",\"timestamp\":")
            .append(t).append("}\n");
        if (rnd.nextDouble() < (cell >= 2 ? 0.2 : 0.1)) {
          batch.append("{\"id\":\"m").append(u).append("\",\"type\":\"metric\",\"name\":\"signup\",\"unitId\":\"u")
              .append(u).append("\",\"timestamp\":").append(t + 1).append("}\n");
        }
      }
      HttpResponse<String> sent = API.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
          + "/api/v1/events")).header("Authorization", "Bearer " + clientKey).header("Content-Type",
          "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(sent.statusCode()).as(sent.body()).isBetween(200, 299);
      api(server, "POST", "/experiments/promo/refresh", "{}");
      JsonNode effects = api(server, "GET", "/experiments/promo/factorial", null).at("/metrics/0/effects");

      UiClient browser = new UiClient(server.port());
      assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
      String page = browser.get("/ui/experiments/promo/results").body();
      assertThat(page).contains("data-testid=\"factorial\"", "Factorial effects", "color: red vs baseline",
          "size: large vs baseline", "color × size: red × large", "<code>red.large</code>");
      String colorEstimate = String.format(java.util.Locale.ROOT, "%.4g", effects.get(0).get("estimate").asDouble());
      assertThat(page).contains(colorEstimate);
      assertThat(effects.get(0).get("significant").asBoolean()).isTrue();
      assertThat(page).contains("<td>significant</td>");
    }
  }

  private static JsonNode api(AssayServer server, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1" + path))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json");
    HttpResponse<String> r = API.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
    return JSON.readTree(r.body());
  }
}
