package dev.assay.sdk;

import static dev.assay.testsupport.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.EventSink.Answer;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link EventLogger} against a real HTTP server (the JDK's, scripted to answer 200, 429, 503,
 * 401…): batching, the wire format, retries, drop counting, flush on close.
 */
class EventLoggerTest {

  private static final Duration LONG = Duration.ofHours(1);
  private static final Clock FIXED = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);

  private EventSink sink;

  @BeforeEach
  void start() throws IOException {
    sink = new EventSink();
  }

  @AfterEach
  void stop() {
    sink.close();
  }

  private EventLogger.Builder logger() {
    return EventLogger.builder(sink.url(), "sdk-test-key")
        .flushInterval(LONG)
        .retryDelay(Duration.ofMillis(1), Duration.ofMillis(20))
        .clock(FIXED);
  }

  // ---- batching and wire format ----

  @Test
  void track_fullBatchesSentAtOnce_remainderOnlyOnFlush() throws Exception {
    try (EventLogger events = logger().batchSize(10).build()) {
      for (int i = 0; i < 25; i++) {
        assertThat(events.track("page-view", "u" + i)).isTrue();
      }
      until(() -> sink.requests.size() == 2, "two full batches");
      assertThat(sink.batchSizes()).containsExactly(10, 10);

      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();

      assertThat(sink.batchSizes()).containsExactly(10, 10, 5);
      assertThat(events.stats().delivered()).isEqualTo(25);
      assertThat(events.stats().batches()).isEqualTo(3);
      assertThat(events.stats().pending()).isZero();
      assertThat(sink.events()).extracting(e -> e.get("unitId").asText())
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 25).mapToObj(i -> "u" + i).toList());
    }
  }

  @Test
  void track_partialBatch_sentWhenTheFlushIntervalPasses() throws Exception {
    try (EventLogger events = logger().batchSize(100).flushInterval(Duration.ofMillis(50)).build()) {
      events.track("signup", "u1");
      events.track("signup", "u2");

      until(() -> !sink.requests.isEmpty(), "a timed batch");

      assertThat(sink.batchSizes()).containsExactly(2);
    }
  }

  @Test
  void track_wireFormat_isTheServersEventShape_gzipAndAuthorized() throws Exception {
    try (EventLogger events = logger().build()) {
      events.track("purchase", "buyer-1", 19.5, Map.of("currency", "EUR", "items", 3));
      events.track("page-view", "buyer-2");
      events.flush(Duration.ofSeconds(20));
    }

    EventSink.Request req = sink.requests.get(0);
    assertThat(req.header("Authorization")).isEqualTo("Bearer sdk-test-key");
    assertThat(req.header("Content-Type")).isEqualTo("application/json");
    assertThat(req.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(req.rawBody()[0] & 0xff).isEqualTo(0x1f); // really gzip
    JsonNode purchase = req.events().get(0);
    assertThat(purchase.get("type").asText()).isEqualTo("metric");
    assertThat(purchase.get("name").asText()).isEqualTo("purchase");
    assertThat(purchase.get("unitId").asText()).isEqualTo("buyer-1");
    assertThat(purchase.get("value").asDouble()).isEqualTo(19.5);
    assertThat(purchase.get("timestamp").asLong()).isEqualTo(FIXED.millis());
    assertThat(purchase.get("properties").get("currency").asText()).isEqualTo("EUR");
    assertThat(purchase.get("properties").get("items").asInt()).isEqualTo(3);
    JsonNode view = req.events().get(1);
    assertThat(view.has("value")).isFalse();
    assertThat(view.has("properties")).isFalse();
    assertThat(purchase.get("id").asText()).isNotBlank().isNotEqualTo(view.get("id").asText());
  }

  @Test
  void gzipOff_sendsPlainJson() throws Exception {
    try (EventLogger events = logger().gzip(false).build()) {
      events.track("a", "u");
      events.flush(Duration.ofSeconds(20));
    }
    assertThat(sink.requests.get(0).header("Content-Encoding")).isNull();
    assertThat(new String(sink.requests.get(0).rawBody(), java.nio.charset.StandardCharsets.UTF_8)).startsWith("[{");
  }

  @Test
  void track_propertiesAreCopied_laterChangesByTheCallerNotSent() throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put("step", "cart");
    try (EventLogger events = logger().build()) {
      events.track("funnel", "u1", props);
      props.put("step", "changed");
      props.put("extra", true);
      events.flush(Duration.ofSeconds(20));
    }
    JsonNode sent = sink.events().get(0).get("properties");
    assertThat(sent.get("step").asText()).isEqualTo("cart");
    assertThat(sent.has("extra")).isFalse();
  }

  @Test
  void close_sendsWhatIsQueued() throws Exception {
    EventLogger events = logger().batchSize(100).build();
    for (int i = 0; i < 7; i++) {
      events.track("e", "u" + i);
    }
    events.close();

    assertThat(sink.batchSizes()).containsExactly(7);
    assertThat(events.stats().delivered()).isEqualTo(7);
    assertThat(events.track("late", "u")).isFalse();
    assertThat(events.stats().droppedClosed()).isEqualTo(1);
  }

  @Test
  void track_fromManyThreads_everyEventDeliveredOnce() throws Exception {
    int threads = 4;
    int perThread = 5_000;
    EventLogger events = logger().queueCapacity(threads * perThread).batchSize(500)
        .flushInterval(Duration.ofMillis(20)).build();
    List<Thread> producers = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread producer = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          events.track("e", "t" + thread + "-" + i);
        }
      });
      producer.start();
      producers.add(producer);
    }
    for (Thread t : producers) {
      t.join();
    }
    events.close();

    List<JsonNode> sent = sink.events();
    assertThat(sent).hasSize(threads * perThread);
    assertThat(sent).extracting(e -> e.get("unitId").asText()).doesNotHaveDuplicates();
    assertThat(sent).extracting(e -> e.get("id").asText()).doesNotHaveDuplicates();
    assertThat(sink.batchSizes()).allSatisfy(n -> assertThat(n).isBetween(1, 500));
    assertThat(events.stats().delivered()).isEqualTo(threads * perThread);
    assertThat(events.stats().dropped()).isZero();
  }

  // ---- exposures ----

  @Test
  void exposures_fromExperimentClient_loggedOncePerUnitExperimentVariation() throws Exception {
    String payload = "{\"features\":{\"checkout\":{\"defaultValue\":\"off\",\"rules\":[{\"key\":\"checkout-exp\","
        + "\"variations\":[\"control\",\"treatment\"],\"weights\":[0.5,0.5],"
        + "\"meta\":[{\"key\":\"c\"},{\"key\":\"t\"}]}]}}}";
    Map<String, Integer> variations = new HashMap<>();
    try (EventLogger events = logger().build()) {
      ExperimentClient client = ExperimentClient.builder().payload(payload).onExposure(events).build();
      for (int round = 0; round < 5; round++) {
        for (int u = 0; u < 20; u++) {
          Attributes user = Attributes.of("id", "user-" + u);
          client.getString("checkout", user, "x");
          client.evaluate("checkout", user);
          variations.put("user-" + u, client.evaluate("checkout", user).experimentResult().orElseThrow().variationId());
        }
      }
      events.flush(Duration.ofSeconds(20));
    }

    List<JsonNode> sent = sink.events();
    assertThat(sent).hasSize(20);
    for (JsonNode e : sent) {
      assertThat(e.get("type").asText()).isEqualTo("exposure");
      assertThat(e.get("experimentKey").asText()).isEqualTo("checkout-exp");
      assertThat(e.get("hashAttribute").asText()).isEqualTo("id");
      String unit = e.get("unitId").asText();
      assertThat(e.get("variationId").asInt()).isEqualTo(variations.get(unit));
      assertThat(e.get("attributes").get("variationKey").asText()).isEqualTo(variations.get(unit) == 0 ? "c" : "t");
      assertThat(e.get("attributes").get("featureId").asText()).isEqualTo("checkout");
    }
    assertThat(sent).extracting(e -> e.get("unitId").asText()).doesNotHaveDuplicates();
  }

  @Test
  void exposures_ofAClusterRandomization_loggedPerAnalysisUnitWithTheCluster() throws Exception {
    // analysisUnit (ADR 0039): hashed by company, logged and de-duplicated per user
    String payload = "{\"features\":{\"seats\":{\"defaultValue\":\"off\",\"rules\":[{\"key\":\"seats-exp\","
        + "\"variations\":[\"control\",\"treatment\"],\"weights\":[0.5,0.5],\"hashAttribute\":\"company\","
        + "\"analysisUnit\":\"id\",\"meta\":[{\"key\":\"c\"},{\"key\":\"t\"}]}]}}}";
    Map<String, Integer> companyVariation = new HashMap<>();
    try (EventLogger events = logger().build()) {
      ExperimentClient client = ExperimentClient.builder().payload(payload).onExposure(events).build();
      for (int round = 0; round < 3; round++) {
        for (int u = 0; u < 30; u++) {
          Attributes user = Attributes.of("id", "user-" + u, "company", "co-" + u % 5);
          client.getString("seats", user, "x");
          int v = client.evaluate("seats", user).experimentResult().orElseThrow().variationId();
          assertThat(companyVariation.computeIfAbsent("co-" + u % 5, k -> v)).isEqualTo(v);
        }
      }
      events.flush(Duration.ofSeconds(20));
    }
    List<JsonNode> sent = sink.events();
    assertThat(sent).hasSize(30);
    for (JsonNode e : sent) {
      String unit = e.get("unitId").asText();
      String company = "co-" + Integer.parseInt(unit.substring("user-".length())) % 5;
      assertThat(e.get("hashAttribute").asText()).isEqualTo("company");
      assertThat(e.get("attributes").get("company").asText()).isEqualTo(company);
      assertThat(e.get("variationId").asInt()).isEqualTo(companyVariation.get(company));
    }
    assertThat(sent).extracting(e -> e.get("unitId").asText()).doesNotHaveDuplicates();
  }

  // ---- bad input: never thrown, always counted ----

  @Test
  void reportErrorAndLatency_areTheBreakerSignals_invalidOnesDropped() throws Exception {
    try (EventLogger events = logger().build()) {
      assertThat(events.reportLatency("checkout", 1, "u1", 87.5)).isTrue();
      assertThat(events.reportError("checkout", 1, "u1")).isTrue();
      assertThat(events.reportError(null, 1, "u1")).isFalse();
      assertThat(events.reportError("checkout", -1, "u1")).isFalse();
      assertThat(events.reportLatency("checkout", 0, "u1", Double.NaN)).isFalse();
      events.flush(Duration.ofSeconds(20));
      assertThat(events.stats().droppedInvalid()).isEqualTo(3);
    }
    JsonNode latency = sink.events().get(0);
    assertThat(latency.get("name").asText()).isEqualTo("$latency_ms");
    assertThat(latency.get("value").asDouble()).isEqualTo(87.5);
    assertThat(latency.get("properties").get("experimentKey").asText()).isEqualTo("checkout");
    assertThat(latency.get("properties").get("variationId").asInt()).isEqualTo(1);
    JsonNode error = sink.events().get(1);
    assertThat(error.get("name").asText()).isEqualTo("$error");
    assertThat(error.has("value")).isFalse();
    assertThat(error.get("properties").get("variationId").asInt()).isEqualTo(1);
  }

  @Test
  void track_invalidArguments_droppedAndCounted_neverThrown() throws Exception {
    Map<String, Object> tooMany = new HashMap<>();
    for (int i = 0; i <= EventLogger.MAX_PROPERTIES; i++) {
      tooMany.put("p" + i, i);
    }
    try (EventLogger events = logger().build()) {
      assertThat(events.track(null, "u")).isFalse();
      assertThat(events.track("name", null)).isFalse();
      assertThat(events.track("", "u")).isFalse();
      assertThat(events.track("name", " ".repeat(0))).isFalse();
      assertThat(events.track("x".repeat(257), "u")).isFalse();
      assertThat(events.track("name", "u", Double.NaN, Map.of())).isFalse();
      assertThat(events.track("name", "u", Double.POSITIVE_INFINITY, Map.of())).isFalse();
      assertThat(events.track("name", "u", tooMany)).isFalse();
      assertThat(events.track("name", "u", 1.0, null)).isFalse();
      assertThat(events.track("x".repeat(256), "u")).isTrue();

      events.flush(Duration.ofSeconds(20));
      assertThat(events.stats().droppedInvalid()).isEqualTo(9);
      assertThat(events.stats().queued()).isEqualTo(1);
      assertThat(sink.events()).hasSize(1);
    }
  }

  @Test
  void track_propertyThatCannotBeWritten_dropsOnlyThatEvent() throws Exception {
    Object broken = new Object() {
      @Override
      public String toString() {
        throw new IllegalStateException("no text");
      }
    };
    try (EventLogger events = logger().build()) {
      events.track("good", "u1");
      events.track("bad", "u2", Map.of("x", broken));
      events.track("good", "u3");
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(events.stats().droppedInvalid()).isEqualTo(1);
      assertThat(events.stats().delivered()).isEqualTo(2);
    }
    assertThat(sink.events()).extracting(e -> e.get("unitId").asText()).containsExactly("u1", "u3");
  }

  @Test
  void serverRejectsSomeEvents_countedAsRejected() throws Exception {
    sink.then(new Answer(200, Map.of(),
        "{\"accepted\":2,\"duplicates\":1,\"rejected\":[{\"index\":0,\"reason\":\"properties: larger than 8192 characters\"}]}"));
    try (EventLogger events = logger().build()) {
      for (int i = 0; i < 4; i++) {
        events.track("e", "u" + i);
      }
      events.flush(Duration.ofSeconds(20));
      EventLogger.Stats s = events.stats();
      assertThat(s.delivered()).isEqualTo(2);
      assertThat(s.duplicates()).isEqualTo(1);
      assertThat(s.rejectedByServer()).isEqualTo(1);
      assertThat(s.dropped()).isEqualTo(1);
    }
  }

  // ---- backpressure ----

  @Test
  void queueFull_dropsAndCounts_neverBlocks() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    sink.hold = release; // the server sits on the first batch
    try (EventLogger events = logger().queueCapacity(10).batchSize(5).build()) {
      for (int i = 0; i < 5; i++) {
        events.track("first", "u" + i);
      }
      assertThat(sink.firstRequest.await(20, TimeUnit.SECONDS)).isTrue();

      int accepted = 0;
      for (int i = 0; i < 30; i++) {
        if (events.track("burst", "b" + i)) {
          accepted++;
        }
      }

      assertThat(accepted).isEqualTo(10);
      assertThat(events.stats().droppedQueueFull()).isEqualTo(20);
      assertThat(events.stats().pending()).isEqualTo(10);
      sink.hold = null;
      release.countDown();
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(events.stats().delivered()).isEqualTo(15);
      assertThat(events.stats().queued()).isEqualTo(15);
    }
    assertThat(sink.events()).filteredOn(e -> e.get("name").asText().equals("burst"))
        .extracting(e -> e.get("unitId").asText())
        .containsExactly("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9");
  }

  // ---- retries ----

  @Test
  void retry_after503_honoursRetryAfter_resendsTheSameIds() throws Exception {
    sink.then(Answer.status(503, "1"));
    try (EventLogger events = logger().build()) {
      events.track("a", "u1");
      events.track("b", "u2");
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();

      assertThat(sink.requests).hasSize(2);
      assertThat(ids(sink.requests.get(1).events())).isEqualTo(ids(sink.requests.get(0).events()));
      long gap = sink.requests.get(1).atNanos() - sink.requests.get(0).atNanos();
      assertThat(gap).as("waited for Retry-After: 1").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(900));
      EventLogger.Stats s = events.stats();
      assertThat(s.retries()).isEqualTo(1);
      assertThat(s.delivered()).isEqualTo(2);
      assertThat(s.dropped()).isZero();
    }
  }

  @Test
  void retry_429Repeatedly_givesUpAfterMaxRetries_andCounts() throws Exception {
    sink.then(Answer.status(429, "0"), Answer.status(429, null), Answer.status(429, "0"), Answer.status(429, "0"));
    try (EventLogger events = logger().maxRetries(2).build()) {
      events.track("a", "u1");
      events.track("b", "u2");
      events.track("c", "u3");
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();

      assertThat(sink.requests).hasSize(3);
      EventLogger.Stats s = events.stats();
      assertThat(s.retries()).isEqualTo(2);
      assertThat(s.droppedUndeliverable()).isEqualTo(3);
      assertThat(s.delivered()).isZero();

      // The logger keeps working for later events.
      events.track("d", "u4");
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(events.stats().delivered()).isEqualTo(1);
    }
  }

  @Test
  void retry_serverErrorsThenSuccess_delivered() throws Exception {
    sink.then(Answer.status(500, null), Answer.status(503, null), Answer.status(502, null));
    try (EventLogger events = logger().build()) {
      events.track("a", "u1");
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(sink.requests).hasSize(4);
      assertThat(events.stats().retries()).isEqualTo(3);
      assertThat(events.stats().delivered()).isEqualTo(1);
    }
  }

  @Test
  void retry_networkError_retriedThenGivenUp() throws Exception {
    String dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = "http://127.0.0.1:" + s.getLocalPort();
    }
    try (EventLogger events = EventLogger.builder(dead, "k").flushInterval(LONG).maxRetries(3)
        .retryDelay(Duration.ofMillis(1), Duration.ofMillis(5)).build()) {
      events.track("a", "u1");
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(events.stats().retries()).isEqualTo(3);
      assertThat(events.stats().droppedUndeliverable()).isEqualTo(1);
    }
  }

  @Test
  void unauthorized_isNotRetried() throws Exception {
    sink.then(new Answer(401, Map.of(), "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"unknown key\"}}"));
    try (EventLogger events = logger().build()) {
      events.track("a", "u1");
      events.track("b", "u1");
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(sink.requests).hasSize(1);
      assertThat(events.stats().retries()).isZero();
      assertThat(events.stats().droppedUndeliverable()).isEqualTo(2);
    }
  }

  @Test
  void close_whileTheServerKeepsFailing_givesUpAtTheCloseTimeout() throws Exception {
    for (int i = 0; i < 100; i++) {
      sink.then(Answer.status(503, "2"));
    }
    EventLogger events = logger().closeTimeout(Duration.ofMillis(300)).build();
    events.track("a", "u1");
    events.track("b", "u2");
    events.close();

    assertThat(events.stats().droppedUndeliverable()).isEqualTo(2);
    assertThat(events.stats().delivered()).isZero();
  }

  @Test
  void builder_badSettings_failFastNamingTheSetting() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventLogger.builder("ftp://x", "k"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serverUrl");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventLogger.builder(sink.url(), "a key\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> logger().queueCapacity(0))
        .hasMessageContaining("queueCapacity");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> logger().batchSize(10_001))
        .hasMessageContaining("batchSize");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> logger().flushInterval(Duration.ZERO))
        .hasMessageContaining("flushInterval");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> logger().maxRetries(-1))
        .hasMessageContaining("maxRetries");
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> logger().retryDelay(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("maxRetryDelay");
  }

  // ---- Retry-After parsing ----

  @Test
  void retryAfter_secondsDateAbsentGarbage() {
    assertThat(EventSender.retryAfterNanos("3")).isEqualTo(TimeUnit.SECONDS.toNanos(3));
    assertThat(EventSender.retryAfterNanos(" 0 ")).isZero();
    assertThat(EventSender.retryAfterNanos(null)).isZero();
    assertThat(EventSender.retryAfterNanos("soon")).isZero();
    assertThat(EventSender.retryAfterNanos("-5")).isZero();
    assertThat(EventSender.retryAfterNanos("86400")).isEqualTo(EventSender.MAX_RETRY_AFTER.toNanos());
    String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
    assertThat(EventSender.retryAfterNanos(inAMinute))
        .isBetween(TimeUnit.SECONDS.toNanos(55), TimeUnit.SECONDS.toNanos(61));
  }

  private static Set<String> ids(JsonNode events) {
    Set<String> ids = new HashSet<>();
    events.forEach(e -> ids.add(e.get("id").asText()));
    return ids;
  }
}
