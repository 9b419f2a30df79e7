package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Circuit breakers over a real embedded store and the real halt and kill paths, fed simulated
 * traffic on a simulated clock: an A/A hour never trips, a regression trips within seconds, an
 * absolute budget trips, two evaluators sharing the store decide once.
 */
class CircuitBreakersTest {
  private static final String P = ConfigService.DEFAULT_PROJECT;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A clock the test moves. */
  static final class SimClock extends Clock {
    final AtomicLong millis = new AtomicLong(Instant.parse("2026-06-01T00:00:00Z").toEpochMilli());

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }
  }

  private final SimClock clock = new SimClock();
  private JdbcConfigStore store;
  private AuditLog audit;
  private ConfigService config;

  @BeforeEach
  void open() throws Exception {
    Path dir = Files.createTempDirectory("assay-breakers-test-");
    store = JdbcConfigStore.embedded(dir);
    AuditKey key = AuditKey.load(Optional.empty(), dir);
    audit = new AuditLog(clock, key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key));
    config = new ConfigService(store, audit, clock, new SecureRandom());
    config.ensureDefaultProject();
    config.create(Kind.METRIC, P, JSON.readTree("{\"key\":\"purchase\",\"type\":\"mean\",\"event\":\"purchase\"}"),
        "test");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void runningExperiment(String key) throws Exception {
    config.create(Kind.EXPERIMENT, P, JSON.readTree("""
        {"key":"%s","variants":[{"key":"control","weight":0.5,"value":"a"},{"key":"treatment","weight":0.5,"value":"b"}],
         "metrics":{"primary":"purchase"}}""".formatted(key)), "test");
    config.transition(P, key, ConfigService.Action.START, JSON.createObjectNode(), "test");
  }

  private static BreakerConfig breaker(BreakerConfig.Target target, String key, Double errorMargin, Double p99Margin,
      Double maxError, Double maxP99) {
    return new BreakerConfig(target, key, opt(errorMargin), opt(p99Margin), opt(maxError), opt(maxP99), 0.05, 200, 10,
        3600);
  }

  private static OptionalDouble opt(Double d) {
    return d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
  }

  /** Traffic of one simulated second: per variation, requests with an error rate and a lognormal latency. */
  private static void second(CircuitBreakers b, SimClock clock, BreakerConfig.Target target, String key, Random rnd,
      int perVariation, double[] errorRate, double[] medianMs) {
    long start = clock.millis();
    int total = perVariation * errorRate.length;
    for (int i = 0; i < total; i++) {
      clock.millis.set(start + (long) i * 1000 / total);
      int v = i % errorRate.length;
      b.latency(P, target, key, v, medianMs[v] * Math.exp(0.5 * rnd.nextGaussian()));
      if (rnd.nextDouble() < errorRate[v]) {
        b.error(P, target, key, v);
      }
    }
    clock.millis.set(start + 1000);
  }

  private ExperimentStatus status(String key) {
    return config.experiment(P, key).value().status();
  }

  private static double trips(SimpleMeterRegistry meters) {
    return meters.find("assay.breaker.trips").counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Test
  void aaStream_oneSimulatedHour_neverTrips() throws Exception {
    runningExperiment("aa");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    CircuitBreakers b = new CircuitBreakers(store, config, audit, meters, clock, Alerts.NONE);
    b.put(P, breaker(BreakerConfig.Target.EXPERIMENT, "aa", 0.0, 0.0, 0.05, 2000.0), "test");
    Random rnd = new Random(17);
    for (int s = 0; s < 3600; s++) {
      second(b, clock, BreakerConfig.Target.EXPERIMENT, "aa", rnd, 500, new double[] {0.01, 0.01},
          new double[] {100, 100});
    }
    assertThat(trips(meters)).isZero();
    assertThat(b.get(P, BreakerConfig.Target.EXPERIMENT, "aa").trip()).isEmpty();
    assertThat(status("aa")).isEqualTo(ExperimentStatus.RUNNING);
  }

  @Test
  void errorRegression_tripsWithinSeconds_haltsToControl() throws Exception {
    runningExperiment("checkout");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<String> raised = new java.util.concurrent.CopyOnWriteArrayList<>();
    CircuitBreakers b = new CircuitBreakers(store, config, audit, meters, clock,
        (project, type, summary, payload) -> raised.add(type.wire() + " " + payload.path("key").asText()));
    b.put(P, breaker(BreakerConfig.Target.EXPERIMENT, "checkout", 0.01, null, null, null), "test");
    Random rnd = new Random(3);
    for (int s = 0; s < 60; s++) {
      second(b, clock, BreakerConfig.Target.EXPERIMENT, "checkout", rnd, 1000, new double[] {0.01, 0.01},
          new double[] {100, 100});
    }
    assertThat(status("checkout")).isEqualTo(ExperimentStatus.RUNNING);
    long breach = clock.millis();
    int seconds = 0;
    while (status("checkout") == ExperimentStatus.RUNNING && seconds < 30) {
      second(b, clock, BreakerConfig.Target.EXPERIMENT, "checkout", rnd, 1000, new double[] {0.01, 0.05},
          new double[] {100, 100});
      seconds++;
    }
    Experiment halted = config.experiment(P, "checkout").value();
    assertThat(halted.status()).isEqualTo(ExperimentStatus.STOPPED);
    assertThat(halted.halted().orElseThrow().reason()).contains("circuit breaker", "error rate");
    assertThat(halted.halted().orElseThrow().by()).isEqualTo(CircuitBreakers.ACTOR);
    CircuitBreakers.Trip trip = b.get(P, BreakerConfig.Target.EXPERIMENT, "checkout").trip().orElseThrow();
    long breachToTrip = Instant.parse(trip.at()).toEpochMilli() - breach;
    assertThat(breachToTrip).as("simulated ms from the first bad event to the trip").isLessThanOrEqualTo(5000);
    assertThat(trips(meters)).isEqualTo(1);
    assertThat(raised).containsExactly(AlertType.BREAKER_TRIPPED.wire() + " checkout");
  }

  @Test
  void latencyBudget_tripsFlag_killedToDefault() throws Exception {
    config.create(Kind.FLAG, P, JSON.readTree("""
        {"key":"new-search","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"value":true}]}}}"""), "test");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    CircuitBreakers b = new CircuitBreakers(store, config, audit, meters, clock, Alerts.NONE);
    b.put(P, breaker(BreakerConfig.Target.FLAG, "new-search", null, null, null, 300.0), "test");
    Random rnd = new Random(5);
    for (int s = 0; s < 20 && config.get(Kind.FLAG, P, "new-search").path("killed").path("reason").asText().isEmpty(); s++) {
      second(b, clock, BreakerConfig.Target.FLAG, "new-search", rnd, 500, new double[] {0.0, 0.0},
          new double[] {80, 400});
    }
    assertThat(config.get(Kind.FLAG, P, "new-search").path("killed").path("reason").asText())
        .contains("circuit breaker", "p99 latency", "budget 300");
    assertThat(trips(meters)).isEqualTo(1);
  }

  @Test
  void latencyRegression_beyondMargin_trips_withinMargin_doesNot() throws Exception {
    runningExperiment("fast");
    runningExperiment("slow");
    CircuitBreakers b = new CircuitBreakers(store, config, audit, new SimpleMeterRegistry(), clock, Alerts.NONE);
    b.put(P, breaker(BreakerConfig.Target.EXPERIMENT, "fast", null, 0.5, null, null), "test");
    b.put(P, breaker(BreakerConfig.Target.EXPERIMENT, "slow", null, 0.5, null, null), "test");
    Random rnd = new Random(11);
    for (int s = 0; s < 60; s++) {
      second(b, clock, BreakerConfig.Target.EXPERIMENT, "fast", rnd, 500, new double[] {0, 0}, new double[] {100, 110});
      second(b, clock, BreakerConfig.Target.EXPERIMENT, "slow", rnd, 500, new double[] {0, 0}, new double[] {100, 200});
    }
    assertThat(status("fast")).as("10% slower is within a 50% margin").isEqualTo(ExperimentStatus.RUNNING);
    assertThat(status("slow")).as("twice as slow is beyond it").isEqualTo(ExperimentStatus.STOPPED);
  }

  @Test
  void twoEvaluatorsSharingTheStore_tripOnce() throws Exception {
    runningExperiment("shared");
    SimpleMeterRegistry m1 = new SimpleMeterRegistry();
    SimpleMeterRegistry m2 = new SimpleMeterRegistry();
    CircuitBreakers one = new CircuitBreakers(store, config, audit, m1, clock, Alerts.NONE);
    one.put(P, breaker(BreakerConfig.Target.EXPERIMENT, "shared", 0.01, null, null, null), "test");
    CircuitBreakers two = new CircuitBreakers(store, config, audit, m2, clock, Alerts.NONE); // arms from the store
    Random rnd = new Random(23);
    for (int s = 0; s < 30 && status("shared") == ExperimentStatus.RUNNING; s++) {
      long start = clock.millis();
      for (int i = 0; i < 2000; i++) {
        clock.millis.set(start + i / 2);
        int v = i % 2;
        CircuitBreakers replica = (i / 2) % 2 == 0 ? one : two; // each sees every signal, as with a shared stream
        for (CircuitBreakers r : List.of(replica, replica == one ? two : one)) {
          r.latency(P, BreakerConfig.Target.EXPERIMENT, "shared", v, 100);
          if (rnd.nextDouble() < (v == 0 ? 0.01 : 0.2)) {
            r.error(P, BreakerConfig.Target.EXPERIMENT, "shared", v);
          }
        }
      }
      clock.millis.set(start + 1000);
    }
    assertThat(status("shared")).isEqualTo(ExperimentStatus.STOPPED);
    assertThat(trips(m1) + trips(m2)).as("one replica trips").isEqualTo(1);
    long tripEntries = store.read(tx -> tx.audit(AuditQuery.all())).stream()
        .filter(e -> e.action().equals("trip") || e.action().equals("halt")).count();
    assertThat(tripEntries).as("one trip and one halt in the audit log").isEqualTo(2);
  }

  @Test
  void badConfig_namesTheField() {
    assertThatThrownBy(() -> breaker(BreakerConfig.Target.EXPERIMENT, "x", null, null, null, null))
        .isInstanceOf(DomainException.class).hasMessageContaining("errorRateMargin");
    assertThatThrownBy(() -> breaker(BreakerConfig.Target.EXPERIMENT, "x", 1.5, null, null, null))
        .hasMessageStartingWith("errorRateMargin:");
    assertThatThrownBy(() -> new BreakerConfig(BreakerConfig.Target.FLAG, "x", OptionalDouble.of(0.01),
        OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), 0.05, 200, 7, 3600))
        .hasMessageStartingWith("windowSeconds:");
  }

  @Test
  void breakerOnMissingTarget_notFound() {
    CircuitBreakers b = new CircuitBreakers(store, config, audit, new SimpleMeterRegistry(), clock, Alerts.NONE);
    assertThatThrownBy(() -> b.put(P, breaker(BreakerConfig.Target.FLAG, "ghost", 0.01, null, null, null), "test"))
        .isInstanceOf(DomainException.class).hasMessageContaining("ghost");
  }
}
