package dev.assay.server.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.ConfigStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The privacy side of the event log: erasure of one unit's events, retention (events older than N
 * days are deleted, periodically and on demand), and reading a unit's events for an access
 * request. Each of these, and every change of the privacy settings between starts, is appended to
 * the audit log (kind {@code EVENTS}) without the raw unit id: entries refer to a unit by
 * {@link EventPrivacy#reference}. Thread-safe; the periodic retention never throws and never
 * overlaps itself.
 */
public final class EventGovernance implements AutoCloseable {
  /** The audit kind of every entry written here. */
  public static final String AUDIT_KIND = "EVENTS";
  private static final Logger LOG = Logger.getLogger(EventGovernance.class.getName());
  private static final String SCOPE = "";
  private static final String SETTINGS_KEY = "settings";

  private final EventStore events;
  private final EventPrivacy privacy;
  private final Optional<Integer> retentionDays;
  private final ConfigStore config;
  private final Duration retentionLease;
  private final AuditLog audit;
  private final Clock clock;
  private final ScheduledExecutorService timer;

  /** An erasure: how the audit log refers to the unit, and how many events were deleted. */
  public record Erasure(String unitReference, long deleted) {}

  /** A retention run: events before {@code cutoff} were deleted. */
  public record RetentionRun(Instant cutoff, int retentionDays, long deleted) {}

  /** A run of retention per event type: the project's events of that type before {@code cutoff} were deleted. */
  public record TypeRetentionRun(String project, String eventType, Instant cutoff, int retentionDays, long deleted) {}

  /**
   * Retention per event type, by project: event name (or {@link EventStore#EXPOSURES}) to days.
   * Read at every run, so a change applies at the next one; must be cheap and must not throw for
   * a project without settings.
   */
  @FunctionalInterface
  public interface TypeRetention {
    /** No retention per event type. */
    TypeRetention NONE = java.util.Map::of;

    java.util.Map<String, java.util.Map<String, Integer>> byProject();
  }

  private volatile TypeRetention typeRetention = TypeRetention.NONE;

  /**
   * @param retentionDays keep events this many days (by their timestamp), or empty to keep all
   * @param retentionInterval how often retention runs (the first run comes one interval, at most a
   *     minute, after construction)
   */
  public EventGovernance(EventStore events, EventPrivacy privacy, Optional<Integer> retentionDays,
      Duration retentionInterval, ConfigStore config, AuditLog audit, Clock clock) {
    this.events = Objects.requireNonNull(events, "events");
    this.privacy = Objects.requireNonNull(privacy, "privacy");
    this.retentionDays = Objects.requireNonNull(retentionDays, "retentionDays");
    retentionDays.ifPresent(d -> {
      if (d < 1) {
        throw new IllegalArgumentException("event retention: must be at least 1 day, was " + d);
      }
    });
    if (retentionInterval.isNegative() || retentionInterval.isZero()) {
      throw new IllegalArgumentException("event retention interval: must be positive, was " + retentionInterval);
    }
    this.config = config;
    this.retentionLease = retentionInterval.multipliedBy(3);
    this.audit = audit;
    this.clock = clock;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "assay-event-retention");
      t.setDaemon(true);
      return t;
    });
    long ms = retentionInterval.toMillis();
    // A fixed delay: a run never overlaps the previous one. The first run waits a minute (or one
    // interval, if shorter) so that it does not compete with the start-up. It runs even without a
    // global period: retention per event type is project settings, changed at any time.
    long first = Math.min(ms, TimeUnit.MINUTES.toMillis(1));
    timer.scheduleWithFixedDelay(this::scheduledRetention, first, ms, TimeUnit.MILLISECONDS);
  }

  /** Sets where the periodic (and on-demand) retention reads the retention per event type. */
  public void typeRetention(TypeRetention source) {
    this.typeRetention = Objects.requireNonNull(source, "source");
  }

  /** The retention per event type of the projects in the scope (project → type → days). */
  public java.util.Map<String, java.util.Map<String, Integer>> typeRetentionIn(EventStore.Scope scope) {
    java.util.Map<String, java.util.Map<String, Integer>> all = typeRetention.byProject();
    java.util.Map<String, java.util.Map<String, Integer>> out = new java.util.TreeMap<>();
    all.forEach((project, types) -> {
      if (!types.isEmpty() && scope.project().map(project::equals).orElse(true)) {
        out.put(project, new java.util.TreeMap<>(types));
      }
    });
    return out;
  }

  /**
   * Deletes, per project in the scope and per event type with a retention period, the events of
   * that type older than the period now, and records each run.
   */
  public List<TypeRetentionRun> applyTypeRetention(EventStore.Scope scope, String actor) {
    return retainTypes(scope, actor, true);
  }

  private synchronized List<TypeRetentionRun> retainTypes(EventStore.Scope scope, String actor, boolean alwaysAudit) {
    List<TypeRetentionRun> runs = new java.util.ArrayList<>();
    typeRetentionIn(scope).forEach((project, types) -> types.forEach((type, days) -> {
      Instant cutoff = clock.instant().minus(Duration.ofDays(days));
      long deleted = events.deleteNamedBefore(EventStore.Scope.project(project), type, cutoff.toEpochMilli());
      if (alwaysAudit || deleted > 0) {
        ObjectNode after = JsonNodeFactory.instance.objectNode();
        after.put("eventType", type);
        after.put("retentionDays", days);
        after.put("cutoff", cutoff.toString());
        after.put("deleted", deleted);
        config.write(tx -> audit.append(tx, actor, "retention", AUDIT_KIND, project, "retention:" + type,
            Optional.empty(), Optional.of(after.toString())));
      }
      runs.add(new TypeRetentionRun(project, type, cutoff, days, deleted));
    }));
    return runs;
  }

  /** The privacy policy applied at ingestion. */
  public EventPrivacy privacy() {
    return privacy;
  }

  public Optional<Integer> retentionDays() {
    return retentionDays;
  }

  /**
   * Appends an audit entry when the privacy and retention settings differ from those last
   * recorded (so the log shows when pseudonymization, the allow-list or retention changed).
   */
  public void recordSettings() {
    String now = settings().toString();
    config.write(tx -> {
      Optional<String> last = Optional.empty();
      long after = 0;
      while (true) {
        List<AuditRecord> page = tx.audit(new AuditQuery(Optional.of(AUDIT_KIND), Optional.of(SETTINGS_KEY),
            Optional.empty(), Optional.empty(), Optional.empty(), after, 1_000));
        if (page.isEmpty()) {
          break;
        }
        last = page.get(page.size() - 1).after();
        after = page.get(page.size() - 1).seq();
      }
      if (last.isEmpty() && now.equals(defaults().toString())) {
        return null;
      }
      if (!last.map(now::equals).orElse(false)) {
        audit.append(tx, "system", "configure", AUDIT_KIND, SCOPE, SETTINGS_KEY, last, Optional.of(now));
      }
      return null;
    });
  }

  private ObjectNode settings() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("pseudonymization", privacy.pseudonymizes());
    privacy.keyFingerprint().ifPresentOrElse(f -> o.put("keyFingerprint", f), () -> o.putNull("keyFingerprint"));
    privacy.allowedAttributes().ifPresentOrElse(a -> a.stream().sorted().forEach(o.putArray("attributeAllowList")::add),
        () -> o.putNull("attributeAllowList"));
    retentionDays.ifPresentOrElse(d -> o.put("retentionDays", d), () -> o.putNull("retentionDays"));
    return o;
  }

  private static ObjectNode defaults() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("pseudonymization", false);
    o.putNull("keyFingerprint");
    o.putNull("attributeAllowList");
    o.putNull("retentionDays");
    return o;
  }

  /**
   * Deletes every event of a unit in the scope, given its raw id, and records the erasure (under
   * the project, for one project's events).
   */
  public Erasure erase(EventStore.Scope scope, String rawUnitId, String actor) {
    String reference = privacy.reference(rawUnitId);
    long deleted = events.deleteUnit(scope, privacy.unitIds().apply(rawUnitId));
    ObjectNode after = JsonNodeFactory.instance.objectNode();
    after.put("unit", reference);
    after.put("deleted", deleted);
    config.write(tx -> audit.append(tx, actor, "erase", AUDIT_KIND, auditScope(scope), "unit:" + reference,
        Optional.empty(), Optional.of(after.toString())));
    return new Erasure(reference, deleted);
  }

  /** Most events one export returns (an export that reaches it says so). */
  public static final int MAX_EXPORT = 100_000;

  /** A data-subject export: how the audit log refers to the unit, and its events, oldest first. */
  public record Export(String unitReference, List<Event> events, boolean truncated) {}

  /**
   * Everything stored for a unit in the scope, given its raw id (pseudonymized like at ingestion):
   * its exposures and metric events, at most {@link #MAX_EXPORT}; the export is recorded in the
   * audit log (action {@code export}) without the raw id.
   */
  public Export export(EventStore.Scope scope, String rawUnitId, String actor) {
    String reference = privacy.reference(rawUnitId);
    List<Event> found = events.unitEvents(scope, privacy.unitIds().apply(rawUnitId), MAX_EXPORT + 1);
    boolean truncated = found.size() > MAX_EXPORT;
    List<Event> kept = truncated ? found.subList(0, MAX_EXPORT) : found;
    ObjectNode after = JsonNodeFactory.instance.objectNode();
    after.put("unit", reference);
    after.put("events", kept.size());
    config.write(tx -> audit.append(tx, actor, "export", AUDIT_KIND, auditScope(scope), "unit:" + reference,
        Optional.empty(), Optional.of(after.toString())));
    return new Export(reference, List.copyOf(kept), truncated);
  }

  /** A unit's events in the scope, given its raw id (pseudonymized like at ingestion), oldest first. */
  public List<Event> unitEvents(EventStore.Scope scope, String rawUnitId, int limit) {
    return events.unitEvents(scope, privacy.unitIds().apply(rawUnitId), limit);
  }

  private static String auditScope(EventStore.Scope scope) {
    return scope.project().orElse(SCOPE);
  }

  /**
   * Deletes the events in the scope older than the retention period now and records the run.
   *
   * @throws IllegalStateException when no retention period is configured
   */
  public RetentionRun applyRetention(EventStore.Scope scope, String actor) {
    int days = retentionDays.orElseThrow(() -> new IllegalStateException("no event retention period is configured"));
    return retain(scope, days, actor, true);
  }

  private synchronized RetentionRun retain(EventStore.Scope scope, int days, String actor, boolean alwaysAudit) {
    Instant cutoff = clock.instant().minus(Duration.ofDays(days));
    long deleted = events.deleteBefore(scope, cutoff.toEpochMilli());
    if (alwaysAudit || deleted > 0) {
      ObjectNode after = JsonNodeFactory.instance.objectNode();
      after.put("retentionDays", days);
      after.put("cutoff", cutoff.toString());
      after.put("deleted", deleted);
      config.write(tx -> audit.append(tx, actor, "retention", AUDIT_KIND, auditScope(scope), "retention",
          Optional.empty(), Optional.of(after.toString())));
    }
    return new RetentionRun(cutoff, days, deleted);
  }

  private void scheduledRetention() {
    try {
      // Scheduled runs are audited when they delete something, not every hour.
      // One replica per interval: the one holding the lease (ADR 0029).
      config.runLeased("event-retention", retentionLease, () -> {
        retentionDays.ifPresent(days -> retain(EventStore.Scope.ALL, days, "system", false));
        retainTypes(EventStore.Scope.ALL, "system", false);
      });
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "event retention failed; it runs again at the next interval", e);
    }
  }

  /** Stops the periodic retention (a run in progress finishes). */
  @Override
  public void close() {
    timer.shutdown();
    try {
      timer.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
