package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.testsupport.TestKafka;
import dev.assay.testsupport.TestPostgres;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The trace context crosses Kafka in record headers (ADR 0041): an ingestion request's span is the
 * parent of the produce span, whose {@code traceparent} header makes it the parent of the
 * consumer's span, whose warehouse commit (or PostgreSQL batch insert) is its child; with tracing off, a caller's
 * {@code traceparent} is still written on the records.
 */
class KafkaTracingTest {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String PARENT_ID = "b7ad6b7169203331";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void ingestion_kafkaMode_requestProduceConsumeAndCommitAreOneTrace() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    String topic = "traced-" + UUID.randomUUID();
    try (TestServer server = new TestServer(b -> b.kafka(TestKafka.bootstrapServers()).kafkaTopic(topic)
        .spanExporter(spans))) {
      HttpResponse<String> posted = post(server, events(12), TRACEPARENT);
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

      SpanData request = await(spans, s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(TRACE_ID));
      SpanData produce = await(spans, s -> s.getName().equals("assay.events produce"));
      SpanData consume = await(spans, s -> s.getName().equals("assay.events consume"));
      SpanData commit = await(spans, s -> s.getName().equals("assay.events commit") && s.getTraceId().equals(TRACE_ID));

      assertThat(request.getParentSpanId()).isEqualTo(PARENT_ID);
      assertThat(produce.getKind()).isEqualTo(SpanKind.PRODUCER);
      assertThat(produce.getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(produce.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo(topic);
      assertThat(produce.getAttributes().get(AttributeKey.longKey("assay.events.batch_size"))).isEqualTo(12L);
      assertThat(consume.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(consume.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(consume.getParentSpanId()).as("from the record's traceparent header").isEqualTo(produce.getSpanId());
      assertThat(consume.getParentSpanContext().isRemote()).isTrue();
      assertThat(consume.getAttributes().get(AttributeKey.longKey("assay.events.batch_size"))).isEqualTo(12L);
      assertThat(commit.getParentSpanId()).isEqualTo(consume.getSpanId());
      assertThat(commit.getAttributes().get(AttributeKey.longKey("assay.events.accepted"))).isEqualTo(12L);
    }
  }

  /* With a PostgreSQL warehouse the consumer's batch insert is its own span, the child of the consume span. */
  @Test
  void ingestion_kafkaModePostgresWarehouse_batchInsertIsAChildOfTheConsumeSpan() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(TestPostgres.url());
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String warehouse = TestPostgres.urlWithSchema(schema);
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    String topic = "traced-pg-" + UUID.randomUUID();
    try (TestServer server = new TestServer(b -> b.kafka(TestKafka.bootstrapServers()).kafkaTopic(topic)
        .warehouseUrl(warehouse).spanExporter(spans))) {
      HttpResponse<String> posted = post(server, events(9), TRACEPARENT);
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

      SpanData consume = await(spans, s -> s.getName().equals("assay.events consume") && s.getTraceId().equals(TRACE_ID));
      SpanData write = await(spans, s -> s.getName().equals("assay.warehouse write") && s.getTraceId().equals(TRACE_ID));
      assertThat(write.getParentSpanId()).isEqualTo(consume.getSpanId());
      assertThat(write.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(write.getAttributes().get(AttributeKey.stringKey("db.system.name"))).isEqualTo("postgresql");
      assertThat(write.getAttributes().get(AttributeKey.longKey("assay.events.batch_size"))).isEqualTo(9L);
      assertThat(write.getAttributes().get(AttributeKey.longKey("assay.events.accepted"))).isEqualTo(9L);
      assertThat(write.getAttributes().get(AttributeKey.longKey("assay.events.duplicates"))).isEqualTo(0L);
    }
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(TestPostgres.url());
        java.sql.Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }

  @Test
  void ingestion_kafkaModeTracingOff_recordsCarryTheCallersTraceparent() {
    String topic = "untraced-" + UUID.randomUUID();
    try (TestServer server = new TestServer(b -> b.kafka(TestKafka.bootstrapServers()).kafkaTopic(topic)
        .kafkaConsume(false))) {
      HttpResponse<String> posted = post(server, events(3), TRACEPARENT);
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
      HttpResponse<String> plain = post(server, events(2), null);
      assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);

      List<String> headers = traceparents(topic, 2);
      assertThat(headers).containsExactly(TRACEPARENT, "");
    }
  }

  private static String events(int n) {
    long now = System.currentTimeMillis();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add("{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"metric\",\"name\":\"signup\",\"unitId\":\"u" + i
          + "\",\"timestamp\":" + now + "}");
    }
    return "[" + String.join(",", events) + "]";
  }

  private HttpResponse<String> post(TestServer server, String body, String traceparent) {
    String key = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web-" + UUID.randomUUID()
        + "\",\"environment\":\"production\"}").json().get("key").asText();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/events"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (traceparent != null) {
      b.header("traceparent", traceparent);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /* The traceparent header of the topic's first records ("" when a record has none). */
  private static List<String> traceparents(String topic, int count) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "trace-reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (found.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          Header h = r.headers().lastHeader("traceparent");
          found.add(h == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
        }
      }
    }
    return found;
  }

  private static SpanData await(InMemorySpanExporter spans, Predicate<SpanData> match) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      for (SpanData s : spans.getFinishedSpanItems()) {
        if (match.test(s)) {
          return s;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no such span among " + spans.getFinishedSpanItems().stream().map(SpanData::getName)
            .toList());
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
