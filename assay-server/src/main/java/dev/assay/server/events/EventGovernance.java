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
    if (retentionDays.isPresent()) {
      long ms = retentionInterval.toMillis();
      // A fixed delay: a run never overlaps the previous one. The first run waits a minute (or one
      // interval, if shorter) so that it does not compete with the start-up.
      long first = Math.min(ms, TimeUnit.MINUTES.toMillis(1));
      timer.scheduleWithFixedDelay(this::scheduledRetention, first, ms, TimeUnit.MILLISECONDS);
    }
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
      config.runLeased("event-retention", retentionLease,
          () -> retain(EventStore.Scope.ALL, retentionDays.orElseThrow(), "system", false));
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
