package dev.assay.server.safety;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import dev.assay.server.store.VersionConflictException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Circuit breakers on flags and experiments, evaluated on the ingestion stream (ADR 0028). The
 * HTTP edge hands every operational signal it accepted ({@link #error}, {@link #latency}) to the
 * armed breaker of its flag or experiment; at most every {@value ArmedBreaker#LOOK_INTERVAL_MILLIS}
 * ms a breaker looks at its window ({@link BreakerRule}), and on a breach it trips: the breaker's
 * stored document is updated at the version this process armed (a conditional write, so across
 * replicas sharing the store the first wins and the others stop), then the experiment is halted
 * to control ({@link ConfigService#halt}) or the flag killed to its default ({@link
 * ConfigService#setKilled}) under the actor {@value #ACTOR}: audited, recompiled and pushed to
 * SDKs. Counted in {@code assay_breaker_trips_total{target}} and raised as a {@code breaker.tripped}
 * alert.
 *
 * <p>Breakers are stored as {@link Kind#BREAKER} entities in the project's scope under the key
 * {@code target:key}. Thread-safe; recording never blocks on the store except for the one call
 * that trips.
 */
public final class CircuitBreakers {
  /** The actor of the halts and kills a breaker makes. */
  public static final String ACTOR = "circuit-breaker";
  private static final Logger LOG = Logger.getLogger(CircuitBreakers.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final ConfigStore store;
  private final ConfigService config;
  private final AuditLog audit;
  private final Clock clock;
  private final Alerts alerts;
  private final String replica = UUID.randomUUID().toString();
  private final Map<String, ArmedBreaker> armed = new ConcurrentHashMap<>();
  private volatile io.opentelemetry.api.trace.Tracer tracer = SafetySpans.NONE;
  private final Counter flagTrips;
  private final Counter experimentTrips;

  /** A stored breaker: its configuration, version and trip, if it tripped. */
  public record Breaker(String project, BreakerConfig config, long version, Optional<Trip> trip) {}

  /**
   * When and why a breaker tripped, and which replica decided it; {@code applied} is false from the
   * trip's record until its halt or kill is made (null in trips recorded before it existed: applied).
   */
  public record Trip(String at, String reason, String replica, @Nullable Boolean applied) {
    /** Whether the halt or kill of this trip is known to be made. */
    public boolean isApplied() {
      return applied == null || applied;
    }
  }

  /* The stored document (Jackson binds it; absent numbers are null). */
  record Stored(String target, String key, Double errorRateMargin, Double latencyP99Margin, Double maxErrorRate,
      Double maxP99Millis, double alpha, int minSamples, int windowSeconds, int horizonSeconds, Trip tripped) {}

  /** @param alerts where each trip is raised */
  public CircuitBreakers(ConfigStore store, ConfigService config, AuditLog audit, MeterRegistry meters, Clock clock,
      Alerts alerts) {
    this.alerts = alerts;
    this.store = store;
    this.config = config;
    this.audit = audit;
    this.clock = clock;
    this.flagTrips = trips(meters, BreakerConfig.Target.FLAG);
    this.experimentTrips = trips(meters, BreakerConfig.Target.EXPERIMENT);
    for (String project : config.projectKeys()) {
      reload(project);
    }
    config.onRemoteChange(p -> {
      if (p.equals(ConfigStore.ALL_PROJECTS)) {
        config.projectKeys().forEach(this::reload);
      } else {
        reload(p);
      }
    });
  }

  private static Counter trips(MeterRegistry meters, BreakerConfig.Target t) {
    return Counter.builder("assay.breaker.trips").tag("target", t.wire())
        .description("Circuit breakers tripped (by this replica)").register(meters);
  }

  // ---- the ingestion side ----

  /** One failed request of a variation of a flag or experiment; ignored when no breaker guards it. */
  public void error(String project, BreakerConfig.Target target, String key, int variation) {
    ArmedBreaker b = armed.get(id(project, target, key));
    if (b != null && !b.tripped()) {
      long now = clock.millis();
      if (b.error(variation, now)) {
        maybeLook(b, now);
      }
    }
  }

  /** One request's latency in ms; ignored when no breaker guards it. */
  public void latency(String project, BreakerConfig.Target target, String key, int variation, double millis) {
    ArmedBreaker b = armed.get(id(project, target, key));
    if (b != null && !b.tripped()) {
      long now = clock.millis();
      if (b.latency(variation, now, millis)) {
        maybeLook(b, now);
      }
    }
  }

  /**
   * Records each look at a breaker's window as a span {@code assay.breaker look} (the child of the
   * ingestion request's span: target, key, breaches, outcome {@code pass} or {@code trip}) and its
   * trip as the look's child {@code assay.breaker trip} (outcome {@code recorded}, {@code lost} to
   * another replica, or {@code error}). Default: no spans. Returns this.
   */
  public CircuitBreakers traced(io.opentelemetry.api.trace.Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  private void maybeLook(ArmedBreaker b, long now) {
    if (!b.lookDue(now)) {
      return;
    }
    SafetySpans.within(span(b, "assay.breaker look"), span -> {
      List<String> breaches = b.look(now);
      span.setAttribute(SafetySpans.BREACHES, (long) breaches.size())
          .setAttribute(SafetySpans.OUTCOME, breaches.isEmpty() ? "pass" : "trip");
      if (!breaches.isEmpty()) {
        SafetySpans.within(span(b, "assay.breaker trip"), t -> t.setAttribute(SafetySpans.OUTCOME,
            trip(b, String.join("; ", breaches))));
      }
      return null;
    });
  }

  private io.opentelemetry.api.trace.Span span(ArmedBreaker b, String name) {
    return tracer.spanBuilder(name).setAttribute(SafetySpans.PROJECT, b.project)
        .setAttribute(SafetySpans.TARGET, b.config.target().wire())
        .setAttribute(SafetySpans.keyOf(b.config.target().wire()), b.config.key()).startSpan();
  }

  /* The conditional write decides which replica trips; only that one halts or kills. Returns the outcome. */
  private String trip(ArmedBreaker b, String reason) {
    if (!b.markTripped()) {
      return "lost";
    }
    String storeKey = b.config.storeKey();
    Trip trip = new Trip(Instant.ofEpochMilli(clock.millis()).toString(), "circuit breaker: " + reason, replica, false);
    boolean won;
    try {
      won = store.write(tx -> {
        Optional<StoredEntity> current = tx.get(Kind.BREAKER, b.project, storeKey);
        if (current.isEmpty() || current.get().version() != b.version || read(current.get()).tripped() != null) {
          return false;
        }
        StoredEntity updated = tx.update(Kind.BREAKER, b.project, storeKey, b.version, write(b.config, trip));
        audit.append(tx, ACTOR, "trip", Kind.BREAKER.name(), b.project, storeKey, Optional.of(current.get().body()),
            Optional.of(updated.body()));
        return true;
      });
    } catch (VersionConflictException e) {
      won = false;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "breaker " + b.project + "/" + storeKey + " could not record its trip: " + e);
      return "error";
    }
    if (!won) {
      return "lost";
    }
    store.publishChange(b.project);
    LOG.log(Level.WARNING, "breaker " + b.project + "/" + storeKey + " tripped: " + reason);
    apply(b.project, b.config, trip);
    return "recorded";
  }

  /*
   * Makes a recorded trip's halt or kill, raises its alert and records it applied. Idempotent: a
   * target already stopped or killed is left alone, the alert is raised once per trip.
   */
  private void apply(String project, BreakerConfig c, Trip trip) {
    String storeKey = c.storeKey();
    try {
      if (c.target() == BreakerConfig.Target.EXPERIMENT) {
        if (config.experiment(project, c.key()).value().status() == ExperimentStatus.RUNNING
            && config.halt(project, c.key(), trip.reason(), ACTOR).isPresent()) {
          experimentTrips.increment();
        }
      } else if (config.configuration(project).flags().stream()
          .anyMatch(f -> f.value().key().equals(c.key()) && f.value().killed().isEmpty())) {
        config.setKilled(Kind.FLAG, project, c.key(), true, trip.reason(), ACTOR);
        flagTrips.increment();
      }
    } catch (DomainException e) {
      LOG.log(Level.WARNING, "breaker " + project + "/" + storeKey + " tripped, but its target was not changed: "
          + e.getMessage());
    }
    var body = JSON.createObjectNode().put("event", AlertType.BREAKER_TRIPPED.wire()).put("project", project)
        .put("target", c.target().wire()).put("key", c.key()).put("reason", trip.reason())
        .put("actor", ACTOR).put("at", trip.at()).put("replica", trip.replica());
    alerts.emitOnce(project, AlertType.BREAKER_TRIPPED, "breaker-trip/" + storeKey + "/" + trip.at(),
        c.target().wire() + " '" + c.key() + "' tripped its circuit breaker: " + trip.reason(), body);
    markApplied(project, storeKey, trip);
  }

  private void markApplied(String project, String storeKey, Trip trip) {
    try {
      store.write(tx -> {
        Optional<StoredEntity> current = tx.get(Kind.BREAKER, project, storeKey);
        if (current.isEmpty() || !trip.equals(read(current.get()).tripped())) {
          return null;
        }
        Trip done = new Trip(trip.at(), trip.reason(), trip.replica(), true);
        tx.update(Kind.BREAKER, project, storeKey, current.get().version(), write(breaker(project, current.get())
            .config(), done));
        return null;
      });
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "breaker " + project + "/" + storeKey + " not recorded applied (recovery will retry): " + e);
    }
  }

  /**
   * Finishes the trips recorded but not applied (the replica that won the trip stopped between its
   * record and its halt or kill): each trip at least {@code grace} old gets its halt or kill and its
   * alert now. Run on start and on every tick of {@link BreakerRecovery}, on one replica.
   *
   * @return how many trips it finished
   */
  public int recoverTrips(java.time.Duration grace) {
    int n = 0;
    Instant before = clock.instant().minus(grace);
    for (String project : config.projectKeys()) {
      for (StoredEntity e : store.read(tx -> tx.list(Kind.BREAKER, project))) {
        Breaker b = breaker(project, e);
        Optional<Trip> t = b.trip().filter(x -> !x.isApplied() && !Instant.parse(x.at()).isAfter(before));
        if (t.isPresent()) {
          LOG.log(Level.WARNING, "breaker " + project + "/" + e.key() + " was recorded tripped at " + t.get().at()
              + " but not applied; applying it now");
          apply(project, b.config(), t.get());
          n++;
        }
      }
    }
    return n;
  }

  // ---- the management side ----

  /** Creates or replaces (and re-arms) the breaker of a flag or experiment, which must exist. */
  public Breaker put(String project, BreakerConfig c, String actor) {
    config.get(c.target() == BreakerConfig.Target.FLAG ? Kind.FLAG : Kind.EXPERIMENT, project, c.key());
    String body = write(c, null);
    StoredEntity saved = store.write(tx -> {
      Optional<StoredEntity> current = tx.get(Kind.BREAKER, project, c.storeKey());
      StoredEntity s = current.isPresent()
          ? tx.update(Kind.BREAKER, project, c.storeKey(), current.get().version(), body)
          : tx.insert(Kind.BREAKER, project, c.storeKey(), body);
      audit.append(tx, actor, current.isPresent() ? "update" : "create", Kind.BREAKER.name(), project, c.storeKey(),
          current.map(StoredEntity::body), Optional.of(s.body()));
      return s;
    });
    store.publishChange(project);
    reload(project);
    return breaker(project, saved);
  }

  /** The breaker of a flag or experiment. */
  public Breaker get(String project, BreakerConfig.Target target, String key) {
    return store.read(tx -> tx.get(Kind.BREAKER, project, target.wire() + ":" + key)).map(e -> breaker(project, e))
        .orElseThrow(() -> DomainException.notFound("no breaker on " + target.wire() + " '" + key + "'"));
  }

  /** The breakers of a project, by target and key. */
  public List<Breaker> list(String project) {
    if (!config.projectKeys().contains(project)) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
    return store.read(tx -> tx.list(Kind.BREAKER, project)).stream().map(e -> breaker(project, e)).toList();
  }

  /** Deletes the breaker of a flag or experiment. */
  public void delete(String project, BreakerConfig.Target target, String key, String actor) {
    String storeKey = target.wire() + ":" + key;
    store.write(tx -> {
      StoredEntity current = tx.get(Kind.BREAKER, project, storeKey)
          .orElseThrow(() -> DomainException.notFound("no breaker on " + target.wire() + " '" + key + "'"));
      tx.delete(Kind.BREAKER, project, storeKey, current.version());
      audit.append(tx, actor, "delete", Kind.BREAKER.name(), project, storeKey, Optional.of(current.body()),
          Optional.empty());
      return null;
    });
    store.publishChange(project);
    reload(project);
  }

  /* Re-reads a project's breakers; a breaker at an unchanged version keeps its window. */
  private void reload(String project) {
    List<StoredEntity> stored;
    try {
      stored = store.read(tx -> tx.list(Kind.BREAKER, project));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "breakers of " + project + " not reloaded: " + e);
      return;
    }
    List<String> seen = new ArrayList<>();
    for (StoredEntity e : stored) {
      Breaker b = breaker(project, e);
      String id = id(project, b.config().target(), b.config().key());
      seen.add(id);
      armed.compute(id, (k, old) -> {
        if (old != null && old.version == b.version()) {
          if (b.trip().isPresent()) {
            old.markTripped();
          }
          return old;
        }
        return new ArmedBreaker(project, b.config(), b.version(), b.trip().isPresent());
      });
    }
    armed.entrySet().removeIf(en -> en.getValue().project.equals(project) && !seen.contains(en.getKey()));
  }

  private static String id(String project, BreakerConfig.Target target, String key) {
    return project + '\n' + target.wire() + '\n' + key;
  }

  private static Breaker breaker(String project, StoredEntity e) {
    Stored s = read(e);
    BreakerConfig c = new BreakerConfig(BreakerConfig.Target.ofWire("target", s.target()), s.key(),
        optional(s.errorRateMargin()), optional(s.latencyP99Margin()), optional(s.maxErrorRate()),
        optional(s.maxP99Millis()), s.alpha(), s.minSamples(), s.windowSeconds(), s.horizonSeconds());
    return new Breaker(project, c, e.version(), Optional.ofNullable(s.tripped()));
  }

  private static OptionalDouble optional(Double d) {
    return d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
  }

  private static Double nullable(OptionalDouble d) {
    return d.isPresent() ? d.getAsDouble() : null;
  }

  private static Stored read(StoredEntity e) {
    try {
      return JSON.readValue(e.body(), Stored.class);
    } catch (JsonProcessingException x) {
      throw new IllegalStateException("stored breaker " + e.key() + " is not readable: " + x.getOriginalMessage(), x);
    }
  }

  private static String write(BreakerConfig c, Trip trip) {
    Stored s = new Stored(c.target().wire(), c.key(), nullable(c.errorRateMargin()), nullable(c.latencyP99Margin()),
        nullable(c.maxErrorRate()), nullable(c.maxP99Millis()), c.alpha(), c.minSamples(), c.windowSeconds(),
        c.horizonSeconds(), trip);
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException x) {
      throw new IllegalStateException(x);
    }
  }
}
