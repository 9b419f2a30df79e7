package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.alerts.AlertOptions;
import dev.assay.testsupport.Await;
import dev.assay.testsupport.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas on one PostgreSQL schema, alerts raised on both: the dispatcher of the replica
 * holding the dispatch lease sends every delivery, once (ADR 0029) — without the lease both
 * dispatchers list the same due rows and send some twice.
 */
class AlertsReplicasTest {
  private final AlertReceiver receiver = new AlertReceiver();
  private TestServer a;
  private TestServer b;

  @AfterEach
  void stop() {
    for (TestServer s : new TestServer[] {a, b}) {
      if (s != null) {
        s.close();
      }
    }
    receiver.close();
  }

  private TestServer start(String url) {
    return new TestServer(c -> c.databaseUrl(url).allowLocalWarehouse(true).alerts(new AlertOptions(3, Duration.ofMillis(20),
        Duration.ofMillis(50), Duration.ofSeconds(5), true)));
  }

  private long delivered(List<String> ids) {
    JsonNode items = a.admin("GET", "/api/v1/alerts?limit=500", null).json().path("items");
    long n = 0;
    for (JsonNode d : items) {
      if (ids.contains(d.path("id").asText()) && d.path("status").asText().equals("delivered")) {
        n++;
      }
    }
    return n;
  }

  @Test
  void twoReplicas_alertsRaisedOnBoth_eachDeliveredOnce() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String url = TestPostgres.urlWithSchema(schema);
    a = start(url);
    b = start(url);
    TestServer.Response created = a.admin("POST", "/api/v1/alert-channels",
        "{\"key\":\"ops\",\"url\":\"" + receiver.url() + "\",\"types\":[\"*\"]}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      TestServer s = i % 2 == 0 ? a : b;
      TestServer.Response sent = s.admin("POST", "/api/v1/alert-channels/ops/test", null);
      assertThat(sent.status()).as(sent.body()).isBetween(200, 299);
      ids.add(sent.json().path("id").asText());
    }
    Await.until(() -> delivered(ids) == ids.size(), Duration.ofSeconds(30), () -> "delivered: " + delivered(ids));

    assertThat(receiver.received).extracting(AlertReceiver.Received::deliveryId)
        .as("each delivery sent once").containsExactlyInAnyOrderElementsOf(ids);
  }
}
