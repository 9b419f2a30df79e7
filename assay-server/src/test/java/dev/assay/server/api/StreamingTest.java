package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ClientStatus;
import dev.assay.testsupport.Await;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /sub/{clientKey}}: server-sent events with payload changes, heartbeats and resume. */
class StreamingTest {

  private final TestServer server = new TestServer(b -> b.sseHeartbeat(Duration.ofMillis(300)));
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<InputStream> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (InputStream in : open) {
      in.close();
    }
    server.close();
  }

  private String connection() {
    TestServer.Response r = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().get("key").asText();
  }

  /** An SSE line reader on a background thread; blank lines end events. */
  private BlockingQueue<String> stream(String clientKey, String lastEventId) throws Exception {
    return stream(clientKey, lastEventId, false);
  }

  /** With {@code gzip}, asks for a compressed stream as browsers and Node's fetch do, and inflates it. */
  private BlockingQueue<String> stream(String clientKey, String lastEventId, boolean gzip) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server.port() + "/sub/" + clientKey))
        .header("Accept", "text/event-stream");
    if (gzip) {
      b.header("Accept-Encoding", "gzip, deflate");
    }
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> res = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    assertThat(res.headers().firstValue("Content-Encoding")).isEqualTo(gzip ? Optional.of("gzip") : Optional.empty());
    open.add(res.body());
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      // GZIPInputStream reads the gzip header when created: on this thread, not the test's. Lines
      // are split by hand: a Reader over GZIPInputStream (whose available() is 1 until the end)
      // would block for a full buffer instead of returning the event that arrived.
      try (InputStream body = gzip ? new GZIPInputStream(res.body(), 512) : res.body()) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[512];
        int n;
        while ((n = body.read(buf)) > 0) {
          for (int i = 0; i < n; i++) {
            if (buf[i] == '\n') {
              lines.add(line.toString(StandardCharsets.UTF_8));
              line.reset();
            } else {
              line.write(buf[i]);
            }
          }
        }
      } catch (Exception ignored) {
        // stream closed by the test
      }
    });
    t.setDaemon(true);
    t.start();
    return lines;
  }

  /** Reads lines until a complete event with a data line; returns [type, id, data]. */
  private static String[] nextEvent(BlockingQueue<String> lines, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String type = "message";
    String id = null;
    StringBuilder data = null;
    while (System.nanoTime() < deadline) {
      String line = lines.poll(50, TimeUnit.MILLISECONDS);
      if (line == null) {
        continue;
      }
      if (line.isEmpty()) {
        if (data != null) {
          return new String[] {type, id, data.toString()};
        }
        continue;
      }
      if (line.startsWith("event:")) {
        type = line.substring(6).trim();
      } else if (line.startsWith("id:")) {
        id = line.substring(3).trim();
      } else if (line.startsWith("data:")) {
        data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring(5).trim());
      }
    }
    return null;
  }

  @Test
  void gzipStream_deliversEachEventWhenSent_notWhenTheConnectionEnds() throws Exception {
    String key = connection();
    BlockingQueue<String> lines = stream(key, null, true);

    String[] first = nextEvent(lines, Duration.ofSeconds(10));
    assertThat(first).as("the first event, flushed through gzip").isNotNull();
    assertThat(first[0]).isEqualTo("features");

    server.admin("POST", "/api/v1/flags", "{\"key\":\"zipped\",\"type\":\"string\",\"defaultValue\":\"hello\"}");
    String[] change = nextEvent(lines, Duration.ofSeconds(10));
    assertThat(change).as("the change, flushed through gzip").isNotNull();
    assertThat(change[2]).contains("\"zipped\"");
  }

  @Test
  void stream_sendsCurrentPayloadThenEveryChange() throws Exception {
    String key = connection();
    BlockingQueue<String> lines = stream(key, null);

    String[] first = nextEvent(lines, Duration.ofSeconds(10));
    assertThat(first).isNotNull();
    assertThat(first[0]).isEqualTo("features");
    assertThat(first[2]).startsWith("{\"features\":");

    server.admin("POST", "/api/v1/flags", "{\"key\":\"banner\",\"type\":\"string\",\"defaultValue\":\"hello\"}");
    String[] change = nextEvent(lines, Duration.ofSeconds(10));

    assertThat(change).isNotNull();
    assertThat(change[2]).contains("\"banner\"").contains("hello");
    assertThat(change[1]).isNotEqualTo(first[1]);
    String etag = server.call("GET", "/api/features/" + key, null, null).headers().firstValue("ETag").orElseThrow();
    assertThat(etag).isEqualTo("\"" + change[1] + "\"");
  }

  @Test
  void stream_idle_sendsHeartbeatComments() throws Exception {
    BlockingQueue<String> lines = stream(connection(), null);

    boolean heartbeat = false;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!heartbeat && System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      heartbeat = line != null && line.startsWith(":");
    }
    assertThat(heartbeat).isTrue();
  }

  @Test
  void stream_resumeWithCurrentLastEventId_skipsThePayloadItAlreadyHas() throws Exception {
    String key = connection();
    String etag = server.call("GET", "/api/features/" + key, null, null).headers().firstValue("ETag").orElseThrow();

    BlockingQueue<String> lines = stream(key, etag.replace("\"", ""));
    server.admin("POST", "/api/v1/flags", "{\"key\":\"late\",\"type\":\"boolean\",\"defaultValue\":true}");

    // No fixed wait for "nothing sent": the first event the stream delivers must already be the
    // change; had the server re-sent the payload the client has, that would come first.
    String[] first = nextEvent(lines, Duration.ofSeconds(10));
    assertThat(first).as("an event after the change").isNotNull();
    assertThat(first[2]).as("the first event is the new payload, not the one resumed from").contains("\"late\"");
    assertThat(first[1]).isNotEqualTo(etag.replace("\"", ""));
  }

  @Test
  void stream_unknownClientKey_404Json() {
    TestServer.Response r = server.call("GET", "/sub/sdk-nope", null, null);

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.json().at("/error/code").asText()).isEqualTo("unknown_client_key");
  }

  @Test
  void stream_clientsThatDisconnect_areDropped() throws Exception {
    String key = connection();
    for (int i = 0; i < 5; i++) {
      BlockingQueue<String> lines = stream(key, null);
      assertThat(nextEvent(lines, Duration.ofSeconds(10))).isNotNull();
    }
    assertThat(gauge()).isEqualTo(5.0);
    for (InputStream in : open) {
      in.close();
    }
    open.clear();
    // The next heartbeat write to each closed connection fails and ends its stream.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (gauge() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(gauge()).isZero();
  }

  @Test
  void stream_resumeWithAnOlderLastEventId_getsTheCurrentPayloadAtOnce() throws Exception {
    String key = connection();
    String old = server.call("GET", "/api/features/" + key, null, null).headers().firstValue("ETag").orElseThrow();
    server.admin("POST", "/api/v1/flags", "{\"key\":\"missed\",\"type\":\"boolean\",\"defaultValue\":true}");

    String[] first = nextEvent(stream(key, old.replace("\"", "")), Duration.ofSeconds(10));

    assertThat(first).as("the change made while disconnected").isNotNull();
    assertThat(first[2]).contains("\"missed\"");
  }

  @Test
  void stream_connectionDeleted_streamEndsAndPayloadIsGone() throws Exception {
    String key = connection();
    BlockingQueue<String> lines = stream(key, null);
    assertThat(nextEvent(lines, Duration.ofSeconds(10))).isNotNull();
    assertThat(gauge()).isEqualTo(1.0);

    assertThat(server.admin("DELETE", "/api/v1/sdk-connections/" + key + "?version=1", null).status()).isEqualTo(204);

    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (gauge() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(gauge()).as("the server ended the deleted connection's stream").isZero();
    assertThat(server.call("GET", "/api/features/" + key, null, null).status()).isEqualTo(404);
    assertThat(server.call("GET", "/sub/" + key, null, null).status()).isEqualTo(404);
  }

  @Test
  void payload_advertisesStreamingAndCdnFriendlyCaching() {
    String key = connection();
    TestServer.Response r = server.call("GET", "/api/features/" + key, null, null);

    assertThat(r.headers().firstValue("x-sse-support")).contains("enabled");
    assertThat(r.headers().firstValue("Cache-Control").orElseThrow())
        .contains("public").contains("s-maxage=").contains("stale-while-revalidate=").contains("stale-if-error=");
    assertThat(r.headers().firstValue("ETag").orElseThrow()).as("strong ETag").startsWith("\"");
    assertThat(r.headers().firstValue("Vary")).contains("Accept-Encoding");
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).contains("*");
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
  }

  /**
   * A client that connects and then never reads: the server's writes to it block once the kernel
   * buffers are full (12 events of 600 KB are far more than they hold), yet every change still
   * reaches a client that does read, and the server keeps answering.
   */
  @Test
  void stream_consumerThatNeverReads_doesNotHoldBackTheOthers() throws Exception {
    String key = connection();
    String blob = "x".repeat(600_000);
    assertThat(server.admin("POST", "/api/v1/flags",
        "{\"key\":\"big\",\"type\":\"json\",\"defaultValue\":{\"v\":\"m0-" + blob + "\"}}").status())
        .isEqualTo(201);
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(1024);
      slow.connect(new InetSocketAddress("127.0.0.1", server.server.port()));
      slow.getOutputStream().write(("GET /sub/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      slow.getOutputStream().flush();
      BlockingQueue<String> fast = stream(key, null);
      assertThat(nextEventContaining(fast, "\"m0-")).as("initial payload").isTrue();
      for (int i = 1; i <= 12; i++) {
        TestServer.Response r = server.admin("PUT", "/api/v1/flags/big", "{\"version\":" + i
            + ",\"type\":\"json\",\"defaultValue\":{\"v\":\"m" + i + "-" + blob + "\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(nextEventContaining(fast, "\"m" + i + "-")).as("change %d reaches the reading client", i).isTrue();
      }
      assertThat(server.call("GET", "/health/ready", null, null).status()).isEqualTo(200);
    }
  }

  /** Waits (generously: the machine may be loaded) for an event whose data contains {@code marker}. */
  private static boolean nextEventContaining(BlockingQueue<String> lines, String marker) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      String[] e = nextEvent(lines, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (e != null && e[2].contains(marker)) {
        return true;
      }
    }
    return false;
  }

  private double gauge() {
    String metrics = server.call("GET", "/metrics", null, null).body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("assay_sse_connections ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("no assay_sse_connections metric");
  }

  @Test
  void assayClient_streamsChangesAndReportsStreamingMode() throws Exception {
    String key = connection();
    server.admin("POST", "/api/v1/flags", "{\"key\":\"limit\",\"type\":\"number\",\"defaultValue\":10}");
    List<Set<String>> changes = new CopyOnWriteArrayList<>();
    try (AssayClient client = AssayClient.builder("http://127.0.0.1:" + server.server.port(), key)
        .pollInterval(Duration.ofMinutes(10)) // a change can only arrive by streaming
        .onChange(changes::add)
        .build()) {
      Attributes u = Attributes.of("id", "u1");
      Await.until(() -> client.status().mode() == ClientStatus.Mode.STREAMING, "streaming");

      server.admin("PUT", "/api/v1/flags/limit", "{\"type\":\"number\",\"defaultValue\":42,\"version\":1}");
      Await.until(() -> client.features().getLong("limit", u, -1) == 42, "the pushed change");

      assertThat(changes).contains(Set.of("limit"));
      assertThat(client.status().state()).isEqualTo(ClientStatus.State.READY);
    }
  }
}
