package dev.assay.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The job-lease contract (ADR 0029) on a real store, with the clock moved by the test: each test
 * uses its own job name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JobLeasesContract {
  private static final Duration TTL = Duration.ofSeconds(30);
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private JdbcConfigStore store;
  private JobLeases leases;

  protected abstract JdbcConfigStore openFreshStore() throws Exception;

  @BeforeAll
  void open() throws Exception {
    store = openFreshStore();
    leases = store.leases(now::get);
  }

  @AfterAll
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void tryAcquire_secondHolder_refusedUntilExpiryThenTakesOver() {
    assertThat(leases.tryAcquire("refresh", "a", TTL)).isTrue();
    assertThat(leases.tryAcquire("refresh", "b", TTL)).isFalse();
    now.addAndGet(TTL.toMillis() - 1);
    assertThat(leases.tryAcquire("refresh", "b", TTL)).as("one ms before expiry").isFalse();
    assertThat(leases.tryAcquire("other-job", "b", TTL)).as("another job's lease").isTrue();

    now.addAndGet(1);
    assertThat(leases.tryAcquire("refresh", "b", TTL)).as("at expiry").isTrue();
    assertThat(leases.tryAcquire("refresh", "a", TTL)).as("the old holder lost it").isFalse();
    assertThat(leases.renew("refresh", "a", TTL)).isFalse();
  }

  @Test
  void tryAcquire_byTheHolder_extendsTheLease() {
    assertThat(leases.tryAcquire("monitor", "a", TTL)).isTrue();
    now.addAndGet(TTL.toMillis() - 1);
    assertThat(leases.tryAcquire("monitor", "a", TTL)).isTrue();
    now.addAndGet(TTL.toMillis() - 1);
    assertThat(leases.tryAcquire("monitor", "b", TTL)).as("extended from the second acquire").isFalse();
  }

  @Test
  void renew_byHolderExtends_byAnotherFails() {
    assertThat(leases.tryAcquire("retention", "a", TTL)).isTrue();
    assertThat(leases.renew("retention", "b", TTL)).isFalse();
    now.addAndGet(TTL.toMillis() - 1);
    assertThat(leases.renew("retention", "a", TTL)).isTrue();
    now.addAndGet(TTL.toMillis() - 1);
    assertThat(leases.tryAcquire("retention", "b", TTL)).as("renewed, not expired").isFalse();
    now.addAndGet(1);
    assertThat(leases.renew("retention", "a", TTL)).as("expired: renew is refused").isFalse();
    assertThat(leases.renew("never-held", "a", TTL)).isFalse();
  }

  @Test
  void release_byHolderFreesAtOnce_byAnotherDoesNothing() {
    assertThat(leases.tryAcquire("alerts", "a", TTL)).isTrue();
    leases.release("alerts", "b");
    assertThat(leases.tryAcquire("alerts", "b", TTL)).isFalse();
    leases.release("alerts", "a");
    assertThat(leases.tryAcquire("alerts", "b", TTL)).isTrue();
  }

  @Test
  void tryAcquire_concurrentHolders_exactlyOneWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Boolean>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String holder = "h" + i;
        calls.add(() -> leases.tryAcquire("race", holder, TTL));
      }
      long winners = 0;
      for (Future<Boolean> f : pool.invokeAll(calls)) {
        winners += f.get() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
