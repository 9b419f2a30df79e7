package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler over a real embedded store, driven by a simulated clock (the rounds are called
 * directly; the scheduler threads' tick is an hour so they stay out of the way): a change is not
 * run before its instant, runs once even when two schedulers on one store race for it, and an
 * illegal transition at run time is a failed outcome that is not retried.
 */
class ScheduledChangesTest {
  private static final String P = ConfigService.DEFAULT_PROJECT;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CircuitBreakersTest.SimClock clock = new CircuitBreakersTest.SimClock();
  private JdbcConfigStore store;
  private AuditLog audit;
  private ConfigService config;

  @BeforeEach
  void open() throws Exception {
    Path dir = Files.createTempDirectory("assay-schedules-test-");
    store = JdbcConfigStore.embedded(dir);
    AuditKey key = AuditKey.load(Optional.empty(), dir);
    audit = new AuditLog(clock, key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key));
    config = new ConfigService(store, audit, clock, new SecureRandom());
    config.ensureDefaultProject();
    config.create(Kind.METRIC, P, JSON.readTree("{\"key\":\"purchase\",\"type\":\"mean\",\"event\":\"purchase\"}"),
        "test");
    config.create(Kind.EXPERIMENT, P, JSON.readTree("""
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"a"},{"key":"treatment","weight":0.5,"value":"b"}],
         "metrics":{"primary":"purchase"}}"""), "test");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private ScheduledChanges scheduler() {
    return new ScheduledChanges(store, config, audit, new Rollouts(store, config, audit, clock,
        dev.assay.server.alerts.Alerts.NONE), clock, Duration.ofHours(1));
  }

  private String status(ScheduledChanges s, String id) {
    return s.list(P).stream().filter(e -> e.schedule().id().equals(id)).findFirst().orElseThrow().schedule().status();
  }

  @Test
  void notBeforeAt_thenOnceAcrossTwoRacingSchedulers() throws Exception {
    try (ScheduledChanges a = scheduler(); ScheduledChanges b = scheduler()) {
      String at = clock.instant().plusSeconds(3600).toString();
      String id = a.schedule(P, BreakerConfig.Target.EXPERIMENT, "checkout", "start", at, "launch", Optional.empty(),
          "alice").schedule().id();
      a.runOnce();
      assertThat(status(a, id)).isEqualTo("pending");
      assertThat(config.experiment(P, "checkout").value().status()).isEqualTo(ExperimentStatus.DRAFT);

      clock.millis.addAndGet(3_600_000);
      CountDownLatch go = new CountDownLatch(1);
      Thread other = Thread.ofPlatform().start(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        b.runOnce();
      });
      go.countDown();
      a.runOnce();
      other.join();

      assertThat(status(b, id)).isEqualTo("done");
      assertThat(config.experiment(P, "checkout").value().status()).isEqualTo(ExperimentStatus.RUNNING);
      long starts = store.read(tx -> tx.audit(AuditQuery.all())).stream()
          .filter(e -> e.kind().equals(Kind.EXPERIMENT.name()) && e.actor().equals("schedule " + id + " by alice"))
          .count();
      assertThat(starts).as("one audited transition by the schedule").isEqualTo(1);
      long runs = store.read(tx -> tx.audit(AuditQuery.all())).stream()
          .filter(e -> e.kind().equals(Kind.SCHEDULE.name()) && e.action().equals("run")).count();
      assertThat(runs).as("one recorded run").isEqualTo(1);
    }
  }

  @Test
  void illegalTransitionAtRunTime_failedNotRetried() throws Exception {
    try (ScheduledChanges s = scheduler()) {
      String id = s.schedule(P, BreakerConfig.Target.EXPERIMENT, "checkout", "pause",
          clock.instant().plusSeconds(60).toString(), "", Optional.empty(), "bob").schedule().id();
      clock.millis.addAndGet(61_000);
      s.runOnce();
      ScheduledChanges.Schedule failed = s.list(P).getFirst().schedule();
      assertThat(failed.status()).isEqualTo("failed");
      assertThat(failed.outcome()).contains("pause");
      long version = s.list(P).getFirst().version();
      s.runOnce();
      assertThat(s.list(P).getFirst().version()).as("not run again").isEqualTo(version);
      assertThat(status(s, id)).isEqualTo("failed");
      assertThat(config.experiment(P, "checkout").value().status()).isEqualTo(ExperimentStatus.DRAFT);
    }
  }
}
