package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.testsupport.SimulatedWarehouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The analysis pipeline end to end over a real PostgreSQL warehouse: a simulated experiment with a
 * known effect (+10% relative conversion, +0.5 revenue per user, pre-period revenue correlated
 * with the outcome) is refreshed through the API; the true effects lie inside the reported
 * intervals, CUPED narrows the revenue interval, and a skewed split is flagged as SRM.
 */
class ExperimentResultsTest {
  private static final long HOUR = 3_600_000L;

  private String schema;
  private Connection warehouse;
  private SimulatedWarehouse simulated;
  private TestServer server;
  /** page_load values inserted per variation, for the direct quantile check. */
  private final java.util.List<java.util.List<Double>> pageLoads = java.util.List.of(new java.util.ArrayList<>(),
      new java.util.ArrayList<>());
  private String warehouseUrl;

  @BeforeEach
  void start() throws Exception {
    simulated = SimulatedWarehouse.create();
    schema = simulated.schema();
    warehouse = simulated.connection();
    String url = simulated.url();
    warehouseUrl = url;
    server = new TestServer(b -> b.warehouseUrl(url));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    simulated.close();
  }

  private void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }

  private long startExperiment(String key) {
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"%s","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"purchase","secondary":["revenue"]}}""".formatted(key)));
    ok(server.admin("POST", "/api/v1/experiments/" + key + "/start", "{}"));
    return server.admin("GET", "/api/v1/experiments/" + key, null).json().at("/phases/0/startedAt").asLong();
  }

  /** Simulates n users; {@code treatmentShare} of them in treatment. */
  private void simulate(String key, long start, int n, double treatmentShare, SplittableRandom rnd) throws Exception {
    try (PreparedStatement ex = warehouse.prepareStatement("INSERT INTO " + schema + ".exposures VALUES (?, ?, ?, ?, ?)");
        PreparedStatement ev = warehouse.prepareStatement("INSERT INTO " + schema + ".metric_events (unit_id, name, ts, value) VALUES (?, ?, ?, ?)")) {
      for (int u = 0; u < n; u++) {
        String id = key + "-u" + u;
        int v = rnd.nextDouble() < treatmentShare ? 1 : 0;
        long first = start + 1 + rnd.nextLong(HOUR);
        ex.setString(1, id);
        ex.setString(2, key);
        ex.setInt(3, v);
        ex.setLong(4, first);
        boolean us = rnd.nextBoolean();
        ex.setString(5, us ? "{\"country\":\"US\"}" : "{\"country\":\"DE\"}");
        ex.addBatch();
        double propensity = rnd.nextDouble() * 20;
        double pre = Math.max(0, propensity + rnd.nextGaussian() * 4);
        ev.setString(1, id);
        ev.setString(2, "revenue");
        ev.setLong(3, first - HOUR * (24 + rnd.nextLong(24 * 10)));
        ev.setDouble(4, pre);
        ev.addBatch();
        double lift = key.equals("regional") ? (us ? 1.5 : 0.0) : 0.5;
        double post = Math.max(0, propensity + rnd.nextGaussian() * 4) + (v == 1 ? lift : 0);
        ev.setString(1, id);
        ev.setString(2, "revenue");
        ev.setLong(3, first + HOUR * (1 + rnd.nextLong(48)));
        ev.setDouble(4, post);
        ev.addBatch();
        int loads = 1 + rnd.nextInt(3);
        for (int k = 0; k < loads; k++) {
          double ms = Math.exp(6 + 0.5 * rnd.nextGaussian()) * (v == 1 ? 1.1 : 1.0);
          ev.setString(1, id);
          ev.setString(2, "page_load");
          ev.setLong(3, first + HOUR * rnd.nextLong(48));
          ev.setDouble(4, ms);
          ev.addBatch();
          pageLoads.get(v).add(ms);
        }
        if (rnd.nextDouble() < (v == 1 ? 0.11 : 0.10)) {
          ev.setString(1, id);
          ev.setString(2, "purchase");
          ev.setLong(3, first + HOUR * rnd.nextLong(60));
          ev.setObject(4, null);
          ev.addBatch();
        }
      }
      ex.executeBatch();
      ev.executeBatch();
    }
    simulated.analyze();
  }

  @Test
  void refresh_knownEffects_insideIntervalsAndCupedNarrows() throws Exception {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\",\"conversionWindowHours\":72}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\",\"conversionWindowHours\":72,\"cupedLookbackDays\":14}"));
    long start = startExperiment("checkout");
    simulate("checkout", start, 40_000, 0.5, new SplittableRandom(11));

    assertThat(server.admin("GET", "/api/v1/experiments/checkout/results", null).status()).isEqualTo(404);
    TestServer.Response refreshed = server.admin("POST", "/api/v1/experiments/checkout/refresh", "{}");
    ok(refreshed);
    JsonNode results = server.admin("GET", "/api/v1/experiments/checkout/results", null).json();

    assertThat(results.at("/health/srm").asBoolean()).isFalse();
    JsonNode purchase = results.at("/results/0");
    JsonNode revenue = results.at("/results/1");
    assertThat(purchase.get("metric").asText()).isEqualTo("purchase");
    assertThat(purchase.get("ciLower").asDouble()).isLessThan(0.01);
    assertThat(purchase.get("ciUpper").asDouble()).isGreaterThan(0.01);
    assertThat(revenue.get("method").asText()).contains("cuped");
    assertThat(revenue.get("ciLower").asDouble()).isLessThan(0.5);
    assertThat(revenue.get("ciUpper").asDouble()).isGreaterThan(0.5);
    assertThat(revenue.get("cupedVarianceReduction").asDouble()).isGreaterThan(0.3);
    assertThat(revenue.get("fixedHorizonCiUpper").asDouble() - revenue.get("fixedHorizonCiLower").asDouble())
        .as("CUPED narrows the interval")
        .isLessThan(revenue.get("unadjustedCiUpper").asDouble() - revenue.get("unadjustedCiLower").asDouble());
    assertThat(results.at("/sufficientStatistics/revenue/0/n").asLong()
        + results.at("/sufficientStatistics/revenue/1/n").asLong()).isEqualTo(40_000);

    ok(server.admin("POST", "/api/v1/experiments/checkout/refresh", "{}"));
    assertThat(server.admin("GET", "/api/v1/experiments/checkout/results?history=5", null).json().at("/items").size())
        .isEqualTo(2);
    TestServer.Response report = server.admin("GET", "/api/v1/experiments/checkout/report.md", null);
    assertThat(report.status()).isEqualTo(200);
    assertThat(report.headers().firstValue("Content-Type").orElse("")).startsWith("text/markdown");
    assertThat(report.body()).contains("# checkout").contains("Sample ratio: ok").contains("| revenue")
        .contains("| purchase").contains("treatment");
  }

  @Test
  void refresh_byCountry_breakdownCorrectedAndInteractionDetected() throws Exception {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\",\"conversionWindowHours\":72}"));
    long start = startExperiment("regional");
    // Revenue +1.5 in the US, no effect in DE.
    simulate("regional", start, 30_000, 0.5, new SplittableRandom(21));

    JsonNode snapshot = server.admin("POST", "/api/v1/experiments/regional/refresh?dimensions=country", "{}").json();

    JsonNode country = snapshot.at("/dimensions/country");
    assertThat(country.at("/levels/US").size()).isEqualTo(2);
    assertThat(country.at("/levels/DE").size()).isEqualTo(2);
    JsonNode usRevenue = country.at("/levels/US/1");
    JsonNode deRevenue = country.at("/levels/DE/1");
    assertThat(usRevenue.get("metric").asText()).isEqualTo("revenue");
    assertThat(usRevenue.get("ciLower").asDouble()).isLessThan(1.5);
    assertThat(usRevenue.get("ciUpper").asDouble()).isGreaterThan(1.5);
    assertThat(deRevenue.get("ciLower").asDouble()).isLessThan(0.0);
    assertThat(deRevenue.get("ciUpper").asDouble()).isGreaterThan(0.0);
    assertThat(usRevenue.get("pValueAdjusted").asDouble()).isGreaterThanOrEqualTo(usRevenue.get("pValue").asDouble());
    JsonNode revenueInteraction = country.at("/interaction/1");
    assertThat(revenueInteraction.get("metric").asText()).isEqualTo("revenue");
    assertThat(revenueInteraction.get("pValue").asDouble()).as("US and DE effects differ").isLessThan(0.001);
    assertThat(country.at("/interaction/0/pValue").asDouble()).as("purchase: no difference").isGreaterThan(0.001);
    assertThat(server.admin("GET", "/api/v1/experiments/regional/report.md", null).body())
        .contains("## Segments").contains("the effect differs between levels for revenue / treatment");
    TestServer.Response bad = server.admin("POST", "/api/v1/experiments/regional/refresh?dimensions=country;drop", "{}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().at("/error/details/0/field").asText()).isEqualTo("dimensions");
  }

  @Test
  void refresh_sqlDefinedMetric_sameStatisticsAsTheEventDefinedOne() throws Exception {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"purchase","type":"mean",
         "sql":"SELECT unit_id, ts, value FROM metric_events WHERE name = 'revenue'"}"""));
    long start = startExperiment("sqlexp");
    simulate("sqlexp", start, 3_000, 0.5, new SplittableRandom(8));

    JsonNode s = server.admin("POST", "/api/v1/experiments/sqlexp/refresh", "{}").json().at("/sufficientStatistics");

    assertThat(s.get("purchase")).as("SQL metric").isEqualTo(s.get("revenue"));
    assertThat(s.at("/purchase/0/n").asLong()).isPositive();
  }

  @Test
  void refresh_quantileMetric_orderStatisticsFromSqlAndTrueDifferenceInsideTheInterval() throws Exception {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"revenue","type":"quantile","quantile":0.9,"event":"page_load","direction":"decrease"}"""));
    long start = startExperiment("latency");
    simulate("latency", start, 10_000, 0.5, new SplittableRandom(13));

    JsonNode q = server.admin("POST", "/api/v1/experiments/latency/refresh", "{}").json().at("/quantileResults/0");

    // The estimate is the order statistic at rank ceil(0.9 n) of the inserted values.
    java.util.List<Double> control = new java.util.ArrayList<>(pageLoads.get(0));
    java.util.Collections.sort(control);
    long rank = dev.assay.stats.QuantileStats.ranks(control.size(), 0.9, 0.05)[1];
    assertThat(q.get("controlQuantile").asDouble()).isEqualTo(control.get((int) rank - 1));
    // True P90 of exp(N(6, 0.5²)) is exp(6 + 0.5·1.2815516) = 765.30; treatment is 10% slower: +76.53.
    assertThat(q.get("ciLower").asDouble()).isLessThan(76.53);
    assertThat(q.get("ciUpper").asDouble()).isGreaterThan(76.53);
    assertThat(q.get("method").asText()).contains("clustered");
  }

  @Test
  void scheduler_refreshesRunningExperimentsWithoutBeingAsked() throws Exception {
    server.close();
    server = new TestServer(b -> b.warehouseUrl(warehouseUrl).refreshInterval(java.time.Duration.ofMillis(300)));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    long start = startExperiment("scheduled");
    simulate("scheduled", start, 2_000, 0.5, new SplittableRandom(3));

    long deadline = System.nanoTime() + 20_000_000_000L;
    int status = 404;
    while (status != 200 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      status = server.admin("GET", "/api/v1/experiments/scheduled/results", null).status();
    }
    assertThat(status).isEqualTo(200);
  }

  @Test
  void refresh_skewedSplit_flaggedAsSrm() throws Exception {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    long start = startExperiment("skewed");
    simulate("skewed", start, 20_000, 0.48, new SplittableRandom(5));

    JsonNode snapshot = server.admin("POST", "/api/v1/experiments/skewed/refresh", "{}").json();

    assertThat(snapshot.at("/health/srm").asBoolean()).isTrue();
    assertThat(snapshot.at("/health/warnings/0").asText()).contains("sample ratio mismatch");
  }

  @Test
  void refresh_beforeStart_clearError() {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"draft","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],"metrics":{"primary":"purchase"}}"""));

    TestServer.Response r = server.admin("POST", "/api/v1/experiments/draft/refresh", "{}");

    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().at("/error/code").asText()).isEqualTo("not_started");
  }

  @Test
  void refresh_sqlMetricThatWrites_rejectedByTheReadOnlyTransactionAndNothingChanges() throws Exception {
    try (Statement st = warehouse.createStatement()) {
      st.execute("CREATE FUNCTION " + schema + ".wipe() RETURNS int AS 'DELETE FROM " + schema
          + ".metric_events; SELECT 1' LANGUAGE sql");
    }
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"revenue","type":"mean",
         "sql":"SELECT unit_id, ts, value FROM metric_events WHERE wipe() = 1"}"""));
    long start = startExperiment("writer");
    simulate("writer", start, 500, 0.5, new SplittableRandom(4));
    long before = count("metric_events");

    TestServer.Response r = server.admin("POST", "/api/v1/experiments/writer/refresh", "{}");

    assertThat(r.status()).as(r.body()).isEqualTo(422);
    assertThat(r.json().at("/error/code").asText()).isEqualTo("warehouse_error");
    assertThat(r.json().at("/error/message").asText()).contains("metric 'revenue'").contains("read-only")
        .as("no PostgreSQL error text").doesNotContain("cannot execute").doesNotContain("ERROR");
    assertThat(count("metric_events")).isEqualTo(before).isPositive();
    JsonNode progress = server.admin("GET", "/api/v1/experiments/writer/refresh", null).json();
    assertThat(progress.get("state").asText()).isEqualTo("failed");
    assertThat(progress.get("error").asText()).contains("read-only");
  }

  @Test
  void metricSql_postgresFileAndAdminFunctions_refused400NamingSql() {
    for (String sql : java.util.List.of("SELECT pg_read_file('/etc/passwd') AS unit_id, 0 AS ts, 1 AS value",
        "SELECT unit_id, ts, value FROM metric_events, pg_ls_dir('.') d",
        "SELECT CAST(lo_import('/etc/passwd') AS VARCHAR) AS unit_id, 0 AS ts, 1 AS value",
        "SELECT unit_id, ts, value FROM metric_events WHERE set_config('default_transaction_read_only', 'off', true) = 'off'",
        "SELECT * FROM dblink('host=127.0.0.1', 'DELETE FROM metric_events') AS t(x int)",
        "COPY metric_events TO PROGRAM 'cat /etc/passwd'",
        "SELECT unit_id, ts, value FROM pg_catalog.pg_user, metric_events")) {
      TestServer.Response r = server.admin("POST", "/api/v1/metrics", com.fasterxml.jackson.databind.node.JsonNodeFactory
          .instance.objectNode().put("key", "evil").put("type", "mean").put("sql", sql).toString());
      assertThat(r.status()).as(sql + " -> " + r.body()).isEqualTo(400);
      assertThat(r.json().at("/error/details/0/field").asText()).isEqualTo("sql");
      assertThat(r.body()).doesNotContain("root:").doesNotContain("ERROR");
    }
  }

  private long count(String table) throws Exception {
    try (Statement st = warehouse.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + schema + "." + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void refresh_slowSqlMetric_stoppedAtTheQueryTimeout() throws Exception {
    server.close();
    server = new TestServer(b -> b.warehouseUrl(warehouseUrl).analysisQueryTimeout(java.time.Duration.ofSeconds(1)));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"revenue","type":"mean",
         "sql":"SELECT unit_id, ts, value FROM metric_events, (SELECT pg_sleep(30)) s"}"""));
    long start = startExperiment("slow");
    simulate("slow", start, 200, 0.5, new SplittableRandom(6));

    // No wall-clock bound: the timeout shows in the answer itself; without it the query would end
    // after pg_sleep(30) with results (200), not warehouse_timeout naming the 1 s limit.
    TestServer.Response r = server.admin("POST", "/api/v1/experiments/slow/refresh", "{}");

    assertThat(r.status()).as(r.body()).isEqualTo(422);
    assertThat(r.json().at("/error/code").asText()).isEqualTo("warehouse_timeout");
    assertThat(r.json().at("/error/message").asText()).contains("metric 'revenue'").contains("1 s limit");
  }

  @Test
  void refresh_async_answers202AndProgressIsFollowedToDone() throws Exception {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    long start = startExperiment("background");
    simulate("background", start, 2_000, 0.5, new SplittableRandom(9));
    assertThat(server.admin("GET", "/api/v1/experiments/background/refresh", null).status()).isEqualTo(404);

    TestServer.Response started = server.admin("POST", "/api/v1/experiments/background/refresh?async=true&dimensions=country", "{}");

    assertThat(started.status()).as(started.body()).isEqualTo(202);
    assertThat(started.json().get("stepsTotal").asInt()).as("exposures, 2 metrics, 2 breakdowns, statistics").isEqualTo(6);
    JsonNode p = started.json();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!p.get("state").asText().equals("done") && System.nanoTime() < deadline) {
      assertThat(p.get("state").asText()).isIn("running", "done");
      Thread.sleep(50);
      p = server.admin("GET", "/api/v1/experiments/background/refresh", null).json();
    }
    assertThat(p.get("state").asText()).isEqualTo("done");
    assertThat(p.get("stepsDone").asInt()).isEqualTo(6);
    assertThat(p.has("finishedAt")).isTrue();
    JsonNode results = server.admin("GET", "/api/v1/experiments/background/results", null).json();
    assertThat(results.at("/dimensions/country/levels").size()).isEqualTo(2);
    assertThat(results.at("/health/srmSequentialPValue").isNumber()).isTrue();
  }

  @Test
  void refresh_badQueryParameters_400NamingTheParameter() {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    startExperiment("params");
    for (String[] c : new String[][] {{"phase=0", "phase"}, {"phase=x", "phase"}, {"phase=2", "phase"},
        {"async=yes", "async"}, {"dimensions=a,b,c,d,e,f", "dimensions"}}) {
      TestServer.Response r = server.admin("POST", "/api/v1/experiments/params/refresh?" + c[0], "{}");
      assertThat(r.status()).as(c[0] + ": " + r.body()).isEqualTo(400);
      assertThat(r.json().at("/error/details/0/field").asText()).as(c[0]).isEqualTo(c[1]);
    }
    assertThat(server.admin("POST", "/api/v1/experiments/nope/refresh", "{}").status()).isEqualTo(404);
    assertThat(server.admin("GET", "/api/v1/experiments/nope/refresh", null).status()).isEqualTo(404);
  }
}
