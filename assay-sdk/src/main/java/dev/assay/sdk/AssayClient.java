package dev.assay.sdk;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * A client that keeps its configuration in sync with an Assay server (or any server speaking the
 * GrowthBook SDK protocol) and evaluates locally with {@link ExperimentClient}.
 *
 * <p>At build it fetches {@code GET /api/features/{clientKey}} with a timeout; if the server is
 * down it serves, in order of preference, the on-disk last-known-good cache, the bootstrap payload,
 * or nothing (every getter returns its code default) — and says so in {@link #status()}. It then
 * follows {@code GET /sub/{clientKey}} (server-sent events) and falls back to polling with
 * {@code If-None-Match} when streaming is unavailable (a refused stream, 404/405/501 as from a
 * proxy without SSE support, is retried only after ten minutes), reconnecting
 * with exponential backoff and jitter. Evaluation never waits on the network.
 *
 * <pre>{@code
 * AssayClient assay = AssayClient.builder("https://assay.example.com", "sdk-abc123")
 *     .cacheFile(Path.of("/var/cache/myapp/assay.json"))
 *     .onChange(keys -> log.info("flags changed: {}", keys))
 *     .build();
 * boolean on = assay.features().isOn("new-checkout", Attributes.of("id", userId));
 * }</pre>
 *
 * <p>With {@link Builder#logEvents()} the client also sends events to the server through an
 * {@link EventLogger}: every exposure of a unit to an experiment variation (once per unit,
 * experiment and variation) and whatever the application records with {@link #track}.
 */
public final class AssayClient implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(AssayClient.class.getName());
  /** How long the client polls after the event stream was refused before trying it again. */
  static final Duration STREAM_REFUSED_RETRY = Duration.ofMinutes(10);

  private final ExperimentClient features;
  private final @Nullable EventLogger events;
  private final URI payloadUri;
  private final URI streamUri;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Duration pollInterval;
  private final Duration streamIdleTimeout;
  private final boolean streaming;
  private final @Nullable Path cacheFile;
  private final List<ConfigChangeListener> listeners;
  private final Clock clock;
  private final Backoff backoff;
  private volatile ClientStatus status;
  private final @Nullable Thread syncThread;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicReference<@Nullable InputStream> openStream = new AtomicReference<>();

  private volatile @Nullable String payload;
  private volatile @Nullable String etag;
  private volatile @Nullable String lastEventId;
  private volatile boolean serverSupportsSse;
  /* Set when the event stream was refused (404, 405, 501: e.g. a proxy without SSE): poll until then. */
  private volatile Instant streamRefusedUntil = Instant.MIN;

  private AssayClient(Builder b) {
    String base = b.serverUrl.endsWith("/") ? b.serverUrl.substring(0, b.serverUrl.length() - 1) : b.serverUrl;
    String key = URLEncoder.encode(b.clientKey, StandardCharsets.UTF_8);
    this.payloadUri = URI.create(base + "/api/features/" + key);
    this.streamUri = URI.create(base + "/sub/" + key);
    this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).build();
    this.requestTimeout = b.requestTimeout;
    this.pollInterval = b.pollInterval;
    this.streamIdleTimeout = b.streamIdleTimeout;
    this.streaming = b.streaming;
    this.cacheFile = b.cacheFile;
    this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    this.clock = b.clock;
    this.backoff = new Backoff(b.reconnectDelay, b.maxReconnectDelay);
    this.events = b.events == null ? null : b.events.apply(EventLogger.builder(b.serverUrl, b.clientKey)).build();
    ExposureListener exposures = events == null ? ExposureListener.NONE : events;

    ClientStatus.Source source = ClientStatus.Source.NONE;
    String initial = null;
    ExperimentClient built = null;
    String cached = readCache();
    if (cached != null) {
      try {
        built = b.evaluation.payload(cached).build(exposures);
        initial = cached;
        source = ClientStatus.Source.CACHE;
      } catch (PayloadException e) {
        LOG.log(Level.WARNING, "ignoring the unreadable Assay cache file " + cacheFile + ": " + e.getMessage());
      }
    }
    if (built == null && b.bootstrap != null) {
      try {
        built = b.evaluation.payload(b.bootstrap).build(exposures);
      } catch (RuntimeException e) {
        if (events != null) {
          events.close();
        }
        throw e;
      }
      initial = b.bootstrap;
      source = ClientStatus.Source.BOOTSTRAP;
    }
    this.features = built != null ? built : b.evaluation.payload("{\"features\":{}}").build(exposures);
    this.payload = initial;
    this.status = new ClientStatus(
        initial == null ? ClientStatus.State.DEFAULTS : ClientStatus.State.STALE,
        source,
        ClientStatus.Mode.OFF,
        initial == null ? null : clock.instant(),
        null);

    if (b.sync) {
      fetchOnce(b.initialTimeout);
      Thread sync = new Thread(this::syncLoop, "assay-config-sync");
      sync.setDaemon(true);
      this.syncThread = sync;
      sync.start();
    } else {
      this.syncThread = null;
    }
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

  /** The event logger, when built with {@link Builder#logEvents()}. */
  public Optional<EventLogger> events() {
    return Optional.ofNullable(events);
  }

  /** Records a metric event; see {@link EventLogger#track(String, String, double, Map)}. */
  public boolean track(String name, String unitId) {
    return events != null ? events.track(name, unitId) : notLogging(name);
  }

  /** Records a metric event; see {@link EventLogger#track(String, String, double, Map)}. */
  public boolean track(String name, String unitId, double value) {
    return events != null ? events.track(name, unitId, value) : notLogging(name);
  }

  /** Records a metric event; see {@link EventLogger#track(String, String, double, Map)}. */
  public boolean track(String name, String unitId, Map<String, ?> properties) {
    return events != null ? events.track(name, unitId, properties) : notLogging(name);
  }

  /**
   * Records a metric event for a unit through the {@link EventLogger}; never blocks, never throws.
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
    return status;
  }

  /** The payload JSON being served, if any. */
  public Optional<String> payload() {
    return Optional.ofNullable(payload);
  }

  /** Adds a listener told after every configuration change. */
  public void addChangeListener(ConfigChangeListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Fetches the payload now (conditional on the ETag) and applies it if it changed.
   *
   * @return true if the server answered (200 or 304)
   */
  public boolean refresh() {
    return fetchOnce(requestTimeout);
  }

  /**
   * Stops syncing; the last configuration keeps serving. Then closes the event logger, which sends
   * what is queued (waiting at most its close timeout). Idempotent.
   */
  @Override
  public void close() {
    if (closed.getCount() == 0) {
      return;
    }
    try {
      closeSync();
    } finally {
      if (events != null) {
        events.close();
      }
    }
  }

  private void closeSync() {
    closed.countDown();
    closeStream();
    if (syncThread != null) {
      syncThread.interrupt();
      try {
        syncThread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ClientStatus s = status;
    status = new ClientStatus(ClientStatus.State.CLOSED, s.source(), ClientStatus.Mode.OFF,
        s.lastUpdated(), s.lastError());
  }

  // ---- sync ----

  private void syncLoop() {
    while (!isClosed()) {
      try {
        if (streaming && serverSupportsSse && !clock.instant().isBefore(streamRefusedUntil)) {
          stream();
        } else {
          markMode(ClientStatus.Mode.POLLING);
          sleep(pollInterval);
          if (!isClosed()) {
            fetchOnce(requestTimeout);
          }
          continue;
        }
      } catch (RuntimeException e) {
        failed("sync: " + e);
      }
      if (!isClosed()) {
        // The stream ended or failed: catch up with a poll, then reconnect after a backoff.
        sleep(backoff.next());
        if (!isClosed()) {
          fetchOnce(requestTimeout);
        }
      }
    }
  }

  private boolean fetchOnce(Duration timeout) {
    HttpRequest.Builder rb = HttpRequest.newBuilder(payloadUri).timeout(timeout).GET()
        .header("Accept", "application/json");
    String tag = etag;
    if (tag != null && payload != null) {
      rb.header("If-None-Match", tag);
    }
    HttpResponse<String> res;
    try {
      res = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      failed("cannot reach " + payloadUri + ": " + describe(e));
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    serverSupportsSse = res.headers().firstValue("x-sse-support").map("enabled"::equalsIgnoreCase)
        .orElse(false);
    if (res.statusCode() == 304) {
      fresh(ClientStatus.Mode.POLLING);
      return true;
    }
    if (res.statusCode() != 200) {
      failed("GET " + payloadUri + " answered " + res.statusCode());
      return false;
    }
    if (apply(res.body())) {
      etag = res.headers().firstValue("ETag").orElse(null);
    }
    return true;
  }

  private void stream() {
    HttpRequest.Builder rb = HttpRequest.newBuilder(streamUri).GET()
        .header("Accept", "text/event-stream")
        .header("Cache-Control", "no-cache");
    String id = lastEventId;
    if (id != null) {
      rb.header("Last-Event-ID", id);
    }
    HttpResponse<InputStream> res;
    try {
      res = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      failed("cannot open event stream " + streamUri + ": " + describe(e));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (res.statusCode() != 200) {
      try (InputStream ignored = res.body()) {
        failed("GET " + streamUri + " answered " + res.statusCode());
      } catch (IOException ignored) {
        // closing a failed response
      }
      if (res.statusCode() == 404 || res.statusCode() == 405 || res.statusCode() == 501) {
        // Streaming is not available on this path; poll, and try streaming again much later.
        serverSupportsSse = false;
        streamRefusedUntil = clock.instant().plus(STREAM_REFUSED_RETRY);
      }
      return;
    }
    InputStream in = res.body();
    openStream.set(in);
    if (isClosed()) {
      closeStream();
      return;
    }
    backoff.reset();
    fresh(ClientStatus.Mode.STREAMING);
    Watchdog watchdog = new Watchdog();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      SseParser parser = new SseParser(this::onEvent);
      String line;
      while ((line = reader.readLine()) != null) {
        watchdog.touch();
        parser.line(line);
      }
      failed("event stream closed by the server");
    } catch (IOException e) {
      if (!isClosed()) {
        failed(watchdog.fired ? "event stream idle for " + streamIdleTimeout.toSeconds() + " s"
            : "event stream broken: " + describe(e));
      }
    } finally {
      watchdog.stop();
      openStream.set(null);
    }
  }

  private void onEvent(SseParser.Event event) {
    if (event.id() != null) {
      lastEventId = event.id();
    }
    switch (event.type()) {
      case "features" -> {
        if (!event.data().isBlank()) {
          apply(event.data());
        }
      }
      case "features-updated" -> fetchOnce(requestTimeout);
      default -> {
        // heartbeats and unknown event types only prove the connection is alive
      }
    }
  }

  /** Swaps in a payload if it parses; tells listeners what changed. */
  private boolean apply(String next) {
    String previous = payload;
    if (next.equals(previous)) {
      fresh(null);
      return true;
    }
    Set<String> previousKeys = features.featureKeys();
    try {
      features.update(next);
    } catch (PayloadException e) {
      failed("the server sent an invalid payload, keeping the previous one: " + e.getMessage());
      return false;
    }
    payload = next;
    writeCache(next);
    status = new ClientStatus(ClientStatus.State.READY, ClientStatus.Source.SERVER,
        status.mode() == ClientStatus.Mode.OFF ? ClientStatus.Mode.POLLING : status.mode(),
        clock.instant(), null);
    Set<String> changed = changedFeatures(previous, next, previousKeys, features.featureKeys());
    if (!changed.isEmpty()) {
      for (ConfigChangeListener l : listeners) {
        try {
          l.onChange(changed);
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "a configuration change listener failed", e);
        }
      }
    }
    return true;
  }

  /**
   * Keys of features added, removed or changed between two payloads; for encrypted payloads,
   * which cannot be compared feature by feature, every key of either.
   */
  static Set<String> changedFeatures(@Nullable String previous, String next, Set<String> previousKeys,
      Set<String> nextKeys) {
    Map<String, Object> before = featuresOf(previous);
    Map<String, Object> after = featuresOf(next);
    Set<String> changed = new HashSet<>();
    if (before == null || after == null) {
      changed.addAll(previousKeys);
      changed.addAll(nextKeys);
      return changed;
    }
    for (Map.Entry<String, Object> e : after.entrySet()) {
      if (!Objects.equals(before.get(e.getKey()), e.getValue())) {
        changed.add(e.getKey());
      }
    }
    for (String k : before.keySet()) {
      if (!after.containsKey(k)) {
        changed.add(k);
      }
    }
    return changed;
  }

  @SuppressWarnings("unchecked")
  private static @Nullable Map<String, Object> featuresOf(@Nullable String payload) {
    if (payload == null) {
      return Map.of();
    }
    Object doc = Json.parse(payload);
    if (!(doc instanceof Map<?, ?> m) || m.containsKey("encryptedFeatures")) {
      return null;
    }
    Object f = m.get("features");
    return f instanceof Map<?, ?> fm ? (Map<String, Object>) fm : Map.of();
  }

  private void fresh(ClientStatus.@Nullable Mode mode) {
    ClientStatus s = status;
    if (s.state() == ClientStatus.State.CLOSED) {
      return;
    }
    ClientStatus.Mode m = mode == null ? s.mode() : mode;
    boolean fromServer = s.source() == ClientStatus.Source.SERVER;
    status = new ClientStatus(fromServer ? ClientStatus.State.READY : s.state(), s.source(), m,
        s.lastUpdated(), fromServer ? null : s.lastError());
  }

  private void markMode(ClientStatus.Mode mode) {
    ClientStatus s = status;
    if (s.mode() != mode && s.state() != ClientStatus.State.CLOSED) {
      status = new ClientStatus(s.state(), s.source(), mode, s.lastUpdated(), s.lastError());
    }
  }

  private void failed(String reason) {
    ClientStatus s = status;
    if (s.state() == ClientStatus.State.CLOSED || isClosed()) {
      return;
    }
    ClientStatus.State state = payload == null ? ClientStatus.State.DEFAULTS : ClientStatus.State.STALE;
    status = new ClientStatus(state, s.source(), s.mode(), s.lastUpdated(), reason);
    LOG.log(Level.FINE, reason);
  }

  // ---- cache ----

  private @Nullable String readCache() {
    if (cacheFile == null || !Files.isRegularFile(cacheFile)) {
      return null;
    }
    try {
      return Files.readString(cacheFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot read the Assay cache file " + cacheFile, e);
      return null;
    }
  }

  private void writeCache(String json) {
    if (cacheFile == null) {
      return;
    }
    try {
      Path dir = cacheFile.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      Path tmp = Files.createTempFile(dir, ".assay-cache", ".tmp");
      Files.writeString(tmp, json, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.log(Level.WARNING, "cannot write the Assay cache file " + cacheFile, e);
    }
  }

  // ---- helpers ----

  private boolean isClosed() {
    return closed.getCount() == 0;
  }

  private void sleep(Duration d) {
    try {
      closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed.countDown();
    }
  }

  private void closeStream() {
    InputStream in = openStream.getAndSet(null);
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // the stream is being abandoned
      }
    }
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /** Closes the event stream when nothing (not even a heartbeat) arrived for the idle timeout. */
  private final class Watchdog {
    private volatile long last = System.nanoTime();
    private volatile boolean fired;
    private final Thread thread;

    Watchdog() {
      thread = new Thread(() -> {
        long limit = streamIdleTimeout.toNanos();
        while (!Thread.currentThread().isInterrupted()) {
          long idle = System.nanoTime() - last;
          if (idle >= limit) {
            fired = true;
            closeStream();
            return;
          }
          try {
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(limit - idle)));
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "assay-stream-watchdog");
      thread.setDaemon(true);
      thread.start();
    }

    void touch() {
      last = System.nanoTime();
    }

    void stop() {
      thread.interrupt();
    }
  }

  /** Configures an {@link AssayClient}. */
  public static final class Builder {
    private final String serverUrl;
    private final String clientKey;
    private ExperimentClient.Builder evaluation = ExperimentClient.builder();
    private @Nullable String bootstrap;
    private @Nullable Path cacheFile;
    private Duration initialTimeout = Duration.ofSeconds(2);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(5);
    private Duration pollInterval = Duration.ofSeconds(30);
    private Duration streamIdleTimeout = Duration.ofSeconds(90);
    private Duration reconnectDelay = Duration.ofSeconds(1);
    private Duration maxReconnectDelay = Duration.ofSeconds(60);
    private boolean streaming = true;
    private boolean sync = true;
    private @Nullable UnaryOperator<EventLogger.Builder> events;
    private final List<ConfigChangeListener> listeners = new java.util.ArrayList<>();
    private Clock clock = Clock.systemUTC();

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

    /** Reads the bootstrap payload from a UTF-8 file. */
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

    /** How long {@link #build()} waits for the first payload. Default 2 s. */
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
     * Builds the client: loads the cache or bootstrap, waits up to the initial timeout for the
     * server, and starts syncing. Never fails because the server is unreachable.
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
