package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.testsupport.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Data-subject export and erasure, and retention per event type, over HTTP on a real server. */
class PrivacyDataSubjectTest {
  private static final long DAY = 86_400_000L;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String clientKey() {
    return server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  private void post(String key, List<String> events) {
    TestServer.Response r = server.send("POST", "/api/v1/events", key, "application/json",
        ("[" + String.join(",", events) + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(events.size());
  }

  private static String exposure(String id, String unit, long ts, int variation) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"exp\",\"variationId\":" + variation
        + ",\"unitId\":\"" + unit + "\",\"timestamp\":" + ts + ",\"attributes\":{\"country\":\"NL\"}}";
  }

  private static String metric(String id, String unit, String name, long ts, double value) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"" + name + "\",\"value\":" + value + ",\"unitId\":\""
        + unit + "\",\"timestamp\":" + ts + ",\"properties\":{\"plan\":\"pro\"}}";
  }

  private JsonNode export(String unit) {
    TestServer.Response r = server.admin("GET", "/api/v1/events/units/" + unit + "/export", null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static List<String> ids(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.get("id").asText()));
    return out;
  }

  @Test
  void export_containsExactlyWhatWasStoredForTheUnit_andAfterErasureNothing() {
    server = new TestServer();
    String key = clientKey();
    long t = System.currentTimeMillis() - 60_000;
    post(key, List.of(exposure("e1", "alice", t, 0), exposure("e2", "alice", t + 1, 1),
        metric("m1", "alice", "purchase", t + 2, 9.5), metric("m2", "alice", "page_view", t + 3, 1),
        metric("m3", "alice", "purchase", t + 4, 20), exposure("e3", "bob", t, 0), metric("m4", "bob", "purchase", t, 1)));

    JsonNode x = export("alice");

    assertThat(ids(x.get("exposures"))).containsExactly("e1", "e2");
    assertThat(ids(x.get("metricEvents"))).containsExactly("m1", "m2", "m3");
    JsonNode m1 = x.get("metricEvents").get(0);
    assertThat(m1.get("name").asText()).isEqualTo("purchase");
    assertThat(m1.get("value").asDouble()).isEqualTo(9.5);
    assertThat(m1.get("properties").toString()).isEqualTo("{\"plan\":\"pro\"}");
    assertThat(m1.get("unitId").asText()).isEqualTo("alice");
    assertThat(x.at("/exposures/1/variationId").asInt()).isEqualTo(1);
    assertThat(x.at("/exposures/0/attributes").toString()).isEqualTo("{\"country\":\"NL\"}");
    assertThat(x.get("state")).isEmpty();
    assertThat(x.get("truncated").asBoolean()).isFalse();
    JsonNode audit = server.admin("GET", "/api/v1/audit?kind=events", null).json().get("items");
    assertThat(audit.toString()).contains("\"action\":\"export\"").doesNotContain("alice");

    TestServer.Response erased = server.admin("DELETE", "/api/v1/events/units/alice", null);
    assertThat(erased.json().get("deleted").asLong()).isEqualTo(5);

    TestServer.Response after = server.admin("GET", "/api/v1/events/units/alice/export", null);
    assertThat(after.status()).as(after.body()).isEqualTo(404);
    assertThat(server.admin("GET", "/api/v1/events/units/alice", null).status()).isEqualTo(404);
    assertThat(ids(export("bob").get("metricEvents"))).containsExactly("m4");
    assertThat(server.call("GET", "/api/v1/events/units/bob/export", server.token("analyst"), null).status())
        .isEqualTo(403);
  }

  @Test
  void retentionPerEventType_onDemand_deletesOnlyThatTypesOlderEvents_andIsAudited() {
    server = new TestServer();
    String key = clientKey();
    long now = System.currentTimeMillis();
    post(key, List.of(metric("old-view", "u1", "page_view", now - 10 * DAY, 1),
        metric("new-view", "u1", "page_view", now - DAY, 1), metric("old-buy", "u1", "purchase", now - 10 * DAY, 5),
        exposure("old-exp", "u1", now - 40 * DAY, 0), exposure("mid-exp", "u1", now - 10 * DAY, 0)));
    TestServer.Response set = server.admin("PUT", "/api/v1/privacy",
        "{\"retentionDays\":{\"page_view\":7,\"$exposure\":30}}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);

    TestServer.Response run = server.admin("POST", "/api/v1/events/retention?project=default", null);

    assertThat(run.status()).as(run.body()).isEqualTo(200);
    assertThat(run.json().get("deleted").asLong()).isEqualTo(2);
    assertThat(run.json().get("retentionDays").isNull()).isTrue();
    JsonNode x = export("u1");
    assertThat(ids(x.get("metricEvents"))).containsExactlyInAnyOrder("new-view", "old-buy");
    assertThat(ids(x.get("exposures"))).containsExactly("mid-exp");
    JsonNode byType = run.json().get("byType");
    assertThat(byType).hasSize(2);
    assertThat(byType.toString()).contains("\"eventType\":\"page_view\"").contains("\"eventType\":\"$exposure\"");
    JsonNode audit = server.admin("GET", "/api/v1/audit?kind=events&key=retention:page_view", null).json();
    assertThat(audit.at("/items/0/after/deleted").asLong()).isEqualTo(1);
  }

  @Test
  void retentionPerEventType_runsInTheExistingPeriodicJob() throws Exception {
    server = new TestServer(b -> b.eventRetentionInterval(Duration.ofMillis(200)));
    String key = clientKey();
    long now = System.currentTimeMillis();
    post(key, List.of(metric("old-view", "u1", "page_view", now - 10 * DAY, 1),
        metric("old-buy", "u1", "purchase", now - 10 * DAY, 5)));
    server.admin("PUT", "/api/v1/privacy", "{\"retentionDays\":{\"page_view\":7}}");

    Await.until(() -> !ids(export("u1").get("metricEvents")).contains("old-view"), Duration.ofSeconds(20),
        "the periodic retention deletes the old page_view");

    assertThat(ids(export("u1").get("metricEvents"))).containsExactly("old-buy");
    JsonNode audit = server.admin("GET", "/api/v1/audit?kind=events&key=retention:page_view", null).json();
    assertThat(audit.at("/items/0/actor").asText()).isEqualTo("system");
  }
}
