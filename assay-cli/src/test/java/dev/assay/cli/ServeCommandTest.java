package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code assay serve} started in process on a free port with an embedded store. */
class ServeCommandTest {

  private static final Pattern RUNNING = Pattern.compile("running on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern TOKEN = Pattern.compile("Bearer (assay_[A-Za-z0-9_-]+)");

  @Test
  void serve_demo_answersProbesAndListsDemoFlagsWithPrintedAdminToken(@TempDir Path data)
      throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cl = AssayCli.commandLine();
    cl.setOut(new PrintWriter(out, true));
    AtomicInteger exit = new AtomicInteger(-1);
    Thread serving =
        new Thread(
            () ->
                exit.set(
                    cl.execute("serve", "--demo", "--port", "0", "--host", "127.0.0.1", "--data-dir", data.toString())));
    serving.start();
    try {
      Matcher m = awaitLine(out, serving);
      int port = Integer.parseInt(m.group(1));
      Matcher t = TOKEN.matcher(out.toString());
      assertThat(t.find()).as(out.toString()).isTrue();
      HttpClient http = HttpClient.newHttpClient();

      HttpResponse<String> ready = get(http, port, "/health/ready", null);
      HttpResponse<String> flags = get(http, port, "/api/v1/flags?project=demo", t.group(1));
      HttpResponse<String> anonymous = get(http, port, "/api/v1/flags?project=demo", null);

      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(flags.statusCode()).isEqualTo(200);
      assertThat(flags.body()).contains("new-header");
      assertThat(anonymous.statusCode()).isEqualTo(401);
      Matcher k = Pattern.compile("/api/features/(sdk-[0-9a-f]+)").matcher(out.toString());
      assertThat(k.find()).as(out.toString()).isTrue();
      HttpResponse<String> payload = get(http, port, "/api/features/" + k.group(1), null);
      assertThat(payload.statusCode()).isEqualTo(200);
      assertThat(payload.body()).contains("\"new-header\"").contains("\"checkout-button\"");
      assertPrintedCurlsWork(http, out.toString(), t.group(1));
    } finally {
      serving.interrupt();
      serving.join(15_000);
    }
    assertThat(serving.isAlive()).isFalse();
    assertThat(exit.get()).isZero();
  }

  @Test
  void serve_badOptions_exit2WithClearMessage() {
    CliRun port = CliRun.of("serve", "--port", "70000");
    CliRun url = CliRun.of("serve", "--database-url", "postgres://x");
    CliRun notANumber = CliRun.of("serve", "--port", "eighty");
    CliRun webhook = CliRun.of("serve", "--webhook-url", "ftp://hooks.example.com/x");
    CliRun perClient = CliRun.of("serve", "--http-max-connections-per-client", "0");
    CliRun headerTimeout = CliRun.of("serve", "--http-header-timeout", "PT0S");

    assertThat(port.exitCode()).isEqualTo(2);
    assertThat(port.err()).contains("--port").contains("70000");
    assertThat(perClient.exitCode()).isEqualTo(2);
    assertThat(perClient.err()).contains("--http-max-connections-per-client").contains("at least 1");
    assertThat(headerTimeout.exitCode()).isEqualTo(2);
    assertThat(headerTimeout.err()).contains("--http-header-timeout").contains("positive");
    assertThat(url.exitCode()).isEqualTo(2);
    assertThat(url.err()).contains("--database-url").contains("jdbc:");
    assertThat(notANumber.exitCode()).isEqualTo(2);
    assertThat(notANumber.err()).contains("--port");
    assertThat(webhook.exitCode()).isEqualTo(2);
    assertThat(webhook.err()).contains("--webhook-url").contains("http or https");
  }

  @Test
  void serve_badOperationsOptions_exit2NamingTheOption() {
    CliRun endpoint = CliRun.of("serve", "--otel-endpoint", "grpc://collector:4317");
    CliRun format = CliRun.of("serve", "--log-format", "xml");

    assertThat(endpoint.exitCode()).isEqualTo(2);
    assertThat(endpoint.err()).contains("--otel-endpoint").contains("http or https");
    assertThat(format.exitCode()).isEqualTo(2);
    assertThat(format.err()).contains("--log-format").contains("text or json");
  }

