package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AssayClient#awaitReady} and a non-blocking {@code build()}: a real HTTP server holds the
 * first payload request until the test releases it, so {@code build()} can only return if it does
 * not wait for the server.
 */
class AssayClientReadinessTest {

  private static final String PAYLOAD = "{\"features\":{\"banner\":{\"defaultValue\":\"server\"}}}";

  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch requested = new CountDownLatch(1);
  private HttpServer server;

  private String heldServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/features/key", ex -> {
      requested.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] body = PAYLOAD.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("ETag", "\"1\"");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void build_serverHoldsTheFirstRequest_returnsAndAnswersDefaultsWithReasonNotReady() throws Exception {
    String url = heldServer();
    // Guards against a build() that waits for the held request (it would hang until the hold ends).
    AssayClient client = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        AssayClient.builder(url, "key").initialTimeout(Duration.ofSeconds(60)).pollInterval(Duration.ofHours(1))
            .build());
    try (client) {
      assertThat(requested.await(30, TimeUnit.SECONDS)).as("the sync thread asked the server").isTrue();

      TypedValue<String> before = client.features().getStringDetails("banner", Attributes.empty(), "code");
      assertThat(before.value()).isEqualTo("code");
      assertThat(before.reason()).isEqualTo(TypedValue.Reason.NOT_READY);
      assertThat(client.features().hasConfiguration()).isFalse();
      assertThat(client.status().state()).isEqualTo(ClientStatus.State.DEFAULTS);

      release.countDown();

      assertThat(client.awaitReady(Duration.ofSeconds(30))).isTrue();
      TypedValue<String> after = client.features().getStringDetails("banner", Attributes.empty(), "code");
      assertThat(after.value()).isEqualTo("server");
      assertThat(after.reason()).isEqualTo(TypedValue.Reason.EVALUATED);
      assertThat(client.status().state()).isEqualTo(ClientStatus.State.READY);
      assertThat(client.status().source()).isEqualTo(ClientStatus.Source.SERVER);
    }
  }

  @Test
  void build_cacheFile_readOnTheSyncThreadAndListenersHearIt(@TempDir Path dir) throws Exception {
    Path cache = dir.resolve("assay.json");
    Files.writeString(cache, "{\"features\":{\"banner\":{\"defaultValue\":\"cached\"}}}");
    CopyOnWriteArrayList<Set<String>> changes = new CopyOnWriteArrayList<>();

    try (AssayClient client = AssayClient.builder("http://127.0.0.1:9", "key").sync(false).cacheFile(cache)
        .onChange(changes::add).build()) {
      assertThat(client.awaitReady(Duration.ofSeconds(30))).isTrue();

      assertThat(client.features().getString("banner", Attributes.empty(), "x")).isEqualTo("cached");
      assertThat(client.status().source()).isEqualTo(ClientStatus.Source.CACHE);
      assertThat(changes).containsExactly(Set.of("banner"));
      assertThat(client.refresh()).as("no network with sync(false)").isFalse();
    }
  }

  @Test
  void awaitReady_afterClose_returnsFalse() throws Exception {
    AssayClient client = AssayClient.builder("http://127.0.0.1:9", "key").sync(false).build();
    client.close();

    assertThat(client.awaitReady(Duration.ofSeconds(30))).isFalse();
    assertThat(client.status().state()).isEqualTo(ClientStatus.State.CLOSED);
  }
}
