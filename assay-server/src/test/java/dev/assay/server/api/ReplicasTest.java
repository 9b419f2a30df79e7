package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ClientStatus;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two server processes' worth of replicas on one PostgreSQL schema: a change made through one
 * reaches the SDK clients streaming from the other (LISTEN/NOTIFY).
 */
class ReplicasTest {
  private static final String TOKEN = "replica-admin-token-0123456789";

  private AssayServer a;
  private AssayServer b;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String url = TestPostgres.urlWithSchema(schema);
    a = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("replica-a"))
        .databaseUrl(url).allowLocalWarehouse(true).adminToken(TOKEN).start();
    b = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("replica-b"))
        .databaseUrl(url).allowLocalWarehouse(true).adminToken(TOKEN).sseHeartbeat(Duration.ofSeconds(1)).start();
  }

  @AfterEach
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  private String call(AssayServer s, String method, String path, String json) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
        .header("Authorization", "Bearer " + TOKEN)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      r.header("Content-Type", "application/json");
    }
    HttpResponse<String> res = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isBetween(200, 299);
    return res.body();
  }

  @Test
  void changeThroughOneReplica_reachesStreamingClientsOfTheOther() throws Exception {
    String key = new ObjectMapper().readTree(call(a, "POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}")).get("key").asText();
    call(a, "POST", "/api/v1/flags", "{\"key\":\"limit\",\"type\":\"number\",\"defaultValue\":1}");

    try (AssayClient client = AssayClient.builder("http://127.0.0.1:" + b.port(), key)
        .pollInterval(Duration.ofMinutes(10))
        .build()) {
      Await.until(() -> client.status().mode() == ClientStatus.Mode.STREAMING
          && client.features().getLong("limit", Attributes.of("id", "u"), -1) == 1,
          Await.DEFAULT_TIMEOUT, () -> "streaming with limit 1, status " + client.status());

      long started = System.nanoTime();
      call(a, "PUT", "/api/v1/flags/limit", "{\"type\":\"number\",\"defaultValue\":2,\"version\":1}");
      Await.until(() -> client.features().getLong("limit", Attributes.of("id", "u"), -1) == 2,
          Await.DEFAULT_TIMEOUT, () -> "limit 2, status " + client.status());
      long millis = (System.nanoTime() - started) / 1_000_000;
      System.out.println("replica change-to-client latency: " + millis + " ms");

      assertThat(b.payloads().get(key)).isPresent();
      assertThat(a.payloads().get(key).orElseThrow().etag()).isEqualTo(b.payloads().get(key).orElseThrow().etag());
    }
  }
}
