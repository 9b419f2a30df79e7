package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A crash between a breaker's trip and its halt or kill, simulated on a real embedded store: the
 * trip is recorded (unapplied) and the target left running; a new CircuitBreakers (a restart)
 * finishes it once, and leaves alone targets a person restored after an applied trip.
 */
class BreakerRecoveryTest {
  private static final String P = ConfigService.DEFAULT_PROJECT;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CircuitBreakersTest.SimClock clock = new CircuitBreakersTest.SimClock();
  private final List<String> raised = new CopyOnWriteArrayList<>();
  private final Alerts alerts = new Alerts() {
    @Override
    public void emit(String project, dev.assay.server.alerts.AlertType type, String summary, ObjectNode payload) {
      raised.add(type.wire() + " " + payload.path("key").asText());
    }

    @Override
    public void emitOnce(String project, dev.assay.server.alerts.AlertType type, String onceKey, String summary,
        ObjectNode payload) {
      if (raised.stream().noneMatch(r -> r.endsWith(" once:" + onceKey))) {
        raised.add(type.wire() + " " + payload.path("key").asText() + " once:" + onceKey);
      }
    }
  };
  private JdbcConfigStore store;
  private AuditLog audit;
  private ConfigService config;

  @BeforeEach
  void open() throws Exception {
    Path dir = Files.createTempDirectory("assay-breaker-recovery-test-");
    store = JdbcConfigStore.embedded(dir);
    AuditKey key = AuditKey.load(Optional.empty(), dir);
    audit = new AuditLog(clock, key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key));
    config = new ConfigService(store, audit, clock, new SecureRandom());
    config.ensureDefaultProject();
    config.create(Kind.EXPERIMENT, P, JSON.readTree("""
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"a"},{"key":"treatment","weight":0.5,"value":"b"}]}"""),
        "test");
    config.transition(P, "checkout", ConfigService.Action.START, JSON.createObjectNode(), "test");
    config.create(Kind.FLAG, P, JSON.readTree("""
        {"key":"search","type":"boolean","defaultValue":false,"environments":{"production":{"rules":[{"value":true}]}}}"""),
        "test");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private CircuitBreakers breakers() {
    return new CircuitBreakers(store, config, audit, new SimpleMeterRegistry(), clock, alerts);
  }

  private static BreakerConfig config(BreakerConfig.Target target, String key) {
    return new BreakerConfig(target, key, OptionalDouble.of(0.01), OptionalDouble.empty(), OptionalDouble.empty(),
        OptionalDouble.empty(), 0.05, 200, 10, 3600);
  }

  /* What the winning replica wrote before it died: the trip, not yet applied, and nothing else. */
  private void recordUnappliedTrip(BreakerConfig.Target target, String key) throws Exception {
    String storeKey = target.wire() + ":" + key;
    store.write(tx -> {
      StoredEntity e = tx.get(Kind.BREAKER, P, storeKey).orElseThrow();
      ObjectNode body;
      try {
        body = (ObjectNode) JSON.readTree(e.body());
      } catch (java.io.IOException x) {
        throw new IllegalStateException(x);
      }
      body.putObject("tripped").put("at", clock.instant().toString()).put("reason", "circuit breaker: simulated")
          .put("replica", "crashed").put("applied", false);
      return tx.update(Kind.BREAKER, P, storeKey, e.version(), body.toString());
    });
  }

  private boolean flagKilled() {
    return config.configuration(P).flags().stream().filter(f -> f.value().key().equals("search")).findFirst()
        .orElseThrow().value().killed().isPresent();
  }

  @Test
  void tripRecordedButNotApplied_isAppliedOnRecovery_once() throws Exception {
    CircuitBreakers before = breakers();
    before.put(P, config(BreakerConfig.Target.EXPERIMENT, "checkout"), "test");
    before.put(P, config(BreakerConfig.Target.FLAG, "search"), "test");
    recordUnappliedTrip(BreakerConfig.Target.EXPERIMENT, "checkout");
    recordUnappliedTrip(BreakerConfig.Target.FLAG, "search");
    assertThat(config.experiment(P, "checkout").value().status()).isEqualTo(ExperimentStatus.RUNNING);
    assertThat(flagKilled()).isFalse();

    CircuitBreakers restarted = breakers();
    assertThat(restarted.recoverTrips(BreakerRecovery.GRACE)).as("younger than the grace: may still be applying")
        .isZero();
    clock.millis.addAndGet(Duration.ofSeconds(6).toMillis());
    assertThat(restarted.recoverTrips(BreakerRecovery.GRACE)).isEqualTo(2);

    Experiment halted = config.experiment(P, "checkout").value();
    assertThat(halted.status()).isEqualTo(ExperimentStatus.STOPPED);
    assertThat(halted.halted().orElseThrow().reason()).isEqualTo("circuit breaker: simulated");
    assertThat(halted.halted().orElseThrow().by()).isEqualTo(CircuitBreakers.ACTOR);
    assertThat(flagKilled()).isTrue();
    assertThat(restarted.get(P, BreakerConfig.Target.FLAG, "search").trip().orElseThrow().isApplied()).isTrue();
    assertThat(raised).hasSize(2).allMatch(r -> r.startsWith("breaker.tripped "));

    assertThat(restarted.recoverTrips(BreakerRecovery.GRACE)).as("idempotent: nothing left").isZero();
    assertThat(raised).hasSize(2);
  }

  @Test
  void appliedTrip_targetRestoredByAPerson_isNotKilledAgain() throws Exception {
    CircuitBreakers b = breakers();
    b.put(P, config(BreakerConfig.Target.FLAG, "search"), "test");
    recordUnappliedTrip(BreakerConfig.Target.FLAG, "search");
    clock.millis.addAndGet(Duration.ofSeconds(6).toMillis());
    assertThat(b.recoverTrips(BreakerRecovery.GRACE)).isEqualTo(1);
    config.setKilled(Kind.FLAG, P, "search", false, "", "a person");
    assertThat(b.recoverTrips(BreakerRecovery.GRACE)).isZero();
    assertThat(breakers().recoverTrips(BreakerRecovery.GRACE)).isZero();
    assertThat(flagKilled()).isFalse();
    assertThat(Instant.parse(b.get(P, BreakerConfig.Target.FLAG, "search").trip().orElseThrow().at())).isNotNull();
  }
}
