package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.AssayServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Event ingestion over HTTP into the embedded DuckDB store, and the results computed from it. */
class EventsApiTest {
  private final TestServer server = new TestServer();

  @AfterEach
  void stop() {
    server.close();
  }

  private String clientKey() {
    return server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  private TestServer.Response post(String token, String contentType, String body) {
    return server.send("POST", "/api/v1/events", token, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  private static String exposure(String id, String unit, int variation, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"exp\",\"variationId\":" + variation
        + ",\"unitId\":\"" + unit + "\",\"timestamp\":" + ts + ",\"attributes\":{\"country\":\"NL\"}}";
  }

  private static String metric(String id, String unit, String name, Double value, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"" + name + "\",\"unitId\":\"" + unit + "\",\"timestamp\":"
        + ts + (value == null ? "" : ",\"value\":" + value) + "}";
  }

  @Test
  void ingest_validAndInvalid_keepsValidOnesReportsEachRejectionAndDeduplicates() {
    String key = clientKey();
    long now = System.currentTimeMillis();
    String body = "[" + exposure("e1", "u1", 0, now) + "," + metric("m1", "u1", "purchase", 12.5, now) + ","
        + metric("m2", "u2", "signup", null, now) + ",{\"id\":\"bad\",\"type\":\"exposure\",\"unitId\":\"u3\"},"
        + "{\"id\":\"x\",\"type\":\"metric\",\"name\":\"n\",\"unitId\":\"u\",\"timestamp\":\"yesterday\"}]";

    TestServer.Response first = post(key, "application/json", body);
    TestServer.Response again = post(key, "application/json", body);

    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(first.json().get("accepted").asInt()).isEqualTo(3);
    assertThat(first.json().at("/rejected/0/index").asInt()).isEqualTo(3);
    assertThat(first.json().at("/rejected/0/reason").asText()).contains("timestamp");
    assertThat(first.json().at("/rejected/1/reason").asText()).contains("ISO-8601");
    assertThat(again.json().get("accepted").asInt()).isZero();
    assertThat(again.json().get("duplicates").asInt()).isEqualTo(3);

    JsonNode summary = server.admin("GET", "/api/v1/events/summary", null).json();
    assertThat(summary.get("exposures").asLong()).isEqualTo(1);
    assertThat(summary.get("metricEvents").asLong()).isEqualTo(2);
    assertThat(summary.at("/byExperiment/0/experimentKey").asText()).isEqualTo("exp");
    assertThat(summary.get("latest").size()).isEqualTo(3);
  }

  @Test
  void ingest_ndjsonGzipAndApiKeys() throws Exception {
    long now = System.currentTimeMillis();
    String ndjson = metric("n1", "u1", "click", 1.0, now) + "\n" + metric("n2", "u2", "click", 2.0, now) + "\n";
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(ndjson.getBytes(StandardCharsets.UTF_8));
    }
    String analyst = server.token("analyst");

    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.server.port() + "/api/v1/events"))
            .header("Authorization", "Bearer " + analyst).header("Content-Type", "application/x-ndjson")
            .header("Content-Encoding", "gzip").POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray()))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("\"accepted\":2");
    assertThat(post(server.token("viewer"), "application/json", "[]").status()).isEqualTo(403);
  }

  @Test
  void ingest_badInput_clear4xxNeverA500() {
    String key = clientKey();
    assertThat(post(null, "application/json", "[]").status()).isEqualTo(401);
    assertThat(post("sdk-unknown", "application/json", "[]").status()).isEqualTo(401);
    assertThat(post(key, "text/plain", "[]").status()).isEqualTo(415);
    TestServer.Response notJson = post(key, "application/json", "[{");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.json().at("/error/code").asText()).isEqualTo("malformed_batch");
    assertThat(post(key, "application/json", "{\"id\":1}").status()).isEqualTo(400);
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i <= 10_000; i++) {
      many.append(i > 0 ? "," : "").append("{}");
    }
    TestServer.Response tooMany = post(key, "application/json", many.append("]").toString());
    assertThat(tooMany.status()).isEqualTo(400);
    assertThat(tooMany.json().at("/error/message").asText()).contains("10000");
    TestServer.Response longName = post(key, "application/json",
        "[" + metric("l1", "u", "x".repeat(300), null, System.currentTimeMillis()) + "]");
    assertThat(longName.json().at("/rejected/0/reason").asText()).startsWith("name: longer than 256");
    TestServer.Response huge = server.send("POST", "/api/v1/events", key, "application/json", new byte[6 << 20]);
    assertThat(huge.status()).isEqualTo(413);
    TestServer.Response notGzipButJson = server.send("POST", "/api/v1/events", key, "application/json", "nope".getBytes());
    assertThat(notGzipButJson.status()).isEqualTo(400);
  }

  @Test
  void events_surviveARestart_andFeedTheResults() throws Exception {
    String key = clientKey();
    server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}");
    server.admin("POST", "/api/v1/experiments", """
        {"key":"exp","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}],"metrics":{"primary":"purchase"}}""");
    server.admin("POST", "/api/v1/experiments/exp/start", "{}");
    long t = System.currentTimeMillis() + 1000;
    StringBuilder body = new StringBuilder("[");
    for (int u = 0; u < 400; u++) {
      body.append(u > 0 ? "," : "").append(exposure("x" + u, "u" + u, u % 2, t));
      if (u % 4 == 0) {
        body.append(",").append(metric("p" + u, "u" + u, "purchase", null, t + 60_000));
      }
    }
    assertThat(post(key, "application/json", body.append("]").toString()).json().get("accepted").asInt()).isEqualTo(500);

    server.server.close();
    try (AssayServer restarted = AssayServer.builder().port(0).host("127.0.0.1").dataDir(server.dataDir)
        .adminToken(TestServer.ADMIN_TOKEN).start()) {
      var http = java.net.http.HttpClient.newHttpClient();
      var refresh = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
          "http://127.0.0.1:" + restarted.port() + "/api/v1/experiments/exp/refresh"))
          .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
          .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(refresh.statusCode()).as(refresh.body()).isEqualTo(200);
      JsonNode snapshot = new com.fasterxml.jackson.databind.ObjectMapper().readTree(refresh.body());
      assertThat(snapshot.at("/health/units/0/units").asLong()).isEqualTo(200);
      assertThat(snapshot.at("/sufficientStatistics/purchase/0/sumY").asDouble()
          + snapshot.at("/sufficientStatistics/purchase/1/sumY").asDouble()).isEqualTo(100.0);
    }
  }
}
