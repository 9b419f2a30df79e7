package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.server.AssayServer;
import dev.assay.testsupport.Await;
import dev.assay.testsupport.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas on one PostgreSQL schema, both armed with the same breaker and both fed the same
 * regression: the trip is decided once through the store — one trip counted across both, one
 * {@code trip} and one {@code halt} in the audit log — and both replicas' payloads serve control.
 */
class BreakerReplicasTest {
  private static final String TOKEN = "replica-admin-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private AssayServer a;
  private AssayServer b;
  private final HttpClient http = HttpClient.newHttpClient();
  private final SplittableRandom random = new SplittableRandom(9);

  @AfterEach
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  private HttpResponse<String> send(AssayServer s, String method, String path, String token, String type, String body)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    if (type != null) {
      r.header("Content-Type", type);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String admin(AssayServer s, String method, String path, String json) throws Exception {
    HttpResponse<String> res = send(s, method, path, TOKEN, json == null ? null : "application/json", json);
    assertThat(res.statusCode()).as(res.body()).isBetween(200, 299);
    return res.body();
  }

  private boolean servesControl(AssayServer s, String clientKey) throws Exception {
    ExperimentClient sdk = ExperimentClient.builder().payload(send(s, "GET", "/api/features/" + clientKey, null, null,
        null).body()).build();
    return IntStream.range(0, 100).allMatch(i -> sdk.evaluate("checkout-flow", Attributes.of("id", "u" + i)).value()
        .orElse("").equals("old"));
  }

  private String batch(int n, double treatmentErrors) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 2 * n; i++) {
      int v = i % 2;
      String tail = "\"timestamp\":" + System.currentTimeMillis() + ",\"unitId\":\"u" + random.nextInt(10_000)
          + "\",\"properties\":{\"experimentKey\":\"checkout\",\"variationId\":" + v + "}}\n";
      b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$latency_ms\",")
          .append("\"value\":").append(40 + random.nextInt(50)).append(',').append(tail);
      if (random.nextDouble() < (v == 0 ? 0.01 : treatmentErrors)) {
        b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$error\",")
            .append(tail);
      }
    }
    return b.toString();
  }

  private static double trips(String metrics) {
    Matcher m = Pattern.compile("(?m)^assay_breaker_trips_total\\{target=\"experiment\"} ([0-9.]+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void twoReplicas_sameRegression_tripDecidedOnce() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String url = TestPostgres.urlWithSchema(schema);
    a = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("breaker-a"))
        .databaseUrl(url).allowLocalWarehouse(true).adminToken(TOKEN).start();
    String clientKey = JSON.readTree(admin(a, "POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}")).get("key").asText();
    admin(a, "POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}");
    admin(a, "POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}""");
    admin(a, "POST", "/api/v1/flags", """
        {"key":"checkout-flow","type":"string","defaultValue":"old",
         "environments":{"production":{"enabled":true,"rules":[{"experiment":"checkout"}]}}}""");
    admin(a, "POST", "/api/v1/experiments/checkout/start", "{}");
    admin(a, "PUT", "/api/v1/experiments/checkout/breaker", "{\"errorRateMargin\":0.02}");
    // Started after the breaker exists, the second replica arms it from the store at start.
    b = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("breaker-b"))
        .databaseUrl(url).allowLocalWarehouse(true).adminToken(TOKEN).start();
    assertThat(servesControl(b, clientKey)).isFalse();

    Await.until(() -> {
      try {
        String body = batch(500, 0.3);
        for (AssayServer s : new AssayServer[] {a, b}) { // the same regression reaches both
          assertThat(send(s, "POST", "/api/v1/events", clientKey, "application/x-ndjson", body).statusCode())
              .isEqualTo(200);
        }
        return servesControl(a, clientKey) && servesControl(b, clientKey);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, Duration.ofSeconds(30), "both replicas serve control after the regression");

    double total = trips(admin(a, "GET", "/metrics", null)) + trips(admin(b, "GET", "/metrics", null));
    assertThat(total).as("one replica tripped").isEqualTo(1.0);
    JsonNode audit = JSON.readTree(admin(a, "GET", "/api/v1/audit?actor=circuit-breaker", null)).path("items");
    long tripEntries = 0;
    long haltEntries = 0;
    for (JsonNode e : audit) {
      tripEntries += e.path("action").asText().equals("trip") ? 1 : 0;
      haltEntries += e.path("action").asText().equals("halt") ? 1 : 0;
    }
    assertThat(tripEntries).as(audit.toString()).isEqualTo(1);
    assertThat(haltEntries).as(audit.toString()).isEqualTo(1);
    JsonNode breaker = JSON.readTree(admin(b, "GET", "/api/v1/experiments/checkout/breaker", null));
    assertThat(breaker.path("state").asText()).isEqualTo("tripped");
  }
}
