package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A new experiment has no or very few events for a while: refreshing it is a normal data
 * condition, answered 200 with a reason per metric, never a 500 (a new user's first refresh).
 */
class RefreshLittleDataTest {
  private TestServer server;
  private String clientKey;

  @BeforeEach
  void start() {
    server = new TestServer();
    clientKey = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"fresh","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"purchase","secondary":["revenue"]}}"""));
    ok(server.admin("POST", "/api/v1/experiments/fresh/start", "{}"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void refresh_noEvents_answers200WithNotEnoughDataPerMetric() {
    JsonNode snapshot = refreshed();
    assertThat(snapshot.at("/health/srm").asBoolean()).as("no SRM alarm without units").isFalse();
    assertThat(snapshot.at("/health/tooSmall").asBoolean()).isTrue();
    assertNotEnoughData(snapshot, "purchase");
    assertNotEnoughData(snapshot, "revenue");
  }

  @Test
  void refresh_oneUnitPerArm_answers200WithNotEnoughDataPerMetric() {
    long now = System.currentTimeMillis();
    String body = "[" + exposure("e0", "u0", 0, now) + "," + exposure("e1", "u1", 1, now) + ","
        + "{\"id\":\"m0\",\"type\":\"metric\",\"name\":\"revenue\",\"unitId\":\"u0\",\"timestamp\":" + (now + 1)
        + ",\"value\":3.5}]";
    TestServer.Response posted = server.send("POST", "/api/v1/events", clientKey, "application/json",
        body.getBytes(StandardCharsets.UTF_8));
    assertThat(posted.json().path("accepted").asInt()).as(posted.body()).isEqualTo(3);
    JsonNode snapshot = refreshed();
    assertThat(snapshot.at("/health/units/0/units").asLong()).isEqualTo(1);
    assertThat(snapshot.at("/health/units/1/units").asLong()).isEqualTo(1);
    assertNotEnoughData(snapshot, "purchase");
    assertNotEnoughData(snapshot, "revenue");
  }

  private JsonNode refreshed() {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments/fresh/refresh", "{}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  /* Every result of the metric says why it has no estimate, instead of showing a number. */
  private static void assertNotEnoughData(JsonNode snapshot, String metric) {
    int seen = 0;
    for (JsonNode result : snapshot.path("results")) {
      if (!result.path("metric").asText().equals(metric)) {
        continue;
      }
      seen++;
      assertThat(result.path("notes").toString()).as(result.toString()).containsIgnoringCase("not enough data");
    }
    assertThat(seen).as("results for " + metric + " in " + snapshot).isPositive();
  }

  private static String exposure(String id, String unit, int variation, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"fresh\",\"variationId\":" + variation
        + ",\"unitId\":\"" + unit + "\",\"timestamp\":" + ts + "}";
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
