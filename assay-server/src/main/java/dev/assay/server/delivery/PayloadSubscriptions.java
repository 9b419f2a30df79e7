package dev.assay.server.delivery;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fans payload changes out to streaming clients (server-sent events). Each subscription holds at
 * most one pending payload — the newest — so a slow client costs one reference, never a queue,
 * and always catches up to the current configuration. Thread-safe; knows nothing of HTTP.
 */
public final class PayloadSubscriptions {

  private final Map<String, Set<Subscription>> byClientKey = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean closed;

  /** Subscribes to {@code cache}'s changes. */
  public PayloadSubscriptions(PayloadCache cache) {
    cache.onPayloadChange(this::publish);
  }

  /** Opens a subscription to one SDK connection's payload. Close it when the client goes away. */
  public Subscription subscribe(String clientKey) {
    Subscription s = new Subscription(clientKey);
    byClientKey.computeIfAbsent(clientKey, k -> ConcurrentHashMap.newKeySet()).add(s);
    open.incrementAndGet();
    if (closed) {
      s.close();
    }
    return s;
  }

  /** Number of open subscriptions (for metrics). */
  public int openCount() {
    return open.get();
  }

  /** Ends every subscription (server shutdown): waiting clients return at once. */
  public void closeAll() {
    closed = true;
    byClientKey.values().forEach(set -> set.forEach(Subscription::close));
  }

  void publish(CompiledPayload payload) {
    Set<Subscription> subs = byClientKey.get(payload.clientKey());
    if (subs != null) {
      subs.forEach(s -> s.offer(payload));
    }
  }

  /** One client's stream of payloads. */
  public final class Subscription implements AutoCloseable {
    private final String clientKey;
    private final AtomicReference<CompiledPayload> pending = new AtomicReference<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean done;

    private Subscription(String clientKey) {
      this.clientKey = clientKey;
    }

    void offer(CompiledPayload p) {
      pending.set(p);
      signal();
    }

    private void signal() {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /**
     * Waits up to {@code timeout} for a newer payload; returns it, or null on timeout (time for a
     * heartbeat) or when the subscription was closed (check {@link #isClosed()}).
     */
    public CompiledPayload await(Duration timeout) throws InterruptedException {
      long nanos = timeout.toNanos();
      lock.lock();
      try {
        while (pending.get() == null && !done && nanos > 0) {
          nanos = changed.awaitNanos(nanos);
        }
      } finally {
        lock.unlock();
      }
      return done ? null : pending.getAndSet(null);
    }

    public boolean isClosed() {
      return done;
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      done = true;
      Set<Subscription> subs = byClientKey.get(clientKey);
      if (subs != null && subs.remove(this)) {
        open.decrementAndGet();
      }
      signal();
    }
  }
}
