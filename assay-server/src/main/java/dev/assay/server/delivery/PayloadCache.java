package dev.assay.server.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.ProjectConfig;
import dev.assay.server.domain.model.SdkConnection;
import dev.assay.server.domain.model.Versioned;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Holds the compiled payload of every SDK connection in memory, so reads never rebuild anything.
 * {@link #attach} recompiles a project's payloads after each committed change; a refresh of one
 * project is serialized, and reads the store after the change committed, so the cache always ends
 * on the latest configuration. Thread-safe.
 *
 * <p>Per project and environment the cache remembers what it last served: a recompilation with the
 * same features and saved groups keeps the previous bytes (and ETag), and one with different
 * content always gets a later {@code dateUpdated} than before, even when the change was a deletion
 * that the remaining entities' change times cannot show (GrowthBook SDKs treat an unchanged
 * {@code dateUpdated} as an unchanged payload).
 */
public final class PayloadCache {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final System.Logger LOG = System.getLogger(PayloadCache.class.getName());

  private final ConfigService config;
  private final Clock clock;
  private final Map<String, CompiledPayload> byClientKey = new ConcurrentHashMap<>();
  /* Last served payload per slot (project, NUL, environment); written under the project's lock. */
  private final Map<String, Served> served = new ConcurrentHashMap<>();
  private final Map<String, Object> projectLocks = new ConcurrentHashMap<>();
  private final List<Consumer<CompiledPayload>> listeners = new CopyOnWriteArrayList<>();
  private volatile io.opentelemetry.api.trace.Tracer tracer = io.opentelemetry.api.trace.TracerProvider.noop().get("");
  /* Client keys found in no project recently, with the System.nanoTime() until which to trust that. */
  private final Map<String, Long> unknown = new ConcurrentHashMap<>();
  private static final long UNKNOWN_TTL_NANOS = 1_000_000_000L;
  private static final int MAX_UNKNOWN_KEYS = 10_000;

  /** What one environment's payload last was: content without the date, the date and the bytes. */
  private record Served(ObjectNode content, Instant dateUpdated, byte[] json) {}

  /** A cache over {@code config} that dates content-only changes by the system clock. */
  public PayloadCache(ConfigService config) {
    this(config, Clock.systemUTC());
  }

  /** A cache over {@code config}; {@code clock} dates changes the snapshot cannot date (deletions). */
  public PayloadCache(ConfigService config, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Compiles every project now and recompiles a project after each change to it. A failed
   * recompilation is logged and does not fail the change, which has already committed; the
   * previous payload is served until the next change recompiles the project.
   */
  public void attach() {
    config.onChange(project -> {
      try {
        refreshProject(project);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "cannot recompile the SDK payloads of project '" + project
            + "'; serving the previous ones until the next change", e);
      }
    });
    // Changes made through other replicas on the same database (PostgreSQL LISTEN/NOTIFY).
    config.onRemoteChange(project -> {
      try {
        if (dev.assay.server.store.ConfigStore.ALL_PROJECTS.equals(project)) {
          refreshAll();
        } else {
          refreshProject(project);
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "cannot recompile after a change on another replica to '"
            + project + "'", e);
      }
    });
    refreshAll();
  }

  /** Told when a connection's payload bytes changed (not when a change left them identical). */
  public void onPayloadChange(Consumer<CompiledPayload> listener) {
    listeners.add(listener);
  }

  /**
   * The compiled payload of an SDK connection. A key the cache does not hold is looked up in the
   * store once, so a connection another replica created a moment ago is served before its change
   * notification arrives; keys found nowhere are remembered as unknown for a second, so a flood of
   * made-up keys costs at most one store read per key and second.
   */
  public Optional<CompiledPayload> get(String clientKey) {
    CompiledPayload p = byClientKey.get(clientKey);
    if (p != null) {
      return Optional.of(p);
    }
    long now = System.nanoTime();
    Long unknownUntil = unknown.get(clientKey);
    if (unknownUntil != null && now - unknownUntil < 0) {
      return Optional.empty();
    }
    Optional<String> project = config.projectOfSdkConnection(clientKey);
    if (project.isPresent()) {
      refreshProject(project.get());
      return Optional.ofNullable(byClientKey.get(clientKey));
    }
    if (unknown.size() >= MAX_UNKNOWN_KEYS) {
      unknown.clear();
    }
    unknown.put(clientKey, now + UNKNOWN_TTL_NANOS);
    return Optional.empty();
  }

