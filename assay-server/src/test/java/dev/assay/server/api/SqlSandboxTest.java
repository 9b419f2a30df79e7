package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Attacks on metric SQL over HTTP against a real server on the embedded DuckDB store (issue 12,
 * items 1-3): file, extension, write and configuration statements are refused when the metric is
 * saved, with a 400 naming {@code sql} and no file content or database text; a query that never
 * ends is cancelled at its limit while flags and ingestion keep answering; a query that wants
 * gigabytes stops at the analysis memory limit.
 */
class SqlSandboxTest {
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }

  private static String metricJson(String key, String sql) {
    ObjectNode m = JsonNodeFactory.instance.objectNode().put("key", key).put("type", "mean").put("sql", sql);
    return m.toString();
  }

  /** A running experiment in the project, with exposures and purchases of 200 units ingested. */
  private void experiment(String project, String key, String clientKey) {
    String q = "?project=" + project;
    ok(server.admin("POST", "/api/v1/metrics" + q, "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/experiments" + q, """
        {"key":"%s","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],
         "metrics":{"primary":"purchase","secondary":["heavy"]}}""".formatted(key)));
    ok(server.admin("POST", "/api/v1/experiments/" + key + "/start" + q, "{}"));
    ingest(key, clientKey);
  }

  /** Exposures and purchases of 200 units in the experiment. */
  private void ingest(String key, String clientKey) {
    long t = System.currentTimeMillis() + 1000;
    StringBuilder body = new StringBuilder("[");
    for (int u = 0; u < 200; u++) {
      body.append(u > 0 ? "," : "").append("{\"id\":\"").append(key).append("-x").append(u)
          .append("\",\"type\":\"exposure\",\"experimentKey\":\"").append(key).append("\",\"variationId\":")
          .append(u % 2).append(",\"unitId\":\"").append(key).append("-u").append(u).append("\",\"timestamp\":").append(t)
          .append("},{\"id\":\"").append(key).append("-p").append(u).append("\",\"type\":\"metric\",\"name\":\"purchase\",")
          .append("\"unitId\":\"").append(key).append("-u").append(u).append("\",\"value\":").append(u % 7)
          .append(",\"timestamp\":").append(t + 60_000).append('}');
    }
    ok(events(clientKey, body.append("]").toString()));
  }

  private TestServer.Response events(String clientKey, String json) {
    return server.send("POST", "/api/v1/events", clientKey, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  private String clientKey() {
    return server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  /** A body that leaks nothing: no file content, no path of the data directory, no database error text. */
  private void assertLeaksNothing(TestServer.Response r) {
    assertThat(r.body()).doesNotContain("root:").doesNotContain(server.dataDir.toString())
        .doesNotContain("Error:").doesNotContain("events.duckdb").doesNotContain("passwd").doesNotContain("LINE 1");
  }

  @Test
  void metricSql_attackSweep_eachRefused400NamingSqlAndTheStoreIntact() throws Exception {
    server = new TestServer(b -> b.analysisQueryTimeout(Duration.ofSeconds(5)));
    String key = clientKey();
    ok(server.admin("POST", "/api/v1/metrics", metricJson("heavy",
        "SELECT unit_id, ts, value FROM metric_events WHERE name = 'purchase'")));
    experiment("default", "exp", key);
    JsonNode before = server.admin("POST", "/api/v1/experiments/exp/refresh", "{}").json().at("/sufficientStatistics");
    String h2 = server.dataDir.resolve("assay.mv.db").toString();
    List<String> attacks = List.of(
        "SELECT unit_id, ts, value FROM metric_events, read_text('/etc/passwd')",
        "SELECT content AS unit_id, 0 AS ts, 1 AS value FROM read_text('/etc/passwd')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_csv_auto('/etc/passwd', header = false)",
        "SELECT content AS unit_id, 0 AS ts, size AS value FROM read_blob('" + h2 + "')",
        "SELECT file AS unit_id, 0 AS ts, 1 AS value FROM glob('" + server.dataDir + "/*')",
        "SELECT * FROM read_parquet('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM \"READ_TEXT\"('/etc/passwd')",
        "SELECT * FROM main.read_text('/etc/passwd')",
        "WITH f AS (SELECT * FROM read_text('/etc/passwd')) SELECT content AS unit_id, 0 AS ts, 1 AS value FROM f",
        "SELECT unit_id, ts, value FROM metric_events WHERE unit_id IN (SELECT content FROM read_text('/etc/passwd'))",
        "SELECT pg_read_file('/etc/passwd') AS unit_id, 0 AS ts, 1 AS value",
        "SELECT unit_id, ts, value FROM metric_events, pg_ls_dir('.') d",
        "SELECT lo_import('/etc/passwd') AS unit_id, 0 AS ts, 1 AS value",
        "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(x int)",
        "SELECT set_config('default_transaction_read_only', 'off', false) AS unit_id, 0 AS ts, 1 AS value",
        "SELECT name AS unit_id, 0 AS ts, 1 AS value FROM duckdb_settings()",
        "SELECT table_name AS unit_id, 0 AS ts, 1 AS value FROM information_schema.tables",
        "SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')",
        "ATTACH '" + server.dataDir.resolve("x.duckdb") + "' AS x",
        "INSTALL httpfs",
        "LOAD httpfs",
        "COPY (SELECT * FROM metric_events) TO '/tmp/assay-stolen.csv'",
        "COPY metric_events_data TO '" + server.dataDir.resolve("stolen.csv") + "'",
        "PRAGMA database_list",
        "SET enable_external_access = true",
        "SELECT 1; DROP TABLE metric_events_data",
        "SELECT unit_id, ts, value FROM metric_events; DELETE FROM metric_events_data",
        "CREATE TABLE stolen AS SELECT * FROM metric_events",
        "DELETE FROM metric_events_data",
        "UPDATE metric_events_data SET value = 0",
        "SELECT unit_id, ts, value FROM metric_events /* harmless */, read_text('/etc/passwd')",
        "/* SELECT */ COPY metric_events_data TO '/tmp/assay-stolen.csv'",
        "SELECT unit_id, ts, value FROM metric_events -- comment\n; DROP TABLE metric_events_data",
        "SUMMARIZE metric_events",
        "DESCRIBE metric_events");

    for (String sql : attacks) {
      TestServer.Response created = server.admin("POST", "/api/v1/metrics", metricJson("evil", sql));
      assertThat(created.status()).as(sql + " -> " + created.body()).isEqualTo(400);
      assertThat(created.json().at("/error/details/0/field").asText()).as(sql).isEqualTo("sql");
      assertLeaksNothing(created);
      JsonNode heavy = server.admin("GET", "/api/v1/metrics/heavy", null).json();
      TestServer.Response updated = server.admin("PUT", "/api/v1/metrics/heavy", ((ObjectNode) heavy.deepCopy())
          .put("sql", sql).toString());
      assertThat(updated.status()).as("update: " + sql + " -> " + updated.body()).isEqualTo(400);
      assertThat(updated.json().at("/error/details/0/field").asText()).isEqualTo("sql");
      assertLeaksNothing(updated);
    }

    assertThat(server.admin("GET", "/api/v1/metrics/evil", null).status()).isEqualTo(404);
    assertThat(server.admin("GET", "/api/v1/metrics/heavy", null).json().get("sql").asText()).contains("name = 'purchase'");
    assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/assay-stolen.csv"))).isFalse();
    JsonNode summary = server.admin("GET", "/api/v1/events/summary?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", null).json();
    assertThat(summary.get("exposures").asLong()).isEqualTo(200);
    assertThat(summary.get("metricEvents").asLong()).isEqualTo(200);
    TestServer.Response after = server.admin("POST", "/api/v1/experiments/exp/refresh", "{}");
    ok(after);
    assertThat(after.json().at("/sufficientStatistics")).isEqualTo(before);
    assertThat(after.json().at("/sufficientStatistics/heavy/0/n").asLong()).isEqualTo(100);
  }

  @Test
  void neverEndingCrossJoins_flagsAndEventsKeepAnsweringAndTheRefreshEnds422Timeout() throws Exception {
    server = new TestServer(b -> b.analysisQueryTimeout(Duration.ofSeconds(3)));
    String key = clientKey();
    ok(server.admin("POST", "/api/v1/projects", "{\"key\":\"other\"}"));
    ok(server.admin("POST", "/api/v1/environments?project=other", "{\"key\":\"production\"}"));
    ok(server.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":true}"));
    String crossJoin = "SELECT e.unit_id, e.ts, e.value + r.range AS value FROM metric_events e, range(1000000000000) r";
    ok(server.admin("POST", "/api/v1/metrics", metricJson("heavy", crossJoin)));
    ok(server.admin("POST", "/api/v1/metrics?project=other", metricJson("heavy", crossJoin)));
    experiment("default", "exp", key);
    // Events count in the project of the key that sent them: exp2's come from a key of 'other'.
    String otherKey = server.admin("POST", "/api/v1/sdk-connections?project=other",
        "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
    experiment("other", "exp2", otherKey);

    CompletableFuture<TestServer.Response> sync = CompletableFuture.supplyAsync(
        () -> server.admin("POST", "/api/v1/experiments/exp/refresh", "{}"));
    TestServer.Response async = server.admin("POST", "/api/v1/experiments/exp2/refresh?async=true&project=other", "{}");
    assertThat(async.status()).as(async.body()).isEqualTo(202);
    awaitStep("exp", "default", "metric 2/2: heavy");
    awaitStep("exp2", "other", "metric 2/2: heavy");

    // Both analysis slots are taken by queries that never end; the server keeps serving.
    TestServer.Response third = server.admin("POST", "/api/v1/experiments/exp2/refresh?project=other", "{}");
    assertThat(third.status()).as(third.body()).isIn(409, 429);
    TestServer.Response busy = server.admin("POST", "/api/v1/experiments/exp/refresh?async=true", "{}");
    assertThat(busy.status()).as(busy.body()).isIn(409, 429);
    // No latency bound (timing is never asserted in a unit test): the signal is a count of probes
    // answered while the two never-ending queries still hold both analysis slots.
    int probes = 0;
    int amidQueries = 0;
    while (!sync.isDone() || probes < 3) {
      boolean runningBefore = !sync.isDone();
      TestServer.Response flags = server.admin("GET", "/api/v1/flags", null);
      TestServer.Response ingested = events(key, "[{\"id\":\"late-" + probes + "\",\"type\":\"metric\",\"name\":\"late\","
          + "\"unitId\":\"u\",\"timestamp\":" + System.currentTimeMillis() + "}]");
      assertThat(flags.status()).isEqualTo(200);
      assertThat(ingested.status()).as(ingested.body()).isEqualTo(200);
      assertThat(ingested.json().get("accepted").asInt()).isEqualTo(1);
      if (runningBefore && !sync.isDone()) {
        amidQueries++;
      }
      probes++;
    }
    assertThat(amidQueries).as("flag reads and event writes answered while two queries run").isGreaterThanOrEqualTo(3);

    TestServer.Response r = sync.get();
    assertThat(r.status()).as(r.body()).isEqualTo(422);
    assertThat(r.json().at("/error/code").asText()).isEqualTo("warehouse_timeout");
    assertThat(r.json().at("/error/message").asText()).contains("metric 'heavy'").contains("3 s limit");
    assertLeaksNothing(r);
    JsonNode background = awaitFinished("exp2", "other");
    assertThat(background.get("state").asText()).isEqualTo("failed");
    assertThat(background.get("error").asText()).contains("3 s limit");
    // The slots are free again: a refresh of a cheap experiment runs.
    ok(server.admin("PUT", "/api/v1/metrics/heavy", ((ObjectNode) server.admin("GET", "/api/v1/metrics/heavy", null)
        .json()).put("sql", "SELECT unit_id, ts, value FROM metric_events").toString()));
    ok(server.admin("POST", "/api/v1/experiments/exp/refresh", "{}"));
  }

  @Test
  void refresh_atTheConcurrencyLimit_429WithRetryAfter() throws Exception {
    server = new TestServer(b -> b.analysisQueryTimeout(Duration.ofSeconds(3)).analysisConcurrency(1, 1));
    String key = clientKey();
    ok(server.admin("POST", "/api/v1/metrics", metricJson("heavy",
        "SELECT e.unit_id, e.ts, e.value + r.range AS value FROM metric_events e, range(1000000000000) r")));
    experiment("default", "exp", key);
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"cheap","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],"metrics":{"primary":"purchase"}}"""));
    ok(server.admin("POST", "/api/v1/experiments/cheap/start", "{}"));
    ingest("cheap", key);
    ok(server.admin("POST", "/api/v1/experiments/exp/refresh?async=true", "{}"));
    awaitStep("exp", "default", "metric 2/2: heavy");

    TestServer.Response busy = server.admin("POST", "/api/v1/experiments/cheap/refresh", "{}");

    assertThat(busy.status()).as(busy.body()).isEqualTo(429);
    assertThat(busy.json().at("/error/code").asText()).isEqualTo("analysis_busy");
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(server.admin("GET", "/api/v1/experiments/cheap/refresh", null).status())
        .as("a refused refresh leaves no progress behind").isEqualTo(404);
    assertThat(awaitFinished("exp", "default").get("state").asText()).isEqualTo("failed");
    ok(server.admin("POST", "/api/v1/experiments/cheap/refresh", "{}"));
  }

  @Test
  void hugeStringAgg_stopsAtTheAnalysisMemoryWith422ResourceLimit() {
    server = new TestServer(b -> b.analysisMemory("64MB"));
    String key = clientKey();
    ok(server.admin("POST", "/api/v1/metrics", metricJson("heavy", "SELECT unit_id, ts,"
        + " (SELECT length(string_agg(repeat('x', 1000) || CAST(range AS VARCHAR), ',')) FROM range(3000000)) AS value"
        + " FROM metric_events")));
    experiment("default", "exp", key);

    TestServer.Response r = server.admin("POST", "/api/v1/experiments/exp/refresh", "{}");

    assertThat(r.status()).as(r.body()).isEqualTo(422);
    assertThat(r.json().at("/error/code").asText()).isEqualTo("analysis_resource_limit");
    assertThat(r.json().at("/error/message").asText()).contains("metric 'heavy'").contains("--analysis-memory");
    assertLeaksNothing(r);
    ok(events(key, "[{\"id\":\"after\",\"type\":\"metric\",\"name\":\"late\",\"unitId\":\"u\",\"timestamp\":"
        + System.currentTimeMillis() + "}]"));
    ok(server.admin("PUT", "/api/v1/metrics/heavy", ((ObjectNode) server.admin("GET", "/api/v1/metrics/heavy", null)
        .json()).put("sql", "SELECT unit_id, ts, value FROM metric_events").toString()));
    ok(server.admin("POST", "/api/v1/experiments/exp/refresh", "{}"));
  }

  @Test
  void metricSavedBeforeTheRule_refusedAtRefresh422InvalidMetricWithoutRunning() throws Exception {
    server = new TestServer();
    String key = clientKey();
    ok(server.admin("POST", "/api/v1/metrics", metricJson("heavy", "SELECT unit_id, ts, value FROM metric_events")));
    experiment("default", "exp", key);
    server.server.close();
    // As a metric saved by an older server would be: its SQL never went through the rule.
    try (dev.assay.server.store.JdbcConfigStore store = dev.assay.server.store.JdbcConfigStore.embedded(server.dataDir)) {
      store.write(tx -> {
        dev.assay.server.store.StoredEntity m = tx.get(dev.assay.server.store.Kind.METRIC, "default", "heavy").orElseThrow();
        String body = m.body().replace("FROM metric_events", "FROM metric_events, read_text('/etc/passwd')");
        return tx.update(dev.assay.server.store.Kind.METRIC, "default", "heavy", m.version(), body);
      });
    }
    try (dev.assay.server.AssayServer restarted = dev.assay.server.AssayServer.builder().port(0).host("127.0.0.1")
        .dataDir(server.dataDir).adminToken(TestServer.ADMIN_TOKEN).start()) {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + restarted.port()
              + "/api/v1/experiments/exp/refresh")).header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
              .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
      JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("invalid_metric");
      assertThat(error.path("message").asText()).contains("metric 'heavy'").contains("read_text");
      assertThat(r.body()).doesNotContain("root:").doesNotContain("Error:");
    }
  }

  private void awaitStep(String experiment, String project, String step) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    String seen = "";
    while (System.nanoTime() < deadline) {
      TestServer.Response p = server.admin("GET", "/api/v1/experiments/" + experiment + "/refresh?project=" + project, null);
      if (p.status() == 200) {
        seen = p.json().path("step").asText();
        if (seen.equals(step) && p.json().path("state").asText().equals("running")) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError(experiment + " never reached step '" + step + "' (last: '" + seen + "')");
  }

  private JsonNode awaitFinished(String experiment, String project) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      JsonNode p = server.admin("GET", "/api/v1/experiments/" + experiment + "/refresh?project=" + project, null).json();
      if (!p.path("state").asText().equals("running")) {
        return p;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(experiment + " refresh never finished");
  }
}
