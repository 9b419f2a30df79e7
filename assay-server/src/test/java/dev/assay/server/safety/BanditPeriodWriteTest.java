package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.BanditPeriod;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A bandit period is written only at the version it was computed from, and only while running. */
class BanditPeriodWriteTest {
  private static final String P = ConfigService.DEFAULT_PROJECT;
  private static final ObjectMapper JSON = new ObjectMapper();
  private JdbcConfigStore store;
  private ConfigService config;

  @BeforeEach
  void open() throws Exception {
    Path dir = Files.createTempDirectory("assay-bandit-test-");
    store = JdbcConfigStore.embedded(dir);
    AuditKey key = AuditKey.load(Optional.empty(), dir);
    Clock clock = Clock.systemUTC();
    config = new ConfigService(store, new AuditLog(clock, key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key)),
        clock, new SecureRandom());
    config.ensureDefaultProject();
    config.create(Kind.EXPERIMENT, P, JSON.readTree("""
        {"key":"b","type":"bandit","variants":[{"key":"x","weight":0.5},{"key":"y","weight":0.5}]}"""), "test");
    config.transition(P, "b", ConfigService.Action.START, JSON.createObjectNode(), "test");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static BanditPeriod period(int n, double w) {
    return new BanditPeriod(n, 1_000L * n, List.of(w, 0.25), List.of(0.9, 0.1), List.of(100L, 100L),
        List.of(0.2, 0.1));
  }

  @Test
  void staleVersion_writesNothing_currentVersion_appendsThePeriodAndServesItsWeights() {
    Versioned<Experiment> read = config.experiment(P, "b");
    config.update(Kind.EXPERIMENT, P, read.value(), read.version(), false, "someone");
    assertThat(config.banditPeriod(P, "b", read.version(), period(1, 0.75), BanditUpdates.ACTOR)).isEmpty();
    Versioned<Experiment> now = config.experiment(P, "b");
    assertThat(now.value().currentPhase().orElseThrow().periods()).isEmpty();
    Versioned<Experiment> written = config.banditPeriod(P, "b", now.version(), period(1, 0.75), BanditUpdates.ACTOR)
        .orElseThrow();
    assertThat(written.version()).isEqualTo(now.version() + 1);
    assertThat(written.value().currentPhase().orElseThrow().currentWeights()).containsExactly(0.75, 0.25);
    assertThat(written.value().currentPhase().orElseThrow().seed()).isEqualTo(now.value().currentPhase().orElseThrow()
        .seed());
  }

  @Test
  void stoppedBandit_getsNoPeriod() {
    config.transition(P, "b", ConfigService.Action.STOP, JSON.createObjectNode(), "test");
    Versioned<Experiment> read = config.experiment(P, "b");
    assertThat(config.banditPeriod(P, "b", read.version(), period(1, 0.75), BanditUpdates.ACTOR)).isEmpty();
  }
}
