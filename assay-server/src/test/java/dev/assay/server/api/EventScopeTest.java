package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 5–7, attacked over HTTP on a real server: numbers that would overflow the
 * analysis are refused at ingestion (400 naming the event and field); events count in the project
 * of the key that sent them only (results, summaries, unit look-ups, erasure, retention); a
 * project-scoped key sees its project's events only; one failing experiment stops neither the
 * scheduled refreshes nor the guardrail monitor for the others.
 */
class EventScopeTest {
  private static final long DAY = 86_400_000L;
  private final List<TestServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(TestServer::close);
  }

  private TestServer start(java.util.function.UnaryOperator<dev.assay.server.ServerConfig.Builder> customize) {
    TestServer t = new TestServer(customize);
    servers.add(t);
    return t;
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
  }

  /** A client key of a new SDK connection in the project's production environment. */
  private static String clientKey(TestServer t, String project) {
    if (!project.equals("default")) {
      ok(t.admin("POST", "/api/v1/projects", "{\"key\":\"" + project + "\"}"));
      ok(t.admin("POST", "/api/v1/environments?project=" + project, "{\"key\":\"production\"}"));
    }
    TestServer.Response r = t.admin("POST", "/api/v1/sdk-connections?project=" + project,
        "{\"name\":\"web\",\"environment\":\"production\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().get("key").asText();
  }

  private static TestServer.Response post(TestServer t, String token, String body) {
    return t.send("POST", "/api/v1/events", token, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static String exposure(String id, String unit, int variation, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"exp\",\"variationId\":" + variation
        + ",\"unitId\":\"" + unit + "\",\"timestamp\":" + ts + "}";
  }

  private static String metric(String id, String unit, String value, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"revenue\",\"unitId\":\"" + unit + "\",\"timestamp\":"
        + ts + (value == null ? "" : ",\"value\":" + value) + "}";
  }

  private static void experiment(TestServer t, String project, String key, String metricJson) {
    ok(t.admin("POST", "/api/v1/metrics?project=" + project, metricJson));
    ok(t.admin("POST", "/api/v1/experiments?project=" + project, """
        {"key":"%s","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],"metrics":{"primary":"revenue"}}"""
        .formatted(key)));
    ok(t.admin("POST", "/api/v1/experiments/" + key + "/start?project=" + project, "{}"));
  }

  @Test
  void ingest_valuesThatWouldOverflowTheAnalysis_400NamingEventAndField_nothingStored() {
    TestServer t = start(b -> b);
    String key = clientKey(t, "default");
    long ts = System.currentTimeMillis();
    for (String bad : List.of("1e308", "-1e308", "1e999", "1000000000000001", "123456789012345678901234567890")) {
      TestServer.Response r = post(t, key, "[" + metric("ok-" + bad, "u1", "2.5", ts) + "," + metric("bad-" + bad, "u1", bad,
          ts) + "]");
      assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
      JsonNode error = r.json().path("error");
      assertThat(error.path("code").asText()).isEqualTo("value_out_of_range");
      assertThat(error.path("message").asText()).startsWith("event 1: value:").contains("1e15");
      assertThat(error.at("/details/0/field").asText()).isEqualTo("events[1].value");
    }
    // A property a metric may be valued by obeys the same bound, numeric strings included.
    for (String prop : List.of("1e300", "\"Infinity\"", "\"-1e20\"", "\"nan\"")) {
      TestServer.Response r = post(t, key, "[{\"id\":\"p\",\"type\":\"metric\",\"name\":\"revenue\",\"unitId\":\"u\","
          + "\"timestamp\":" + ts + ",\"properties\":{\"plan\":\"pro\",\"amount\":" + prop + "}}]");
      assertThat(r.status()).as(prop + ": " + r.body()).isEqualTo(400);
      assertThat(r.json().at("/error/details/0/field").asText()).isEqualTo("events[0].properties.amount");
    }
    // NaN and Infinity are not JSON numbers at all.
    TestServer.Response nan = post(t, key, "[" + metric("n", "u1", "NaN", ts) + "]");
    assertThat(nan.status()).isEqualTo(400);
    assertThat(nan.json().at("/error/code").asText()).isEqualTo("malformed_batch");

    assertThat(t.admin("GET", "/api/v1/events/summary", null).json().path("metricEvents").asLong())
        .as("nothing of the refused batches was stored").isZero();
    TestServer.Response bounds = post(t, key, "[" + metric("max", "u1", "1e15", ts) + "," + metric("min", "u1", "-1e15", ts)
        + "," + metric("str", "u1", "1", ts).replace("}", ",\"properties\":{\"amount\":\"12.5\",\"v\":\"1.0.3\"}}") + "]");
    assertThat(bounds.status()).as(bounds.body()).isEqualTo(200);
    assertThat(bounds.json().path("accepted").asInt()).isEqualTo(3);
  }

  @Test
  void results_countOnlyTheEventsSentWithTheExperimentsProjectsKeys() {
    TestServer t = start(b -> b);
    String attacker = clientKey(t, "default");
    String shop = clientKey(t, "shop");
    String revenue = "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\",\"cupedLookbackDays\":0}";
    experiment(t, "shop", "exp", revenue);
    experiment(t, "default", "exp", revenue);
    long ts = System.currentTimeMillis() + 1000;
    StringBuilder own = new StringBuilder("[");
    for (int u = 0; u < 40; u++) {
      own.append(u > 0 ? "," : "").append(exposure("s" + u, "u" + u, u % 2, ts)).append(",")
          .append(metric("sm" + u, "u" + u, "10", ts + 1000));
    }
    ok(post(t, shop, own.append("]").toString()));
    // Another project's public key sends exposures of the same experiment key, for units of the
    // shop too, with huge (but accepted) values.
    StringBuilder other = new StringBuilder("[");
    for (int u = 0; u < 100; u++) {
      other.append(u > 0 ? "," : "").append(exposure("d" + u, "u" + u, 1, ts)).append(",")
          .append(metric("dm" + u, "u" + u, "1e15", ts + 1000));
    }
    ok(post(t, attacker, other.append("]").toString()));

    TestServer.Response r = t.admin("POST", "/api/v1/experiments/exp/refresh?project=shop", "{}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode s = r.json();
    assertThat(s.at("/health/units/0/units").asLong() + s.at("/health/units/1/units").asLong()).isEqualTo(40);
    assertThat(s.at("/sufficientStatistics/revenue/0/sumY").asDouble()
        + s.at("/sufficientStatistics/revenue/1/sumY").asDouble()).isEqualTo(400.0);

    TestServer.Response d = t.admin("POST", "/api/v1/experiments/exp/refresh", "{}");
    assertThat(d.status()).as("finite for any accepted data: " + d.body()).isEqualTo(200);
    assertThat(d.json().at("/sufficientStatistics/revenue/1/sumY").asDouble()).isEqualTo(100 * 1e15);

    JsonNode unit = t.admin("GET", "/api/v1/events/units/u3?project=shop", null).json();
    assertThat(unit.path("events")).hasSize(2);
    assertThat(unit.at("/events/0/project").asText()).isEqualTo("shop");
    assertThat(unit.at("/events/0/environment").asText()).isEqualTo("production");
  }

  @Test
  void scopedKeys_eventRoutes_coverTheirProjectOnly() {
    TestServer t = start(b -> b.eventRetentionDays(30));
    String own = clientKey(t, "shop");
    String other = clientKey(t, "default");
    long now = System.currentTimeMillis();
    ok(post(t, own, "[" + exposure("s1", "alice", 0, now) + "," + metric("s2", "alice", "3", now - 60 * DAY) + "]"));
    ok(post(t, other, "[" + exposure("d1", "alice", 1, now) + "," + metric("d2", "alice", "4", now - 60 * DAY) + ","
        + metric("d3", "bob", "5", now - 60 * DAY) + "]"));
    TestServer.Response created = t.admin("POST", "/api/v1/api-keys",
        "{\"name\":\"shop-admin\",\"role\":\"admin\",\"projects\":[\"shop\"]}");
    String scoped = created.json().path("token").asText();

    for (String[] route : new String[][] {{"GET", "/events/summary"}, {"GET", "/events/units/alice"},
        {"DELETE", "/events/units/alice"}, {"POST", "/events/retention"}}) {
      TestServer.Response all = t.call(route[0], "/api/v1" + route[1], scoped, null);
      assertThat(all.status()).as(route[1] + " without ?project=: " + all.body()).isEqualTo(403);
      assertThat(all.json().at("/error/message").asText()).contains("spans all projects");
      TestServer.Response foreign = t.call(route[0], "/api/v1" + route[1] + "?project=default", scoped, null);
      assertThat(foreign.status()).as(route[1] + " of another project").isEqualTo(403);
    }

    JsonNode summary = t.call("GET", "/api/v1/events/summary?project=shop&from=" + (now - 90 * DAY), scoped, null).json();
    assertThat(summary.path("exposures").asLong()).isEqualTo(1);
    assertThat(summary.path("metricEvents").asLong()).isEqualTo(1);
    assertThat(summary.path("project").asText()).isEqualTo("shop");
    assertThat(summary.path("from").asText()).isEqualTo(java.time.Instant.ofEpochMilli(now - 90 * DAY).toString());
    assertThat(summary.path("to").asText()).isNotEmpty();
    assertThat(t.admin("GET", "/api/v1/events/summary?from=" + (now - 90 * DAY), null).json().path("metricEvents")
        .asLong()).as("an unscoped key without ?project= sees every project").isEqualTo(3);

    JsonNode unit = t.call("GET", "/api/v1/events/units/alice?project=shop", scoped, null).json();
    assertThat(unit.path("events")).extracting(e -> e.path("id").asText()).containsExactly("s2", "s1");

    TestServer.Response retention = t.call("POST", "/api/v1/events/retention?project=shop", scoped, null);
    assertThat(retention.status()).as(retention.body()).isEqualTo(200);
    assertThat(retention.json().path("deleted").asLong()).isEqualTo(1);
    TestServer.Response erased = t.call("DELETE", "/api/v1/events/units/alice?project=shop", scoped, null);
    assertThat(erased.json().path("deleted").asLong()).isEqualTo(1);

    assertThat(t.admin("GET", "/api/v1/events/units/alice?project=shop", null).status()).isEqualTo(404);
    assertThat(t.admin("GET", "/api/v1/events/units/alice", null).json().path("events"))
        .as("the other project's events of the same unit are untouched").extracting(e -> e.path("id").asText())
        .containsExactly("d2", "d1");
    assertThat(t.admin("GET", "/api/v1/events/units/bob", null).status()).isEqualTo(200);
  }

  @Test
  void ingest_apiKeyNamesItsProject_andAScopedKeyCannotWriteIntoAnother() {
    TestServer t = start(b -> b);
    ok(t.admin("POST", "/api/v1/projects", "{\"key\":\"shop\"}"));
    TestServer.Response created = t.admin("POST", "/api/v1/api-keys",
        "{\"name\":\"shop-writer\",\"role\":\"experimenter\",\"projects\":[\"shop\"]}");
    String scoped = created.json().path("token").asText();
    long now = System.currentTimeMillis();
    TestServer.Response foreign = t.send("POST", "/api/v1/events?project=default", scoped, "application/json",
        ("[" + exposure("x1", "u", 0, now) + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(foreign.status()).as("the default project is not the key's: " + foreign.body()).isEqualTo(403);
    TestServer.Response sent = t.send("POST", "/api/v1/events?project=shop&environment=backend", scoped,
        "application/json", ("[" + exposure("x2", "u", 0, now) + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(sent.status()).as(sent.body()).isEqualTo(200);
    JsonNode unit = t.admin("GET", "/api/v1/events/units/u", null).json();
    assertThat(unit.at("/events/0/project").asText()).isEqualTo("shop");
    assertThat(unit.at("/events/0/environment").asText()).isEqualTo("backend");
    assertThat(unit.path("events")).hasSize(1);
    // Without ?project=, a key limited to one project sends to that project.
    assertThat(post(t, scoped, "[" + exposure("x4", "v", 0, now + 1) + "]").status()).isEqualTo(200);
    assertThat(t.admin("GET", "/api/v1/events/units/v", null).json().at("/events/0/project").asText()).isEqualTo("shop");
    TestServer.Response empty = t.send("POST", "/api/v1/events?project=", scoped, "application/json",
        ("[" + exposure("x3", "u", 0, now) + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.json().at("/error/details/0/field").asText()).isEqualTo("project");
  }

  @Test
  void ingest_serverKey_eventsTaggedWithItsConnectionsProjectAndEnvironment() {
    TestServer t = start(b -> b);
    String shop = clientKey(t, "shop");
    TestServer.Response issued = t.admin("POST", "/api/v1/sdk-connections/" + shop + "/server-key?project=shop", null);
    assertThat(issued.status()).as(issued.body()).isBetween(200, 201);
    String serverKey = issued.json().path("token").asText();
    ok(post(t, serverKey, "[" + exposure("sk1", "dave", 0, System.currentTimeMillis()) + "]"));
    JsonNode unit = t.admin("GET", "/api/v1/events/units/dave?project=shop", null).json();
    assertThat(unit.at("/events/0/project").asText()).isEqualTo("shop");
    assertThat(unit.at("/events/0/environment").asText()).isEqualTo("production");
    assertThat(t.admin("GET", "/api/v1/events/units/dave?project=default", null).status()).isEqualTo(404);
  }

  @Test
  void scheduler_oneFailingExperiment_othersStillRefreshedAndHaltedByTheMonitor() throws Exception {
    TestServer t = start(b -> b.refreshInterval(Duration.ofMillis(300)));
    String key = clientKey(t, "default");
    // Fails at every refresh: its metric's own SQL yields values whose squares overflow a double.
    ok(t.admin("POST", "/api/v1/metrics", """
        {"key":"broken","type":"mean","sql":"SELECT unit_id, ts, CAST(1e308 AS DOUBLE) AS value FROM exposures"}"""));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"aaa-broken","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],"metrics":{"primary":"broken"}}"""));
    ok(t.admin("POST", "/api/v1/experiments/aaa-broken/start", "{}"));
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"zzz-skewed","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],"metrics":{"primary":"revenue"}}"""));
    ok(t.admin("POST", "/api/v1/experiments/zzz-skewed/start", "{}"));
    long ts = System.currentTimeMillis() + 1000;
    StringBuilder body = new StringBuilder("[");
    for (int u = 0; u < 2000; u++) {
      // 80 % in a: a sample ratio mismatch the monitor halts for.
      body.append(u > 0 ? "," : "").append(exposure("k" + u, "u" + u, u % 5 == 0 ? 1 : 0, ts).replace("\"exp\"",
          "\"zzz-skewed\"")).append(",").append(exposure("b" + u, "u" + u, u % 2, ts).replace("\"exp\"", "\"aaa-broken\""));
    }
    ok(post(t, key, body.append("]").toString()));
    TestServer.Response broken = t.admin("POST", "/api/v1/experiments/aaa-broken/refresh", "{}");
    // A scheduled refresh of it (409) or of the other experiment (429: one refresh per project at a
    // time) may be running; retry until this one runs.
    for (int i = 0; i < 500 && (broken.status() == 409 || broken.status() == 429); i++) {
      Thread.sleep(20);
      broken = t.admin("POST", "/api/v1/experiments/aaa-broken/refresh", "{}");
    }
    assertThat(broken.status()).as("a precise 4xx, never a 500: " + broken.body()).isEqualTo(422);
    assertThat(broken.json().at("/error/message").asText()).contains("metric 'broken'").contains("too large");

    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String status = "";
    while (System.nanoTime() < deadline && !(status = t.admin("GET", "/api/v1/experiments/zzz-skewed", null).json()
        .path("status").asText()).equals("stopped")) {
      Thread.sleep(50);
    }
    assertThat(status).as("halted by the monitor after a scheduled refresh").isEqualTo("stopped");
    assertThat(t.admin("GET", "/api/v1/experiments/zzz-skewed", null).json().at("/halted/reason").asText())
        .startsWith("sample ratio mismatch");
    assertThat(t.admin("GET", "/api/v1/experiments/aaa-broken", null).json().path("status").asText())
        .isEqualTo("running");
  }
}
