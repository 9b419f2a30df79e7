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
import dev.assay.server.events.DataContracts;
import dev.assay.server.events.EventSchema;
import dev.assay.server.events.EventSchemaJson;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
  private DataContracts contracts;

  @BeforeEach
  void open() {
    store = JdbcConfigStore.embedded(dir);
    Clock clock = Clock.systemUTC();
    AuditKey key = AuditKey.load(Optional.empty(), dir);
    AuditLog audit = new AuditLog(clock, key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key));
    config = new ConfigService(store, audit, clock, new SecureRandom());
    contracts = new DataContracts(store, audit, clock, new SimpleMeterRegistry());
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
    AsCode asCode = new AsCode(config, contracts);
    asCode.apply("default", List.of(new AsCodeFile("exp.yaml", EXPERIMENT)), false, false, "test");
    AtomicBoolean interfered = new AtomicBoolean();
    config.onChange(project -> {
      if (interfered.compareAndSet(false, true)) {
        Versioned<Experiment> now = config.experiment("default", "exp");
        Experiment e = now.value();
        config.update(Kind.EXPERIMENT, "default", new Experiment(e.key(), e.name(), e.hypothesis(), "someone else",
            e.type(), e.hashAttribute(), e.fallbackAttribute(), e.condition(), e.coverage(), e.variants(), e.layer(),
            e.range(), e.metrics(), e.plannedUnits(), e.minimumRuntimeDays(), e.targetSampleSizePerVariant(),
            e.excludedExperiments(), e.analysis(), e.bandit(), e.switchback(), e.factors(), null, null, null, null, null), now.version(), false, "other");
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

  /*
   * An event schema is written against the schema version the plan read: a compatible version
   * stored by someone else meanwhile (from the change listener of the segment, which applies
   * first) is a version_conflict naming the schema, and the file's contract is not stored over it.
   */
  @Test
  void concurrentSchemaVersion_isVersionConflictNamingTheSchema() throws Exception {
    AsCode asCode = new AsCode(config, contracts);
    String schema = "kind: event_schema\nname: purchase\nproperties:\n  plan: {type: string}\n";
    asCode.apply("default", List.of(new AsCodeFile("purchase.yaml", schema)), false, false, "test");
    EventSchema other = EventSchemaJson.read("purchase", new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree("{\"properties\":{\"plan\":{\"type\":\"string\"},\"coupon\":{\"type\":\"string\"}}}"));
    AtomicBoolean interfered = new AtomicBoolean();
    config.onChange(project -> {
      if (interfered.compareAndSet(false, true)) {
        contracts.put("default", other, Optional.empty(), "other");
      }
    });
    List<AsCodeFile> files = List.of(new AsCodeFile("segments.yaml", SEGMENT), new AsCodeFile("purchase.yaml",
        schema + "  amount: {type: number}\n"));
    DomainException e = catchThrowableOfType(DomainException.class,
        () -> asCode.apply("default", files, false, false, "test"));
    assertThat(e.code()).isEqualTo("version_conflict");
    assertThat(e.getMessage()).startsWith("event_schema 'purchase' (purchase.yaml): ").contains("version 2, not 1");
    EventSchema now = contracts.schema("default", "purchase");
    assertThat(now.version()).isEqualTo(2);
    assertThat(now.properties()).containsOnlyKeys("plan", "coupon");
  }
}
