package dev.assay.sdk;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The background half of an {@link AssayClient}: one daemon thread that first loads the cache file
 * and asks the server once ({@link #awaitFirstLoad} waits for that), then follows the server's event
 * stream, or polls with {@code If-None-Match} when streaming is unavailable, and swaps every new
 * payload into the {@link ExperimentClient}. The status it keeps is read by any thread.
 *
 * <p>All I/O (file and network) happens on that thread, so building a client never blocks.
 */
final class ConfigSync {

  private static final Logger LOG = Logger.getLogger(ConfigSync.class.getName());

  private final ExperimentClient features;
  private final URI payloadUri;
  private final URI streamUri;
  private final HttpClient http;
  private final Duration initialTimeout;
  private final Duration requestTimeout;
  private final Duration pollInterval;
  private final Duration streamIdleTimeout;
  private final boolean streaming;
  private final boolean sync;
  private final @Nullable PayloadCache cache;
  private final List<ConfigChangeListener> listeners;
  private final Clock clock;
  private final Backoff backoff;
  private final SyncStatus status;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final CountDownLatch firstLoad = new CountDownLatch(1);
  private final AtomicReference<@Nullable InputStream> openStream = new AtomicReference<>();
  private final Thread thread;

  private volatile @Nullable String payload;
  private volatile @Nullable String etag;
  private volatile @Nullable String lastEventId;
  private volatile boolean serverSupportsSse;
  /* Set when the event stream was refused (404, 405, 501: e.g. a proxy without SSE): poll until then. */
  private volatile Instant streamRefusedUntil = Instant.MIN;

  ConfigSync(AssayClient.Builder b, ExperimentClient features, @Nullable String bootstrap) {
    String base = b.serverUrl.endsWith("/") ? b.serverUrl.substring(0, b.serverUrl.length() - 1) : b.serverUrl;
    String key = URLEncoder.encode(b.clientKey, StandardCharsets.UTF_8);
    this.features = features;
    this.payloadUri = URI.create(base + "/api/features/" + key);
    this.streamUri = URI.create(base + "/sub/" + key);
    this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).build();
    this.initialTimeout = b.initialTimeout;
    this.requestTimeout = b.requestTimeout;
    this.pollInterval = b.pollInterval;
    this.streamIdleTimeout = b.streamIdleTimeout;
    this.streaming = b.streaming;
    this.sync = b.sync;
    this.cache = b.cacheFile == null ? null : new PayloadCache(b.cacheFile);
    this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    this.clock = b.clock;
    this.backoff = new Backoff(b.reconnectDelay, b.maxReconnectDelay);
    this.payload = bootstrap;
    this.status = new SyncStatus(bootstrap == null ? ClientStatus.Source.NONE : ClientStatus.Source.BOOTSTRAP,
        bootstrap == null ? null : clock.instant());
    this.thread = new Thread(this::run, "assay-config-sync");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  ClientStatus status() {
    return status.get();
  }

  @Nullable String payload() {
    return payload;
  }

  void addListener(ConfigChangeListener listener) {
    listeners.add(listener);
  }

  /**
   * Waits until the first load is over: the cache file read and, when syncing, the first answer
   * of the server (or its failure, after at most the initial timeout).
   *
   * @return true if the first load ended within the timeout
   */
  boolean awaitFirstLoad(Duration timeout) throws InterruptedException {
    return firstLoad.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Fetches the payload now (conditional on the ETag); true if the server answered (200 or 304). */
  boolean refresh() {
    return sync && fetchOnce(requestTimeout);
  }

  /** Stops the thread (waiting up to 5 s for it) and marks the status closed. Idempotent. */
  void close() {
    closed.countDown();
    closeStream();
    thread.interrupt();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    status.close();
  }

  // ---- the sync thread ----

  private void run() {
    try {
      loadCache();
      if (sync && !isClosed()) {
        fetchOnce(initialTimeout);
      }
    } catch (RuntimeException e) {
      failed("first load: " + e);
    } finally {
      firstLoad.countDown();
    }
    if (sync) {
      syncLoop();
    }
  }

  private void loadCache() {
    if (cache == null) {
      return;
    }
    String cached = cache.read().orElse(null);
    if (cached == null || isClosed()) {
      return;
    }
    String previous = payload;
    Set<String> previousKeys = features.featureKeys();
    try {
      features.update(cached);
    } catch (PayloadException e) {
      LOG.log(Level.WARNING, "ignoring the unreadable Assay cache file " + cache.file() + ": " + e.getMessage());
      return;
    }
    payload = cached;
    status.loaded(ClientStatus.Source.CACHE, clock.instant());
    notifyListeners(PayloadDiff.changedFeatures(previous, cached, previousKeys, features.featureKeys()));
  }

  private void syncLoop() {
    while (!isClosed()) {
      try {
        if (streaming && serverSupportsSse && !clock.instant().isBefore(streamRefusedUntil)) {
          stream();
        } else {
          status.mode(ClientStatus.Mode.POLLING);
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
      status.fresh(ClientStatus.Mode.POLLING);
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
    HttpResponse<InputStream> res = openEventStream();
    if (res == null) {
      return;
    }
    InputStream in = res.body();
    openStream.set(in);
    if (isClosed()) {
      closeStream();
      return;
    }
    backoff.reset();
    status.fresh(ClientStatus.Mode.STREAMING);
    StreamWatchdog watchdog = new StreamWatchdog(streamIdleTimeout, this::closeStream);
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
        failed(watchdog.fired() ? "event stream idle for " + streamIdleTimeout.toSeconds() + " s"
            : "event stream broken: " + describe(e));
      }
    } finally {
      watchdog.stop();
      openStream.set(null);
    }
  }

  /** The open event stream, or null (the failure recorded) when it could not be opened. */
  private @Nullable HttpResponse<InputStream> openEventStream() {
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
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    if (res.statusCode() == 200) {
      return res;
    }
    try (InputStream ignored = res.body()) {
      failed("GET " + streamUri + " answered " + res.statusCode());
    } catch (IOException ignored) {
      // closing a failed response
    }
    if (res.statusCode() == 404 || res.statusCode() == 405 || res.statusCode() == 501) {
      // Streaming is not available on this path; poll, and try streaming again much later.
      serverSupportsSse = false;
      streamRefusedUntil = clock.instant().plus(AssayClient.STREAM_REFUSED_RETRY);
    }
    return null;
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

  /** Swaps in a payload from the server if it parses; tells listeners what changed. */
  private boolean apply(String next) {
    String previous = payload;
    if (next.equals(previous) && status.get().source() == ClientStatus.Source.SERVER) {
      status.fresh(null);
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
    if (cache != null) {
      cache.write(next);
    }
    status.loaded(ClientStatus.Source.SERVER, clock.instant());
    notifyListeners(PayloadDiff.changedFeatures(previous, next, previousKeys, features.featureKeys()));
    return true;
  }

  private void notifyListeners(Set<String> changed) {
    if (changed.isEmpty()) {
      return;
    }
    for (ConfigChangeListener l : listeners) {
      try {
        l.onChange(changed);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a configuration change listener failed", e);
      }
    }
  }

  private void failed(String reason) {
    if (isClosed()) {
      return;
    }
    status.failed(payload != null, reason);
    LOG.log(Level.FINE, reason);
  }

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
}
