package dev.assay.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.testsupport.TestPostgres;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Scheduled jobs run on one replica at a time (PostgreSQL advisory locks). */
class PostgresJobLockTest {

  @Test
  void runExclusive_whileAnotherReplicaRunsTheJob_skips() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (ConfigStore a = JdbcConfigStore.open(TestPostgres.url(), schema);
        ConfigStore b = JdbcConfigStore.open(TestPostgres.url(), schema)) {
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread t = new Thread(() -> a.runExclusive("job-" + schema, () -> {
        holding.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
      t.start();
      assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
      AtomicBoolean ranB = new AtomicBoolean();

      boolean whileHeld = b.runExclusive("job-" + schema, () -> ranB.set(true));
      release.countDown();
      t.join(10_000);
      boolean afterwards = b.runExclusive("job-" + schema, () -> ranB.set(true));

      assertThat(whileHeld).isFalse();
      assertThat(afterwards).isTrue();
      assertThat(ranB).isTrue();
      assertThat(b.runExclusive("another-job-" + schema, () -> { })).isTrue();
    }
  }
}
