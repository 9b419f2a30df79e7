package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.AssayServer;
import dev.assay.testsupport.TestKafka;
import dev.assay.testsupport.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code assay serve} in Kafka mode over HTTP: acknowledged after the broker, visible after the consumer. */
class EventsKafkaModeTest {
  private static final String KEY = "kafka-mode-hmac-key-0123456789";

  @Test
  void ingest_kafkaMode_pseudonymizedEventsFlowThroughTheTopicIntoTheSummary() throws Exception {
    String topic = "http-" + UUID.randomUUID();
    try (TestServer server = new TestServer(b -> b.kafka(TestKafka.bootstrapServers()).kafkaTopic(topic).eventHmacKey(KEY))) {
      String key = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .json().get("key").asText();
      long now = System.currentTimeMillis();
      StringBuilder body = new StringBuilder("[");
      for (int i = 0; i < 50; i++) {
        body.append(i > 0 ? "," : "").append("{\"id\":\"k").append(i).append("\",\"type\":\"metric\",\"name\":\"signup\",")
            .append("\"unitId\":\"carol\",\"timestamp\":").append(now).append('}');
      }
      body.append(",{\"id\":\"bad\",\"type\":\"metric\"}]");

      TestServer.Response r = server.send("POST", "/api/v1/events", key, "application/json",
          body.toString().getBytes(StandardCharsets.UTF_8));

      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.json().get("accepted").asInt()).isEqualTo(50);
      assertThat(r.json().at("/rejected/0/index").asInt()).isEqualTo(50);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      JsonNode summary;
      do {
        Thread.sleep(100);
        summary = server.admin("GET", "/api/v1/events/summary", null).json();
      } while (summary.get("metricEvents").asLong() < 50 && System.nanoTime() < deadline);
      assertThat(summary.get("metricEvents").asLong()).isEqualTo(50);
      assertThat(summary.at("/latest/0/unitId").asText()).hasSize(64).isNotEqualTo("carol");
      // The readiness probe shows the consumer: running, caught up, and its commit of these events.
      dev.assay.testsupport.Await.until(() -> {
        JsonNode c = server.call("GET", "/health/ready", null, null).json().at("/checks/eventConsumer");
        return !c.path("lastCommit").isNull() && c.path("lag").asLong() == 0;
      }, "the consumer's commit and no lag in /health/ready");
      JsonNode ready = server.call("GET", "/health/ready", null, null).json();
      assertThat(ready.get("status").asText()).isEqualTo("UP");
      assertThat(ready.at("/checks/store").asText()).isEqualTo("UP");
      assertThat(ready.at("/checks/eventConsumer/state").asText()).isEqualTo("RUNNING");
      assertThat(ready.at("/checks/eventConsumer/lag").asLong()).isZero();
      assertThat(ready.at("/checks/eventConsumer/restarts").asLong()).isZero();
      assertThat(java.time.Instant.parse(ready.at("/checks/eventConsumer/lastCommit").asText()))
          .isBetween(java.time.Instant.ofEpochMilli(now), java.time.Instant.now());
      assertThat(server.admin("DELETE", "/api/v1/events/units/carol", null).json().get("deleted").asLong()).isEqualTo(50);
    }
  }

  @Test
  void acknowledgedButNotYetConsumed_aNewServerConsumesEachEventOnce() throws Exception {
    String topic = "handover-" + UUID.randomUUID();
    java.nio.file.Path data;
    String body = "[" + java.util.stream.IntStream.range(0, 30).mapToObj(i -> "{\"id\":\"h" + i
        + "\",\"type\":\"metric\",\"name\":\"view\",\"unitId\":\"dave\",\"timestamp\":" + System.currentTimeMillis() + "}")
        .collect(java.util.stream.Collectors.joining(",")) + "]";
    // A server that acknowledges from the broker but whose consumer never ran (it died first).
    try (TestServer first = new TestServer(b -> b.kafka(TestKafka.bootstrapServers()).kafkaTopic(topic).kafkaConsume(false))) {
      data = first.dataDir;
      String key = first.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .json().get("key").asText();
      for (int i = 0; i < 2; i++) { // the second time is a client retry
        TestServer.Response r = first.send("POST", "/api/v1/events", key, "application/json", body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(30);
      }
      assertThat(first.admin("GET", "/api/v1/events/summary", null).json().get("metricEvents").asLong()).isZero();
    }
    try (TestServer second = new TestServer(b -> b.dataDir(data).kafka(TestKafka.bootstrapServers()).kafkaTopic(topic))) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      JsonNode summary;
      do {
        Thread.sleep(100);
        summary = second.admin("GET", "/api/v1/events/summary", null).json();
      } while (summary.get("metricEvents").asLong() < 30 && System.nanoTime() < deadline);
      TestKafka.awaitConsumed(topic, dev.assay.server.events.KafkaEventConsumer.GROUP, Duration.ofSeconds(60));
      assertThat(second.admin("GET", "/api/v1/events/summary", null).json().get("metricEvents").asLong()).isEqualTo(30);
    }
  }

  @Test
  void ingest_kafkaModeWithPostgresWarehouse_consumerWritesToPostgres() throws Exception {
    String schema = TestPostgres.freshSchema();
    String url = TestPostgres.url();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url); java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String warehouse = TestPostgres.urlWithSchema(schema);
    try (TestServer server = new TestServer(b -> b.kafka(TestKafka.bootstrapServers()).kafkaTopic("pg-" + UUID.randomUUID())
        .warehouseUrl(warehouse))) {
      String key = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .json().get("key").asText();
      String body = "[{\"id\":\"p1\",\"type\":\"exposure\",\"experimentKey\":\"exp\",\"variationId\":1,\"unitId\":\"erin\","
          + "\"timestamp\":" + System.currentTimeMillis() + "}]";
      assertThat(server.send("POST", "/api/v1/events", key, "application/json", body.getBytes(StandardCharsets.UTF_8))
          .json().get("accepted").asInt()).isEqualTo(1);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      long rows = 0;
      while (rows == 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(warehouse); java.sql.Statement st = c.createStatement();
            java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM exposures WHERE id = 'p1' AND unit_id = 'erin'")) {
          rs.next();
          rows = rs.getLong(1);
        }
      }
      assertThat(rows).isEqualTo(1);
      assertThat(server.admin("GET", "/api/v1/events/summary", null).json().get("exposures").asLong()).isEqualTo(1);
      assertThat(server.admin("DELETE", "/api/v1/events/units/erin", null).json().get("deleted").asLong()).isEqualTo(1);
    } finally {
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(url); java.sql.Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  @Test
  void builder_rejectsABadTopicName() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AssayServer.builder().kafkaTopic("no spaces").build())
        .hasMessageContaining("kafkaTopic");
  }
}
