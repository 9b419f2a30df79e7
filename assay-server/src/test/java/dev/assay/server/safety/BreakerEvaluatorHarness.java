package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The evaluator alone (opt-in, figures in docs/performance.md): how many signals per second
 * {@link CircuitBreakers} records and judges on the real clock, from {@code assay.harness.threads}
 * threads (default 2), without HTTP or parsing. Run with {@code -Dtest=BreakerEvaluatorHarness
 * -Dassay.harness=breakers}.
 */
@EnabledIfSystemProperty(named = "assay.harness", matches = "breakers")
class BreakerEvaluatorHarness {
  @Test
  void signalsPerSecond() throws Exception {
    Path dir = Files.createTempDirectory("assay-breaker-harness-");
    try (JdbcConfigStore store = JdbcConfigStore.embedded(dir)) {
      AuditKey key = AuditKey.load(Optional.empty(), dir);
      AuditLog audit = new AuditLog(Clock.systemUTC(), key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key));
      ConfigService config = new ConfigService(store, audit, Clock.systemUTC(), new SecureRandom());
      config.ensureDefaultProject();
      ObjectMapper json = new ObjectMapper();
      config.create(Kind.FLAG, "default", json.readTree("{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}"),
          "harness");
      CircuitBreakers b = new CircuitBreakers(store, config, audit, new SimpleMeterRegistry(), Clock.systemUTC(),
          dev.assay.server.alerts.Alerts.NONE);
      b.put("default", new BreakerConfig(BreakerConfig.Target.FLAG, "f", OptionalDouble.of(0.02),
          OptionalDouble.of(0.2), OptionalDouble.empty(), OptionalDouble.empty(), 0.05, 200, 10, 3600), "harness");
      int threads = Integer.getInteger("assay.harness.threads", 2);
      int perThread = 20_000_000;
      for (int round = 0; round < 2; round++) { // the first round warms up
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          ts.add(Thread.ofPlatform().start(() -> {
            java.util.SplittableRandom r = new java.util.SplittableRandom();
            for (int i = 0; i < perThread; i++) {
              int v = i & 1;
              b.latency("default", BreakerConfig.Target.FLAG, "f", v, 50 + r.nextInt(100));
              if ((i & 127) == 0) {
                b.error("default", BreakerConfig.Target.FLAG, "f", v);
              }
            }
          }));
        }
        for (Thread t : ts) {
          t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("breaker evaluator: round %d, %d threads, %.1f M signals/s (%.0f ns each)%n", round, threads,
            threads * (double) perThread / seconds / 1e6, seconds * 1e9 / perThread);
      }
      assertThat(b.get("default", BreakerConfig.Target.FLAG, "f").trip()).as("A/A traffic").isEmpty();
    }
  }
}