  @Test
  void serve_badEventOptions_exit2NamingTheOption(@TempDir Path dir) throws Exception {
    Path shortKey = java.nio.file.Files.writeString(dir.resolve("key"), "short\n");
    CliRun retention = CliRun.of("serve", "--event-retention-days", "0", "--data-dir", dir.toString());
    CliRun window = CliRun.of("serve", "--event-dedup-window", "1", "--data-dir", dir.toString());
    CliRun key = CliRun.of("serve", "--event-hmac-key-file", shortKey.toString(), "--data-dir", dir.toString());
    CliRun missing = CliRun.of("serve", "--event-hmac-key-file", dir.resolve("absent").toString());
    CliRun blank = CliRun.of("serve", "--event-attributes", "country,,plan", "--data-dir", dir.toString());
    CliRun kafka = CliRun.of("serve", "--kafka-bootstrap-servers", "localhost", "--data-dir", dir.toString());
    CliRun topic = CliRun.of("serve", "--kafka-bootstrap-servers", "localhost:9092", "--kafka-topic", "a b",
        "--data-dir", dir.toString());

    assertThat(retention.exitCode()).isEqualTo(2);
    assertThat(retention.err()).contains("--event-retention-days").contains("at least 1");
    assertThat(window.exitCode()).isEqualTo(2);
    assertThat(window.err()).contains("--event-dedup-window").contains("2 to 134217728 ids");
    assertThat(key.exitCode()).isEqualTo(2);
    assertThat(key.err()).contains("--event-hmac-key-file").contains("16 characters");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("--event-hmac-key-file").contains("cannot read");
    assertThat(blank.exitCode()).isEqualTo(2);
    assertThat(blank.err()).contains("--event-attributes");
    assertThat(kafka.exitCode()).isEqualTo(2);
    assertThat(kafka.err()).contains("--kafka-bootstrap-servers").contains("host:port");
    assertThat(topic.exitCode()).isEqualTo(2);
    assertThat(topic.err()).contains("--kafka-topic");
  }

  @Test
  void serve_badWarehouseSchema_exit2NamingTheFileAndField(@TempDir Path dir) throws Exception {
    Path bad = java.nio.file.Files.writeString(dir.resolve("w.yaml"), "exposures: a\nmetrics: b\ncolumns: {unitId: \"x y\"}\n");
    Path good = java.nio.file.Files.writeString(dir.resolve("ok.yaml"), "exposures: a\nmetrics: b\n");
    CliRun field = CliRun.of("serve", "--warehouse-schema", bad.toString(), "--data-dir", dir.toString());
    CliRun missing = CliRun.of("serve", "--warehouse-schema", dir.resolve("absent.yaml").toString());
    CliRun noUrl = CliRun.of("serve", "--warehouse-schema", good.toString(), "--data-dir", dir.toString());

    assertThat(field.exitCode()).isEqualTo(2);
    assertThat(field.err()).contains("--warehouse-schema " + bad).contains("columns.unitId").contains("'x y'");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("--warehouse-schema").contains("cannot read");
    assertThat(noUrl.exitCode()).isEqualTo(2);
    assertThat(noUrl.err()).contains("--warehouse-schema").contains("--warehouse-url");
  }

  @Test
  void serve_badKafkaClientOptions_exit2NamingTheOptionOrProperty_neverTheSecret(@TempDir Path dir) throws Exception {
    Path props = java.nio.file.Files.writeString(dir.resolve("kafka.properties"),
        "sasl.jaas.config=PlainLoginModule required password=\"hunter2-secret\";\nproducer.acks=1\n");
    CliRun reserved = CliRun.of("serve", "--kafka-bootstrap-servers", "localhost:9092", "--kafka-properties",
        props.toString(), "--data-dir", dir.toString());
    CliRun missing = CliRun.of("serve", "--kafka-bootstrap-servers", "localhost:9092", "--kafka-properties",
        dir.resolve("absent").toString(), "--data-dir", dir.toString());
    CliRun group = CliRun.of("serve", "--kafka-bootstrap-servers", "localhost:9092", "--kafka-group-id", "a b",
        "--data-dir", dir.toString());
    CliRun partitions = CliRun.of("serve", "--kafka-bootstrap-servers", "localhost:9092", "--kafka-partitions", "0",
        "--data-dir", dir.toString());

    assertThat(reserved.exitCode()).isEqualTo(2);
    assertThat(reserved.err()).contains("--kafka-properties").contains("producer.acks").doesNotContain("hunter2-secret");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("--kafka-properties").contains("cannot read");
    assertThat(group.exitCode()).isEqualTo(2);
    assertThat(group.err()).contains("--kafka-group-id");
    assertThat(partitions.exitCode()).isEqualTo(2);
    assertThat(partitions.err()).contains("--kafka-partitions").contains("1 to 10000");
  }

