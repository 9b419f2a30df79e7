package dev.assay.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PayloadCache}: compiled once per change, never per read; ETags follow the bytes; one
 * project's change leaves other projects alone; connections come and go with their payloads; and
 * concurrent writers leave the cache on the latest committed configuration.
 */
class PayloadCacheTest {
  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  private String flag(String key, int value) {
    return "{\"key\":\"" + key + "\",\"type\":\"number\",\"defaultValue\":" + value + "}";
  }

  @Test
  void reads_returnTheCompiledBytesWithoutRebuilding() {
    String conn = h.connection("production");
    h.create(Kind.FLAG, flag("f", 1));
    CompiledPayload first = h.payload(conn);
    for (int i = 0; i < 100; i++) {
      assertThat(h.cache.get(conn).orElseThrow()).isSameAs(first);
    }
    assertThat(first.clientKey()).isEqualTo(conn);
    assertThat(first.project()).isEqualTo(ConfigService.DEFAULT_PROJECT);
    assertThat(first.environment()).isEqualTo("production");
  }

  @Test
  void etag_isStrongAndFollowsTheBytes() {
    String conn = h.connection("production");
    h.create(Kind.FLAG, flag("f", 1));
    CompiledPayload before = h.payload(conn);
    assertThat(before.etag()).matches("\"[0-9a-f]{32}\"");

    h.create(Kind.METRIC, """
        {"key":"orders","type":"count","event":"order"}""");
    assertThat(h.payload(conn).etag()).as("a metric is not in the payload").isEqualTo(before.etag());
    assertThat(h.payload(conn).json()).isEqualTo(before.json());

    h.update(Kind.FLAG, "f", "{\"type\":\"number\",\"defaultValue\":2}");
    CompiledPayload after = h.payload(conn);
    assertThat(after.etag()).isNotEqualTo(before.etag());
    assertThat(h.payloadJson(conn).at("/features/f/defaultValue").asInt()).isEqualTo(2);

    PayloadCache fresh = new PayloadCache(h.config);
    fresh.refreshAll();
    assertThat(fresh.get(conn).orElseThrow().json()).as("recompiling unchanged configuration")
        .isEqualTo(after.json());
    assertThat(fresh.get(conn).orElseThrow().etag()).isEqualTo(after.etag());
  }

  @Test
  void aConnectionTheCacheHasNotSeen_isLookedUpInTheStore() {
    String conn = h.connection("production");
    h.create(Kind.FLAG, flag("f", 7));
    // A second cache over the same store that was never told of the changes, as on another
    // replica before the change notification arrives.
    PayloadCache other = new PayloadCache(h.config);
    CompiledPayload found = other.get(conn).orElseThrow();
    assertThat(found.json()).isEqualTo(h.payload(conn).json());
    assertThat(other.get("sdk-does-not-exist")).isEmpty();
    assertThat(other.get("sdk-does-not-exist")).as("remembered as unknown").isEmpty();
  }

  private Instant dateUpdated(String conn) {
    String text = h.payloadJson(conn).path("dateUpdated").asText();
    assertThat(text).as("GrowthBook's format").matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    return Instant.parse(text);
  }

  @Test
  void dateUpdated_increasesWithEveryContentChangeIncludingDeletions() {
    String conn = h.connection("production");
    h.create(Kind.SEGMENT, "{\"key\":\"dutch\",\"condition\":{\"country\":\"NL\"}}");
    h.create(Kind.FLAG, flag("old", 1));
    h.create(Kind.FLAG, """
        {"key":"newer","type":"number","defaultValue":2,
         "environments":{"production":{"rules":[{"condition":{"id":{"$inGroup":"dutch"}},"value":3}]}}}""");
    Instant t1 = dateUpdated(conn);
    String etag1 = h.payload(conn).etag();

    // "old" is not the latest change, so the remaining entities alone would still date the payload t1.
    long version = h.config.get(Kind.FLAG, ConfigService.DEFAULT_PROJECT, "old").path("version").asLong();
    h.config.delete(Kind.FLAG, ConfigService.DEFAULT_PROJECT, "old", version, Harness.ACTOR);
    assertThat(h.payloadJson(conn).path("features").has("old")).isFalse();
    Instant t2 = dateUpdated(conn);
    assertThat(t2).as("deletion").isAfter(t1);
    assertThat(h.payload(conn).etag()).isNotEqualTo(etag1);

    h.update(Kind.SEGMENT, "dutch", "{\"condition\":{\"country\":{\"$in\":[\"NL\",\"BE\"]}}}");
    Instant t3 = dateUpdated(conn);
    assertThat(t3).as("change of an inlined segment").isAfter(t2);
    assertThat(h.sdk(conn).getLong("newer", Attributes.of("id", "u", "country", "BE"), -1)).isEqualTo(3);

    CompiledPayload before = h.payload(conn);
    h.update(Kind.FLAG, "newer", """
        {"type":"number","defaultValue":2,
         "environments":{"production":{"rules":[{"condition":{"id":{"$inGroup":"dutch"}},"value":3}]}}}""");
    assertThat(h.payload(conn).json()).as("a save without changes keeps the bytes").isSameAs(before.json());
    assertThat(h.payload(conn).etag()).isEqualTo(before.etag());
  }

