package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The events summary states its window and project and counts what matches nothing configured. */
class EventSummaryUnmatchedTest {
  private final TestServer server = new TestServer();

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void summary_unknownExperimentVariationAndEventName_countedAsUnmatched() {
    String key = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    assertThat(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}")
        .status()).isEqualTo(201);
    assertThat(server.admin("POST", "/api/v1/experiments", """
        {"key":"exp","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}]}""").status())
        .isEqualTo(201);
    long now = System.currentTimeMillis();
    String body = "[" + exposure("e1", "exp", 0, now) + "," + exposure("e2", "exp", 5, now) + ","
        + exposure("e3", "ghost", 0, now) + "," + exposure("e4", "ghost", 0, now) + ","
        + metric("m1", "purchase", now) + "," + metric("m2", "purchsae", now) + "," + metric("m3", "purchsae", now) + "]";
    TestServer.Response posted = server.send("POST", "/api/v1/events", key, "application/json",
        body.getBytes(StandardCharsets.UTF_8));
    assertThat(posted.json().path("accepted").asInt()).as(posted.body()).isEqualTo(7);

    JsonNode s = server.admin("GET", "/api/v1/events/summary?project=default&from=" + (now - 60_000), null).json();
    assertThat(s.path("project").asText()).isEqualTo("default");
    assertThat(Instant.parse(s.path("from").asText()).toEpochMilli()).isEqualTo(now - 60_000);
    assertThat(s.path("to").asText()).isNotEmpty();
    JsonNode u = s.path("unmatched");
    assertThat(u.path("exposures").asLong()).as(u.toString()).isEqualTo(3);
    assertThat(u.path("metricEvents").asLong()).as(u.toString()).isEqualTo(2);
    assertThat(u.path("byExperiment").toString()).contains("no experiment 'ghost'").contains("has variations 0 to 1");
    assertThat(u.path("byName")).hasSize(1);
    assertThat(u.at("/byName/0/name").asText()).isEqualTo("purchsae");
  }

  private static String exposure(String id, String experiment, int variation, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"" + experiment + "\",\"variationId\":"
        + variation + ",\"unitId\":\"u-" + id + "\",\"timestamp\":" + ts + "}";
  }

  private static String metric(String id, String name, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"" + name + "\",\"unitId\":\"u-" + id
        + "\",\"timestamp\":" + ts + "}";
  }
}
