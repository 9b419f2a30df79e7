package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many clients writing through the HTTP API at once, on the embedded H2 store and on PostgreSQL:
 * optimistic concurrency loses no update, a stale version always gets 409 and changes nothing,
 * validations that span entities hold under races, and the audit chain stays intact.
 */
class ConcurrentWritersTest {
  private static final int THREADS = 12;

  static Stream<Arguments> stores() {
    return Stream.of(
        Arguments.of("H2", (Supplier<TestServer>) TestServer::new),
        Arguments.of("PostgreSQL", (Supplier<TestServer>) TestServer::postgres));
  }

  /** Runs {@code task(i)} on THREADS threads released together; returns their results. */
  private static <T> List<T> race(java.util.function.IntFunction<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        int n = i;
        futures.add(pool.submit((Callable<T>) () -> {
          go.await();
          return task.apply(n);
        }));
      }
      go.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void readModifyWrite_fromManyThreads_losesNoUpdateAndConflictsAreClean(String store, Supplier<TestServer> open)
      throws Exception {
    int increments = 6;
    try (TestServer t = open.get()) {
      assertThat(t.admin("POST", "/api/v1/flags", "{\"key\":\"counter\",\"type\":\"number\",\"defaultValue\":0}")
          .status()).isEqualTo(201);

      List<List<String>> unexpected = race(i -> {
        List<String> odd = new ArrayList<>();
        for (int k = 0; k < increments; k++) {
          while (true) {
            JsonNode seen = t.admin("GET", "/api/v1/flags/counter", null).json();
            long version = seen.get("version").asLong();
            long value = seen.get("defaultValue").asLong();
            TestServer.Response r = t.admin("PUT", "/api/v1/flags/counter",
                "{\"version\":" + version + ",\"type\":\"number\",\"defaultValue\":" + (value + 1) + "}");
            if (r.status() == 200) {
              break;
            }
            if (r.status() != 409 || !r.json().at("/error/code").asText().equals("version_conflict")) {
              odd.add(r.status() + " " + r.body());
              break;
            }
          }
        }
        return odd;
      });

      assertThat(unexpected).allSatisfy(o -> assertThat(o).isEmpty());
      JsonNode flag = t.admin("GET", "/api/v1/flags/counter", null).json();
      assertThat(flag.get("defaultValue").asLong()).isEqualTo(THREADS * increments);
      assertThat(flag.get("version").asLong()).isEqualTo(1L + THREADS * increments);
      JsonNode updates = t.admin("GET", "/api/v1/audit?kind=flag&key=counter&limit=1000", null).json().get("items");
      assertThat(updates.size()).isEqualTo(1 + THREADS * increments);
      JsonNode verify = t.admin("GET", "/api/v1/audit/verify", null).json();
      assertThat(verify.get("intact").asBoolean()).as(verify.toString()).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void sameKeyCreatedByManyThreads_exactlyOneWins(String store, Supplier<TestServer> open) throws Exception {
    try (TestServer t = open.get()) {
      List<TestServer.Response> answers = race(i -> t.admin("POST", "/api/v1/segments",
          "{\"key\":\"vip\",\"name\":\"writer " + i + "\",\"condition\":{\"tier\":\"vip\"}}"));

      assertThat(answers).filteredOn(r -> r.status() == 201).hasSize(1);
      assertThat(answers).filteredOn(r -> r.status() != 201).allSatisfy(r -> {
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().at("/error/code").asText()).isEqualTo("already_exists");
      });
      String winner = answers.stream().filter(r -> r.status() == 201).findFirst().orElseThrow().json().get("name").asText();
      assertThat(t.admin("GET", "/api/v1/segments/vip", null).json().get("name").asText()).isEqualTo(winner);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void overlappingLayerRanges_startedAtOnce_onlyOneRuns(String store, Supplier<TestServer> open) throws Exception {
    try (TestServer t = open.get()) {
      assertThat(t.admin("POST", "/api/v1/layers", "{\"key\":\"L\"}").status()).isEqualTo(201);
      for (int i = 0; i < THREADS; i++) {
        TestServer.Response r = t.admin("POST", "/api/v1/experiments", "{\"key\":\"e" + i + "\",\"variants\":"
            + "[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}],\"layer\":\"L\","
            + "\"range\":{\"start\":" + (i * 0.01) + ",\"end\":" + (0.5 + i * 0.01) + "}}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
      }

      List<TestServer.Response> answers = race(i -> t.admin("POST", "/api/v1/experiments/e" + i + "/start", null));

      assertThat(answers).filteredOn(r -> r.status() == 200).hasSize(1);
      assertThat(answers).filteredOn(r -> r.status() != 200).allSatisfy(r -> {
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().at("/error/code").asText()).isEqualTo("layer_overlap");
      });
      long running = 0;
      for (JsonNode e : t.admin("GET", "/api/v1/experiments", null).json().get("items")) {
        running += e.get("status").asText().equals("running") ? 1 : 0;
      }
      assertThat(running).isEqualTo(1);
      assertThat(t.admin("GET", "/api/v1/audit/verify", null).json().get("intact").asBoolean()).isTrue();
    }
  }
}
