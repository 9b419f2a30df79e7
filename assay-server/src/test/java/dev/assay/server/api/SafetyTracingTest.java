package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.assay.testsupport.Await;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The spans of the safety jobs on a real server (ADR 0041), collected by the in-memory exporter:
 * the rollout evaluator's ticks, looks and transitions (an automatic rollback and a pause by hand),
 * a circuit breaker's looks and its trip, and scheduled changes applied (done and failed).
 */
class SafetyTracingTest {
  private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("assay.outcome");
  private static final AttributeKey<String> FLAG = AttributeKey.stringKey("assay.flag.key");
  private static final AttributeKey<String> EXPERIMENT = AttributeKey.stringKey("assay.experiment.key");
  private static final AttributeKey<String> ACTION = AttributeKey.stringKey("assay.action");

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final TestServer t = new TestServer(b -> b.rolloutTick(Duration.ofMillis(200)).spanExporter(spans));
  private final SplittableRandom random = new SplittableRandom(11);
  private int round;

  @AfterEach
  void stop() {
    t.close();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  private String clientKey() {
    return ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}"))
        .json().get("key").asText();
  }

  @Test
  void rollout_evaluatorRollsBack_tickLookAndTransitionSpans_handPauseIsAChildOfItsRequest() throws Exception {
    String clientKey = clientKey();
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"checkout-flow","type":"string","defaultValue":"old",
         "environments":{"production":{"enabled":true,"rules":[{"value":"new"}]}}}"""));
    ok(t.admin("PUT", "/api/v1/flags/checkout-flow/rollout?environment=production", """
        {"rule":0,"steps":[0.2,0.5,1.0],"dwellSeconds":1,"settleSeconds":1,"minUnitsPerStep":200,
         "gates":{"errorRateMargin":0.03,"srm":true}}"""));
    String path = "/api/v1/flags/checkout-flow/rollout";
    Await.until(() -> {
      rolloutTraffic(clientKey, 2000, 0.05, 0.10);
      return ok(t.admin("GET", path + "?environment=production", null)).json().path("status").asText()
          .equals("rolled_back");
    }, Duration.ofSeconds(60), "the rollout rolls back");

    SpanData look = await(s -> s.getName().equals("assay.rollout look") && "rollback".equals(s.getAttributes().get(OUTCOME)));
    assertThat(look.getAttributes().get(FLAG)).isEqualTo("checkout-flow");
    assertThat(look.getAttributes().get(AttributeKey.stringKey("assay.environment"))).isEqualTo("production");
    assertThat(look.getAttributes().get(AttributeKey.longKey("assay.rollout.step"))).isEqualTo(0L);
    assertThat(look.getAttributes().get(AttributeKey.doubleKey("assay.rollout.fraction"))).isEqualTo(0.2);
    assertThat(look.getAttributes().get(AttributeKey.longKey("assay.rollout.units"))).isGreaterThanOrEqualTo(200L);
    SpanData tick = await(s -> s.getSpanId().equals(look.getParentSpanId()));
    assertThat(tick.getName()).isEqualTo("assay.rollout tick");
    assertThat(tick.getParentSpanContext().isValid()).as("a root span").isFalse();
    assertThat(tick.getAttributes().get(AttributeKey.longKey("assay.rollout.running"))).isEqualTo(1L);
    SpanData rollback = await(s -> s.getName().equals("assay.rollout transition")
        && s.getParentSpanId().equals(look.getSpanId()));
    assertThat(rollback.getAttributes().get(ACTION)).isEqualTo("rollback");
    assertThat(rollback.getAttributes().get(OUTCOME)).isEqualTo("applied");
    assertThat(rollback.getAttributes().get(AttributeKey.longKey("assay.rollout.to_step"))).isEqualTo(-1L);
    assertThat(rollback.getAttributes().get(AttributeKey.stringKey("assay.actor"))).isEqualTo("rollout-evaluator");
    // Looks that held were recorded too (the first step's window filling up).
    assertThat(spans.getFinishedSpanItems()).anyMatch(s -> s.getName().equals("assay.rollout look")
        && "hold".equals(s.getAttributes().get(OUTCOME)));

    ok(t.admin("POST", path + "/resume?environment=production", "{}"));
    ok(t.admin("POST", path + "/pause?environment=production", "{\"reason\":\"investigating\"}"));
    SpanData pause = await(s -> s.getName().equals("assay.rollout transition") && "pause".equals(s.getAttributes().get(ACTION)));
    SpanData request = await(s -> s.getSpanId().equals(pause.getParentSpanId()));
    assertThat(request.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(request.getName()).startsWith("POST /api/v1/flags/{key}/rollout/");
    assertThat(pause.getAttributes().get(OUTCOME)).isEqualTo("applied");
    assertThat(pause.getAttributes().get(AttributeKey.stringKey("assay.actor"))).isNotEqualTo("rollout-evaluator");
  }

  @Test
  void breaker_errorRegression_looksPassThenTrip_tripRecorded() throws Exception {
    String clientKey = clientKey();
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}"""));
    ok(t.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
    ok(t.admin("PUT", "/api/v1/experiments/checkout/breaker", "{\"errorRateMargin\":0.02}"));
    for (int i = 0; i < 3; i++) {
      ok(signals(clientKey, 500, 0.01, 0.01));
    }
    Await.until(() -> {
      ok(signals(clientKey, 500, 0.01, 0.2));
      return ok(t.admin("GET", "/api/v1/experiments/checkout/breaker", null)).json().path("state").asText()
          .equals("tripped");
    }, Duration.ofSeconds(30), "the breaker trips");

    SpanData tripped = await(s -> s.getName().equals("assay.breaker look") && "trip".equals(s.getAttributes().get(OUTCOME)));
    assertThat(tripped.getAttributes().get(EXPERIMENT)).isEqualTo("checkout");
    assertThat(tripped.getAttributes().get(AttributeKey.stringKey("assay.breaker.target"))).isEqualTo("experiment");
    assertThat(tripped.getAttributes().get(AttributeKey.longKey("assay.breaker.breaches"))).isGreaterThanOrEqualTo(1L);
    SpanData request = await(s -> s.getSpanId().equals(tripped.getParentSpanId()));
    assertThat(request.getName()).as("evaluated on the ingestion request").isEqualTo("POST /api/v1/events");
    SpanData trip = await(s -> s.getName().equals("assay.breaker trip"));
    assertThat(trip.getParentSpanId()).isEqualTo(tripped.getSpanId());
    assertThat(trip.getAttributes().get(OUTCOME)).isEqualTo("recorded");
    assertThat(spans.getFinishedSpanItems()).as("the healthy looks before the regression")
        .anyMatch(s -> s.getName().equals("assay.breaker look") && "pass".equals(s.getAttributes().get(OUTCOME)));
  }

  @Test
  void schedules_appliedInTheirOwnTrace_doneAndFailed() throws Exception {
    clientKey();
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"dark","type":"boolean","defaultValue":false,"environments":{"production":{"rules":[{"value":true}]}}}"""));
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"purchase"}}"""));
    ok(t.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
    String kill = schedule("/api/v1/flags/dark/schedule", "kill");
    String start = schedule("/api/v1/experiments/checkout/schedule", "start"); // already running: fails

    SpanData killed = await(s -> s.getName().equals("assay.schedule apply")
        && kill.equals(s.getAttributes().get(AttributeKey.stringKey("assay.schedule.id"))));
    assertThat(killed.getAttributes().get(FLAG)).isEqualTo("dark");
    assertThat(killed.getAttributes().get(ACTION)).isEqualTo("kill");
    assertThat(killed.getAttributes().get(OUTCOME)).isEqualTo("done");
    assertThat(killed.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
    assertThat(killed.getParentSpanContext().isValid()).as("a trace of its own").isFalse();
    SpanData failed = await(s -> s.getName().equals("assay.schedule apply")
        && start.equals(s.getAttributes().get(AttributeKey.stringKey("assay.schedule.id"))));
    assertThat(failed.getAttributes().get(EXPERIMENT)).isEqualTo("checkout");
    assertThat(failed.getAttributes().get(OUTCOME)).isEqualTo("failed");
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(failed.getStatus().getDescription()).isNotBlank();
  }

  private String schedule(String path, String action) {
    TestServer.Response r = t.admin("POST", path, "{\"action\":\"" + action + "\",\"at\":\""
        + Instant.now().plusMillis(300) + "\",\"reason\":\"launch\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().path("id").asText();
  }

  /* Fresh units evaluated on the current payload; their exposures and $error events posted. */
  private void rolloutTraffic(String clientKey, int units, double controlErrors, double treatmentErrors) {
    ExperimentClient sdk = ExperimentClient.builder().payload(ok(t.call("GET", "/api/features/" + clientKey, null,
        null)).body()).build();
    long now = System.currentTimeMillis();
    StringBuilder b = new StringBuilder();
    round++;
    for (int i = 0; i < units; i++) {
      String unit = "u-" + round + "-" + i;
      FeatureResult r = sdk.evaluate("checkout-flow", Attributes.of("id", unit));
      Optional<ExperimentResult> x = r.experimentResult().filter(ExperimentResult::inExperiment);
      if (x.isEmpty()) {
        continue;
      }
      int v = x.get().variationId();
      b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"exposure\",\"experimentKey\":\"")
          .append(r.experiment().orElseThrow().key()).append("\",\"variationId\":").append(v)
          .append(",\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now).append("}\n");
      if (random.nextDouble() < (v == 0 ? controlErrors : treatmentErrors)) {
        b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$error\",")
            .append("\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now + 1).append("}\n");
      }
    }
    ok(t.send("POST", "/api/v1/events", clientKey, "application/x-ndjson", b.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /* Per variation n requests' latencies and errors at the given rates, tagged with the experiment. */
  private TestServer.Response signals(String clientKey, int n, double controlErrors, double treatmentErrors) {
    StringBuilder b = new StringBuilder();
    long now = System.currentTimeMillis();
    for (int i = 0; i < 2 * n; i++) {
      int v = i % 2;
      String tag = "{\"experimentKey\":\"checkout\",\"variationId\":" + v + "}";
      String unit = "user-" + random.nextInt(100_000);
      b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$latency_ms\",")
          .append("\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now).append(",\"value\":")
          .append(50 + random.nextInt(100)).append(",\"properties\":").append(tag).append("}\n");
      if (random.nextDouble() < (v == 0 ? controlErrors : treatmentErrors)) {
        b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$error\",")
            .append("\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now).append(",\"properties\":")
            .append(tag).append("}\n");
      }
    }
    return t.send("POST", "/api/v1/events", clientKey, "application/x-ndjson",
        b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /* Spans are exported in batches: wait (bounded) for the one asked for. */
  private SpanData await(Predicate<SpanData> match) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      List<SpanData> found = spans.getFinishedSpanItems().stream().filter(match).toList();
      if (!found.isEmpty()) {
        return found.get(0);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no such span among " + spans.getFinishedSpanItems().stream()
            .map(SpanData::getName).distinct().toList());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
