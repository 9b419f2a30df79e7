package dev.assay.server.ascode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apply writes against the version its plan read: a change committed by someone else between
 * the plan and a resource's write is a {@code version_conflict} naming that resource, and what was
 * applied before it stays applied. The concurrent change is made by a real config-service writer
 * on the same embedded store, from the change listener of the first as-code write.
 */
class AsCodeConflictTest {
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

  private static final String SEGMENT = "kind: segment\nkey: everyone_else\ncondition: { beta: false }\n";
  private static final String EXPERIMENT = """
      name: exp
      owner: before
      variants:
        - { name: a, allocation: 50% }
        - { name: b, allocation: 50% }
      """;

  @Test
  void concurrentChange_isVersionConflictNamingTheResource_earlierChangesStayApplied() {
    AsCode asCode = new AsCode(config);
    asCode.apply("default", List.of(new AsCodeFile("exp.yaml", EXPERIMENT)), false, false, "test");
    AtomicBoolean interfered = new AtomicBoolean();
    config.onChange(project -> {
      if (interfered.compareAndSet(false, true)) {
        Versioned<Experiment> now = config.experiment("default", "exp");
        Experiment e = now.value();
        config.update(Kind.EXPERIMENT, "default", new Experiment(e.key(), e.name(), e.hypothesis(), "someone else",
            e.type(), e.hashAttribute(), e.fallbackAttribute(), e.condition(), e.coverage(), e.variants(), e.layer(),
            e.range(), e.metrics(), e.plannedUnits(), e.minimumRuntimeDays(), e.targetSampleSizePerVariant(),
            e.excludedExperiments(), e.analysis(), e.bandit(), e.switchback(), null, null, null, null, null), now.version(), false, "other");
      }
    });
    List<AsCodeFile> files = List.of(new AsCodeFile("segments.yaml", SEGMENT),
        new AsCodeFile("exp.yaml", EXPERIMENT.replace("owner: before", "owner: after")));
    DomainException e = catchThrowableOfType(DomainException.class,
        () -> asCode.apply("default", files, false, false, "test"));
    assertThat(e.code()).isEqualTo("version_conflict");
    assertThat(e.getMessage()).startsWith("experiment 'exp' (exp.yaml): ")
        .contains("1 change before it in plan order was applied and stays applied");
    assertThat(config.list(Kind.SEGMENT, "default")).hasSize(1);
    assertThat(config.experiment("default", "exp").value().owner()).isEqualTo("someone else");
  }
}
