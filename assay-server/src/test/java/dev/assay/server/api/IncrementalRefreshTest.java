package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Incremental refresh (issue 19, ADR 0050) through a real server on the embedded DuckDB warehouse,
 * events posted through ingestion in batches on a simulated clock: late events (within the
 * lateness bound), a unit switching variation, new units, events before a unit's exposure. After a
 * build and a fold of the aggregates, a full refresh ({@code ?full=true}) of the same data stores the same
 * statistics — results (estimates, intervals, CUPED, p-values), sufficient statistics and unit
 * counts; the lineage says which queries read the aggregates.
 */
class IncrementalRefreshTest {
  private static final long HOUR = 3_600_000L;

  private final TimeAlertsTest.SimClock clock = new TimeAlertsTest.SimClock();
  private TestServer server;
  private String clientKey;
  private int ids;

  @BeforeEach
  void start() {
    clock.millis.set(System.currentTimeMillis() - 13 * HOUR);
    server = new TestServer(b -> b.clock(clock).incrementalRefresh(Duration.ofHours(1)));
    clientKey = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\","
        + "\"conversionWindowHours\":4}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\","
        + "\"cupedLookbackDays\":1}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"pages\",\"type\":\"count\",\"event\":\"page\"}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"inc","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"purchase","secondary":["revenue","pages"]}}"""));
    ok(server.admin("POST", "/api/v1/experiments/inc/start", "{}"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void incrementalInBatches_sameStatisticsAsAFullRefreshOfTheSameData() {
    SplittableRandom rnd = new SplittableRandom(1919);
    long phaseStart = clock.millis();
    List<String> late = new ArrayList<>();
    for (int batch = 0; batch < 4; batch++) {
      long from = phaseStart + batch * 3 * HOUR;
      clock.millis.set(from + 3 * HOUR);
      StringJoiner events = new StringJoiner(",", "[", "]");
      late.forEach(events::add); // held back last batch: now up to 50 minutes after their time
      late.clear();
      for (int u = batch * 60; u < batch * 60 + 80; u++) { // 20 units of the batch before exposed again
        int v = (u * 7 + u / 3) % 2;
        long exposed = from + 20 * 60_000 + rnd.nextLong(2 * HOUR);
        // a unit of an earlier batch exposed again, some to the other variation (excluded)
        events.add(exposure("u" + u, batch > 0 && u < batch * 60 + 20 && u % 3 == 0 ? 1 - v : v, exposed));
        if (u % 5 == 0) {
          events.add(metric("u" + u, "revenue", exposed - 10 * 60_000, 7)); // before the exposure: CUPED
        }
        for (int k = rnd.nextInt(4); k > 0; k--) {
          String name = List.of("purchase", "revenue", "page").get(rnd.nextInt(3));
          long ts = exposed + rnd.nextLong(40 * 60_000);
          String e = metric("u" + u, name, ts, 1 + rnd.nextInt(30));
          if (ts > from + 2 * HOUR + 15 * 60_000 && rnd.nextInt(3) == 0) {
            late.add(e); // arrives with the next batch, within the hour's lateness
          } else {
            events.add(e);
          }
        }
      }
      post(events.toString());
      JsonNode incremental = refresh("");
      assertThat(incremental.at("/health/units/0/units").asLong()).as("batch " + batch).isPositive();
      assertThat(purposes(incremental)).contains("metrics from the unit aggregates (incremental)");
      if (batch % 2 == 1) {
        // after a build and a fold; the full refresh drops the aggregates, the next one builds them anew
        JsonNode full = refresh("?full=true");
        assertThat(statistics(incremental)).as("batch " + batch + ": incremental = full").isEqualTo(statistics(full));
        assertThat(purposes(full)).doesNotContain("metrics from the unit aggregates (incremental)");
      }
    }
  }

  @Test
  void full_badValue_400NamingIt() {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments/inc/refresh?full=yes", "{}");
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("full");
  }

  /* What a snapshot computed from the data (not its id, time or how many looks there were before it). */
  private static JsonNode statistics(JsonNode snapshot) {
    ObjectNode out = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    JsonNode results = snapshot.path("results").deepCopy();
    results.forEach(r -> ((ObjectNode) r).remove("looks"));
    out.set("results", results);
    out.set("sufficientStatistics", snapshot.path("sufficientStatistics"));
    out.set("units", snapshot.at("/health/units"));
    out.set("multipleExposureUnits", snapshot.at("/health/multipleExposureUnits"));
    assertThat(snapshot.at("/health/multipleExposureUnits").asLong()).as("units switching variation").isPositive();
    return out;
  }

  private List<String> purposes(JsonNode snapshot) {
    JsonNode l = server.admin("GET", "/api/v1/snapshots/" + snapshot.path("snapshotId").asLong() + "/lineage", null)
        .json();
    List<String> out = new ArrayList<>();
    l.path("queries").forEach(q -> out.add(q.path("purpose").asText()));
    return out;
  }

  private JsonNode refresh(String query) {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments/inc/refresh" + query, "{}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private void post(String body) {
    TestServer.Response posted = server.send("POST", "/api/v1/events", clientKey, "application/json",
        body.getBytes(StandardCharsets.UTF_8));
    assertThat(posted.status()).as(posted.body()).isBetween(200, 299);
    assertThat(posted.json().path("rejected").size()).as(posted.body()).isZero();
  }

  private String exposure(String unit, int variation, long ts) {
    return "{\"id\":\"x" + ids++ + "\",\"type\":\"exposure\",\"experimentKey\":\"inc\",\"variationId\":" + variation
        + ",\"unitId\":\"" + unit + "\",\"timestamp\":" + ts + "}";
  }

  private String metric(String unit, String name, long ts, int value) {
    return "{\"id\":\"m" + ids++ + "\",\"type\":\"metric\",\"name\":\"" + name + "\",\"unitId\":\"" + unit
        + "\",\"timestamp\":" + ts + ",\"value\":" + value + "}";
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
