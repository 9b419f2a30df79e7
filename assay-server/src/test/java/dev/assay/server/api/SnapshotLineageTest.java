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
 * A results snapshot's lineage and its reproduction (issue 20, ADR 0043) on a real server with the
 * embedded DuckDB warehouse and events posted through ingestion: the lineage holds the SQL of each
 * query with its parameters and the rows it read (equal to the events posted); reproducing right
 * after the refresh gives every number back exactly; events added inside the recorded window make
 * it report the numbers that moved; a changed definition is reported.
 *
 * <p>Hand-computed data: units u0..u9 are exposed to control (variation 0), u10..u19 to treatment;
 * purchases by u0, u1, u2 (control) and u10..u13 (treatment): 7 events; revenue by u0..u3 (10, 20,
 * 30, 40) and u10..u14 (5 each): 9 events. So control's purchase Σy = 3, revenue Σy = 100.
 */
class SnapshotLineageTest {
  private TestServer server;
  private String clientKey;
  private long now;

  @BeforeEach
  void start() {
    server = new TestServer();
    clientKey = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"lin","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"purchase","secondary":["revenue"]}}"""));
    ok(server.admin("POST", "/api/v1/experiments/lin/start", "{}"));
    now = System.currentTimeMillis() + 1_000;
    List<String> events = new ArrayList<>();
    for (int u = 0; u < 20; u++) {
      events.add("{\"id\":\"x" + u + "\",\"type\":\"exposure\",\"experimentKey\":\"lin\",\"variationId\":" + (u < 10 ? 0 : 1)
          + ",\"unitId\":\"u" + u + "\",\"timestamp\":" + now + "}");
    }
    for (int u : new int[] {0, 1, 2, 10, 11, 12, 13}) {
      events.add(metric("p" + u, "purchase", u, 1));
    }
    int[] revenueUnits = {0, 1, 2, 3, 10, 11, 12, 13, 14};
    double[] revenue = {10, 20, 30, 40, 5, 5, 5, 5, 5};
    for (int i = 0; i < revenueUnits.length; i++) {
      events.add(metric("r" + i, "revenue", revenueUnits[i], revenue[i]));
    }
    post(events);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void lineage_afterRefresh_holdsTheSqlParametersAndRowsReadOfEachQuery() {
    JsonNode snapshot = refresh();
    long id = snapshot.path("snapshotId").asLong();
    assertThat(id).as(snapshot.toString()).isPositive();
    assertThat(server.admin("GET", "/api/v1/experiments/lin/results", null).json().path("snapshotId").asLong())
        .isEqualTo(id);

    JsonNode l = ok(server.admin("GET", "/api/v1/snapshots/" + id + "/lineage", null)).json();
    assertThat(l.path("snapshotId").asLong()).isEqualTo(id);
    assertThat(l.path("experiment").asText()).isEqualTo("lin");
    assertThat(l.path("window").path("open").asBoolean()).as("the latest phase's window is open").isTrue();
    assertThat(l.path("window").path("from").asText()).isNotBlank();
    assertThat(l.path("warehouse").path("kind").asText()).isEqualTo("duckdb");
    assertThat(l.path("warehouse").path("version").asText()).as("DuckDB's select version()").matches("v\\d+\\.\\d+.*");
    assertThat(l.path("assayVersion").asText()).as("from the build").isNotBlank().isNotEqualTo("unknown");
    assertThat(l.path("definition").path("experimentSha256").asText()).matches("[0-9a-f]{64}");
    assertThat(l.path("definition").path("metricsSha256").path("purchase").asText()).matches("[0-9a-f]{64}");
    assertThat(l.path("settings").path("alpha").asDouble()).isEqualTo(0.05);
    assertThat(l.path("settings").has("cuped")).isTrue();

    JsonNode queries = l.path("queries");
    assertThat(queries.size()).isGreaterThanOrEqualTo(2);
    JsonNode exposures = queries.get(0);
    assertThat(exposures.path("purpose").asText()).isEqualTo("exposure counts");
    assertThat(exposures.path("sql").asText()).contains("FROM \"exposures\"").contains("\"experiment_key\" = ?");
    assertThat(exposures.path("params").get(0).asText()).isEqualTo("lin");
    assertThat(exposures.path("rowsRead").path("exposures").asLong()).as("exposures posted").isEqualTo(20);
    assertThat(exposures.path("rowsRead").path("metricEvents").isNull()).isTrue();
    // variation -1 (several variations), 0 and 1
    assertThat(exposures.path("rowsReturned").asInt()).isEqualTo(3);

    JsonNode metrics = queries.get(1);
    assertThat(metrics.path("metrics").toString()).contains("purchase").contains("revenue");
    assertThat(metrics.path("sql").asText()).contains("\"metric_events\"");
    assertThat(metrics.path("params").toString()).contains("\"purchase\"").contains("\"revenue\"");
    assertThat(metrics.path("rowsRead").path("exposures").asLong()).isEqualTo(20);
    assertThat(metrics.path("rowsRead").path("metricEvents").asLong()).as("7 purchases + 9 revenue events")
        .isEqualTo(16);
    // The recorded rows are what the snapshot was computed from.
    assertThat(value(metrics, 0, "sum_y_" + index(metrics, "purchase"))).isEqualTo(3);
    assertThat(value(metrics, 0, "sum_y_" + index(metrics, "revenue"))).isEqualTo(100);
    assertThat(snapshot.at("/sufficientStatistics/purchase/0/sumY").asDouble()).isEqualTo(3);
  }

  @Test
  void reproduce_rightAfterRefresh_givesEveryNumberBackExactly() {
    long id = refresh().path("snapshotId").asLong();
    JsonNode r = ok(server.admin("POST", "/api/v1/snapshots/" + id + "/reproduce", "{}")).json();
    assertThat(r.path("reproduced").asBoolean()).as(r.toPrettyString()).isTrue();
    assertThat(r.path("mismatches").asInt()).isZero();
    assertThat(r.path("definition").path("changed").asBoolean()).isFalse();
    assertThat(r.path("warehouse").path("changed").asBoolean()).isFalse();
    assertThat(r.path("changes")).isEmpty();
    JsonNode numbers = r.path("numbers");
    // exposure counts (3 rows) and per variation n and five sums for each of the two metrics
    assertThat(numbers.size()).isGreaterThanOrEqualTo(3 + 2 * 11);
    for (JsonNode n : numbers) {
      assertThat(n.path("match").asBoolean()).as(n.toString()).isTrue();
      assertThat(n.path("recomputed")).as(n.toString()).isEqualTo(n.path("recorded"));
    }
    JsonNode purchase = number(numbers, "purchase", "control", "sum_y");
    assertThat(purchase.path("recorded").asDouble()).isEqualTo(3);
  }

  @Test
  void reproduce_afterNewEventsInTheWindow_reportsTheNumbersThatMoved() {
    long id = refresh().path("snapshotId").asLong();
    post(List.of(metric("late3", "purchase", 3, 1), metric("late4", "purchase", 4, 1)));

    JsonNode r = ok(server.admin("POST", "/api/v1/snapshots/" + id + "/reproduce", "{}")).json();
    assertThat(r.path("reproduced").asBoolean()).as(r.toPrettyString()).isFalse();
    JsonNode sumY = number(r.path("numbers"), "purchase", "control", "sum_y");
    assertThat(sumY.path("recorded").asDouble()).isEqualTo(3);
    assertThat(sumY.path("recomputed").asDouble()).as("two more control units purchased").isEqualTo(5);
    assertThat(sumY.path("match").asBoolean()).isFalse();
    assertThat(number(r.path("numbers"), "purchase", "treatment", "sum_y").path("match").asBoolean())
        .as("treatment did not change").isTrue();
    assertThat(number(r.path("numbers"), "(exposures)", "control", "units").path("match").asBoolean()).isTrue();
    JsonNode read = r.path("queries").get(1).path("rowsRead");
    assertThat(read.path("recorded").path("metricEvents").asLong()).isEqualTo(16);
    assertThat(read.path("current").path("metricEvents").asLong()).isEqualTo(18);
    assertThat(r.path("mismatches").asInt()).isEqualTo(r.path("queries").get(1).path("mismatches").asInt())
        .isPositive();
  }

  @Test
  void reproduce_afterTheDefinitionChanged_reportsTheChange() {
    long id = refresh().path("snapshotId").asLong();
    ok(server.admin("PATCH", "/api/v1/experiments/lin", "{\"hypothesis\":\"a bigger button sells more\"}"));
    ok(server.admin("PATCH", "/api/v1/metrics/revenue", "{\"capping\":1000}"));

    JsonNode r = ok(server.admin("POST", "/api/v1/snapshots/" + id + "/reproduce", "{}")).json();
    assertThat(r.path("definition").path("changed").asBoolean()).isTrue();
    assertThat(r.path("definition").path("current").asText()).isNotEqualTo(r.path("definition").path("recorded").asText());
    assertThat(r.path("definition").path("metrics").path("revenue").path("changed").asBoolean()).isTrue();
    assertThat(r.path("definition").path("metrics").path("purchase").path("changed").asBoolean()).isFalse();
    assertThat(r.path("changes").toString()).contains("definition changed").contains("metric 'revenue' changed");
    assertThat(r.path("reproduced").asBoolean()).as("the recorded queries still give the same numbers").isTrue();
  }

  @Test
  void reproduce_ofAClosedPhase_recordsItsEnd_andIgnoresExposuresAfterIt() throws Exception {
    // The exposures are stamped a second ahead; phase 2 must start after them.
    dev.assay.testsupport.Await.until(() -> System.currentTimeMillis() > now + 5, "the clock passes the exposures");
    ok(server.admin("PATCH", "/api/v1/experiments/lin?newPhase=true", "{\"coverage\":0.9}"));
    JsonNode exp = server.admin("GET", "/api/v1/experiments/lin", null).json();
    long phase2 = exp.at("/phases/1/startedAt").asLong();
    assertThat(phase2).as(exp.toString()).isGreaterThan(now);
    long id = ok(server.admin("POST", "/api/v1/experiments/lin/refresh?phase=1", "{}")).json().path("snapshotId")
        .asLong();
    JsonNode window = ok(server.admin("GET", "/api/v1/snapshots/" + id + "/lineage", null)).json().path("window");
    assertThat(window.path("open").asBoolean()).isFalse();
    assertThat(java.time.Instant.parse(window.path("to").asText()).toEpochMilli()).isEqualTo(phase2);

    List<String> later = new ArrayList<>();
    for (int u = 100; u < 104; u++) {
      later.add("{\"id\":\"y" + u + "\",\"type\":\"exposure\",\"experimentKey\":\"lin\",\"variationId\":0"
          + ",\"unitId\":\"u" + u + "\",\"timestamp\":" + (phase2 + 10) + "}");
    }
    post(later);
    JsonNode r = ok(server.admin("POST", "/api/v1/snapshots/" + id + "/reproduce", "{}")).json();
    assertThat(r.path("reproduced").asBoolean()).as("exposures after the phase's end are outside its window: "
        + r.path("numbers")).isTrue();
    assertThat(r.at("/queries/0/rowsRead/current/exposures").asLong()).isEqualTo(20);
    assertThat(r.path("definition").path("changed").asBoolean()).as("unchanged since the refresh").isFalse();
  }

  @Test
  void reportAndUi_linkTheLineage() {
    long id = refresh().path("snapshotId").asLong();
    String md = ok(server.admin("GET", "/api/v1/experiments/lin/report.md", null)).body();
    assertThat(md).contains("## Lineage").contains("/api/v1/snapshots/" + id + "/lineage?project=default")
        .contains("assay reproduce " + id);
  }

  @Test
  void lineageAndReproduce_badOrUnknownIds_get4xxNamingTheProblem() {
    long id = refresh().path("snapshotId").asLong();
    TestServer.Response bad = server.admin("GET", "/api/v1/snapshots/abc/lineage", null);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("\"id\"");
    assertThat(server.admin("POST", "/api/v1/snapshots/-3/reproduce", "{}").status()).isEqualTo(400);
    assertThat(server.admin("GET", "/api/v1/snapshots/" + (id + 1000) + "/lineage", null).status()).isEqualTo(404);
    TestServer.Response field = server.admin("POST", "/api/v1/snapshots/" + id + "/reproduce", "{\"force\":true}");
    assertThat(field.status()).isEqualTo(400);
    assertThat(field.body()).contains("force");
    ok(server.admin("POST", "/api/v1/projects", "{\"key\":\"other\"}"));
    assertThat(server.admin("GET", "/api/v1/snapshots/" + id + "/lineage?project=other", null).status())
        .as("a snapshot of another project").isEqualTo(404);
  }

  private JsonNode refresh() {
    return ok(server.admin("POST", "/api/v1/experiments/lin/refresh", "{}")).json();
  }

  private void post(List<String> events) {
    TestServer.Response posted = server.send("POST", "/api/v1/events", clientKey, "application/json",
        ("[" + String.join(",", events) + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(posted.json().path("accepted").asInt()).as(posted.body()).isEqualTo(events.size());
  }

  private String metric(String id, String name, int unit, double value) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"" + name + "\",\"unitId\":\"u" + unit
        + "\",\"timestamp\":" + (now + 1) + ",\"value\":" + value + "}";
  }

  private static int index(JsonNode query, String metric) {
    for (int i = 0; i < query.path("metrics").size(); i++) {
      if (query.path("metrics").get(i).asText().equals(metric)) {
        return i;
      }
    }
    throw new AssertionError(metric + " not in " + query.path("metrics"));
  }

  /* The value of a column in the recorded row of a variation. */
  private static double value(JsonNode query, int variation, String column) {
    List<String> columns = new ArrayList<>();
    query.path("columns").forEach(c -> columns.add(c.asText()));
    for (JsonNode row : query.path("rows")) {
      if (row.get(columns.indexOf("variation")).asInt() == variation) {
        return row.get(columns.indexOf(column)).asDouble();
      }
    }
    throw new AssertionError("no row of variation " + variation + " in " + query);
  }

  private static JsonNode number(JsonNode numbers, String metric, String variant, String statistic) {
    for (JsonNode n : numbers) {
      if (n.path("metric").asText().equals(metric) && n.path("variant").asText().equals(variant)
          && n.path("statistic").asText().equals(statistic)) {
        return n;
      }
    }
    throw new AssertionError("no " + metric + "/" + variant + "/" + statistic + " in " + numbers);
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
    return r;
  }
}
