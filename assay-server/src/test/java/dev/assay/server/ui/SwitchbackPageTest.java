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
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The switchback page shows the same analysis as the API, linked from the experiment page. */
class SwitchbackPageTest {
  static final String TOKEN = "ui-switchback-test-admin-token-0123456789";
  static final String PASSWORD = "correct horse battery";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void switchbackPage_showsTheApisComparison_andAnotherTypeIs404() throws Exception {
    try (AssayServer server = AssayServer.builder().port(0).host("127.0.0.1")
        .dataDir(Files.createTempDirectory("assay-ui-switchback-")).adminToken(TOKEN).adminPassword(PASSWORD).start()) {
      api(server, "POST", "/metrics", "{\"key\":\"spend\",\"type\":\"mean\",\"event\":\"spend\"}");
      String clientKey = api(server, "POST", "/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .get("key").asText();
      api(server, "POST", "/experiments", """
          {"key":"sb","type":"switchback","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
           "metrics":{"primary":"spend"},"switchback":{"windowSeconds":3600,"start":"2030-01-01T00:00:00Z"}}""");
      api(server, "POST", "/experiments", """
          {"key":"ab","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}]}""");
      api(server, "POST", "/experiments/sb/start", "{}");
      long t = Instant.parse("2030-01-01T00:10:00Z").toEpochMilli();
      StringBuilder events = new StringBuilder();
      String[] cells = {"a|0", "b|0", "c|0", "d|0"};
      double[][] values = {{1, 3}, {5, 7}, {4, 8}, {9, 11}};
      for (int i = 0; i < cells.length; i++) {
        events.append("{\"id\":\"x").append(i).append("\",\"type\":\"exposure\",\"unitId\":\"").append(cells[i])
            .append("\",\"experimentKey\":\"sb\",\"variationId\":").append(i / 2).append(",\"timestamp\":").append(t)
            .append("}\n");
        for (int k = 0; k < 2; k++) {
          events.append("{\"id\":\"m").append(i).append('-').append(k).append("\",\"type\":\"metric\",\"name\":\"spend\","
              + "\"unitId\":\"").append(cells[i]).append("\",\"value\":").append(values[i][k]).append(",\"timestamp\":")
              .append(t + 1000 + k).append("}\n");
        }
      }
      HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create(base(server) + "/api/v1/events"))
          .header("Authorization", "Bearer " + clientKey).header("Content-Type", "application/x-ndjson")
          .POST(HttpRequest.BodyPublishers.ofString(events.toString())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
      JsonNode analysis = api(server, "GET", "/experiments/sb/switchback", null);
      // control cells {1, 3}, {5, 7}: mean 4; treatment {4, 8}, {9, 11}: mean 8
      assertThat(analysis.at("/comparisons/0/difference").asDouble()).as(analysis.toString()).isEqualTo(4.0);

      UiClient browser = new UiClient(server.port());
      assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
      assertThat(browser.get("/ui/experiments/sb").body()).contains("data-testid=\"switchback-link\"");
      HttpResponse<String> page = browser.get("/ui/experiments/sb/switchback");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("data-variant=\"treatment\"").contains("4 cells (window × region), 8 events")
          .contains(String.format(Locale.ROOT, "%.4g", analysis.at("/comparisons/0/se").asDouble()))
          .contains(String.format(Locale.ROOT, "%.4g", analysis.at("/comparisons/0/naiveSe").asDouble()));
      assertThat(browser.get("/ui/experiments/ab/switchback").statusCode()).isEqualTo(404);
    }
  }

  private static String base(AssayServer server) {
    return "http://127.0.0.1:" + server.port();
  }

  private static JsonNode api(AssayServer server, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base(server) + "/api/v1" + path))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json");
    HttpResponse<String> r = HTTP.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
    return JSON.readTree(r.body());
  }
}
