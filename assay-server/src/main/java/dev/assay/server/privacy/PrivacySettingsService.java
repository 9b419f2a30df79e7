package dev.assay.server.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.EventGovernance;
import dev.assay.server.events.IngestRules;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The privacy settings of each project ({@link Kind#PRIVACY}, key {@value #KEY}), set by admins
 * and audited, and their compiled forms: the {@link IngestRules} the ingestion path applies (one
 * map lookup per batch; compiled again only after a change, here or on another replica, which the
 * store's change channel announces), the small-cell k, and the retention per event type that the
 * events package's retention job reads. Thread-safe.
 */
public final class PrivacySettingsService implements EventGovernance.TypeRetention {
  /** The entity key of a project's settings. */
  public static final String KEY = "settings";
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final ConfigStore store;
  private final AuditLog audit;
  private final Optional<byte[]> redactionKey;
  private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();
  private volatile Map<String, Map<String, Integer>> typeRetention;

  private record Compiled(PrivacySettings settings, IngestRules rules) {}

  /**
   * @param redactionKey the HMAC key of {@code hash} redactions (empty: such rules are refused)
   */
  public PrivacySettingsService(ConfigStore store, AuditLog audit, Optional<byte[]> redactionKey) {
    this.store = Objects.requireNonNull(store, "store");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.redactionKey = redactionKey.map(byte[]::clone);
    store.subscribeChanges(project -> {
      if (project.equals(ConfigStore.ALL_PROJECTS)) {
        compiled.clear();
      } else {
        compiled.remove(project);
      }
      typeRetention = null;
    });
  }

  /** The settings of a project that exists (its defaults when it never set any). */
  public PrivacySettings get(String project) {
    return store.read(tx -> {
      requireProject(tx, project);
      return read(tx, project);
    });
  }

  /** Replaces a project's settings (audited, kind {@code PRIVACY}); applies to the next batch ingested. */
  public PrivacySettings set(String project, PrivacySettings settings, String actor) {
    compile(settings); // a hash rule without a key fails here, before anything is written
    String body = write(settings);
    store.write(tx -> {
      requireProject(tx, project);
      Optional<StoredEntity> current = tx.get(Kind.PRIVACY, project, KEY);
      if (current.isPresent()) {
        tx.update(Kind.PRIVACY, project, KEY, current.get().version(), body);
      } else {
        tx.insert(Kind.PRIVACY, project, KEY, body);
      }
      audit.append(tx, actor, current.isPresent() ? "update" : "create", Kind.PRIVACY.name(), project, KEY,
          current.map(StoredEntity::body), Optional.of(body));
      return null;
    });
    compiled.remove(project);
    typeRetention = null;
    store.publishChange(project);
    return settings;
  }

  /** The rules the ingestion path applies to a batch of the project (compiled once per change). */
  public IngestRules ingestRules(String project) {
    return compiled(project).rules();
  }

  /** The project's small-cell k (the default for a project without settings). */
  public int minCellUnits(String project) {
    return compiled(project).settings().minCellUnits();
  }

  /** The project's settings as the ingestion path sees them (defaults for an unknown project). */
  public PrivacySettings current(String project) {
    return compiled(project).settings();
  }

  @Override
  public Map<String, Map<String, Integer>> byProject() {
    Map<String, Map<String, Integer>> t = typeRetention;
    if (t == null) {
      t = store.read(tx -> {
        Map<String, Map<String, Integer>> out = new TreeMap<>();
        for (StoredEntity e : tx.listAll(Kind.PRIVACY)) {
          PrivacySettings s = read(e.body());
          if (!s.retentionDays().isEmpty()) {
            out.put(e.scope(), s.retentionDays());
          }
        }
        return Map.copyOf(out);
      });
      typeRetention = t;
    }
    return t;
  }

  private Compiled compiled(String project) {
    return compiled.computeIfAbsent(project, p -> {
      PrivacySettings s = store.read(tx -> read(tx, p));
      return new Compiled(s, compile(s));
    });
  }

  private IngestRules compile(PrivacySettings s) {
    try {
      return IngestRules.of(s.consent(), s.compiledRedactions(), redactionKey);
    } catch (IllegalArgumentException e) {
      throw DomainException.invalid("redactions", "hash rules need a redaction key: " + e.getMessage());
    }
  }

  static PrivacySettings read(StoreTransaction tx, String project) {
    return tx.get(Kind.PRIVACY, project, KEY).map(e -> read(e.body())).orElse(PrivacySettings.DEFAULTS);
  }

  static PrivacySettings read(String body) {
    try {
      return JSON.readValue(body, PrivacySettings.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String write(PrivacySettings s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void requireProject(StoreTransaction tx, String project) {
    if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
  }
}
