package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.testsupport.Await;
import dev.assay.testsupport.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas on one PostgreSQL config store: a privacy change made through one applies to what
 * the other ingests next, because the other's compiled rules are dropped on the store's change
 * channel (LISTEN/NOTIFY), not only on its own writes.
 */
class PrivacyReplicasTest {
  private TestServer a;
  private TestServer b;

  @AfterEach
  void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  @Test
  void ruleSetOnOneReplica_appliesToTheOthersNextBatch() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String url = TestPostgres.urlWithSchema(schema);
    a = new TestServer(x -> x.databaseUrl(url));
    b = new TestServer(x -> x.databaseUrl(url).allowLocalWarehouse(true));
    String key = a.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    post(b, key, "first");
    assertThat(latestProperties(b)).contains("ip"); // b has compiled (and cached) the defaults

    TestServer.Response set = a.admin("PUT", "/api/v1/privacy", "{\"redactions\":{\"ip\":\"drop\"}}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);

    int[] n = {0};
    Await.until(() -> {
      post(b, key, "after-" + n[0]++);
      return !latestProperties(b).contains("ip");
    }, Duration.ofSeconds(20), "replica b drops the ip property set on replica a");
    assertThat(latestProperties(b)).isEqualTo("{\"plan\":\"pro\"}");
  }

  private static void post(TestServer s, String key, String id) {
    String body = "[{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"purchase\",\"unitId\":\"u1\",\"timestamp\":"
        + System.currentTimeMillis() + ",\"properties\":{\"ip\":\"10.0.0.1\",\"plan\":\"pro\"}}]";
    TestServer.Response r = s.send("POST", "/api/v1/events", key, "application/json",
        body.getBytes(StandardCharsets.UTF_8));
    assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(1);
  }

  /* The properties of the unit's newest event on this replica's event store. */
  private static String latestProperties(TestServer s) {
    JsonNode events = s.admin("GET", "/api/v1/events/units/u1", null).json().get("events");
    return events.get(events.size() - 1).get("properties").toString();
  }
}
