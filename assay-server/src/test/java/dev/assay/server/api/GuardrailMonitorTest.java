package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.FeatureResult;
import dev.assay.testsupport.SimulatedWarehouse;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guardrail monitor over a real server, a real PostgreSQL warehouse and a real webhook
 * receiver: an experiment whose treatment clearly harms a guardrail, and one with a sample ratio
 * mismatch, are halted after a refresh (stopped, control's value served by the compiled SDK
 * payload, audited as "guardrail-monitor", counted, POSTed to the webhook); a healthy one and an
 * opted-out one are not; guardrail thresholds reach the non-inferiority test; the running
 * sequential state is carried from one refresh to the next.
 */
class GuardrailMonitorTest {
  private static final long HOUR = 3_600_000L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private String schema;
  private Connection warehouse;
  private SimulatedWarehouse simulated;
  private TestServer server;
  private HttpServer receiver;
  private final LinkedBlockingQueue<JsonNode> webhooks = new LinkedBlockingQueue<>();
  /** The receiver holds each request open until this opens (to show the refresh does not wait). */
  private volatile java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(0);

  @BeforeEach
  void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      try (exchange) {
        webhooks.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
        try {
          hold.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.sendResponseHeaders(204, -1);
      }
    });
    receiver.start();
    simulated = SimulatedWarehouse.create();
    schema = simulated.schema();
    warehouse = simulated.connection();
    String url = simulated.url();
    String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    server = new TestServer(b -> b.warehouseUrl(url).webhookUrl(hook));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics",
        "{\"key\":\"latency\",\"type\":\"mean\",\"event\":\"latency\",\"direction\":\"decrease\",\"cupedLookbackDays\":0}"));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    receiver.stop(0);
    simulated.close();
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }

  private long startExperiment(String key, String analysis) {
    createExperiment(key, analysis);
    return start(key);
  }

  private long start(String key) {
    ok(server.admin("POST", "/api/v1/experiments/" + key + "/start", "{}"));
    return server.admin("GET", "/api/v1/experiments/" + key, null).json().at("/phases/0/startedAt").asLong();
  }

  private void createExperiment(String key, String analysis) {
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"%s","variants":[{"key":"control","weight":0.5,"value":"Buy"},{"key":"treatment","weight":0.5,"value":"Buy now!"}],
         "metrics":{"primary":"purchase","guardrails":[{"metric":"latency","threshold":0.02}]}%s}"""
        .formatted(key, analysis.isEmpty() ? "" : ",\"analysis\":" + analysis)));
  }

  /**
   * Simulates n users, {@code treatmentShare} of them in treatment, whose latency (about 500 ms)
   * is multiplied by {@code latencyFactor} in treatment.
   */
  private void simulate(String key, long start, int from, int n, double treatmentShare, double latencyFactor,
      SplittableRandom rnd) throws Exception {
    try (PreparedStatement ex = warehouse.prepareStatement("INSERT INTO " + schema + ".exposures VALUES (?, ?, ?, ?, '{}')");
        PreparedStatement ev = warehouse.prepareStatement("INSERT INTO " + schema + ".metric_events (unit_id, name, ts, value) VALUES (?, ?, ?, ?)")) {
      for (int u = from; u < from + n; u++) {
        String id = key + "-u" + u;
        int v = rnd.nextDouble() < treatmentShare ? 1 : 0;
        long first = start + 1 + rnd.nextLong(HOUR);
        ex.setString(1, id);
        ex.setString(2, key);
        ex.setInt(3, v);
        ex.setLong(4, first);
        ex.addBatch();
        ev.setString(1, id);
        ev.setString(2, "latency");
        ev.setLong(3, first + HOUR);
        ev.setDouble(4, Math.max(1, 500 + 100 * rnd.nextGaussian()) * (v == 1 ? latencyFactor : 1.0));
        ev.addBatch();
        if (rnd.nextDouble() < 0.1) {
          ev.setString(1, id);
          ev.setString(2, "purchase");
          ev.setLong(3, first + HOUR);
          ev.setObject(4, null);
          ev.addBatch();
        }
      }
      ex.executeBatch();
      ev.executeBatch();
    }
    simulated.analyze();
  }

  private JsonNode refresh(String key) {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments/" + key + "/refresh", "{}");
    ok(r);
    return r.json();
  }

  private String connection() {
    TestServer.Response r = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}");
    ok(r);
    return r.json().get("key").asText();
  }

  private ExperimentClient sdk(String clientKey) {
    TestServer.Response r = server.call("GET", "/api/features/" + clientKey, null, null);
    ok(r);
    return ExperimentClient.builder().payload(r.body()).build();
  }

  private String status(String key) {
    return server.admin("GET", "/api/v1/experiments/" + key, null).json().path("status").asText();
  }

  private double haltCounter(String reason) {
    String metrics = server.call("GET", "/metrics", null, null).body();
    return metrics.lines().filter(l -> l.startsWith("assay_guardrail_halts_total{") && l.contains("reason=\"" + reason + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
  }

  @Test
  void harmfulGuardrail_haltsToControl_auditedCountedAndPosted() throws Exception {
    String clientKey = connection();
    createExperiment("slow", "");
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"cta-text","type":"string","defaultValue":"Old default",
         "environments":{"production":{"enabled":true,"rules":[{"experiment":"slow"}]}}}"""));
    long start = start("slow");
    ExperimentClient before = sdk(clientKey);
    long treated = java.util.stream.IntStream.range(0, 400)
        .filter(i -> before.evaluate("cta-text", Attributes.of("id", "user-" + i)).value().orElse("").equals("Buy now!")).count();
    assertThat(treated).as("the running experiment assigns both variants").isBetween(100L, 300L);

    simulate("slow", start, 0, 4_000, 0.5, 1.25, new SplittableRandom(1));
    JsonNode snapshot = refresh("slow");

    JsonNode latency = snapshot.path("results").get(1);
    assertThat(latency.path("metric").asText()).isEqualTo("latency");
    assertThat(latency.at("/nonInferiority/margin").asDouble()).as("threshold 2% of the control mean as margin")
        .isCloseTo(0.02 * latency.path("controlMean").asDouble(), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(latency.at("/nonInferiority/nonInferior").asBoolean()).isFalse();
    assertThat(status("slow")).isEqualTo("stopped");
    JsonNode exp = server.admin("GET", "/api/v1/experiments/slow", null).json();
    assertThat(exp.at("/halted/by").asText()).isEqualTo("guardrail-monitor");
    assertThat(exp.at("/halted/reason").asText()).contains("latency").contains("treatment")
        .contains("threshold of 2%");

    ExperimentClient after = sdk(clientKey);
    for (int i = 0; i < 400; i++) {
      FeatureResult r = after.evaluate("cta-text", Attributes.of("id", "user-" + i));
      assertThat(r.value()).as("halted: control's value, not the flag default").contains("Buy");
    }

    JsonNode audit = server.admin("GET", "/api/v1/audit?kind=experiment&key=slow", null).json().path("items");
    JsonNode halt = null;
    for (JsonNode e : audit) {
      if (e.path("action").asText().equals("halt")) {
        halt = e;
      }
    }
    assertThat(halt).as(audit.toString()).isNotNull();
    assertThat(halt.path("actor").asText()).isEqualTo("guardrail-monitor");
    assertThat(halt.at("/after/halted/reason").asText()).contains("guardrail regression");
    assertThat(server.admin("GET", "/api/v1/audit/verify", null).json().path("intact").asBoolean()).isTrue();

    assertThat(haltCounter("guardrail")).isEqualTo(1.0);
    assertThat(haltCounter("srm")).isEqualTo(0.0);
    JsonNode posted = webhooks.poll(10, TimeUnit.SECONDS);
    assertThat(posted).as("webhook received").isNotNull();
    assertThat(posted.path("event").asText()).isEqualTo("experiment.halted");
    assertThat(posted.path("experiment").asText()).isEqualTo("slow");
    assertThat(posted.path("kind").asText()).isEqualTo("guardrail");
    assertThat(posted.at("/guardrails/0/metric").asText()).isEqualTo("latency");

    // A second refresh of the halted experiment does not halt (or notify) again.
    refresh("slow");
    assertThat(haltCounter("guardrail")).isEqualTo(1.0);
    assertThat(server.admin("POST", "/api/v1/experiments/slow/start", "{}").status()).isEqualTo(409);
    assertThat(server.admin("GET", "/api/v1/experiments/slow/report.md", null).body())
        .contains("**Halted** by guardrail-monitor");
    ok(server.admin("POST", "/api/v1/experiments/slow/conclude",
        "{\"decision\":{\"outcome\":\"rollback\",\"writeUp\":\"latency regression\"}}"));
    assertThat(sdk(clientKey).evaluate("cta-text", Attributes.of("id", "user-1")).value())
        .as("concluded with rollback: the flag default again").contains("Old default");
  }

  @Test
  void sampleRatioMismatch_halts() throws Exception {
    long start = startExperiment("skewed", "");
    simulate("skewed", start, 0, 8_000, 0.57, 1.0, new SplittableRandom(2));
    hold = new java.util.concurrent.CountDownLatch(1);
    JsonNode snapshot = refresh("skewed");
    JsonNode posted = webhooks.poll(10, TimeUnit.SECONDS);
    assertThat(posted).as("webhook received").isNotNull();
    assertThat(hold.getCount()).as("the refresh answered while the receiver still held the webhook open").isEqualTo(1);
    hold.countDown();
    assertThat(snapshot.at("/health/srmSequentialPValue").asDouble()).isLessThan(0.001);
    assertThat(status("skewed")).isEqualTo("stopped");
    JsonNode exp = server.admin("GET", "/api/v1/experiments/skewed", null).json();
    assertThat(exp.at("/halted/reason").asText()).startsWith("sample ratio mismatch");
    assertThat(haltCounter("srm")).isEqualTo(1.0);
    assertThat(posted.path("kind").asText()).isEqualTo("srm");
    assertThat(posted.path("reason").asText()).startsWith("sample ratio mismatch");
  }

  @Test
  void healthyExperiment_notHalted_runningStateCarried() throws Exception {
    long start = startExperiment("fine", "");
    simulate("fine", start, 0, 3_000, 0.5, 1.0, new SplittableRandom(3));
    JsonNode first = refresh("fine");
    assertThat(status("fine")).isEqualTo("running");
    JsonNode firstLatency = first.path("results").get(1);
    assertThat(firstLatency.path("looks").asInt()).isEqualTo(1);

    simulate("fine", start, 3_000, 3_000, 0.5, 1.0, new SplittableRandom(4));
    JsonNode second = refresh("fine");
    assertThat(status("fine")).isEqualTo("running");
    JsonNode latency = second.path("results").get(1);
    assertThat(latency.path("looks").asInt()).as("the second look folds in the first").isEqualTo(2);
    assertThat(latency.path("pValue").asDouble()).isLessThanOrEqualTo(firstLatency.path("pValue").asDouble());
    assertThat(latency.path("ciLower").asDouble()).isGreaterThanOrEqualTo(firstLatency.path("ciLower").asDouble());
    assertThat(latency.path("ciUpper").asDouble()).isLessThanOrEqualTo(firstLatency.path("ciUpper").asDouble());
    assertThat(second.path("runningStates")).hasSize(2);
    assertThat(haltCounter("guardrail") + haltCounter("srm")).isZero();
    assertThat(webhooks.poll(500, TimeUnit.MILLISECONDS)).as("no webhook for a healthy experiment").isNull();
  }

  @Test
  void webhookReceiverDown_haltStillHappensAndFailureIsCounted() throws Exception {
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    server.close();
    String url = simulated.url();
    server = new TestServer(b -> b.warehouseUrl(url).webhookUrl("http://127.0.0.1:" + closedPort + "/hook"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics",
        "{\"key\":\"latency\",\"type\":\"mean\",\"event\":\"latency\",\"direction\":\"decrease\"}"));
    long start = startExperiment("unheard", "");
    simulate("unheard", start, 0, 4_000, 0.5, 1.25, new SplittableRandom(6));
    refresh("unheard");
    assertThat(status("unheard")).isEqualTo("stopped");
    double failures = 0;
    for (int i = 0; i < 100 && failures == 0; i++) {
      failures = server.call("GET", "/metrics", null, null).body().lines()
          .filter(l -> l.startsWith("assay_guardrail_webhook_failures_total"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
      if (failures == 0) {
        Thread.sleep(100);
      }
    }
    assertThat(failures).as("the failed delivery is counted").isEqualTo(1.0);
  }

  @Test
  void plannedSampleReached_alertedOncePerPhase_evenWithAutoHaltOff() throws Exception {
    server.close();
    String url = simulated.url();
    server = new TestServer(b -> b.warehouseUrl(url)
        .alerts(dev.assay.server.alerts.AlertOptions.DEFAULTS.withAllowPrivateTargets(true)));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics",
        "{\"key\":\"latency\",\"type\":\"mean\",\"event\":\"latency\",\"direction\":\"decrease\"}"));
    String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    ok(server.admin("POST", "/api/v1/alert-channels",
        "{\"key\":\"ops\",\"url\":\"" + hook + "\",\"types\":[\"experiment.sample_reached\"]}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"planned","variants":[{"key":"control","weight":0.5,"value":"Buy"},{"key":"treatment","weight":0.5,"value":"Buy now!"}],
         "metrics":{"primary":"purchase","guardrails":[{"metric":"latency"}]},"plannedUnits":2000,
         "analysis":{"autoHalt":false}}"""));
    long start = start("planned");
    simulate("planned", start, 0, 1_000, 0.5, 1.0, new SplittableRandom(7));
    refresh("planned");
    assertThat(server.admin("GET", "/api/v1/alerts", null).json().path("items")).as("1,000 of 2,000: not yet").isEmpty();
    simulate("planned", start, 1_000, 1_500, 0.5, 1.0, new SplittableRandom(8));
    refresh("planned");
    refresh("planned");
    JsonNode alerts = server.admin("GET", "/api/v1/alerts", null).json().path("items");
    assertThat(alerts).as("raised once, though two refreshes saw the sample reached").hasSize(1);
    assertThat(alerts.at("/0/type").asText()).isEqualTo("experiment.sample_reached");
    JsonNode posted = webhooks.poll(10, TimeUnit.SECONDS);
    assertThat(posted).as("delivered").isNotNull();
    assertThat(posted.at("/data/units").asLong()).isEqualTo(2_500);
    assertThat(posted.at("/data/plannedUnits").asLong()).isEqualTo(2_000);
    assertThat(status("planned")).isEqualTo("running");
  }

  @Test
  void autoHaltOff_reportsButDoesNotHalt() throws Exception {
    long start = startExperiment("optout", "{\"autoHalt\":false}");
    simulate("optout", start, 0, 4_000, 0.5, 1.25, new SplittableRandom(5));
    JsonNode snapshot = refresh("optout");
    assertThat(snapshot.at("/results/1/ciLower").asDouble()).as("clearly harmful").isGreaterThan(0);
    assertThat(status("optout")).isEqualTo("running");
    assertThat(haltCounter("guardrail")).isZero();
  }

  @Test
  void guardrailThreshold_invalid_is400NamingTheField() {
    for (String threshold : new String[] {"0", "-0.1", "11", "\"x\""}) {
      TestServer.Response r = server.admin("POST", "/api/v1/experiments", """
          {"key":"bad","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],
           "metrics":{"guardrails":[{"metric":"latency","threshold":%s}]}}""".formatted(threshold));
      assertThat(r.status()).as(threshold + ": " + r.body()).isEqualTo(400);
      assertThat(r.body()).as(threshold).contains("metrics.guardrails[0].threshold");
    }
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", """
        {"key":"bad","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],
         "metrics":{"guardrails":[{"metric":"latency","direction":"sideways"}]}}""");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("metrics.guardrails[0].direction");
    r = server.admin("POST", "/api/v1/experiments", """
        {"key":"bad","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],"analysis":{"autoHalt":"maybe"}}""");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("analysis.autoHalt");
  }
}
