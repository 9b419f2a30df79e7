package dev.assay.sdk;

import java.io.IOException;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The sender thread of an {@link EventLogger}: takes events off the queue, posts them in batches
 * and retries what is worth retrying, counting every outcome in the {@link EventCounters}.
 * {@link #wake}, {@link #requestFlush} and {@link #close} are called by other threads; everything
 * else runs on the sender thread only.
 */
final class EventSender {

  private static final Logger LOG = Logger.getLogger(EventLogger.class.getName());
  /** The longest {@code Retry-After} honoured; a longer one is taken as this. */
  static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

  private final EventQueue<QueuedEvent> queue;
  private final EventCounters counters;
  private final URI endpoint;
  private final String authorization;
  private final HttpClient http;
  private final int batchSize;
  private final long flushIntervalNanos;
  private final Duration requestTimeout;
  private final int maxRetries;
  private final Backoff backoff;
  private final BatchEncoder encoder;
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> flushRequests = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread sender;
  private volatile long closeDeadline = Long.MAX_VALUE;
  /** True while the sender waits for a batch to fill; producers wake it only then. */
  private volatile boolean senderParked;

  EventSender(EventLogger.Builder b, EventQueue<QueuedEvent> queue, EventCounters counters) {
    this.queue = queue;
    this.counters = counters;
    this.endpoint = b.endpoint;
    this.authorization = "Bearer " + b.key;
    this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).build();
    this.batchSize = b.batchSize;
    this.flushIntervalNanos = b.flushInterval.toNanos();
    this.requestTimeout = b.requestTimeout;
    this.maxRetries = b.maxRetries;
    this.backoff = new Backoff(b.retryDelay, b.maxRetryDelay);
    this.encoder = new BatchEncoder(b.gzip);
    this.sender = new Thread(this::sendLoop, "assay-event-sender");
    sender.setDaemon(true);
    sender.start();
  }

  /** Called by a producer after queuing at position {@code pos}: wakes the sender for a full batch. */
  void wake(long pos) {
    if (senderParked && pos + 1 - queue.polled() >= batchSize) {
      LockSupport.unpark(sender); // a full batch is ready
    }
  }

  /** Asks for everything queued to be sent now; {@code done} completes when it was dealt with. */
  void requestFlush(CompletableFuture<Void> done) {
    flushRequests.add(done);
    LockSupport.unpark(sender);
  }

  boolean isAlive() {
    return sender.isAlive();
  }

  /** Sends what is queued for at most {@code timeoutNanos}, then stops the thread. Once. */
  void close(long timeoutNanos) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeDeadline = System.nanoTime() + timeoutNanos;
    LockSupport.unpark(sender);
    try {
      sender.join(TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + 1000);
      if (sender.isAlive()) {
        sender.interrupt(); // a request hanging past the deadline
        sender.join(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

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
          counters.droppedUndeliverable.add(batch.size());
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
      counters.droppedUndeliverable.add(n);
      LOG.warning("Assay event logger closed with " + n + " event(s) not sent");
    }
  }

  /** Posts one batch, retrying what is worth retrying; counts the outcome. */
  private void send(List<QueuedEvent> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      encoder.encode(batch);
    } catch (RuntimeException | StackOverflowError e) {
      batch = writable(batch);
      if (batch.isEmpty()) {
        return;
      }
      encoder.encode(batch);
    }
    backoff.reset();
    for (int attempt = 0; ; attempt++) {
      Outcome outcome = post();
      if (outcome.done) {
        return;
      }
      if (outcome.fatal || attempt >= maxRetries) {
        counters.droppedUndeliverable.add(batch.size());
        LOG.warning("Assay dropped " + batch.size() + " event(s): " + outcome.reason
            + (outcome.fatal ? "" : " (after " + (attempt + 1) + " attempts)"));
        return;
      }
      long delay = Math.max(backoff.next().toNanos(), outcome.retryAfterNanos);
      if (closed.get() && System.nanoTime() + delay - closeDeadline > 0) {
        counters.droppedUndeliverable.add(batch.size());
        LOG.warning("Assay dropped " + batch.size() + " event(s) at close: " + outcome.reason);
        return;
      }
      LOG.log(Level.FINE, "Assay events: " + outcome.reason + "; retrying in " + delay / 1_000_000 + " ms");
      counters.retries.increment();
      if (!pause(delay)) {
        counters.droppedUndeliverable.add(batch.size());
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
        counters.droppedInvalid.increment();
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

  private Outcome post() {
    HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint)
        .timeout(requestTimeout)
        .header("Authorization", authorization)
        .header("Content-Type", "application/json")
        .header("User-Agent", "assay-java-sdk")
        .POST(HttpRequest.BodyPublishers.ofByteArray(encoder.bytes(), 0, encoder.size()));
    if (encoder.gzip()) {
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
    counters.batches.increment();
    try {
      if (Json.parse(body) instanceof Map<?, ?> m) {
        counters.delivered.add(m.get("accepted") instanceof Number n ? n.longValue() : 0);
        counters.duplicates.add(m.get("duplicates") instanceof Number n ? n.longValue() : 0);
        if (m.get("rejected") instanceof List<?> rejected && !rejected.isEmpty()) {
          counters.rejectedByServer.add(rejected.size());
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

}