  /** Recompiles every project. */
  public void refreshAll() {
    for (String project : config.projectKeys()) {
      refreshProject(project);
    }
  }

  /**
   * Records a span {@code assay.payload compile} for each recompilation of a project (ADR 0041),
   * the child of the change's request span. Default: no spans. Returns this cache.
   */
  public PayloadCache traced(io.opentelemetry.api.trace.Tracer spans) {
    this.tracer = Objects.requireNonNull(spans, "spans");
    return this;
  }

  /** Recompiles the payloads of every SDK connection of one project. */
  public void refreshProject(String project) {
    io.opentelemetry.api.trace.Span span = tracer.spanBuilder("assay.payload compile")
        .setAttribute("assay.project", project).startSpan();
    try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
      compileProject(project, span);
    } catch (RuntimeException | Error e) {
      span.recordException(e);
      span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
      throw e;
    } finally {
      span.end();
    }
  }

  private void compileProject(String project, io.opentelemetry.api.trace.Span span) {
    synchronized (projectLocks.computeIfAbsent(project, p -> new Object())) {
      unknown.clear();
      ProjectConfig snapshot = config.configuration(project);
      Map<String, CompiledPayload> next = new HashMap<>();
      Map<String, byte[]> perEnvironment = new HashMap<>();
      for (Versioned<SdkConnection> v : snapshot.sdkConnections()) {
        SdkConnection conn = v.value();
        String key = conn.key();
        String env = conn.environment();
        byte[] json = perEnvironment.computeIfAbsent(env, e -> compile(snapshot, project, e));
        if (conn.encryptionKey().isEmpty()) {
          next.put(key, new CompiledPayload(key, project, env, json, etag(json)));
        } else {
          byte[] sealed = PayloadEncryption.encrypt(json, conn.encryptionKey().get());
          next.put(key, new CompiledPayload(key, project, env, sealed, etag(sealed), json));
        }
      }
      span.setAttribute("assay.payload.connections", (long) next.size());
      String prefix = project + "\u0000";
      served.keySet().removeIf(k -> k.startsWith(prefix) && !perEnvironment.containsKey(k.substring(prefix.length())));
      byClientKey.entrySet().removeIf(e -> e.getValue().project().equals(project) && !next.containsKey(e.getKey()));
      for (CompiledPayload p : next.values()) {
        CompiledPayload previous = byClientKey.put(p.clientKey(), p);
        if (previous == null || !previous.etag().equals(p.etag())) {
          for (Consumer<CompiledPayload> l : listeners) {
            l.accept(p);
          }
        }
      }
    }
  }

  /**
   * Compiles one environment; keeps the previous bytes when the content is unchanged, and moves
   * {@code dateUpdated} past the previous one when the content changed but the snapshot's change
   * times do not show it.
   */
  private byte[] compile(ProjectConfig snapshot, String project, String environment) {
    ObjectNode payload = PayloadCompiler.compile(snapshot, environment);
    ObjectNode content = payload.deepCopy();
    Instant date = PayloadCompiler.parseDate(content.remove("dateUpdated").asText());
    String slot = project + "\u0000" + environment;
    Served previous = served.get(slot);
    if (previous != null) {
      if (previous.content().equals(content)) {
        return previous.json();
      }
      if (!date.isAfter(previous.dateUpdated())) {
        Instant bumped = previous.dateUpdated().plusMillis(1);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        date = now.isAfter(bumped) ? now : bumped;
        payload.put("dateUpdated", PayloadCompiler.formatDate(date));
      }
    }
    byte[] json = bytes(payload);
    served.put(slot, new Served(content, date, json));
    return json;
  }

  private static byte[] bytes(ObjectNode payload) {
    try {
      return MAPPER.writeValueAsBytes(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a compiled payload", e);
    }
  }

  /** A strong ETag: the first 128 bits of the SHA-256 of the bytes, quoted. */
  static String etag(byte[] json) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(json);
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
