package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.AssayServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A real Assay server for the CLI's remote-command tests (embedded store in a temporary data
 * directory, demo project seeded, 127.0.0.1 on a free port), and a plain HTTP client to set up and
 * check state behind the CLI's back.
 */
final class RemoteServer implements AutoCloseable {
  static final String TOKEN = "cli-test-admin-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();

  final AssayServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  RemoteServer(Path data) {
    server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(data).adminToken(TOKEN).demo(true).start();
  }

  String url() {
    return "http://127.0.0.1:" + server.port();
  }

  /** An environment with only a private config directory (no ASSAY_* variables). */
  static CliContext context(Path configHome, Map<String, String> more) {
    Map<String, String> env = new HashMap<>(more);
    env.put("XDG_CONFIG_HOME", configHome.toString());
    return new CliContext(env, new ByteArrayInputStream(new byte[0]), Optional.empty());
  }

  /** A context whose environment points at this server with the admin token. */
  CliContext admin(Path configHome) {
    return context(configHome, Map.of("ASSAY_SERVER", url(), "ASSAY_TOKEN", TOKEN));
  }

  JsonNode api(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + "/api/v1" + path))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  @Override
  public void close() {
    server.close();
  }
}
