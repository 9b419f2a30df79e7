package dev.assay.server.ui;

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
import java.util.function.UnaryOperator;

/**
 * A real server for UI tests (embedded store, or a fresh PostgreSQL schema), with an admin API
 * client and users that sign in to the UI.
 */
final class UiTestServer implements AutoCloseable {
  static final String TOKEN = "ui-safety-admin-token-0123456789";
  static final String PASSWORD = "ui safety password";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  final AssayServer server;

  private UiTestServer(UnaryOperator<ServerConfig.Builder> customize) {
    try {
      server = customize.apply(AssayServer.builder().port(0).host("127.0.0.1")
          .dataDir(Files.createTempDirectory("assay-ui-safety-")).adminToken(TOKEN).adminPassword(PASSWORD)).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static UiTestServer embedded() {
    return new UiTestServer(b -> b);
  }

  /** On the embedded store, with more options (a warehouse, its mapping). */
  static UiTestServer embedded(UnaryOperator<ServerConfig.Builder> customize) {
    return new UiTestServer(customize);
  }

  /** On a fresh schema of the test PostgreSQL ({@code ASSAY_TEST_POSTGRES_URL}). */
  static UiTestServer postgres() {
    String schema = TestPostgres.freshSchema();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(TestPostgres.url());
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot create schema on " + TestPostgres.url(), e);
    }
    return new UiTestServer(b -> b.databaseUrl(TestPostgres.urlWithSchema(schema)));
  }

  int port() {
    return server.port();
  }

  /** An admin call to {@code /api/v1/...}: the response, status checked by the caller. */
  HttpResponse<String> api(String method, String path, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/api/v1" + path))
        .header("Authorization", "Bearer " + TOKEN);
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      return http.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An admin call that must succeed; its JSON body (null node for 204). */
  JsonNode ok(String method, String path, String json) {
    HttpResponse<String> r = api(method, path, json);
    if (r.statusCode() < 200 || r.statusCode() > 299) {
      throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    try {
      return r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }

  /** Creates a UI user with {@link #PASSWORD}. */
  void user(String key, String role) {
    ok("POST", "/users", "{\"key\":\"" + key + "\",\"name\":\"" + key + "\",\"role\":\"" + role + "\"}");
    ok("PUT", "/users/" + key + "/password", "{\"password\":\"" + PASSWORD + "\"}");
  }

  /** A browser signed in as {@code user}. */
  UiClient signIn(String user) {
    UiClient c = new UiClient(port());
    int status = c.signIn(user, PASSWORD).statusCode();
    if (status != 303) {
      throw new AssertionError("sign-in of " + user + " answered " + status);
    }
    return c;
  }

  @Override
  public void close() {
    server.close();
  }
}
