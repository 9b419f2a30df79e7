package dev.assay.server.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricType;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Variant;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConfigService}'s typed API over a real embedded store: records in, versioned records out. */
class ConfigServiceRecordsTest {
  private static final String P = ConfigService.DEFAULT_PROJECT;
  @TempDir Path dir;
  private JdbcConfigStore store;
  private ConfigService config;

  @BeforeEach
  void open() {
    store = JdbcConfigStore.embedded(dir);
    Clock clock = Clock.systemUTC();
    AuditKey key = AuditKey.load(Optional.empty(), dir);
    config = new ConfigService(store, new AuditLog(clock, key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key)),
        clock, new SecureRandom());
    config.ensureDefaultProject();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Metric metric(String key) {
    return new Metric(key, "", MetricType.PROPORTION, Optional.of("signup"), null, null, null, null, null, null, null,
        null, null, null, null, null, null);
  }

  private static Experiment experiment(double coverage, String primary) {
    return new Experiment("exp", "Exp", "", "", null, null, null, null, coverage,
        List.of(new Variant("control", "", 0.5, null), new Variant("treatment", "", 0.5, null)), null, null,
        new dev.assay.server.domain.model.MetricRefs(Optional.of(primary), null, null), null, null, null, null, null,
        null, null, null, null, null, null, null, null);
  }

  @Test
  void createUpdateTransition_returnVersionedRecordsMatchingTheViews() {
    Versioned<Metric> m = config.create(Kind.METRIC, P, metric("signup"), "tester");
    assertThat(m.version()).isEqualTo(1);
    assertThat(m.value().conversionWindowHours()).isEqualTo(72.0);

    Versioned<Experiment> created = config.create(Kind.EXPERIMENT, P, experiment(1.0, "signup"), "tester");
    assertThat(created.value().status()).isEqualTo(ExperimentStatus.DRAFT);
    Versioned<Experiment> updated = config.update(Kind.EXPERIMENT, P, experiment(0.5, "signup"), 1, false, "tester");
    assertThat(updated.version()).isEqualTo(2);
    assertThat(updated.value().coverage()).isEqualTo(0.5);

    Versioned<Experiment> running = config.transition(P, "exp", ConfigService.Action.START, Optional.empty(),
        Optional.of(2L), "tester", tx -> { });
    assertThat(running.value().status()).isEqualTo(ExperimentStatus.RUNNING);
    assertThat(running.value().phases()).hasSize(1);
    assertThat(running.value().currentPhase().orElseThrow().coverage()).isEqualTo(0.5);
    assertThat(ModelJson.fromView(Experiment.class, config.get(Kind.EXPERIMENT, P, "exp")))
        .as("the JSON view the API returns is the same record").isEqualTo(running.value());
    assertThat(config.experiment(P, "exp").value()).isEqualTo(running.value());

    Versioned<Experiment> halted = config.halt(P, "exp", "test halt", "tester").orElseThrow();
    assertThat(halted.value().status()).isEqualTo(ExperimentStatus.STOPPED);
    assertThat(halted.value().halted().orElseThrow().reason()).isEqualTo("test halt");
    assertThat(config.halt(P, "exp", "again", "tester")).as("a stopped experiment is not halted twice").isEmpty();
  }

  @Test
  void typedWrites_keepTheRules() {
    config.create(Kind.METRIC, P, metric("signup"), "tester");
    assertThatThrownBy(() -> config.create(Kind.EXPERIMENT, P, experiment(1.0, "nope"), "tester"))
        .isInstanceOfSatisfying(DomainException.class,
            d -> assertThat(d.details().get(0).field()).isEqualTo("metrics.primary"));
    config.create(Kind.EXPERIMENT, P, experiment(1.0, "signup"), "tester");
    assertThatThrownBy(() -> config.update(Kind.EXPERIMENT, P, experiment(0.9, "signup"), 7, false, "tester"))
        .isInstanceOfSatisfying(DomainException.class, d -> assertThat(d.code()).isEqualTo("version_conflict"));
    config.transition(P, "exp", ConfigService.Action.START, Optional.empty(), Optional.empty(), "tester",
        tx -> { });
    assertThatThrownBy(() -> config.update(Kind.EXPERIMENT, P, experiment(0.9, "signup"), 2, false, "tester"))
        .as("coverage of a running experiment changes only in a new phase")
        .isInstanceOfSatisfying(DomainException.class, d -> assertThat(d.code()).isEqualTo("phase_required"));
  }
}
