package dev.assay.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * A client that keeps its configuration in sync with an Assay server (or any server speaking the
 * GrowthBook SDK protocol) and evaluates locally with {@link ExperimentClient}.
 *
 * <p>{@link Builder#build()} returns at once: it parses the bootstrap payload, if any, and starts
 * one background thread that reads the on-disk last-known-good cache, fetches
 * {@code GET /api/features/{clientKey}} and then follows {@code GET /sub/{clientKey}} (server-sent
 * events), falling back to polling with {@code If-None-Match} when streaming is unavailable (a
 * refused stream, 404/405/501 as from a proxy without SSE support, is retried only after ten
 * minutes), reconnecting with exponential backoff and jitter. {@link #awaitReady(Duration)} waits
 * for that first load. Until a configuration is loaded every getter returns its code default with
 * reason {@link TypedValue.Reason#NOT_READY}; if the server is down the client serves, in order of
 * preference, the cache, the bootstrap payload, or code defaults — and says so in {@link #status()}.
 * Evaluation never waits on the network.
 *
 * <pre>{@code
 * AssayClient assay = AssayClient.builder("https://assay.example.com", "sdk-abc123")
 *     .cacheFile(Path.of("/var/cache/myapp/assay.json"))
 *     .onChange(keys -> log.info("flags changed: {}", keys))
 *     .build();
 * if (!assay.awaitReady(Duration.ofSeconds(2))) {
 *   log.warn("Assay not ready: {}", assay.status());
 * }
 * boolean on = assay.features().isOn("new-checkout", Attributes.of("id", userId));
 * }</pre>
 *
 * <p>With {@link Builder#logEvents()} the client also sends events to the server through an
 * {@link EventLogger}: every exposure of a unit to an experiment variation (once per unit,
 * experiment and variation) and whatever the application records with {@link #track}.
 *
 * <p>Thread-safe.
 */
public final class AssayClient implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(AssayClient.class.getName());
  /** How long the client polls after the event stream was refused before trying it again. */
  static final Duration STREAM_REFUSED_RETRY = Duration.ofMinutes(10);

  private final ExperimentClient features;
  private final @Nullable EventLogger events;
  private final ConfigSync sync;
  private final AtomicBoolean closed = new AtomicBoolean();

  private AssayClient(Builder b) {
    this.events = b.events == null ? null : b.events.apply(EventLogger.builder(b.serverUrl, b.clientKey)).build();
    try {
      this.features = b.evaluation.build(events == null ? ExposureListener.NONE : events, b.bootstrap);
    } catch (RuntimeException e) {
      if (events != null) {
        events.close();
      }
      throw e;
    }
    this.sync = new ConfigSync(b, features, b.bootstrap);
    sync.start();
  }

  /**
   * Starts configuring a client for a server and an SDK connection's client key.
   *
   * @param serverUrl base URL, e.g. {@code http://localhost:8080}
   * @param clientKey the SDK connection's public client key
   */
  public static Builder builder(String serverUrl, String clientKey) {
    return new Builder(serverUrl, clientKey);
  }

  /** The evaluator over the current configuration. Never blocks on the network. */
  public ExperimentClient features() {
    return features;
  }

  /**
   * Waits until the client's first load is over — the cache file read and, when syncing, the first
   * answer of the server or its failure (after at most {@link Builder#initialTimeout}) — or until
   * the timeout passes. Returns at once after that. The client keeps syncing whatever this returns.
   *
   * @return true if a configuration is being served then (from the server, the cache or the
   *     bootstrap; {@link #status()} says which); false if the timeout passed first, the client was
   *     closed, or nothing could be loaded (every getter returns its code default)
   */
  public boolean awaitReady(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    try {
      if (!sync.awaitFirstLoad(timeout)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    ClientStatus.State state = status().state();
    return state == ClientStatus.State.READY || state == ClientStatus.State.STALE;
  }

  /** The event logger, when built with {@link Builder#logEvents()}. */
  public Optional<EventLogger> events() {
    return Optional.ofNullable(events);
  }

  /** Records a metric event with no value and no properties; see {@link #track(String, String, double, Map)}. */
  public boolean track(String name, String unitId) {
    return events != null ? events.track(name, unitId) : notLogging(name);
  }

  /**
   * Records a metric event with a value.
   *
   * @deprecated one form per shape of event: use {@link #track(String, String, double, Map)} with
   *     {@code Map.of()}; this overload goes in the next release
   */
  @Deprecated(since = "0.1.0", forRemoval = true)
  public boolean track(String name, String unitId, double value) {
    return track(name, unitId, value, Map.of());
  }

  /** Records a metric event with properties and no value; see {@link #track(String, String, double, Map)}. */
  public boolean track(String name, String unitId, Map<String, ?> properties) {
    return events != null ? events.track(name, unitId, properties) : notLogging(name);
  }

  /**
   * Records a metric event for a unit through the {@link EventLogger}; never blocks, never throws.
   * See {@link EventLogger#track(String, String, double, Map)} for the arguments.
   *
   * @return true if queued; false if dropped (counted in the logger's stats), or if the client was
   *     built without {@link Builder#logEvents()}
   */
  public boolean track(String name, String unitId, double value, Map<String, ?> properties) {
    return events != null ? events.track(name, unitId, value, properties) : notLogging(name);
  }

  private boolean notLogging(String name) {
    LOG.log(Level.FINE, () -> "track(\"" + name + "\") ignored: build the AssayClient with logEvents() to send events");
    return false;
  }

  /** What is being served and how fresh it is. */
  public ClientStatus status() {
    return sync.status();
  }

  /** The payload JSON being served, if any. */
  public Optional<String> payload() {
    return Optional.ofNullable(sync.payload());
  }

  /** Adds a listener told after every configuration change. */
  public void addChangeListener(ConfigChangeListener listener) {
    sync.addListener(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Fetches the payload now (conditional on the ETag) and applies it if it changed. Blocks for
   * at most the request timeout.
   *
   * @return true if the server answered (200 or 304); false also when built with {@code sync(false)}
   */
  public boolean refresh() {
    return sync.refresh();
  }

  /**
   * Stops syncing; the last configuration keeps serving. Then closes the event logger, which sends
   * what is queued (waiting at most its close timeout). Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      sync.close();
    } finally {
      if (events != null) {
        events.close();
      }
    }
  }

  /** Configures an {@link AssayClient}. */
  public static final class Builder {
    final String serverUrl;
    final String clientKey;
    ExperimentClient.Builder evaluation = ExperimentClient.builder();
    @Nullable String bootstrap;
    @Nullable Path cacheFile;
    Duration initialTimeout = Duration.ofSeconds(2);
    Duration connectTimeout = Duration.ofSeconds(2);
    Duration requestTimeout = Duration.ofSeconds(5);
    Duration pollInterval = Duration.ofSeconds(30);
    Duration streamIdleTimeout = Duration.ofSeconds(90);
    Duration reconnectDelay = Duration.ofSeconds(1);
    Duration maxReconnectDelay = Duration.ofSeconds(60);
    boolean streaming = true;
    boolean sync = true;
    @Nullable UnaryOperator<EventLogger.Builder> events;
    final List<ConfigChangeListener> listeners = new ArrayList<>();
    Clock clock = Clock.systemUTC();

    private Builder(String serverUrl, String clientKey) {
      Objects.requireNonNull(serverUrl, "serverUrl");
      Objects.requireNonNull(clientKey, "clientKey");
      URI u;
      try {
        u = URI.create(serverUrl);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("serverUrl is not a valid URL: " + serverUrl, e);
      }
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        throw new IllegalArgumentException("serverUrl must be http:// or https://, was " + serverUrl);
      }
      if (clientKey.isBlank()) {
        throw new IllegalArgumentException("clientKey must not be blank");
      }
      this.serverUrl = serverUrl;
      this.clientKey = clientKey;
    }

    /**
     * Evaluation settings (exposure listener, sticky bucketing, decryption key, QA mode…); the
     * payload is managed by this client, so do not set one here.
     */
    public Builder evaluation(ExperimentClient.Builder evaluation) {
      this.evaluation = Objects.requireNonNull(evaluation, "evaluation");
      return this;
    }

    /** A payload to serve until the server answers (and if it never does). */
    public Builder bootstrap(String payloadJson) {
      this.bootstrap = Objects.requireNonNull(payloadJson, "payloadJson");
      return this;
    }

    /**
     * Reads the bootstrap payload from a UTF-8 file, now, on the caller's thread: a missing file
     * fails here, at configuration time (the only file read {@code build()} does not defer).
     */
    public Builder bootstrapFile(Path file) {
      try {
        this.bootstrap = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read bootstrap file " + file + ": " + e.getMessage(), e);
      }
      return this;
    }

    /**
     * A file holding the last payload received from the server; read at start if the server
     * cannot be reached, rewritten atomically after each change.
     */
    public Builder cacheFile(Path file) {
      this.cacheFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * Timeout of the first payload request, which {@link AssayClient#awaitReady} waits for.
     * Default 2 s.
     */
    public Builder initialTimeout(Duration timeout) {
      this.initialTimeout = positive(timeout, "initialTimeout");
      return this;
    }

    /** Timeout of each later payload request. Default 5 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /** Interval between polls when not streaming. Default 30 s. */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = positive(interval, "pollInterval");
      return this;
    }

    /** Reconnect when the event stream is silent (no event, no heartbeat) this long. Default 90 s. */
    public Builder streamIdleTimeout(Duration timeout) {
      this.streamIdleTimeout = positive(timeout, "streamIdleTimeout");
      return this;
    }

    /** First reconnect delay and its cap; delays double with jitter. Defaults 1 s and 60 s. */
    public Builder reconnectDelay(Duration first, Duration max) {
      this.reconnectDelay = positive(first, "reconnectDelay");
      this.maxReconnectDelay = positive(max, "maxReconnectDelay");
      return this;
    }

    /** Whether to use server-sent events when the server offers them. Default true. */
    public Builder streaming(boolean streaming) {
      this.streaming = streaming;
      return this;
    }

    /** Turns off all network access: serve only the cache or bootstrap. Default on. */
    public Builder sync(boolean sync) {
      this.sync = sync;
      return this;
    }

    /**
     * Sends exposures and {@link AssayClient#track} events to this server's
     * {@code POST /api/v1/events}, authenticated by the client key, with the {@link EventLogger}'s
     * default settings.
     */
    public Builder logEvents() {
      return logEvents(UnaryOperator.identity());
    }

    /**
     * Like {@link #logEvents()}, with the logger's settings adjusted, e.g.
     * {@code .logEvents(e -> e.queueCapacity(50_000).flushInterval(Duration.ofSeconds(5)))}.
     */
    public Builder logEvents(UnaryOperator<EventLogger.Builder> settings) {
      this.events = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** Told after every configuration change. */
    public Builder onChange(ConfigChangeListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the client and returns at once: parses the bootstrap payload, if any, and starts the
     * background thread that reads the cache file and syncs with the server (see
     * {@link AssayClient#awaitReady}). Does no file or network I/O on the caller's thread.
     *
     * @throws PayloadException if the bootstrap payload is malformed
     */
    public AssayClient build() {
      return new AssayClient(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
