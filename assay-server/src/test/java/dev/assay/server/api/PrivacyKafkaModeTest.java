package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.testsupport.Await;
import dev.assay.testsupport.TestKafka;
import dev.assay.testsupport.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Kafka mode shares the ingestion path: consent and redaction rules apply before the events are
 * produced, so the PostgreSQL warehouse the consumer writes never sees what they remove; retention
 * per event type deletes from that warehouse.
 */
class PrivacyKafkaModeTest {
  private static final long DAY = 86_400_000L;

  @Test
  void kafkaMode_rulesApplyBeforeTheTopic_andRetentionPerTypeDeletesFromTheWarehouse() throws Exception {
    String schema = TestPostgres.freshSchema();
    String url = TestPostgres.url();
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String warehouse = TestPostgres.urlWithSchema(schema);
    try (TestServer server = new TestServer(b -> b.kafka(TestKafka.bootstrapServers())
        .kafkaTopic("privacy-" + UUID.randomUUID()).warehouseUrl(warehouse))) {
      String key = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .json().get("key").asText();
      TestServer.Response set = server.admin("PUT", "/api/v1/privacy",
          "{\"consent\":\"drop\",\"redactions\":{\"email\":\"drop\"},\"retentionDays\":{\"page_view\":7}}");
      assertThat(set.status()).as(set.body()).isEqualTo(200);
      long old = System.currentTimeMillis() - 10 * DAY;
      String body = "[" + metric("v1", "page_view", old, "true") + "," + metric("v2", "page_view", old, "false") + ","
          + metric("b1", "purchase", old, "true") + "]";

      TestServer.Response r = server.send("POST", "/api/v1/events", key, "application/json",
          body.getBytes(StandardCharsets.UTF_8));

      assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(2);
      assertThat(r.json().get("dropped").asInt()).isEqualTo(1);
      Await.until(() -> rows(warehouse).size() == 2, Duration.ofSeconds(60), "the consumer writes both events");
      assertThat(rows(warehouse)).containsExactly("b1 {\"plan\":\"pro\"}", "v1 {\"plan\":\"pro\"}");

      TestServer.Response run = server.admin("POST", "/api/v1/events/retention?project=default", null);
      assertThat(run.json().get("deleted").asLong()).as(run.body()).isEqualTo(1);
      assertThat(rows(warehouse)).containsExactly("b1 {\"plan\":\"pro\"}");
    } finally {
      try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private static String metric(String id, String name, long ts, String consent) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"" + name + "\",\"unitId\":\"u1\",\"timestamp\":" + ts
        + ",\"consent\":" + consent + ",\"properties\":{\"email\":\"a@example.com\",\"plan\":\"pro\"}}";
  }

  /* The warehouse's metric events: "id properties", by id. */
  private static List<String> rows(String warehouse) {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(warehouse); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id, properties FROM metric_events ORDER BY id")) {
      while (rs.next()) {
        out.add(rs.getString(1) + " " + rs.getString(2));
      }
    } catch (SQLException e) {
      return List.of(); // the consumer has not created the table yet
    }
    return out;
  }
}