  @Test
  void listeners_hearOnlyOfPayloadsWhoseBytesChanged() {
    h.create(Kind.ENVIRONMENT, "{\"key\":\"staging\"}");
    String prod = h.connection("production");
    String staging = h.connection("staging");
    List<String> heard = new CopyOnWriteArrayList<>();
    h.cache.onPayloadChange(p -> heard.add(p.clientKey()));

    h.create(Kind.METRIC, "{\"key\":\"orders\",\"type\":\"count\",\"event\":\"order\"}");
    assertThat(heard).isEmpty();

    h.create(Kind.FLAG, flag("f", 1));
    assertThat(heard).containsExactlyInAnyOrder(prod, staging);
  }

  @Test
  void connections_getAPayloadWhenCreatedAndLoseItWhenDeleted() {
    String conn = h.connection("production");
    assertThat(h.cache.get(conn)).isPresent();
    assertThat(h.payloadJson(conn).path("features").isObject()).isTrue();

    long version = h.config.get(Kind.SDK_CONNECTION, ConfigService.DEFAULT_PROJECT, conn).path("version").asLong();
    h.config.delete(Kind.SDK_CONNECTION, ConfigService.DEFAULT_PROJECT, conn, version, Harness.ACTOR);
    assertThat(h.cache.get(conn)).isEmpty();
    assertThat(h.cache.get("sdk-never-existed")).isEmpty();
  }

  @Test
  void projects_areCompiledSeparately() {
    h.create(Kind.PROJECT, "", "{\"key\":\"shop\"}");
    h.create(Kind.ENVIRONMENT, "shop", "{\"key\":\"production\"}");
    String shop = h.connection("shop", "production");
    String main = h.connection("production");
    h.create(Kind.FLAG, flag("only-default", 1));
    CompiledPayload mainBefore = h.payload(main);

    h.create(Kind.FLAG, "shop", flag("only-shop", 2));
    assertThat(h.cache.get(main).orElseThrow()).as("untouched by the other project's change").isSameAs(mainBefore);

    ExperimentClient shopSdk = h.sdk(shop);
    ExperimentClient mainSdk = h.sdk(main);
    assertThat(shopSdk.featureKeys()).containsExactly("only-shop");
    assertThat(mainSdk.featureKeys()).containsExactly("only-default");
    assertThat(h.payload(shop).project()).isEqualTo("shop");
  }

  @Test
  void attach_compilesWhatTheStoreAlreadyHolds() {
    String conn = h.connection("production");
    h.create(Kind.FLAG, flag("f", 7));
    PayloadCache restarted = new PayloadCache(h.config);
    restarted.attach();
    assertThat(restarted.get(conn).orElseThrow().json()).isEqualTo(h.payload(conn).json());

    h.update(Kind.FLAG, "f", "{\"type\":\"number\",\"defaultValue\":8}");
    assertThat(restarted.get(conn).orElseThrow().etag()).as("both caches follow changes")
        .isEqualTo(h.payload(conn).etag());
  }

  @Test
  void concurrentWriters_leaveTheCacheOnTheLatestConfiguration() throws Exception {
    String conn = h.connection("production");
    int writers = 8;
    int perWriter = 15;
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger reads = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<?>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(pool.submit(() -> {
          go.await();
          while (!done.get()) {
            CompiledPayload p = h.cache.get(conn).orElseThrow();
            JsonNode json = Harness.JSON.readTree(p.json());
            assertThat(json.path("features").isObject()).isTrue();
            assertThat(p.etag()).isEqualTo(PayloadCache.etag(p.json()));
            reads.incrementAndGet();
          }
          return null;
        }));
      }
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        futures.add(pool.submit(() -> {
          go.await();
          String key = "flag-" + writer;
          h.create(Kind.FLAG, flag(key, 0));
          for (int i = 1; i <= perWriter; i++) {
            h.update(Kind.FLAG, key, "{\"type\":\"number\",\"defaultValue\":" + i + "}");
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
      done.set(true);
      for (Future<?> f : readers) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      done.set(true);
      pool.shutdownNow();
    }

    ExperimentClient sdk = h.sdk(conn);
    for (int w = 0; w < writers; w++) {
      assertThat(sdk.getLong("flag-" + w, Attributes.of("id", "u"), -1)).as("flag-%d", w).isEqualTo(perWriter);
    }
    PayloadCache fresh = new PayloadCache(h.config);
    fresh.refreshAll();
    JsonNode cached = h.payloadJson(conn);
    JsonNode recompiled = Harness.JSON.readTree(fresh.get(conn).orElseThrow().json());
    assertThat(cached.path("features")).as("cache equals a fresh compile of the final state")
        .isEqualTo(recompiled.path("features"));
    // Commits may land out of their timestamps' order; the cache's date then moves past the latest.
    assertThat(Instant.parse(cached.path("dateUpdated").asText()))
        .isAfterOrEqualTo(Instant.parse(recompiled.path("dateUpdated").asText()));
    assertThat(reads.get()).isPositive();
  }
}
