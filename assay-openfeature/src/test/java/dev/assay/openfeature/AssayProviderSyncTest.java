package dev.assay.openfeature;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.ClientStatus;
import dev.assay.testsupport.FakeConfigServer;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EventDetails;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.NoOpProvider;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.ProviderEvent;
import dev.openfeature.sdk.ProviderState;
import dev.openfeature.sdk.Reason;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The provider over an {@link AssayClient} talking to a real HTTP server (or to nothing): provider
 * events, and evaluation while the server is down.
 */
class AssayProviderSyncTest {

  private static final AtomicInteger DOMAINS = new AtomicInteger();
  /** Generous bound for events that should arrive within milliseconds; never a timing assertion. */
  private static final long WAIT_SECONDS = 20;

  private final OpenFeatureAPI api = OpenFeatureAPI.getInstance();
  private final List<String> domains = new ArrayList<>();
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (String d : domains) {
      api.setProviderAndWait(d, new NoOpProvider());
    }
    for (AutoCloseable c : cleanup) {
      c.close();
    }
  }

  /** A domain-bound client with every provider event recorded, before the provider is set. */
  private final class Bound {
    final String domain = "assay-sync-" + DOMAINS.incrementAndGet();
    final Client client = api.getClient(domain);
    final BlockingQueue<ProviderEvent> events = new LinkedBlockingQueue<>();
    final BlockingQueue<EventDetails> details = new LinkedBlockingQueue<>();

    Bound() {
      domains.add(domain);
      for (ProviderEvent e : ProviderEvent.values()) {
        client.on(e, d -> {
          details.add(d);
          events.add(e);
        });
      }
    }

    void set(AssayProvider provider) {
      api.setProviderAndWait(domain, provider);
    }

    /** Waits for the event, skipping others; returns its details. */
    EventDetails await(ProviderEvent wanted) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (System.nanoTime() < deadline) {
        ProviderEvent e = events.poll(100, TimeUnit.MILLISECONDS);
        if (e == null) {
          continue;
        }
        EventDetails d = details.poll();
        if (e == wanted) {
          return d;
        }
      }
      throw new AssertionError("no " + wanted + " event within " + WAIT_SECONDS + " s");
    }
  }

  /** A payload server: serves {@code payload} at /api/features/key, or 500 while failing. */
  private FakeConfigServer serve(String initial) {
    FakeConfigServer server = FakeConfigServer.start("key", initial);
    cleanup.add(server);
    return server;
  }

  private static AssayClient.Builder polling(String url) {
    return AssayClient.builder(url, "key")
        .initialTimeout(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  @Test
  void deadServer_withBootstrap_isUsableAndStale() throws Exception {
    Bound b = new Bound();
    AssayProvider provider = AssayProvider.builder()
        .assayClient(AssayClient.builder(FakeConfigServer.deadUrl(), "key")
            .bootstrap(AssayProviderTest.examplePayload())
            .initialTimeout(Duration.ofSeconds(2)))
        .statusCheckInterval(Duration.ofMillis(20))
        .build();
    b.set(provider);

    b.await(ProviderEvent.PROVIDER_READY);
    EventDetails stale = b.await(ProviderEvent.PROVIDER_STALE);
    assertThat(stale.getMessage()).contains("bootstrap");
    assertThat(b.client.getProviderState()).isEqualTo(ProviderState.STALE);

    FlagEvaluationDetails<String> d = b.client.getStringDetails("button-colour", "none", new ImmutableContext("u1"));
    assertThat(d.getReason()).isEqualTo(Reason.SPLIT.name());
    assertThat(d.getValue()).isIn("blue", "green", "orange");
  }

  @Test
  void deadServer_withoutBootstrap_emitsErrorAndServesCallerDefaults() throws Exception {
    Bound b = new Bound();
    AssayProvider provider = AssayProvider.builder()
        .assayClient(AssayClient.builder(FakeConfigServer.deadUrl(), "key").initialTimeout(Duration.ofSeconds(2)))
        .statusCheckInterval(Duration.ofMillis(20))
        .build();
    b.set(provider);

    EventDetails error = b.await(ProviderEvent.PROVIDER_ERROR);
    assertThat(error.getMessage()).contains("code default").contains("cannot reach");
    assertThat(b.client.getProviderState()).isEqualTo(ProviderState.ERROR);

    // Answered by the provider with the caller's default: there is no configuration to look in.
    FlagEvaluationDetails<String> d = b.client.getStringDetails("button-colour", "fallback");
    assertThat(d.getValue()).isEqualTo("fallback");
    assertThat(d.getErrorCode()).isEqualTo(ErrorCode.PROVIDER_NOT_READY);
    assertThat(d.getErrorMessage()).contains("no configuration yet");
  }

  @Test
  void builtInInitialize_servesServerPayloadOnceReady() throws Exception {
    String fromServer = AssayProviderTest.examplePayload().replace("\"defaultValue\": 20", "\"defaultValue\": 50");
    FakeConfigServer server = serve(fromServer);
    Bound b = new Bound();
    b.set(AssayProvider.builder()
        .assayClient(polling(server.url()).bootstrap(AssayProviderTest.examplePayload()))
        .build());

    // setProviderAndWait returned after the first fetch: the server's value, not the bootstrap's.
    assertThat(b.client.getIntegerValue("search-results-per-page", 0)).isEqualTo(50);
    assertThat(b.client.getProviderState()).isEqualTo(ProviderState.READY);
  }

  @Test
  void configurationChange_emitsFlagsChanged_andNewValueServes() throws Exception {
    String v1 = AssayProviderTest.examplePayload();
    FakeConfigServer server = serve(v1);
    AssayClient assay = polling(server.url()).build();
    cleanup.add(assay);
    Bound b = new Bound();
    b.set(AssayProvider.builder().assayClient(assay).statusCheckInterval(Duration.ofMillis(20)).build());
    assertThat(b.client.getIntegerValue("search-results-per-page", 0)).isEqualTo(20);

    server.payload(v1.replace("\"defaultValue\": 20", "\"defaultValue\": 25"));
    EventDetails changed = b.await(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED);

    assertThat(changed.getFlagsChanged()).containsExactly("search-results-per-page");
    assertThat(b.client.getIntegerValue("search-results-per-page", 0)).isEqualTo(25);
  }

  @Test
  void serverFailsThenRecovers_emitsStaleThenReady() throws Exception {
    FakeConfigServer server = serve(AssayProviderTest.examplePayload());
    AssayClient assay = polling(server.url()).build();
    cleanup.add(assay);
    Bound b = new Bound();
    b.set(AssayProvider.builder().assayClient(assay).statusCheckInterval(Duration.ofMillis(20)).build());
    b.await(ProviderEvent.PROVIDER_READY);

    server.failing(true);
    EventDetails stale = b.await(ProviderEvent.PROVIDER_STALE);
    assertThat(stale.getMessage()).contains("500");
    // Still serving the last server configuration.
    assertThat(b.client.getIntegerValue("search-results-per-page", 0)).isEqualTo(20);

    server.failing(false);
    b.await(ProviderEvent.PROVIDER_READY);
    assertThat(b.client.getProviderState()).isEqualTo(ProviderState.READY);
  }

  @Test
  void serverHoldsTheFirstRequest_initializeReturnsAfterReadyTimeout_notReadyUntilThePayloadArrives()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HttpServer held = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    held.createContext("/api/features/key", exchange -> {
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] body = AssayProviderTest.examplePayload().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    held.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    held.start();
    cleanup.add(release::countDown);
    cleanup.add(() -> held.stop(0));
    Bound b = new Bound();
    b.set(AssayProvider.builder()
        .assayClient(AssayClient.builder("http://127.0.0.1:" + held.getAddress().getPort(), "key")
            .initialTimeout(Duration.ofSeconds(60)).pollInterval(Duration.ofHours(1)))
        .readyTimeout(Duration.ofMillis(200))
        .build());

    // initialize gave up waiting (the server still holds the request): nothing to evaluate yet.
    FlagEvaluationDetails<Integer> before = b.client.getIntegerDetails("search-results-per-page", 0);
    assertThat(before.getValue()).isZero();
    assertThat(before.getErrorCode()).isEqualTo(ErrorCode.PROVIDER_NOT_READY);

    release.countDown();
    b.await(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED);
    assertThat(b.client.getIntegerValue("search-results-per-page", 0)).isEqualTo(20);
  }

  @Test
  void readyTimeout_negative_isRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> AssayProvider.builder().readyTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("readyTimeout");
  }

  @Test
  void shutdown_closesOnlyAnOwnedClient() throws Exception {
    AssayClient kept = AssayClient.builder(FakeConfigServer.deadUrl(), "key").sync(false).build();
    AssayProvider borrowing = AssayProvider.of(kept);
    borrowing.initialize(new ImmutableContext());
    borrowing.shutdown();
    assertThat(kept.status().state()).isNotEqualTo(ClientStatus.State.CLOSED);

    AssayClient owned = AssayClient.builder(FakeConfigServer.deadUrl(), "key").sync(false).build();
    AssayProvider owning = AssayProvider.builder().assayClient(owned).ownsClient(true).build();
    owning.initialize(new ImmutableContext());
    owning.shutdown();
    assertThat(owned.status().state()).isEqualTo(ClientStatus.State.CLOSED);
  }
}
