package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.AssayServer;
import dev.assay.server.ServerConfig;
import dev.assay.testsupport.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real server on port 0 over a fresh embedded store, and a real HTTP client. */
final class TestServer implements AutoCloseable {
  static final String ADMIN_TOKEN = "test-admin-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  final AssayServer server;
  final Path dataDir;
  private final HttpClient http = HttpClient.newHttpClient();

  TestServer() {
    this(b -> b);
  }

  /** A server whose builder is adjusted first (e.g. a short SSE heartbeat). */
  TestServer(java.util.function.UnaryOperator<ServerConfig.Builder> customize) {
    try {
      dataDir = Files.createTempDirectory("assay-server-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server = customize.apply(AssayServer.builder().port(0).host("127.0.0.1").dataDir(dataDir).adminToken(ADMIN_TOKEN))
        .start();
  }

  /**
   * A server on a fresh schema of the test PostgreSQL ({@code ASSAY_TEST_POSTGRES_URL}) instead of
   * the embedded store.
   */
  static TestServer postgres() {
    return postgres(b -> b);
  }

  /** A server on a fresh PostgreSQL schema, its builder adjusted first. */
  static TestServer postgres(java.util.function.UnaryOperator<ServerConfig.Builder> customize) {
    String schema = TestPostgres.freshSchema();
    String base = TestPostgres.url();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(base);
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot create schema on " + base, e);
    }
    String url = TestPostgres.urlWithSchema(schema);
    return new TestServer(b -> customize.apply(b.databaseUrl(url)));
  }

  record Response(int status, String body, java.net.http.HttpHeaders headers) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (status " + status + "): " + body, e);
      }
    }
  }

  int port() {
    return server.port();
  }

  Response send(String method, String path, String token, String contentType, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), r.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Response call(String method, String path, String token, String json) {
    return send(method, path, token, json == null ? null : "application/json",
        json == null ? null : json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  Response admin(String method, String path, String json) {
    return call(method, path, ADMIN_TOKEN, json);
  }

  /** Creates an API key of a role and returns its token. */
  String token(String role) {
    Response r = admin("POST", "/api/v1/api-keys", "{\"name\":\"" + role + "-key\",\"role\":\"" + role + "\"}");
    if (r.status() != 201) {
      throw new AssertionError("cannot create key: " + r.body());
    }
    return r.json().get("token").asText();
  }

  @Override
  public void close() {
    server.close();
  }
}
