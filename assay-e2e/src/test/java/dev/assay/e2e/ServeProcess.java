package dev.assay.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code assay serve --demo} process (the CLI jar built by assay-cli) on a free port with a
 * fresh embedded store, and an admin API client for it.
 */
final class ServeProcess implements AutoCloseable {
  static final String ADMIN_TOKEN = "e2e-admin-token-0123456789";
  /** The web UI password of the user 'admin' (ASSAY_ADMIN_PASSWORD). */
  static final String ADMIN_PASSWORD = "e2e admin password";
  private static final ObjectMapper JSON = new ObjectMapper();

  final int port;
  final String demoClientKey;
  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final HttpClient http = HttpClient.newHttpClient();

  ServeProcess() throws Exception {
    this(Files.createTempDirectory("assay-e2e-"), List.of(), Map.of());
  }

  /**
   * A process on {@code data} (reused across restarts), with extra command-line options and
   * environment variables (for example {@code --database-url}, {@code ASSAY_DATABASE_URL}).
   */
  ServeProcess(Path data, List<String> extraArgs, Map<String, String> env) throws Exception {
    this(data, freePort(), extraArgs, env);
  }

  /**
   * A process on a given port: a replica restarted after a crash listens where its clients (SDK
   * streams, load balancers) already connect.
   */
  ServeProcess(Path data, int port, List<String> extraArgs, Map<String, String> env) throws Exception {
    this.port = port;
    Path jar = Path.of("..", "assay-cli", "target", "assay.jar").toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the build from the root (./mvnw verify)");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-jar",
        jar.toString(), "serve", "--demo", "--host", "127.0.0.1", "--port", String.valueOf(port), "--data-dir",
        data.toString()));
    command.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("ASSAY_ADMIN_TOKEN", ADMIN_TOKEN);
    pb.environment().put("ASSAY_ADMIN_PASSWORD", ADMIN_PASSWORD);
    pb.environment().putAll(env);
    process = pb.start();
    // A thread of its own: the common pool may have a single thread, busy with another process.
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.append(line).append('\n');
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "assay-serve-output-" + port);
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    Pattern key = Pattern.compile("/api/features/(sdk-[0-9a-f]+)");
    Matcher m = key.matcher("");
    while (System.nanoTime() < deadline) {
      m = key.matcher(output);
      if (m.find()) {
        break;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("assay serve exited: " + output);
      }
      Thread.sleep(50);
    }
    if (!m.find(0)) {
      close();
      throw new IllegalStateException("assay serve did not start in 180 s (the machine may be overloaded): " + output);
    }
    demoClientKey = m.group(1);
  }

  /** A port no process listens on at the moment. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Calls the management API as admin (project demo); returns the parsed body. */
  JsonNode admin(String method, String path, String json) {
    String sep = path.contains("?") ? "&" : "?";
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1" + path + sep + "project=demo"))
        .header("Authorization", "Bearer " + ADMIN_TOKEN)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 300) {
        throw new AssertionError(method + " " + path + " -> " + r.statusCode() + ": " + r.body());
      }
      return r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Replaces a flag's default value (reads its version first). */
  void setDefault(String flag, String type, String valueJson) {
    long version = admin("GET", "/flags/" + flag, null).get("version").asLong();
    admin("PUT", "/flags/" + flag, "{\"type\":\"" + type + "\",\"defaultValue\":" + valueJson + ",\"version\":" + version + "}");
  }

  String output() {
    return output.toString();
  }

  /** Sends SIGTERM and waits for the process to exit; returns its exit code. */
  int terminate() throws InterruptedException {
    // Through the handle: Process.destroy() also closes our end of the output pipe, which would
    // lose what the server prints while it shuts down.
    process.toHandle().destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("assay serve did not stop within 60 s of SIGTERM: " + output);
    }
    return process.exitValue();
  }

  /** Sends SIGKILL (no shutdown hook, no flush, no close) and waits for the process to end. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("assay serve survived SIGKILL for 30 s");
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
