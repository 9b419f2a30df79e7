package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.assay.server.telemetry.JsonLogFormatter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing over a real server (ADR 0041), its spans collected by the SDK's in-memory exporter: a
 * request's W3C {@code traceparent} becomes the parent of its server span; the event commit, the
 * payload compilation, the refresh and its per-metric query spans are children in the same trace;
 * an alert delivery sends its own {@code traceparent} to the receiver; and a JSON log line written
 * inside a traced request carries that trace's id.
 */
class TracingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /* A caller's context, as an instrumented client sends it (sampled). */
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_ID = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final HttpClient http = HttpClient.newHttpClient();
  private final LinkedBlockingQueue<String> receivedTraceparents = new LinkedBlockingQueue<>();
  private HttpServer receiver;
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        receivedTraceparents.add(Optional.ofNullable(exchange.getRequestHeaders().getFirst("traceparent")).orElse(""));
        exchange.sendResponseHeaders(204, -1);
      }
    });
    receiver.start();
    String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    server = new TestServer(b -> b.spanExporter(spans).webhookUrl(hook));
  }

  @AfterEach
  void stop() {
    server.close();
    receiver.stop(0);
  }

  @Test
  void request_withTraceparent_serverSpanIsItsChild() {
    assertThat(get("/api/v1/flags", TRACEPARENT).statusCode()).isEqualTo(200);

    SpanData span = await(s -> s.getKind() == SpanKind.SERVER && s.getName().equals("GET /api/v1/flags"));
    assertThat(span.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(span.getParentSpanId()).isEqualTo(PARENT_ID);
    assertThat(span.getParentSpanContext().isRemote()).isTrue();
    assertThat(span.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/api/v1/flags");
    assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
  }

  @Test
  void request_routeTemplateNamesTheSpan_andBadTraceparentStartsANewTrace() {
    server.admin("POST", "/api/v1/flags", "{\"key\":\"checkout\",\"type\":\"boolean\",\"defaultValue\":false}");
    // Not the W3C format (a version byte of ff is forbidden): ignored, the request still served.
    assertThat(get("/api/v1/flags/checkout", "ff-" + TRACE_ID + "-" + PARENT_ID + "-01").statusCode()).isEqualTo(200);
    assertThat(get("/api/v1/flags/absent", null).statusCode()).isEqualTo(404);

    SpanData found = await(s -> s.getName().equals("GET /api/v1/flags/{key}")
        && Long.valueOf(200).equals(s.getAttributes().get(AttributeKey.longKey("http.response.status_code"))));
    assertThat(found.getTraceId()).isNotEqualTo(TRACE_ID);
    assertThat(found.getParentSpanContext().isValid()).as("a root span").isFalse();
    SpanData missing = await(s -> s.getName().equals("GET /api/v1/flags/{key}")
        && Long.valueOf(404).equals(s.getAttributes().get(AttributeKey.longKey("http.response.status_code"))));
    assertThat(missing.getTraceId()).isNotEqualTo(found.getTraceId());
  }

  @Test
  void request_notSampledByCaller_recordsNoSpan() {
    // The caller decided not to sample (flags 00): parent-based sampling records nothing of it.
    assertThat(get("/api/v1/flags", "00-" + TRACE_ID + "-" + PARENT_ID + "-00").statusCode()).isEqualTo(200);
    assertThat(get("/api/v1/projects", TRACEPARENT).statusCode()).isEqualTo(200);
    // Spans are exported in the order they end: once this later one is out, the earlier one would be.
    await(s -> s.getName().equals("GET /api/v1/projects"));
    assertThat(spans.getFinishedSpanItems()).noneMatch(s -> s.getName().equals("GET /api/v1/flags"));
  }

  @Test
  void ingestion_commitSpanIsChildOfTheRequestSpan_withTheBatchSize() {
    String clientKey = clientKey();
    long now = System.currentTimeMillis();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      events.add(exposure("e" + i, "u" + i, i % 2, now, "checkout-test"));
    }
    HttpResponse<String> posted = send("POST", "/api/v1/events", clientKey, "[" + String.join(",", events) + "]",
        TRACEPARENT);
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

    SpanData request = await(s -> s.getName().equals("POST /api/v1/events"));
    SpanData commit = await(s -> s.getName().equals("assay.events commit") && s.getTraceId().equals(TRACE_ID));
    assertThat(request.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(commit.getParentSpanId()).as("the commit is a child of the request").isEqualTo(request.getSpanId());
    assertThat(commit.getAttributes().get(AttributeKey.longKey("assay.events.batch_size"))).isEqualTo(7L);
    assertThat(commit.getAttributes().get(AttributeKey.longKey("assay.events.accepted"))).isEqualTo(7L);
    assertThat(commit.getAttributes().get(AttributeKey.longKey("assay.events.requests"))).isEqualTo(1L);
  }

  @Test
  void configurationChange_compilesThePayloadInsideTheRequestSpan() {
    clientKey();
    HttpResponse<String> created = send("POST", "/api/v1/flags", TestServer.ADMIN_TOKEN,
        "{\"key\":\"dark-mode\",\"type\":\"boolean\",\"defaultValue\":false}", TRACEPARENT);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    SpanData request = await(s -> s.getName().equals("POST /api/v1/flags") && s.getTraceId().equals(TRACE_ID));
    SpanData compile = await(s -> s.getName().equals("assay.payload compile") && s.getTraceId().equals(TRACE_ID));
    assertThat(compile.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(compile.getAttributes().get(AttributeKey.stringKey("assay.project"))).isEqualTo("default");
    assertThat(compile.getAttributes().get(AttributeKey.longKey("assay.payload.connections"))).isEqualTo(1L);
  }

  /*
   * 2,000 exposures in control and 500 in treatment of a 50/50 split: a sample ratio mismatch
   * (χ² = 900; the sequential test is also far below 0.001), so the refresh halts the experiment,
   * logs it and raises an alert.
   */
  @Test
  void refresh_spansPerMetricQuery_haltLogCarriesTheTrace_andAlertDeliverySendsTraceparent() throws Exception {
    String clientKey = clientKey();
    server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}");
    server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}");
    assertThat(server.admin("POST", "/api/v1/experiments", """
        {"key":"skewed","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"purchase","secondary":["revenue"]}}""").status()).isEqualTo(201);
    assertThat(server.admin("POST", "/api/v1/experiments/skewed/start", "{}").status()).isEqualTo(200);
    long now = System.currentTimeMillis();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < 2_500; i++) {
      events.add(exposure("x" + i, "u" + i, i < 2_000 ? 0 : 1, now, "skewed"));
    }
    for (int i = 0; i < 2_500; i += 3) {
      events.add("{\"id\":\"p" + i + "\",\"type\":\"metric\",\"name\":\"purchase\",\"unitId\":\"u" + i
          + "\",\"timestamp\":" + (now + 1) + "}");
    }
    HttpResponse<String> posted = send("POST", "/api/v1/events", clientKey, "[" + String.join(",", events) + "]", null);
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    Handler json = new StreamHandler(logged, new JsonLogFormatter());
    json.setLevel(Level.WARNING);
    Logger safety = Logger.getLogger("dev.assay.server.safety");
    safety.addHandler(json);
    HttpResponse<String> refreshed;
    try {
      refreshed = send("POST", "/api/v1/experiments/skewed/refresh", TestServer.ADMIN_TOKEN, "{}", TRACEPARENT);
    } finally {
      json.flush();
      safety.removeHandler(json);
    }
    assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);

    SpanData request = await(s -> s.getName().equals("POST /api/v1/experiments/{key}/refresh"));
    SpanData refresh = await(s -> s.getName().equals("assay.refresh") && s.getTraceId().equals(TRACE_ID));
    assertThat(refresh.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(refresh.getAttributes().get(AttributeKey.stringKey("assay.experiment.key"))).isEqualTo("skewed");
    List<SpanData> metrics = awaitAll(s -> s.getName().equals("assay.refresh metric")
        && s.getTraceId().equals(TRACE_ID), 2);
    assertThat(metrics).extracting(s -> s.getAttributes().get(AttributeKey.stringKey("assay.metric.key")))
        .containsExactly("purchase", "revenue");
    assertThat(metrics).allMatch(s -> s.getParentSpanId().equals(refresh.getSpanId()));
    assertThat(await(s -> s.getName().equals("assay.refresh exposures") && s.getTraceId().equals(TRACE_ID))
        .getParentSpanId()).isEqualTo(refresh.getSpanId());
    assertThat(await(s -> s.getName().equals("assay.refresh statistics") && s.getTraceId().equals(TRACE_ID))
        .getParentSpanId()).isEqualTo(refresh.getSpanId());
    SpanData check = await(s -> s.getName().equals("assay.guardrail check") && s.getTraceId().equals(TRACE_ID));
    assertThat(check.getParentSpanId()).isEqualTo(refresh.getSpanId());

    // The halt's log line, as JSON, names the trace and the span it was written in.
    String line = logged.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("halted experiment"))
        .findFirst().orElseThrow(() -> new AssertionError("no halt logged: " + logged + " " + refreshed.body()
            + server.admin("GET", "/api/v1/experiments/skewed", null).body()));
    JsonNode log = JSON.readTree(line);
    assertThat(log.path("level").asText()).isEqualTo("WARNING");
    assertThat(log.path("logger").asText()).isEqualTo("dev.assay.server.safety.GuardrailMonitor");
    assertThat(log.path("message").asText()).startsWith("halted experiment default/skewed: sample ratio mismatch");
    assertThat(log.path("trace_id").asText()).isEqualTo(TRACE_ID);
    assertThat(log.path("span_id").asText()).isEqualTo(check.getSpanId());
    assertThat(log.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

    // The operator webhook's delivery: its own trace (from the outbox), propagated to the receiver.
    String traceparent = receivedTraceparents.poll(30, TimeUnit.SECONDS);
    assertThat(traceparent).as("the webhook was delivered").isNotNull();
    SpanData delivery = await(s -> s.getName().equals("assay.alert deliver"));
    assertThat(delivery.getKind()).isEqualTo(SpanKind.CLIENT);
    // Flags: sampled (01), and the SDK also marks its trace ids random (02, W3C Trace Context level 2).
    assertThat(traceparent).matches("00-" + delivery.getTraceId() + "-" + delivery.getSpanId() + "-0[13]");
    assertThat(delivery.getAttributes().get(AttributeKey.stringKey("assay.alert.type"))).isNotBlank();
    assertThat(delivery.getAttributes().get(AttributeKey.stringKey("assay.outcome"))).isEqualTo("delivered");
  }

  private String clientKey() {
    TestServer.Response r = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().get("key").asText();
  }

  private static String exposure(String id, String unit, int variation, long ts, String experiment) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"" + experiment + "\",\"variationId\":"
        + variation + ",\"unitId\":\"" + unit + "\",\"timestamp\":" + ts + "}";
  }

  private HttpResponse<String> get(String path, String traceparent) {
    return send("GET", path, TestServer.ADMIN_TOKEN, null, traceparent);
  }

  private HttpResponse<String> send(String method, String path, String token, String json, String traceparent) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Authorization", "Bearer " + token)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    if (traceparent != null) {
      b.header("traceparent", traceparent);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /* Spans are exported in batches: wait (bounded) for the one asked for. */
  private SpanData await(Predicate<SpanData> match) {
    return awaitAll(match, 1).get(0);
  }

  private List<SpanData> awaitAll(Predicate<SpanData> match, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      List<SpanData> found = spans.getFinishedSpanItems().stream().filter(match).toList();
      if (found.size() >= count) {
        return found;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no such span (" + found.size() + " of " + count + ") among "
            + spans.getFinishedSpanItems().stream().map(SpanData::getName).toList());
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
