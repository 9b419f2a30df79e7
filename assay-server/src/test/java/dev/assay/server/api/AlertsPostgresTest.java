package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.alerts.AlertOptions;
import dev.assay.testsupport.Await;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The alert outbox on PostgreSQL (migration V7 there): a channel, an alert failing twice then
 * delivered, the dead-letter list and its retry, with the same store code as the embedded one.
 */
class AlertsPostgresTest {
  private final AlertReceiver receiver = new AlertReceiver();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    receiver.close();
  }

  private JsonNode delivery(String id) {
    for (JsonNode d : server.admin("GET", "/api/v1/alerts?limit=500", null).json().path("items")) {
      if (d.path("id").asText().equals(id)) {
        return d;
      }
    }
    throw new AssertionError("no delivery " + id);
  }

  @Test
  void outbox_retriesDeadLetterAndRetry_onPostgres() throws Exception {
    server = TestServer.postgres(b -> b.alerts(new AlertOptions(3, Duration.ofMillis(20), Duration.ofMillis(50),
        Duration.ofSeconds(5), true)));
    TestServer.Response created = server.admin("POST", "/api/v1/alert-channels",
        "{\"key\":\"ops\",\"url\":\"" + receiver.url() + "\",\"types\":[\"*\"]}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(server.admin("GET", "/api/v1/alert-channels", null).json().at("/items/0/types/0").asText())
        .isEqualTo("*");

    receiver.status.set(500);
    String id = server.admin("POST", "/api/v1/alert-channels/ops/test", null).json().path("id").asText();
    Await.until(() -> delivery(id).path("status").asText().equals("dead"), Duration.ofSeconds(30),
        () -> "dead: " + delivery(id));
    assertThat(receiver.received).hasSize(3);
    assertThat(server.admin("GET", "/api/v1/alerts/dead-letter", null).json().at("/items/0/id").asText()).isEqualTo(id);

    receiver.status.set(200);
    assertThat(server.admin("POST", "/api/v1/alerts/dead-letter/" + id + "/retry", null).status()).isEqualTo(202);
    Await.until(() -> delivery(id).path("status").asText().equals("delivered"), Duration.ofSeconds(30),
        () -> "delivered: " + delivery(id));
    assertThat(receiver.received).extracting(AlertReceiver.Received::deliveryId).containsOnly(id);
  }
}
