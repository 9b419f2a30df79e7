package dev.assay.sdk;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Sends exposures and metric events to an Assay server's {@code POST /api/v1/events}, in the
 * background, without ever slowing the application down.
 *
 * <p>{@link #track} and {@link #onExposure} run on the caller's thread and only put a small
 * object in a bounded lock-free queue: they never block, never do I/O and never throw. When the
 * queue is full the event is dropped and counted ({@link Stats#droppedQueueFull()}). One sender
 * thread takes the events off the queue and posts them as gzip-compressed JSON arrays of up to
 * {@link Builder#batchSize} events, when a batch is full or {@link Builder#flushInterval} after
 * the last send. A batch answered with 429, 503 (or another 5xx) or lost to a network error is
 * retried with exponential backoff and jitter, and never sooner than the server's
 * {@code Retry-After}; after {@link Builder#maxRetries} it is dropped and counted. Every event
 * carries an id generated here and kept across retries, so the server stores a re-sent event only
 * once. {@link #close} sends what is queued (for at most {@link Builder#closeTimeout}).
 *
 * <pre>{@code
 * EventLogger events = EventLogger.builder("https://assay.example.com", "sdk-abc123").build();
 * ExperimentClient client = ExperimentClient.builder().payload(json).onExposure(events).build();
 * events.track("purchase", userId, 19.99, Map.of("currency", "EUR"));
 * }</pre>
 *
 * <p>As an {@link ExposureListener} the logger records every exposure it is told about; the
 * {@link ExperimentClient} it listens to tells it once per unit, experiment and variation. Over an
 * {@link AssayClient}, {@link AssayClient.Builder#logEvents()} wires all of this up.
 *
 * <p>Thread-safe. Events are what happened; they are only as complete as the queue and the
 * retries allow, which the {@link #stats()} make visible.
 */
public final class EventLogger implements ExposureListener, AutoCloseable {

  /** The server's limits on one event (see the server's event parser). */
  static final int MAX_STRING = 256;
  static final int MAX_PROPERTIES = 50;
  /** The server's limit on events per request. */
  static final int MAX_BATCH = 10_000;

  private final long closeTimeoutNanos;
  private final Clock clock;
  private final EventQueue<QueuedEvent> queue;
  private final EventCounters counters = new EventCounters();
  private final EventSender sender;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EventLogger(Builder b) {
    this.queue = new EventQueue<>(b.capacity);
    this.closeTimeoutNanos = b.closeTimeout.toNanos();
    this.clock = b.clock;
    this.sender = new EventSender(b, queue, counters);
  }

  /**
   * Starts configuring a logger.
   *
   * @param serverUrl the Assay server's base URL, e.g. {@code https://assay.example.com}
   * @param key an SDK connection's client key, or an API key whose role may write metrics
   */
  public static Builder builder(String serverUrl, String key) {
    return new Builder(serverUrl, key);
  }

  // ---- the caller's side ----

  /** Records a metric event with no value and no properties; see {@link #track(String, String, double, Map)}. */
  public boolean track(String name, String unitId) {
    return enqueueMetric(name, unitId, Double.NaN, Map.of());
  }

  /**
   * Records a metric event with a value.
   *
   * @deprecated one form per shape of event: use {@link #track(String, String, double, Map)} with
   *     {@code Map.of()} (no cost); this overload goes in the next release
   */
  @Deprecated(since = "0.1.0", forRemoval = true)
  public boolean track(String name, String unitId, double value) {
    return track(name, unitId, value, Map.of());
  }

  /** Records a metric event with properties and no value; see {@link #track(String, String, double, Map)}. */
  public boolean track(String name, String unitId, Map<String, ?> properties) {
    return enqueueMetric(name, unitId, Double.NaN, properties);
  }

  /**
   * Records a metric event (a conversion, a purchase, a page view…) for a unit. Never blocks and
   * never throws.
   *
   * @param name the event's name, as metrics refer to it, e.g. {@code "purchase"}; 1–256 characters
   * @param unitId the unit's id, the same value experiments hash (usually the user id); 1–256 characters
   * @param value the event's numeric value (an amount, a duration); must be finite
   * @param properties up to 50 more fields (strings, numbers, booleans, lists, maps), copied here
   * @return true if queued; false if dropped because the arguments are invalid, the queue is full
   *     or the logger is closed (each counted in {@link #stats()})
   */
  public boolean track(String name, String unitId, double value, Map<String, ?> properties) {
    if (!Double.isFinite(value)) {
      counters.droppedInvalid.increment();
      return false;
    }
    return enqueueMetric(name, unitId, value, properties);
  }

  /**
   * Reports one failed request served by a variation of an experiment (a {@code $error} event),
   * for the experiment's circuit breaker; for a flag, track {@code $error} with the properties
   * {@code flagKey} and {@code variationId}. Never blocks and never throws.
   */
  public boolean reportError(String experimentKey, int variationId, String unitId) {
    return enqueueMetric("$error", unitId, Double.NaN, signal(experimentKey, variationId));
  }

  /** Reports one request's latency in ms (a {@code $latency_ms} event); report one per request. */
  public boolean reportLatency(String experimentKey, int variationId, String unitId, double millis) {
    return enqueueMetric("$latency_ms", unitId, millis, signal(experimentKey, Double.isFinite(millis) ? variationId : -1));
  }

  private static @Nullable Map<String, ?> signal(@Nullable String key, int variationId) {
    return key == null || variationId < 0 ? null : Map.of("experimentKey", key, "variationId", variationId);
  }

  /**
   * Records an exposure: the unit saw this variation of the experiment. Called by an
   * {@link ExperimentClient} (once per unit, experiment and variation) when this logger is its
   * exposure listener. Never blocks and never throws.
   */
  @Override
  public void onExposure(Experiment experiment, ExperimentResult result) {
    try {
      String cluster = result.unitValue == null ? null : result.hashValue(); // ADR 0039
      String unit = cluster == null ? result.hashValue() : Objects.requireNonNull(result.unitValue);
      if (!valid(experiment.key()) || !valid(unit) || !valid(result.hashAttribute())) {
        counters.droppedInvalid.increment();
        return;
      }
      offer(QueuedEvent.exposure(clock.millis(), unit, result.hashAttribute(), experiment.key(),
          result.variationId(), result.key(), result.rawFeatureId(), cluster));
    } catch (RuntimeException e) {
      counters.droppedInvalid.increment();
    }
  }

  private boolean enqueueMetric(@Nullable String name, @Nullable String unitId, double value,
      @Nullable Map<String, ?> properties) {
    try {
      if (name == null || unitId == null || !valid(name) || !valid(unitId) || properties == null
          || properties.size() > MAX_PROPERTIES) {
        counters.droppedInvalid.increment();
        return false;
      }
      return offer(QueuedEvent.metric(clock.millis(), unitId, name, value, copy(properties)));
    } catch (RuntimeException e) {
      counters.droppedInvalid.increment();
      return false;
    }
  }

  /**
   * A private copy, since the caller may change its map once track returns. An immutable map
   * ({@code Map.of}) is kept as it is, at no cost; a map with null values is copied to a HashMap.
   */
  private static Map<String, ?> copy(Map<String, ?> properties) {
    if (properties.isEmpty()) {
      return Map.of();
    }
    try {
      return Map.copyOf(properties);
    } catch (NullPointerException e) {
      return new HashMap<>(properties);
    }
  }

  private static boolean valid(@Nullable String s) {
    return s != null && !s.isEmpty() && s.length() <= MAX_STRING;
  }

  private boolean offer(QueuedEvent event) {
    if (closed.get()) {
      counters.droppedClosed.increment();
      return false;
    }
    long pos = queue.offer(event);
    if (pos < 0) {
      counters.droppedQueueFull.increment();
      return false;
    }
    sender.wake(pos);
    return true;
  }

  /**
   * Sends everything queued before this call and waits until the server acknowledged it, or it
   * was given up, or the timeout passed.
   *
   * @return true if everything queued before the call was dealt with within the timeout
   */
  public boolean flush(Duration timeout) {
    if (closed.get()) {
      return !sender.isAlive();
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    sender.requestFlush(done);
    try {
      done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** What the logger has queued, sent and dropped so far. */
  public Stats stats() {
    return counters.snapshot(queue);
  }

  /**
   * Stops taking events and sends what is queued, waiting at most the close timeout; what cannot
   * be sent by then is dropped and counted. Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      sender.close(closeTimeoutNanos);
    }
  }


  /**
   * Counters since the logger was built. Every event given to the logger is counted in one of
   * {@code queued}, {@code droppedQueueFull}, {@code droppedInvalid} or {@code droppedClosed}; every
   * queued event, once sent or given up, in {@code delivered}, {@code duplicates},
   * {@code rejectedByServer}, {@code droppedUndeliverable} or (properties not writable as JSON)
   * {@code droppedInvalid}, or is still {@code pending}.
   *
   * @param queued events accepted into the queue
   * @param delivered events the server stored
   * @param duplicates events the server already had (a retry of a batch it had stored)
   * @param batches requests the server acknowledged
   * @param retries requests repeated after a 429, 5xx or network error
   * @param droppedQueueFull events dropped because the queue was full
   * @param droppedInvalid events dropped as invalid: blank or over-long name or unit id, a
   *     non-finite value, more than 50 properties (all before queuing), or properties that cannot be
   *     written as JSON (when sending)
   * @param droppedClosed events given after {@link #close()}
   * @param rejectedByServer events the server refused one by one (with a reason, logged)
   * @param droppedUndeliverable events of batches given up: retries exhausted, a status that
   *     retrying cannot fix (400, 401, 403, 413…), or still queued when closing timed out
   * @param pending events in the queue now
   */
  public record Stats(long queued, long delivered, long duplicates, long batches, long retries,
      long droppedQueueFull, long droppedInvalid, long droppedClosed, long rejectedByServer,
      long droppedUndeliverable, int pending) {

    /** All events lost, for whatever reason. */
    public long dropped() {
      return droppedQueueFull + droppedInvalid + droppedClosed + rejectedByServer + droppedUndeliverable;
    }
  }

  /** Configures an {@link EventLogger}. */
  public static final class Builder {
    final URI endpoint;
    final String key;
    int capacity = 10_000;
    int batchSize = 100;
    Duration flushInterval = Duration.ofSeconds(1);
    Duration connectTimeout = Duration.ofSeconds(2);
    Duration requestTimeout = Duration.ofSeconds(10);
    int maxRetries = 8;
    Duration retryDelay = Duration.ofMillis(500);
    Duration maxRetryDelay = Duration.ofSeconds(30);
    Duration closeTimeout = Duration.ofSeconds(5);
    boolean gzip = true;
    Clock clock = Clock.systemUTC();

    private Builder(String serverUrl, String key) {
      Objects.requireNonNull(serverUrl, "serverUrl");
      Objects.requireNonNull(key, "key");
      URI u;
      try {
        u = URI.create(serverUrl.endsWith("/") ? serverUrl.substring(0, serverUrl.length() - 1) : serverUrl);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("serverUrl is not a valid URL: " + serverUrl, e);
      }
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        throw new IllegalArgumentException("serverUrl must be http:// or https://, was " + serverUrl);
      }
      if (key.isEmpty() || !key.chars().allMatch(c -> c > ' ' && c < 127)) {
        throw new IllegalArgumentException("key must be a non-empty token of printable ASCII without spaces");
      }
      this.endpoint = URI.create(u + "/api/v1/events");
      this.key = key;
    }

    /** Most events held in memory waiting to be sent; more are dropped (counted). Default 10,000. */
    public Builder queueCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be at least 1, was " + capacity);
      }
      this.capacity = capacity;
      return this;
    }

    /** Most events in one request; a full batch is sent at once. Default 100, at most 10,000. */
    public Builder batchSize(int size) {
      if (size < 1 || size > MAX_BATCH) {
        throw new IllegalArgumentException("batchSize must be between 1 and " + MAX_BATCH + ", was " + size);
      }
      this.batchSize = size;
      return this;
    }

    /** Longest time an event waits for its batch to fill. Default 1 s. */
    public Builder flushInterval(Duration interval) {
      this.flushInterval = positive(interval, "flushInterval");
      return this;
    }

    /** Timeout to connect to the server. Default 2 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** Timeout of one request, after which it counts as a network error. Default 10 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /** How many times a batch is re-sent after a 429, 5xx or network error before it is dropped. Default 8. */
    public Builder maxRetries(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("maxRetries must not be negative, was " + retries);
      }
      this.maxRetries = retries;
      return this;
    }

    /**
     * The first retry delay and its cap; delays double with jitter, and are never shorter than the
     * server's {@code Retry-After} (itself capped at 5 minutes). Defaults 500 ms and 30 s.
     */
    public Builder retryDelay(Duration first, Duration max) {
      this.retryDelay = positive(first, "retryDelay");
      this.maxRetryDelay = positive(max, "maxRetryDelay");
      if (max.compareTo(first) < 0) {
        throw new IllegalArgumentException("maxRetryDelay " + max + " is shorter than retryDelay " + first);
      }
      return this;
    }

    /** How long {@link EventLogger#close()} may spend sending what is queued. Default 5 s. */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = positive(timeout, "closeTimeout");
      return this;
    }

    /** Whether request bodies are gzip-compressed. Default true. */
    public Builder gzip(boolean gzip) {
      this.gzip = gzip;
      return this;
    }

    /** The clock that timestamps events. Default the system clock (UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Builds the logger and starts its sender thread (a daemon). */
    public EventLogger build() {
      return new EventLogger(this);
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
