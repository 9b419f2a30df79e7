package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flagged and excluded data and the per-refresh data-quality checks on a real server and store
 * (issue 20, parts 3 and 4): each flagging rule marks the events it should, the analysis counts
 * only the clean units, the health section counts the excluded rows per kind and reason, and the
 * checks report metric sources and late data. Every expected number is counted by hand below.
 */
class DataQualityTest {
  private final TestServer t = server();
  private String clientKey;
  private final HttpClient http = HttpClient.newHttpClient();

  TestServer server() {
    return new TestServer();
  }

  @BeforeEach
  void setUp() {
    clientKey = ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}"))
        .json().get("key").asText();
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"refund\",\"type\":\"proportion\",\"event\":\"refund\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"exp","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"purchase","secondary":["refund"]}}"""));
    ok(t.admin("POST", "/api/v1/experiments/exp/start", "{}"));
    ok(t.admin("PUT", "/api/v1/data-quality", "{\"flagging\":true,\"maxEventsPerUnitPerMinute\":3}"));
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  @Test
  void flaggedEvents_excludedFromAnalysis_countedByReasonInHealth() throws Exception {
    long now = System.currentTimeMillis();
    long hour = 3_600_000L;
    // A browser: u1, u2, u3 clean; u4 a variation exp lacks; u5 an hour ahead of the server's
    // clock; an exposure of an experiment the project lacks; u1's purchase clean, u2's an hour ahead.
    JsonNode a = post("Mozilla/5.0 (X11; Linux x86_64)", exposure("a1", "exp", "u1", 0, now),
        exposure("a2", "exp", "u2", 1, now), exposure("a3", "exp", "u3", 0, now), exposure("a4", "exp", "u4", 5, now),
        exposure("a5", "exp", "u5", 0, now + hour), exposure("a6", "ghost", "u1", 0, now),
        metric("a7", "purchase", "u1", now), metric("a8", "purchase", "u2", now + hour));
    assertThat(a.path("accepted").asInt()).as(a.toString()).isEqualTo(8); // flagged events are stored
    // A crawler: u6's exposure and purchase.
    post("Mozilla/5.0 (compatible; Googlebot/2.1)", exposure("b1", "exp", "u6", 1, now), metric("b2", "purchase", "u6", now));
    // u7 sends five exposures in a minute: the rule allows three, the last two are bot_rate.
    post("curl/8", exposure("c1", "exp", "u7", 0, now), exposure("c2", "exp", "u7", 0, now),
        exposure("c3", "exp", "u7", 0, now), exposure("c4", "exp", "u7", 0, now), exposure("c5", "exp", "u7", 0, now));

    JsonNode first = refresh();
    // Clean units: u1, u3, u7 in control, u2 in treatment (u5 and u6 would add one to each).
    assertThat(first.at("/health/units/0/units").asLong()).as(first.path("health").toString()).isEqualTo(3);
    assertThat(first.at("/health/units/1/units").asLong()).isEqualTo(1);
    assertThat(excluded(first)).isEqualTo(Map.of(
        "exposure/unknown_variation", 1L, "exposure/clock_skew_future", 1L, "exposure/bot_user_agent", 1L,
        "exposure/bot_rate", 2L, "metric/clock_skew_future", 1L, "metric/bot_user_agent", 1L));
    // Only u1's purchase counts: control converts 1 of 3, treatment 0 of 1.
    JsonNode purchase = first.at("/sufficientStatistics/purchase");
    assertThat(purchase.at("/0/n").asLong()).as(purchase.toString()).isEqualTo(3);
    assertThat(purchase.at("/0/sumY").asDouble()).as(purchase.toString()).isEqualTo(1.0);
    assertThat(purchase.at("/1/sumY").asDouble()).isEqualTo(0.0);
    Map<String, JsonNode> checks = checks(first);
    assertThat(checks.get("metric_sources").path("status").asText()).isEqualTo("warn");
    assertThat(checks.get("metric_sources").path("message").asText()).contains("refund").doesNotContain("purchase");
    assertThat(checks.get("multiple_exposure").path("status").asText()).isEqualTo("ok");
    assertThat(checks.get("exposure_volume").path("status").asText()).isEqualTo("ok");
    assertThat(checks.get("exposure_volume").path("message").asText()).contains("not enough history");
    assertThat(checks.get("late_data").path("status").asText()).isEqualTo("ok");
    // Clean exposure rows before this refresh: u1, u2, u3 and u7's first three.
    assertThat(first.at("/health/dataQuality/exposureEvents").asLong()).isEqualTo(6);

    // One exposure for a time before the first refresh arrives after it (late), one for now.
    long before = Instant.parse(first.path("computedAt").asText()).toEpochMilli() - 1;
    post("Mozilla/5.0", exposure("d1", "exp", "u9", 1, before), exposure("d2", "exp", "u10", 1,
        System.currentTimeMillis()));
    JsonNode second = refresh();
    JsonNode late = checks(second).get("late_data");
    // 7 clean rows before the first refresh's time now, 6 then: 1 late, 1/7 > 5 %.
    assertThat(late.path("status").asText()).as(late.toString()).isEqualTo("fail");
    assertThat(late.path("value").asDouble()).isCloseTo(1.0 / 7, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(second.at("/health/warnings").toString()).contains("late_data fail");

    // Stopped: a new exposure is flagged experiment_stopped (the cached rules follow the change).
    ok(t.admin("POST", "/api/v1/experiments/exp/stop", "{}"));
    post("Mozilla/5.0", exposure("e1", "exp", "u11", 0, System.currentTimeMillis()));
    JsonNode third = refresh();
    assertThat(excluded(third)).containsEntry("exposure/experiment_stopped", 1L);
    assertThat(third.at("/health/units/0/units").asLong()).isEqualTo(3);
    assertThat(third.at("/health/units/1/units").asLong()).isEqualTo(3); // u2, u9, u10
    String metrics = t.call("GET", "/metrics", null, null).body();
    assertThat(metrics).contains("assay_events_flagged_total{reason=\"bot_rate\"} 2.0")
        .contains("assay_events_flagged_total{reason=\"unknown_experiment\"} 1.0");
  }

  /* The events summary counts the flagged rows per reason and per experiment or event name. */
  @Test
  void flaggedEvents_countedByReasonAndName_inTheEventsSummary() throws Exception {
    long now = System.currentTimeMillis();
    long hour = 3_600_000L;
    long twoDays = 48 * hour;
    post("Mozilla/5.0 (X11; Linux x86_64)", exposure("a1", "exp", "u1", 0, now), exposure("a2", "exp", "u2", 7, now),
        exposure("a3", "ghost", "u3", 0, now), exposure("a4", "ghost", "u4", 1, now),
        exposure("a5", "exp", "u5", 0, now + hour), metric("a6", "purchase", "u1", now - twoDays),
        metric("a7", "purchase", "u2", now));
    post("Mozilla/5.0 (compatible; Googlebot/2.1)", metric("b1", "refund", "u6", now));
    ok(t.admin("POST", "/api/v1/experiments/exp/stop", "{}"));
    post("Mozilla/5.0", exposure("c1", "exp", "u7", 1, System.currentTimeMillis()));

    JsonNode s = ok(t.admin("GET", "/api/v1/events/summary?from=" + (now - 3 * twoDays) + "&to=" + (now + 2 * hour),
        null)).json();
    JsonNode flagged = s.path("flagged");
    // Every event but a1 and a7: 2 unknown_experiment, then one of each other reason.
    assertThat(flagged.path("events").asLong()).as(flagged.toString()).isEqualTo(7);
    Map<String, Long> byReason = new TreeMap<>();
    flagged.path("byReason").forEach(r -> byReason.put(r.path("reason").asText(), r.path("events").asLong()));
    assertThat(byReason).isEqualTo(Map.of("unknown_experiment", 2L, "unknown_variation", 1L, "clock_skew_future", 1L,
        "clock_skew_past", 1L, "bot_user_agent", 1L, "experiment_stopped", 1L));
    assertThat(flagged.at("/byReason/0/reason").asText()).as("most first").isEqualTo("unknown_experiment");
    Map<String, Long> byName = new TreeMap<>();
    flagged.path("byName").forEach(r -> byName.put(r.path("type").asText() + "/" + r.path("name").asText() + "/"
        + r.path("reason").asText(), r.path("events").asLong()));
    assertThat(byName).isEqualTo(Map.of("exposure/ghost/unknown_experiment", 2L, "exposure/exp/unknown_variation", 1L,
        "exposure/exp/clock_skew_future", 1L, "exposure/exp/experiment_stopped", 1L,
        "metric/purchase/clock_skew_past", 1L, "metric/refund/bot_user_agent", 1L));
    // Flagged events are stored: they are in the counts too.
    assertThat(s.path("exposures").asLong()).isEqualTo(6);
    assertThat(s.path("metricEvents").asLong()).isEqualTo(3);

    // A window without them: nothing flagged.
    JsonNode before = ok(t.admin("GET", "/api/v1/events/summary?from=0&to=1000", null)).json();
    assertThat(before.at("/flagged/events").asLong()).isZero();
    assertThat(before.at("/flagged/byReason")).isEmpty();
  }

  @Test
  void flaggingOff_byDefault_nothingExcluded() throws Exception {
    ok(t.admin("PUT", "/api/v1/data-quality", "{}"));
    long now = System.currentTimeMillis();
    post("Googlebot", exposure("a1", "exp", "u1", 0, now), exposure("a2", "exp", "u2", 1, now + 3_600_000L));
    JsonNode r = refresh();
    assertThat(excluded(r)).isEmpty();
    assertThat(r.at("/health/units/0/units").asLong() + r.at("/health/units/1/units").asLong()).isEqualTo(2);
  }

  private JsonNode refresh() {
    return ok(t.admin("POST", "/api/v1/experiments/exp/refresh", "{}")).json();
  }

  private static Map<String, Long> excluded(JsonNode snapshot) {
    Map<String, Long> out = new TreeMap<>();
    snapshot.at("/health/dataQuality/excluded").forEach(x ->
        out.put(x.path("kind").asText() + "/" + x.path("reason").asText(), x.path("events").asLong()));
    return out;
  }

  private static Map<String, JsonNode> checks(JsonNode snapshot) {
    Map<String, JsonNode> out = new TreeMap<>();
    snapshot.at("/health/dataQuality/checks").forEach(c -> out.put(c.path("check").asText(), c));
    return out;
  }

  private JsonNode post(String userAgent, String... events) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + "/api/v1/events"))
        .header("Authorization", "Bearer " + clientKey).header("Content-Type", "application/json")
        .header("User-Agent", userAgent)
        .POST(HttpRequest.BodyPublishers.ofString("[" + String.join(",", events) + "]", StandardCharsets.UTF_8)).build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    assertThat(json.path("rejected")).as(r.body()).isEmpty();
    return json;
  }

  private static String exposure(String id, String experiment, String unit, int variation, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"" + experiment + "\",\"variationId\":"
        + variation + ",\"unitId\":\"" + unit + "\",\"timestamp\":" + ts + "}";
  }

  private static String metric(String id, String name, String unit, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"" + name + "\",\"unitId\":\"" + unit
        + "\",\"timestamp\":" + ts + "}";
  }
}
