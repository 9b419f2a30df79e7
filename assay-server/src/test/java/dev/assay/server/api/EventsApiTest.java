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

  private static byte[] gzip(byte[] raw) throws java.io.IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(raw);
    }
    return gz.toByteArray();
  }

  private TestServer.Response postEncoded(String token, String encoding, byte[] body) throws Exception {
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.server.port() + "/api/v1/events"))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .header("Content-Encoding", encoding).POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    return new TestServer.Response(r.statusCode(), r.body(), r.headers());
  }

  @Test
  void ingest_badGzip_400NamingTheEncoding() throws Exception {
    String key = clientKey();
    TestServer.Response notGzip = postEncoded(key, "gzip", "[{\"id\":1}]".getBytes(StandardCharsets.UTF_8));
    assertThat(notGzip.status()).as(notGzip.body()).isEqualTo(400);
    assertThat(notGzip.json().at("/error/message").asText()).containsIgnoringCase("gzip");
    byte[] truncated = gzip(("[" + metric("t1", "u", "n", null, System.currentTimeMillis()) + "]").getBytes(StandardCharsets.UTF_8));
    truncated = java.util.Arrays.copyOf(truncated, truncated.length - 12);
    TestServer.Response cut = postEncoded(key, "gzip", truncated);
    assertThat(cut.status()).as(cut.body()).isEqualTo(400);
    assertThat(cut.json().at("/error/message").asText()).containsIgnoringCase("gzip");
    TestServer.Response brotli = postEncoded(key, "br", "[]".getBytes(StandardCharsets.UTF_8));
    assertThat(brotli.status()).as(brotli.body()).isEqualTo(415);
    assertThat(brotli.json().at("/error/message").asText()).contains("Content-Encoding");
  }

  @Test
  void ingest_gzipBomb_413WithoutInflatingItAll() throws Exception {
    TestServer.Response bomb = postEncoded(clientKey(), "gzip", gzip(new byte[64 << 20]));
    assertThat(bomb.status()).as(bomb.body()).isEqualTo(413);
    assertThat(bomb.json().at("/error/code").asText()).isEqualTo("payload_too_large");
  }

  @Test
  void ingest_wrongTypesAndLimits_eachEventRejectedNamingTheField() {
    long now = System.currentTimeMillis();
    StringBuilder attrs = new StringBuilder("{");
    for (int i = 0; i <= EventParserLimits.ATTRIBUTES; i++) {
      attrs.append(i > 0 ? "," : "").append("\"a").append(i).append("\":1");
    }
    String body = "[" + String.join(",",
        "{\"id\":\"w0\",\"type\":\"exposure\",\"experimentKey\":\"e\",\"variationId\":\"1\",\"unitId\":\"u\",\"timestamp\":" + now + "}",
        "{\"id\":\"w1\",\"type\":\"metric\",\"name\":\"n\",\"value\":\"12\",\"unitId\":\"u\",\"timestamp\":" + now + "}",
        "{\"id\":\"w2\",\"type\":\"metric\",\"name\":\"n\",\"unitId\":42,\"timestamp\":" + now + "}",
        "{\"id\":\"w3\",\"type\":\"metric\",\"name\":\"n\",\"unitId\":\"u\",\"timestamp\":" + now + ",\"properties\":[1]}",
        "{\"id\":\"w4\",\"type\":\"metric\",\"name\":\"n\",\"unitId\":\"u\",\"timestamp\":true}",
        "{\"id\":\"w5\",\"type\":\"exposure\",\"experimentKey\":\"e\",\"variationId\":0,\"unitId\":\"u\",\"timestamp\":" + now
            + ",\"attributes\":" + attrs + "}}",
        "{\"id\":\"" + "i".repeat(257) + "\",\"type\":\"metric\",\"name\":\"n\",\"unitId\":\"u\",\"timestamp\":" + now + "}",
        "{\"id\":\"w7\",\"type\":\"click\",\"unitId\":\"u\",\"timestamp\":" + now + "}",
        "{\"id\":\"w8\",\"type\":\"metric\",\"name\":\"n\",\"unitId\":\"u\",\"timestamp\":" + now + ",\"properties\":{\"big\":\""
            + "x".repeat(9_000) + "\"}}",
        metric("ok", "u", "n", 1.0, now)) + "]";

    TestServer.Response r = post(clientKey(), "application/json", body);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
    JsonNode rej = r.json().get("rejected");
    assertThat(rej.size()).isEqualTo(9);
    String[] fields = {"variationId:", "value:", "unitId: must be a string", "properties: must be a JSON object", "timestamp:",
        "attributes: more than 50", "id: longer than 256", "type: must be 'exposure' or 'metric'", "properties: larger than"};
    for (int i = 0; i < fields.length; i++) {
      assertThat(rej.get(i).get("index").asInt()).isEqualTo(i);
      assertThat(rej.get(i).get("reason").asText()).as("event %d", i).startsWith(fields[i]);
    }
  }

  /** The parser's limits as this test relies on them. */
  private static final class EventParserLimits {
    static final int ATTRIBUTES = dev.assay.server.events.EventParser.MAX_ATTRIBUTES;
  }
}
