package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AssayClient} when the server cannot be reached: it must start at once and serve, in
 * order, the cache, the bootstrap, or code defaults, and say which in its status.
 */
class AssayClientOfflineTest {

  private static final String BOOTSTRAP =
      "{\"features\":{\"banner\":{\"defaultValue\":\"bootstrap\"}}}";
  private static final String CACHED = "{\"features\":{\"banner\":{\"defaultValue\":\"cached\"}}}";

  /** A URL on which nothing listens (the port was free a moment ago). */
  private static String deadServer() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return "http://127.0.0.1:" + s.getLocalPort();
    }
  }

  private static AssayClient.Builder offline() throws IOException {
    return AssayClient.builder(deadServer(), "sdk-test")
        .initialTimeout(Duration.ofMillis(500))
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200))
        .pollInterval(Duration.ofMillis(100));
  }

  @Test
  void build_serverDownNoBootstrap_servesCodeDefaultsAndSaysSo() throws Exception {
    try (AssayClient client = offline().build()) {
      Attributes user = Attributes.of("id", "u1");
      assertThat(client.awaitReady(Duration.ofSeconds(30))).as("nothing to serve").isFalse();

      assertThat(client.features().getString("banner", user, "code-default")).isEqualTo("code-default");
      assertThat(client.status().state()).isEqualTo(ClientStatus.State.DEFAULTS);
      assertThat(client.status().source()).isEqualTo(ClientStatus.Source.NONE);
      assertThat(client.status().error()).get().asString().contains("cannot reach");
      assertThat(client.features().getStringDetails("banner", user, "code-default").reason())
          .isEqualTo(TypedValue.Reason.NOT_READY);
    }
  }

  @Test
  void build_serverDownWithBootstrap_servesBootstrapAsStale() throws Exception {
    try (AssayClient client = offline().bootstrap(BOOTSTRAP).build()) {
      assertThat(client.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThat(client.features().getString("banner", Attributes.empty(), "x")).isEqualTo("bootstrap");
      assertThat(client.status().state()).isEqualTo(ClientStatus.State.STALE);
      assertThat(client.status().source()).isEqualTo(ClientStatus.Source.BOOTSTRAP);
      assertThat(client.refresh()).isFalse();
    }
  }

  @Test
  void build_cacheFilePresent_preferredOverBootstrap(@TempDir Path dir) throws Exception {
    Path cache = dir.resolve("assay.json");
    Files.writeString(cache, CACHED);

    try (AssayClient client = offline().bootstrap(BOOTSTRAP).cacheFile(cache).build()) {
      assertThat(client.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThat(client.features().getString("banner", Attributes.empty(), "x")).isEqualTo("cached");
      assertThat(client.status().source()).isEqualTo(ClientStatus.Source.CACHE);
    }
  }

  @Test
  void build_corruptCacheFile_fallsBackToBootstrap(@TempDir Path dir) throws Exception {
    Path cache = dir.resolve("assay.json");
    Files.writeString(cache, "{\"features\": [1,2]");

    try (AssayClient client = offline().bootstrap(BOOTSTRAP).cacheFile(cache).build()) {
      assertThat(client.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThat(client.features().getString("banner", Attributes.empty(), "x")).isEqualTo("bootstrap");
      assertThat(client.status().source()).isEqualTo(ClientStatus.Source.BOOTSTRAP);
    }
  }

  @Test
  void close_stopsSyncAndKeepsServing() throws Exception {
    AssayClient client = offline().bootstrap(BOOTSTRAP).build();
    client.close();
    client.close();

    assertThat(client.status().state()).isEqualTo(ClientStatus.State.CLOSED);
    assertThat(client.features().getString("banner", Attributes.empty(), "x")).isEqualTo("bootstrap");
  }

  @Test
  void builder_badArguments_clearErrors() {
    assertThatThrownBy(() -> AssayClient.builder("ftp://x", "k")).hasMessageContaining("http");
    assertThatThrownBy(() -> AssayClient.builder("http://x", " ")).hasMessageContaining("clientKey");
    assertThatThrownBy(() -> AssayClient.builder("http://x", "k").pollInterval(Duration.ZERO))
        .hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> offline().bootstrap("{\"features\":5}").build())
        .isInstanceOf(PayloadException.class);
  }

  @Test
  void changedFeatures_reportsAddedRemovedAndChangedOnly() {
    String before = "{\"features\":{\"a\":{\"defaultValue\":1},\"b\":{\"defaultValue\":2},\"c\":{}}}";
    String after = "{\"features\":{\"a\":{\"defaultValue\":1},\"b\":{\"defaultValue\":3},\"d\":{}}}";

    assertThat(PayloadDiff.changedFeatures(before, after, Set.of("a", "b", "c"), Set.of("a", "b", "d")))
        .containsExactlyInAnyOrder("b", "c", "d");
  }

  @Test
  void backoff_doublesWithJitterUpToTheCap() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
    long[] ceilings = {100, 200, 400, 800, 1000, 1000};
    for (long ceiling : ceilings) {
      long d = b.next().toMillis();
      assertThat(d).isBetween(ceiling / 2, ceiling);
    }
    b.reset();
    assertThat(b.ceilingMillis()).isEqualTo(100);
  }
}
