package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.AssayServer;
import dev.assay.testsupport.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * When PostgreSQL stops accepting connections, the management API answers 503 (not 500), SDK
 * payloads keep being served from memory, and everything works again once the database is back.
 * Uses a database of its own, so other tests on the server are not disturbed.
 */
class StoreOutageTest {
  private static final String TOKEN = "outage-admin-token-0123456789";
  private final HttpClient http = HttpClient.newHttpClient();

  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  private HttpResponse<String> call(AssayServer s, String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
        .header("Authorization", "Bearer " + TOKEN)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void databaseGone_managementApi503_payloadsStillServed_recoversWhenBack() throws Exception {
    String db = TestPostgres.freshSchema().replace("assay_test_", "assay_outage_");
    sql("CREATE DATABASE " + db);
    String base = TestPostgres.url();
    String url = base.replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + db);
    AssayServer s = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("outage"))
        .databaseUrl(url).adminToken(TOKEN).start();
    try {
      String key = new com.fasterxml.jackson.databind.ObjectMapper().readTree(call(s, "POST", "/api/v1/sdk-connections",
          "{\"environment\":\"production\"}").body()).get("key").asText();
      assertThat(call(s, "POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":true}")
          .statusCode()).isEqualTo(201);

      sql("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
      sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");

      // Pooled connections the database has just terminated are retried on others; once none can
      // be opened (after the pool's timeout) the store is unavailable.
      HttpResponse<String> down = call(s, "GET", "/api/v1/flags", null);
      HttpResponse<String> stillDown = call(s, "POST", "/api/v1/flags", "{\"key\":\"g\",\"type\":\"boolean\",\"defaultValue\":true}");
      HttpResponse<String> payload = call(s, "GET", "/api/features/" + key, null);

      assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
      assertThat(down.body()).contains("\"store_unavailable\"");
      assertThat(stillDown.statusCode()).as(stillDown.body()).isEqualTo(503);
      assertThat(payload.statusCode()).isEqualTo(200);
      assertThat(payload.body()).contains("\"f\"");

      sql("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");

      HttpResponse<String> back = call(s, "GET", "/api/v1/flags/f", null);
      HttpResponse<String> write = call(s, "POST", "/api/v1/flags", "{\"key\":\"h\",\"type\":\"boolean\",\"defaultValue\":true}");
      assertThat(back.statusCode()).as("dead pooled connections are replaced transparently: " + back.body()).isEqualTo(200);
      assertThat(write.statusCode()).as(write.body()).isEqualTo(201);
    } finally {
      s.close();
      sql("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
      sql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }
  }

  @Test
  void backendsTerminated_likeADatabaseRestart_nextRequestsSucceedAtOnce() throws Exception {
    String db = TestPostgres.freshSchema().replace("assay_test_", "assay_restart_");
    sql("CREATE DATABASE " + db);
    String url = TestPostgres.url().replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + db);
    AssayServer s = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("restart"))
        .databaseUrl(url).adminToken(TOKEN).start();
    try {
      for (int i = 0; i < 5; i++) {
        assertThat(call(s, "POST", "/api/v1/segments", "{\"key\":\"s" + i + "\",\"condition\":{\"a\":" + i + "}}")
            .statusCode()).isEqualTo(201);
      }

      sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");

      HttpResponse<String> read = call(s, "GET", "/api/v1/segments", null);
      HttpResponse<String> write = call(s, "POST", "/api/v1/segments", "{\"key\":\"after\",\"condition\":{\"b\":1}}");
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      assertThat(read.body()).contains("\"s4\"");
      assertThat(write.statusCode()).as(write.body()).isEqualTo(201);
      assertThat(call(s, "GET", "/api/v1/audit/verify", null).body()).contains("\"intact\":true");
    } finally {
      s.close();
      sql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }
  }
}
