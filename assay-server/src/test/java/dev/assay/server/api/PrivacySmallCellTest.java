package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Small-cell suppression of dimension breakdowns (docs/privacy.md) on a real server and its
 * embedded warehouse: a level with fewer than k units in a variation shows "suppressed (< k)"
 * instead of numbers in the results, the report and the refresh's answer; at exactly k it shows.
 */
class PrivacySmallCellTest {
  private TestServer server;
  private String clientKey;

  @BeforeEach
  void start() {
    server = new TestServer();
    clientKey = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"cells","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"revenue"}}"""));
    ok(server.admin("POST", "/api/v1/experiments/cells/start", "{}"));
    // NL: exactly 10 units in each variation (shown at k = 10); DE: 20 in control, 9 in treatment
    // (suppressed at k = 10); BE: 30 and 30.
    List<String> events = new ArrayList<>();
    long now = System.currentTimeMillis();
    int[] id = {0};
    addUnits(events, "NL", 0, 10, now, id);
    addUnits(events, "NL", 1, 10, now, id);
    addUnits(events, "DE", 0, 20, now, id);
    addUnits(events, "DE", 1, 9, now, id);
    addUnits(events, "BE", 0, 30, now, id);
    addUnits(events, "BE", 1, 30, now, id);
    TestServer.Response posted = server.send("POST", "/api/v1/events", clientKey, "application/json",
        ("[" + String.join(",", events) + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(posted.json().get("accepted").asInt()).as(posted.body()).isEqualTo(events.size());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static void addUnits(List<String> out, String country, int variation, int units, long now, int[] id) {
    for (int i = 0; i < units; i++) {
      String unit = country + "-" + variation + "-" + i;
      out.add("{\"id\":\"x" + id[0]++ + "\",\"type\":\"exposure\",\"experimentKey\":\"cells\",\"variationId\":" + variation
          + ",\"unitId\":\"" + unit + "\",\"timestamp\":" + now + ",\"attributes\":{\"country\":\"" + country + "\"}}");
      out.add("{\"id\":\"x" + id[0]++ + "\",\"type\":\"metric\",\"name\":\"revenue\",\"unitId\":\"" + unit
          + "\",\"timestamp\":" + (now + 1) + ",\"value\":" + (i % 7 + variation) + "}");
    }
  }

  private JsonNode refresh() {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments/cells/refresh?dimensions=country", "{}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  @Test
  void breakdown_levelBelowK_isSuppressed_levelsAtOrAboveKShowNumbers() {
    JsonNode levels = refresh().at("/dimensions/country/levels");

    JsonNode de = levels.get("DE").get(0);
    assertThat(de.get("metric").asText()).isEqualTo("revenue");
    assertThat(de.get("variant").asText()).isEqualTo("treatment");
    assertThat(de.get("suppressed").asText()).isEqualTo("suppressed (< 10)");
    assertThat(de.has("effect")).isFalse();
    assertThat(de.has("controlMean")).isFalse();
    assertThat(de.has("ciLower")).isFalse();
    for (String shown : List.of("NL", "BE")) {
      JsonNode row = levels.get(shown).get(0);
      assertThat(row.has("suppressed")).as(shown).isFalse();
      assertThat(row.get("effect").isNumber()).as(shown).isTrue();
    }
    JsonNode stored = server.admin("GET", "/api/v1/experiments/cells/results", null).json();
    assertThat(stored.at("/dimensions/country/levels/DE/0/suppressed").asText()).isEqualTo("suppressed (< 10)");
    assertThat(stored.at("/dimensions/country/levels/DE/0/effect").isMissingNode()).isTrue();
    assertThat(server.admin("GET", "/api/v1/experiments/cells/report.md", null).status()).isEqualTo(200);
  }

  @Test
  void breakdown_kConfiguredPerProject_appliesAtTheNextRefresh() {
    ok(server.admin("PUT", "/api/v1/privacy", "{\"minCellUnits\":11}"));
    JsonNode levels = refresh().at("/dimensions/country/levels");
    assertThat(levels.at("/NL/0/suppressed").asText()).isEqualTo("suppressed (< 11)");
    assertThat(levels.at("/DE/0/suppressed").asText()).isEqualTo("suppressed (< 11)");
    assertThat(levels.at("/BE/0/effect").isNumber()).isTrue();

    ok(server.admin("PUT", "/api/v1/privacy", "{\"minCellUnits\":9}"));
    levels = refresh().at("/dimensions/country/levels");
    assertThat(levels.at("/DE/0/effect").isNumber()).isTrue();
    assertThat(levels.at("/DE/0/suppressed").isMissingNode()).isTrue();
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
