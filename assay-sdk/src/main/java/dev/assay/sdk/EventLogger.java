package dev.assay.sdk;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;
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

  private static final Logger LOG = Logger.getLogger(EventLogger.class.getName());
  private static final JsonFactory JSON = JsonFactory.builder().build();
  /** The server's limits on one event (see the server's event parser). */
  static final int MAX_STRING = 256;
  static final int MAX_PROPERTIES = 50;
  /** The server's limit on events per request. */
  static final int MAX_BATCH = 10_000;
  /** The longest {@code Retry-After} honoured; a longer one is taken as this. */
  static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

  private final URI endpoint;
  private final String authorization;
  private final HttpClient http;
  private final int batchSize;
  private final long flushIntervalNanos;
  private final Duration requestTimeout;
  private final int maxRetries;
  private final Backoff backoff;
  private final long closeTimeoutNanos;
  private final boolean gzip;
  private final Clock clock;

  private final EventQueue<QueuedEvent> queue;
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> flushRequests = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread sender;
  /** A random prefix per logger, so ids never collide across processes; then a sequence number. */
  private final String idPrefix = UUID.randomUUID() + "-";
  private long nextId;
  /** The sender's reused buffers: the request body, and each event id's characters. */
  private final Body body = new Body();
  private final StringBuilder id = new StringBuilder(idPrefix);
  private char[] idChars = new char[64];
  private volatile long closeDeadline = Long.MAX_VALUE;
  /** True while the sender waits for a batch to fill; producers wake it only then. */
  private volatile boolean senderParked;

  private final LongAdder delivered = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder droppedQueueFull = new LongAdder();
  private final LongAdder droppedInvalid = new LongAdder();
  private final LongAdder droppedClosed = new LongAdder();
  private final LongAdder rejectedByServer = new LongAdder();
  private final LongAdder droppedUndeliverable = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final LongAdder retries = new LongAdder();

  private EventLogger(Builder b) {
    this.endpoint = b.endpoint;
    this.authorization = "Bearer " + b.key;
    this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).build();
    this.queue = new EventQueue<>(b.capacity);
    this.batchSize = b.batchSize;
    this.flushIntervalNanos = b.flushInterval.toNanos();
    this.requestTimeout = b.requestTimeout;
    this.maxRetries = b.maxRetries;
    this.backoff = new Backoff(b.retryDelay, b.maxRetryDelay);
    this.closeTimeoutNanos = b.closeTimeout.toNanos();
    this.gzip = b.gzip;
    this.clock = b.clock;
    this.sender = new Thread(this::sendLoop, "assay-event-sender");
    sender.setDaemon(true);
    sender.start();
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

  /** Records a metric event with a value; see {@link #track(String, String, double, Map)}. */
  public boolean track(String name, String unitId, double value) {
    if (!Double.isFinite(value)) {
      droppedInvalid.increment();
      return false;
    }
    return enqueueMetric(name, unitId, value, Map.of());
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
      droppedInvalid.increment();
      return false;
    }
    return enqueueMetric(name, unitId, value, properties);
  }

  /**
   * Records an exposure: the unit saw this variation of the experiment. Called by an
   * {@link ExperimentClient} (once per unit, experiment and variation) when this logger is its
   * exposure listener. Never blocks and never throws.
   */
  @Override
  public void onExposure(Experiment experiment, ExperimentResult result) {
    try {
      String unit = result.hashValue();
      if (!valid(experiment.key()) || !valid(unit) || !valid(result.hashAttribute())) {
        droppedInvalid.increment();
        return;
      }
      offer(QueuedEvent.exposure(clock.millis(), unit, result.hashAttribute(), experiment.key(),
          result.variationId(), result.key(), result.rawFeatureId()));
    } catch (RuntimeException e) {
      droppedInvalid.increment();
    }
  }

  private boolean enqueueMetric(@Nullable String name, @Nullable String unitId, double value,
      @Nullable Map<String, ?> properties) {
    try {
      if (name == null || unitId == null || !valid(name) || !valid(unitId) || properties == null || properties.size() > MAX_PROPERTIES) {
        droppedInvalid.increment();
        return false;
      }
      return offer(QueuedEvent.metric(clock.millis(), unitId, name, value, copy(properties)));
    } catch (RuntimeException e) {
      droppedInvalid.increment();
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
      droppedClosed.increment();
      return false;
    }
    long pos = queue.offer(event);
    if (pos < 0) {
      droppedQueueFull.increment();
      return false;
    }
    if (senderParked && pos + 1 - queue.polled() >= batchSize) {
      LockSupport.unpark(sender); // a full batch is ready
    }
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
    flushRequests.add(done);
    LockSupport.unpark(sender);
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
    return new Stats(queue.offered(), delivered.sum(), duplicates.sum(), batches.sum(), retries.sum(),
        droppedQueueFull.sum(), droppedInvalid.sum(), droppedClosed.sum(), rejectedByServer.sum(),
        droppedUndeliverable.sum(), queue.size());
  }

  /**
   * Stops taking events and sends what is queued, waiting at most the close timeout; what cannot
   * be sent by then is dropped and counted. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeDeadline = System.nanoTime() + closeTimeoutNanos;
    LockSupport.unpark(sender);
    try {
      sender.join(TimeUnit.NANOSECONDS.toMillis(closeTimeoutNanos) + 1000);
      if (sender.isAlive()) {
        sender.interrupt(); // a request hanging past the deadline
        sender.join(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the sender's side ----

  /*
   * One thread, so batches never overlap and there is never more than one request in flight: while
   * it waits on a slow or failing server the queue absorbs the traffic up to its capacity, and
   * beyond that events are dropped (counted), never buffered without bound.
   */
  private void sendLoop() {
    long nextTimedFlush = System.nanoTime() + flushIntervalNanos;
    while (true) {
      boolean closing = closed.get();
      List<CompletableFuture<Void>> waiting = new ArrayList<>();
      for (CompletableFuture<Void> f; (f = flushRequests.poll()) != null; ) {
        waiting.add(f);
      }
      long now = System.nanoTime();
      boolean due = now - nextTimedFlush >= 0;
      boolean sendAll = closing || due || !waiting.isEmpty();
      while (queue.size() >= batchSize || (sendAll && queue.size() > 0)) {
        if (Thread.currentThread().isInterrupted()
            || (closing && System.nanoTime() - closeDeadline > 0)) {
          break; // what is left is abandoned (and counted) below
        }
        List<QueuedEvent> batch = take();
        try {
          send(batch);
        } catch (RuntimeException e) {
          droppedUndeliverable.add(batch.size());
          LOG.log(Level.WARNING, "the Assay event sender failed unexpectedly; dropped " + batch.size() + " event(s)", e);
        }
      }
      if (sendAll) {
        nextTimedFlush = System.nanoTime() + flushIntervalNanos;
      }
      waiting.forEach(f -> f.complete(null));
      if (closing || Thread.currentThread().isInterrupted()) {
        abandonQueue();
        flushRequests.forEach(f -> f.complete(null));
        return;
      }
      senderParked = true;
      if (queue.size() < batchSize && flushRequests.isEmpty() && !closed.get()) {
        LockSupport.parkNanos(this, Math.max(0, nextTimedFlush - System.nanoTime()));
      }
      senderParked = false;
    }
  }

  private List<QueuedEvent> take() {
    List<QueuedEvent> batch = new ArrayList<>(Math.min(batchSize, Math.max(1, queue.size())));
    int spins = 0;
    while (batch.size() < batchSize) {
      QueuedEvent e = queue.poll();
      if (e != null) {
        batch.add(e);
      } else if (queue.size() > 0 && spins++ < 10_000) {
        Thread.onSpinWait(); // a producer took its slot and is about to publish the event
      } else {
        break;
      }
    }
    return batch;
  }

  private void abandonQueue() {
    int n = 0;
    for (int spins = 0; queue.size() > 0 && spins < 10_000; ) {
      if (queue.poll() != null) {
        n++;
      } else {
        spins++;
        Thread.onSpinWait();
      }
    }
    if (n > 0) {
      droppedUndeliverable.add(n);
      LOG.warning("Assay event logger closed with " + n + " event(s) not sent");
    }
  }

  /** Posts one batch, retrying what is worth retrying; counts the outcome. */
  private void send(List<QueuedEvent> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      encode(batch);
    } catch (RuntimeException | StackOverflowError e) {
      batch = writable(batch);
      if (batch.isEmpty()) {
        return;
      }
      encode(batch);
    }
    backoff.reset();
    for (int attempt = 0; ; attempt++) {
      Outcome outcome = post(body);
      if (outcome.done) {
        return;
      }
      if (outcome.fatal || attempt >= maxRetries) {
        droppedUndeliverable.add(batch.size());
        LOG.warning("Assay dropped " + batch.size() + " event(s): " + outcome.reason
            + (outcome.fatal ? "" : " (after " + (attempt + 1) + " attempts)"));
        return;
      }
      long delay = Math.max(backoff.next().toNanos(), outcome.retryAfterNanos);
      if (closed.get() && System.nanoTime() + delay - closeDeadline > 0) {
        droppedUndeliverable.add(batch.size());
        LOG.warning("Assay dropped " + batch.size() + " event(s) at close: " + outcome.reason);
        return;
      }
      LOG.log(Level.FINE, "Assay events: " + outcome.reason + "; retrying in " + delay / 1_000_000 + " ms");
      retries.increment();
      if (!pause(delay)) {
        droppedUndeliverable.add(batch.size());
        return;
      }
    }
  }

  /**
   * The events whose properties can be written as JSON; the others (a value whose
   * {@code toString} throws, a map that contains itself) are dropped and counted as invalid.
   */
  private List<QueuedEvent> writable(List<QueuedEvent> batch) {
    List<QueuedEvent> ok = new ArrayList<>(batch.size());
    for (QueuedEvent e : batch) {
      try {
        Json.write(e.properties);
        ok.add(e);
      } catch (RuntimeException | StackOverflowError x) {
        droppedInvalid.increment();
        LOG.warning("Assay dropped event '" + e.name + "': its properties cannot be written as JSON: " + x);
      }
    }
    return ok;
  }

  /** Waits, waking early only to give up at close; false if interrupted. */
  private boolean pause(long nanos) {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
      if (Thread.currentThread().isInterrupted()) {
        return false;
      }
      if (closed.get() && end - closeDeadline > 0) {
        return true; // the next attempt is the last one before the deadline
      }
    }
    return true;
  }

  private record Outcome(boolean done, boolean fatal, long retryAfterNanos, String reason) {
    static final Outcome DONE = new Outcome(true, false, 0, "");

    static Outcome retry(String reason, long retryAfterNanos) {
      return new Outcome(false, false, retryAfterNanos, reason);
    }

    static Outcome fatal(String reason) {
      return new Outcome(false, true, 0, reason);
    }
  }

  private Outcome post(Body body) {
    HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint)
        .timeout(requestTimeout)
        .header("Authorization", authorization)
        .header("Content-Type", "application/json")
        .header("User-Agent", "assay-java-sdk")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes(), 0, body.size()));
    if (gzip) {
      rb.header("Content-Encoding", "gzip");
    }
    HttpResponse<String> res;
    try {
      res = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Outcome.retry("cannot reach " + endpoint + ": " + e, 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.fatal("interrupted while sending");
    }
    int status = res.statusCode();
    if (status >= 200 && status < 300) {
      acknowledged(res.body());
      return Outcome.DONE;
    }
    String reason = "POST " + endpoint + " answered " + status + ": " + abbreviate(res.body());
    if (status == 429 || status == 408 || status >= 500) {
      return Outcome.retry(reason, retryAfterNanos(res.headers().firstValue("Retry-After").orElse(null)));
    }
    // 400, 401, 403, 413, 415…: sending the same bytes again cannot succeed.
    return Outcome.fatal(reason);
  }

  private void acknowledged(String body) {
    batches.increment();
    try {
      if (Json.parse(body) instanceof Map<?, ?> m) {
        delivered.add(m.get("accepted") instanceof Number n ? n.longValue() : 0);
        duplicates.add(m.get("duplicates") instanceof Number n ? n.longValue() : 0);
        if (m.get("rejected") instanceof List<?> rejected && !rejected.isEmpty()) {
          rejectedByServer.add(rejected.size());
          LOG.warning("Assay server rejected " + rejected.size() + " event(s), e.g. " + rejected.get(0));
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "unreadable acknowledgement from " + endpoint + ": " + abbreviate(body));
    }
  }

  /** {@code Retry-After} as delay-seconds or an HTTP date; 0 when absent or unreadable. */
  static long retryAfterNanos(@Nullable String header) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    long nanos;
    String h = header.strip();
    try {
      nanos = TimeUnit.SECONDS.toNanos(Long.parseLong(h));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME);
        nanos = Duration.between(Clock.systemUTC().instant(), at.toInstant()).toNanos();
      } catch (DateTimeParseException | ArithmeticException e2) {
        return 0;
      }
    }
    return Math.max(0, Math.min(nanos, MAX_RETRY_AFTER.toNanos()));
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "…";
  }

  /** A request body buffer, reused from batch to batch by the sender thread. */
  private static final class Body extends ByteArrayOutputStream {
    Body() {
      super(16 * 1024);
    }

    byte[] bytes() {
      return buf;
    }

    @Override
    public void close() {
      // kept open: the buffer is reused for the next batch
    }
  }

  /**
   * Writes the batch into {@link #body} as a JSON array in the server's event format,
   * gzip-compressed if configured. Gives each event its id.
   */
  void encode(List<QueuedEvent> batch) {
    body.reset();
    try (OutputStream out = gzip ? new GZIPOutputStream(body, 8192) : body;
        JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartArray();
      for (QueuedEvent e : batch) {
        g.writeStartObject();
        g.writeFieldName("id");
        id.setLength(idPrefix.length());
        id.append(nextId++);
        if (id.length() > idChars.length) {
          idChars = new char[id.length() * 2];
        }
        id.getChars(0, id.length(), idChars, 0);
        g.writeString(idChars, 0, id.length());
        g.writeStringField("type", e.exposure ? "exposure" : "metric");
        g.writeNumberField("timestamp", e.timestampMillis);
        g.writeStringField("unitId", e.unitId);
        if (e.exposure) {
          g.writeStringField("experimentKey", e.name);
          g.writeNumberField("variationId", e.variationId);
          g.writeStringField("hashAttribute", Objects.requireNonNull(e.hashAttribute));
          g.writeObjectFieldStart("attributes");
          if (e.variationKey != null) {
            g.writeStringField("variationKey", e.variationKey);
          }
          if (e.featureId != null && !e.featureId.isEmpty()) {
            g.writeStringField("featureId", e.featureId);
          }
          g.writeEndObject();
        } else {
          g.writeStringField("name", e.name);
          if (!Double.isNaN(e.value)) {
            g.writeNumberField("value", e.value);
          }
          if (!e.properties.isEmpty()) {
            g.writeFieldName("properties");
            Json.write(g, e.properties);
          }
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
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
    private final URI endpoint;
    private final String key;
    private int capacity = 10_000;
    private int batchSize = 100;
    private Duration flushInterval = Duration.ofSeconds(1);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private int maxRetries = 8;
    private Duration retryDelay = Duration.ofMillis(500);
    private Duration maxRetryDelay = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private boolean gzip = true;
    private Clock clock = Clock.systemUTC();

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
