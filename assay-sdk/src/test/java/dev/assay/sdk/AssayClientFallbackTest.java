package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.assay.testsupport.Await;
import dev.assay.testsupport.FakeConfigServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AssayClient} when streaming does not work although the server advertises it (a proxy that
 * blocks or cuts server-sent events), and when the server accepts connections but never answers:
 * the client falls back to polling with ETags, keeps serving, and never blocks the caller.
 */
class AssayClientFallbackTest {

  /** What the event-stream endpoint does. */
  enum Sub { BLOCKED, DROPPING }

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : cleanup) {
      c.close();
    }
  }

  private static String payload(String banner) {
    return "{\"features\":{\"banner\":{\"defaultValue\":\"" + banner + "\"}}}";
  }

  /**
   * A server speaking the SDK protocol (payload with ETag, 304 on a matching If-None-Match,
   * {@code x-sse-support: enabled}) whose {@code /sub} endpoint is broken as configured; each
   * attempt to open the stream counts in {@code streamAttempts}.
   */
  private FakeConfigServer proxied(Sub sub, AtomicInteger streamAttempts) {
    FakeConfigServer s = FakeConfigServer.start("key", payload("v1")).etags().advertiseStreaming()
        .handle("/sub/key", ex -> {
          streamAttempts.incrementAndGet();
          if (sub == Sub.BLOCKED) {
            FakeConfigServer.send(ex, 404, "text/html", "<h1>blocked by proxy</h1>");
          } else {
            FakeConfigServer.send(ex, 200, "text/event-stream", ": connected\n\n");
          }
        });
    cleanup.add(s);
    return s;
  }

  private static AssayClient.Builder client(String url) {
    return AssayClient.builder(url, "key")
        .initialTimeout(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  @Test
  void sseAdvertisedButBlocked_fallsBackToPollingWithEtagsAndSeesChanges() throws Exception {
    AtomicInteger streamAttempts = new AtomicInteger();
    FakeConfigServer s = proxied(Sub.BLOCKED, streamAttempts);
    try (AssayClient client = client(s.url()).build()) {
      assertThat(client.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThat(client.features().getString("banner", Attributes.empty(), "x")).isEqualTo("v1");
      Await.until(() -> client.status().mode() == ClientStatus.Mode.POLLING && s.notModified() > 0,
          "polling with If-None-Match after the stream was refused");

      s.payload(payload("v2"));

      Await.until(() -> "v2".equals(client.features().getString("banner", Attributes.empty(), "x")), "change seen by polling");
      assertThat(client.status().state()).isEqualTo(ClientStatus.State.READY);
      assertThat(streamAttempts.get()).as("a 404 stream is not retried in a loop").isEqualTo(1);
    }
  }

  @Test
  void streamCutRightAfterConnecting_reconnectsAndCatchesUpByPolling() throws Exception {
    AtomicInteger streamAttempts = new AtomicInteger();
    FakeConfigServer s = proxied(Sub.DROPPING, streamAttempts);
    try (AssayClient client = client(s.url()).build()) {
      Await.until(() -> streamAttempts.get() >= 2, "reconnects after the stream was cut");

      s.payload(payload("v2"));

      Await.until(() -> "v2".equals(client.features().getString("banner", Attributes.empty(), "x")),
          "change seen by the catch-up poll between reconnects");
    }
  }

  @Test
  void serverAcceptsButNeverAnswers_awaitReadyReturnsAfterTheInitialTimeoutServingTheBootstrap() throws Exception {
    ServerSocket silent = new ServerSocket(0);
    cleanup.add(silent);
    List<Socket> held = new ArrayList<>();
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          held.add(silent.accept()); // accept, then never answer
        }
      } catch (IOException closed) {
        // test over
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();

    AssayClient client = assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        AssayClient.builder("http://127.0.0.1:" + silent.getLocalPort(), "key")
            .initialTimeout(Duration.ofMillis(300))
            .bootstrap(payload("bootstrap"))
            .build());
    cleanup.add(client);

    assertThat(client.awaitReady(Duration.ofSeconds(30))).as("the bootstrap is served").isTrue();
    assertThat(client.features().getString("banner", Attributes.empty(), "x")).isEqualTo("bootstrap");
    assertThat(client.status().state()).isEqualTo(ClientStatus.State.STALE);
    assertThat(client.status().source()).isEqualTo(ClientStatus.Source.BOOTSTRAP);
    assertThat(client.status().error()).isPresent();
  }
}