  /** Every authenticated curl the banner prints runs as printed: real token, reachable URL. */
  private static void assertPrintedCurlsWork(HttpClient http, String banner, String token) throws Exception {
    assertThat(banner).doesNotContain("<admin token>");
    Matcher curl = Pattern.compile("curl (-X POST )?-H 'Authorization: Bearer ([^']+)' '([^']+)'").matcher(banner);
    int count = 0;
    while (curl.find()) {
      count++;
      assertThat(curl.group(2)).isEqualTo(token);
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(curl.group(3)))
          .header("Authorization", "Bearer " + curl.group(2));
      if (curl.group(1) != null) {
        request.POST(HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(curl.group() + " → " + r.body()).isEqualTo(200);
    }
    assertThat(count).as(banner).isEqualTo(4);
  }

  @Test
  void serve_portInUse_exitsAtOnceNamingThePortAndCreatesNothing(@TempDir Path data) throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      java.util.concurrent.atomic.AtomicReference<CliRun> run = new java.util.concurrent.atomic.AtomicReference<>();
      Thread serving = new Thread(() -> run.set(CliRun.of("serve", "--demo", "--port", String.valueOf(port),
          "--host", "127.0.0.1", "--data-dir", data.toString())));
      serving.start();
      serving.join(60_000);

      assertThat(serving.isAlive()).as("serve kept running on a port in use").isFalse();
      assertThat(run.get().exitCode()).isEqualTo(1);
      assertThat(run.get().err()).contains("port " + port + " is in use");
      assertThat(run.get().out()).doesNotContain("running on").doesNotContain("admin API key");
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(data)) {
        assertThat(files).as("no store was created").isEmpty();
      }
    }
  }

  @Test
  void banner_wildcardHost_printsLocalhostAndNotesAllInterfaces() {
    StringWriter text = new StringWriter();
    ServeBanner banner = new ServeBanner("0.0.0.0", 8080, java.util.Optional.empty(), false);
    PrintWriter out = new PrintWriter(text, true);

    banner.printRunning(out, "embedded");
    banner.printUsage(out);

    assertThat(banner.base()).isEqualTo("http://localhost:8080");
    assertThat(text.toString()).contains("all interfaces (0.0.0.0:8080)")
        .contains("curl -H \"Authorization: Bearer $ASSAY_ADMIN_TOKEN\" 'http://localhost:8080/api/v1/flags'")
        .contains("export ASSAY_ADMIN_TOKEN=");
    assertThat(new ServeBanner("::1", 9000, java.util.Optional.of("t"), false).base()).isEqualTo("http://[::1]:9000");
  }

  @Test
  void banner_signIn_printsTheGeneratedPasswordOnce_orPointsToTheEnvironment() {
    ServeBanner banner = new ServeBanner("127.0.0.1", 8080, java.util.Optional.empty(), true);
    StringWriter generated = new StringWriter();
    banner.printSignIn(new PrintWriter(generated, true), java.util.Optional.of("Abc123generatedPw"), false);
    assertThat(generated.toString()).contains("http://127.0.0.1:8080/", "user 'admin'", "Abc123generatedPw");
    StringWriter fromEnv = new StringWriter();
    banner.printSignIn(new PrintWriter(fromEnv, true), java.util.Optional.empty(), true);
    assertThat(fromEnv.toString()).contains("$ASSAY_ADMIN_PASSWORD").doesNotContain("Abc123");
  }

  static Matcher awaitLine(StringWriter out, Thread serving) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = RUNNING.matcher(out.toString());
      if (m.find()) {
        return m;
      }
      assertThat(serving.isAlive()).as("serve exited early: %s", out).isTrue();
      Thread.sleep(50);
    }
    throw new AssertionError("server did not report it was running: " + out);
  }

  static HttpResponse<String> get(HttpClient http, int port, String path, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new AssertionError("server not reachable on port " + port, e);
    }
  }
}
