package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.testsupport.SimulatedWarehouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lineage and reproduction on a PostgreSQL warehouse (tables written by others, {@link
 * SimulatedWarehouse}) with every kind of query a refresh runs: CUPED (pre-exposure events), a
 * quantile metric (three queries, paired by rank), and a breakdown by country. Reproducing right
 * after the refresh gives every number back exactly; one more event in a unit's window moves the
 * numbers of its variation only.
 */
class SnapshotLineagePostgresTest {
  private static final long HOUR = 3_600_000L;
  private SimulatedWarehouse simulated;
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    simulated = SimulatedWarehouse.create();
    String url = simulated.url();
    server = new TestServer(b -> b.warehouseUrl(url));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    simulated.close();
  }

  @Test
  void reproduce_onPostgres_everyQueryKind_matchesExactlyThenReportsALateEvent() throws Exception {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"latency","type":"quantile","quantile":0.9,"event":"page_load","direction":"decrease"}"""));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"pg","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"revenue","secondary":["latency"]}}"""));
    ok(server.admin("POST", "/api/v1/experiments/pg/start", "{}"));
    long start = server.admin("GET", "/api/v1/experiments/pg", null).json().at("/phases/0/startedAt").asLong();
    int units = 400;
    int events = simulate(start, units, new SplittableRandom(11));

    JsonNode snapshot = ok(server.admin("POST", "/api/v1/experiments/pg/refresh?dimensions=country", "{}")).json();
    long id = snapshot.path("snapshotId").asLong();
    JsonNode l = ok(server.admin("GET", "/api/v1/snapshots/" + id + "/lineage", null)).json();
    assertThat(l.path("warehouse").path("kind").asText()).isEqualTo("postgresql");
    assertThat(l.path("warehouse").path("version").asText()).as("server_version").matches("\\d+(\\.\\d+)?.*");
    long eventsRead = 0;
    java.util.Set<String> purposes = new java.util.TreeSet<>();
    for (JsonNode q : l.path("queries")) {
      purposes.add(q.path("purpose").asText());
      assertThat(q.path("rowsRead").path("exposures").asLong()).isEqualTo(units);
      if (q.path("events").toString().contains("revenue") && !q.path("events").toString().contains("page_load")) {
        eventsRead = q.path("rowsRead").path("metricEvents").asLong();
      }
    }
    assertThat(purposes).contains("exposure counts", "metric", "metric by country");
    assertThat(eventsRead).as("pre- and post-exposure revenue events, all within the CUPED lookback").isEqualTo(2L * units);

    JsonNode same = ok(server.admin("POST", "/api/v1/snapshots/" + id + "/reproduce", "{}")).json();
    assertThat(same.path("reproduced").asBoolean()).as(same.path("numbers").toString()).isTrue();
    assertThat(same.path("numbers").toString()).contains("rank ").contains("country=US");

    try (PreparedStatement ev = simulated.connection().prepareStatement("INSERT INTO " + simulated.schema()
        + ".metric_events (unit_id, name, ts, value) VALUES ('pg-u0', 'revenue', ?, 1000)")) {
      ev.setLong(1, start + 2 * HOUR);
      ev.executeUpdate();
    }
    JsonNode moved = ok(server.admin("POST", "/api/v1/snapshots/" + id + "/reproduce", "{}")).json();
    assertThat(moved.path("reproduced").asBoolean()).isFalse();
    String variantOfU0 = variant(simulated.connection());
    for (JsonNode n : moved.path("numbers")) {
      if (!n.path("match").asBoolean()) {
        assertThat(n.path("metric").asText()).isEqualTo("revenue");
        assertThat(n.path("variant").asText()).isEqualTo(variantOfU0);
        assertThat(n.path("statistic").asText()).isIn("sum_y", "sum_y2", "sum_xy");
      }
    }
    assertThat(events).isPositive();
  }

  /* Units first exposed within an hour of the start; revenue before (CUPED) and after; page loads after. */
  private int simulate(long start, int n, SplittableRandom rnd) throws Exception {
    Connection c = simulated.connection();
    int events = 0;
    try (PreparedStatement ex = c.prepareStatement("INSERT INTO " + simulated.schema() + ".exposures VALUES (?, ?, ?, ?, ?)");
        PreparedStatement ev = c.prepareStatement("INSERT INTO " + simulated.schema()
            + ".metric_events (unit_id, name, ts, value) VALUES (?, ?, ?, ?)")) {
      for (int u = 0; u < n; u++) {
        String id = "pg-u" + u;
        int v = rnd.nextInt(2);
        long first = start + 1 + rnd.nextLong(HOUR);
        ex.setString(1, id);
        ex.setString(2, "pg");
        ex.setInt(3, v);
        ex.setLong(4, first);
        ex.setString(5, rnd.nextBoolean() ? "{\"country\":\"US\"}" : "{\"country\":\"DE\"}");
        ex.addBatch();
        double base = rnd.nextDouble() * 20;
        add(ev, id, "revenue", first - HOUR * (24 + rnd.nextLong(24 * 5)), base);
        add(ev, id, "revenue", first + HOUR, base + rnd.nextGaussian() + (v == 1 ? 0.5 : 0));
        add(ev, id, "page_load", first + HOUR, Math.exp(6 + 0.5 * rnd.nextGaussian()));
        events += 3;
      }
      ex.executeBatch();
      ev.executeBatch();
    }
    simulated.analyze();
    return events;
  }

  private static void add(PreparedStatement ev, String unit, String name, long ts, double value) throws Exception {
    ev.setString(1, unit);
    ev.setString(2, name);
    ev.setLong(3, ts);
    ev.setDouble(4, value);
    ev.addBatch();
  }

  private String variant(Connection c) throws Exception {
    try (var st = c.createStatement(); var rs = st.executeQuery("SELECT variation_id FROM " + simulated.schema()
        + ".exposures WHERE unit_id = 'pg-u0'")) {
      rs.next();
      return rs.getInt(1) == 0 ? "control" : "treatment";
    }
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
    return r;
  }
}
