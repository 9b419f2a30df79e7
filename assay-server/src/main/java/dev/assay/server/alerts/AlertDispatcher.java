package dev.assay.server.alerts;

import dev.assay.server.audit.AuditLog;
import dev.assay.server.store.AlertStore.Delivery;
import dev.assay.server.store.ConfigStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Delivers the alert outbox in the background, at least once. One platform thread polls the
 * store for due rows (at most every {@link #pollInterval}, and at once when {@link #wake} is
 * called) and hands each to a virtual thread, at most {@value #CONCURRENCY} at a time and never
 * the same row twice at once (a row is re-read before its attempt, so a pass that listed it
 * before the previous attempt recorded its outcome does not send it again); request threads only write outbox rows. An attempt is a POST with
 * the headers {@code Assay-Delivery-Id} and {@code Idempotency-Key} (the row's id, the same on
 * every attempt), {@code Assay-Alert-Type} and {@value WebhookSignature#HEADER}, bounded by the
 * request timeout; redirects are not followed. A 2xx marks it delivered; anything else is retried
 * after {@link AlertOptions#backoff}, and after {@code maxAttempts} the row is dead (the
 * dead-letter list). A target the {@link TargetPolicy} now refuses, or a deleted channel, is
 * dead at once. Rows are only ever updated after an attempt, so a row in flight at shutdown is
 * pending still and is delivered again after a restart. The loop never throws: a failed pass
 * (the store down) is logged and tried again at the next poll.
 */
public final class AlertDispatcher implements AutoCloseable {
  static final int CONCURRENCY = 16;
  /** How long a replica that stopped without releasing holds up deliveries at most. */
  private static final Duration DISPATCH_LEASE = Duration.ofSeconds(10);
  private static final Logger LOG = Logger.getLogger(AlertDispatcher.class.getName());

  private final ConfigStore store;
  private final AlertOptions options;
  private final TargetPolicy policy;
  private final Optional<URI> operatorWebhook;
  private final Clock clock;
  private final AlertOutbox outbox;
  private final HttpClient http;
  private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final Duration pollInterval;
  private final Thread loop;
  private final Object signal = new Object();
  private final Counter delivered;
  private final Counter failed;
  private final Counter dead;
  private final Counter operatorFailures;
  private boolean woken;
  private volatile io.opentelemetry.api.trace.Tracer tracer = io.opentelemetry.api.trace.TracerProvider.noop().get("");
  private volatile boolean running = true;

  private AlertDispatcher(ConfigStore store, AuditLog audit, AlertOptions options, Optional<URI> operatorWebhook,
      Clock clock, SecureRandom random, MeterRegistry meters) {
    this.store = store;
    this.options = options;
    this.policy = new TargetPolicy(options.allowPrivateTargets());
    this.operatorWebhook = operatorWebhook;
    this.clock = clock;
    this.outbox = new AlertOutbox(store, audit, policy, operatorWebhook, clock, random, this::wake);
    this.http = HttpClient.newBuilder().connectTimeout(options.requestTimeout())
        .followRedirects(HttpClient.Redirect.NEVER).build();
    Duration second = Duration.ofSeconds(1);
    this.pollInterval = options.baseBackoff().compareTo(second) < 0 ? options.baseBackoff() : second;
    this.delivered = outcome(meters, "delivered");
    this.failed = outcome(meters, "failed");
    this.dead = outcome(meters, "dead");
    this.operatorFailures = Counter.builder("assay.guardrail.webhook.failures")
        .description("Attempts to deliver a halt notice to --webhook-url that it did not accept").register(meters);
    this.loop = Thread.ofPlatform().name("assay-alerts").daemon().unstarted(this::run);
  }

  private static Counter outcome(MeterRegistry meters, String outcome) {
    return Counter.builder("assay.alerts.attempts").tag("outcome", outcome)
        .description("Alert delivery attempts by outcome (dead: the last attempt failed)").register(meters);
  }

  /**
   * Starts the dispatcher: pending rows left by an earlier run are delivered at once.
   *
   * @param operatorWebhook the {@code --webhook-url} of {@code assay serve}, if set
   */
  public static AlertDispatcher start(ConfigStore store, AuditLog audit, AlertOptions options,
      Optional<URI> operatorWebhook, Clock clock, SecureRandom random, MeterRegistry meters) {
    AlertDispatcher d = new AlertDispatcher(store, audit, options, operatorWebhook, clock, random, meters);
    d.loop.start();
    return d;
  }

  /**
   * Records a span per delivery attempt ({@code assay.alert deliver}, CLIENT, ADR 0041) with the
   * delivery, channel, type and outcome, and sends its W3C {@code traceparent} to the receiver. A
   * delivery comes from the outbox, after the request that raised it: its span starts a new trace.
   * Default: no spans. Returns this dispatcher.
   */
  public AlertDispatcher traced(io.opentelemetry.api.trace.Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  /** The channels and the outbox this dispatcher delivers. */
  public AlertOutbox outbox() {
    return outbox;
  }

  /** Asks for a pass now (a row became due). */
  void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  private void run() {
    while (running) {
      try {
        pass();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "alert dispatch pass failed; trying again in " + pollInterval + ": " + e);
      }
      synchronized (signal) {
        try {
          if (!woken && running) {
            signal.wait(pollInterval.toMillis());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        woken = false;
      }
    }
  }

  /** One pass, on the replica holding the dispatch lease only (ADR 0029): a row is sent by one. */
  private void pass() {
    store.runLeased("alert-dispatch", DISPATCH_LEASE, this::passHere);
  }

  private void passHere() {
    int room = CONCURRENCY - inFlight.size();
    if (room <= 0) {
      return;
    }
    List<Delivery> due = store.read(tx -> tx.alerts().due(clock.instant(), CONCURRENCY * 2));
    for (Delivery d : due) {
      if (room > 0 && running && inFlight.add(d.id())) {
        room--;
        senders.execute(() -> {
          try {
            attempt(d);
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "alert delivery " + d.id() + " could not be recorded: " + e);
          } finally {
            inFlight.remove(d.id());
            wake();
          }
        });
      }
    }
  }

  /** One attempt at a delivery, and its outcome written back. */
  private void attempt(Delivery listed) {
    // The pass may have listed the row before an attempt that just ended recorded its outcome:
    // go ahead only if the row is still as listed.
    Optional<Delivery> current = store.read(tx -> tx.alerts().delivery(listed.id()));
    if (current.isEmpty() || !current.get().status().equals(AlertOutbox.PENDING)
        || current.get().attempts() != listed.attempts()) {
      return;
    }
    Delivery d = current.get();
    boolean operator = d.channelKey().equals(AlertOutbox.OPERATOR_CHANNEL);
    Optional<Target> target = operator
        ? operatorWebhook.map(u -> new Target(u, AlertFormat.PAYLOAD, Optional.empty()))
        : store.read(tx -> tx.alerts().channel(d.project(), d.channelKey()))
            .map(c -> new Target(URI.create(c.url()), AlertFormat.stored(c.format()), Optional.of(c.secret())));
    if (target.isEmpty()) {
      record(d, AlertOutbox.DEAD, d.attempts(), Optional.of("channel '" + d.channelKey() + "' no longer exists"));
      return;
    }
    Target t = target.get();
    // The operator's own URL is trusted as configured; a project's channel is checked again now.
    Optional<String> refused = operator ? Optional.empty() : policy.refusal(t.url());
    if (refused.isPresent()) {
      record(d, AlertOutbox.DEAD, d.attempts() + 1, Optional.of("refused target: " + refused.get()));
      return;
    }
    int attempts = d.attempts() + 1;
    io.opentelemetry.api.trace.Span span = tracer.spanBuilder("assay.alert deliver").setNoParent()
        .setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT).setAttribute("assay.alert.delivery_id", d.id())
        .setAttribute("assay.alert.channel", d.channelKey()).setAttribute("assay.alert.type", d.type())
        .setAttribute("assay.alert.attempt", (long) attempts).startSpan();
    Optional<String> error;
    try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
      error = send(d, t);
      error.ifPresent(e -> span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, e));
      span.setAttribute("assay.outcome", error.isEmpty() ? "delivered"
          : attempts >= options.maxAttempts() ? "dead" : "retry");
    } finally {
      span.end();
    }
    if (error.isEmpty()) {
      delivered.increment();
      record(d, AlertOutbox.DELIVERED, attempts, Optional.empty());
      return;
    }
    if (operator) {
      operatorFailures.increment();
    }
    LOG.log(Level.WARNING, "alert delivery " + d.id() + " to " + t.url() + " failed (attempt " + attempts + " of "
        + options.maxAttempts() + "): " + error.get());
    if (attempts >= options.maxAttempts()) {
      dead.increment();
      record(d, AlertOutbox.DEAD, attempts, error);
    } else {
      failed.increment();
      store.write(tx -> {
        Instant now = clock.instant();
        tx.alerts().updateDelivery(d.id(), AlertOutbox.PENDING, attempts, now.plus(options.backoff(attempts)), now,
            error);
        return null;
      });
    }
  }

  private record Target(URI url, AlertFormat format, Optional<String> secret) {}

  /** POSTs the delivery; empty on a 2xx, else what went wrong. */
  private Optional<String> send(Delivery d, Target t) {
    String body = t.format().body(d);
    HttpRequest.Builder request = HttpRequest.newBuilder(t.url()).timeout(options.requestTimeout())
        .header("Content-Type", "application/json").header("User-Agent", "assay-alerts")
        .header("Assay-Delivery-Id", d.id()).header("Idempotency-Key", d.id()).header("Assay-Alert-Type", d.type())
        .POST(HttpRequest.BodyPublishers.ofString(body));
    io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance().inject(
        io.opentelemetry.context.Context.current(), request, (r, k, v) -> r.header(k, v));
    t.secret().ifPresent(s -> request.header(WebhookSignature.HEADER,
        WebhookSignature.header(s, clock.instant().getEpochSecond(), body)));
    try {
      HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() / 100 == 2 ? Optional.empty() : Optional.of("HTTP " + response.statusCode());
    } catch (IOException e) {
      return Optional.of(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted (server stopping)");
    }
  }

  private void record(Delivery d, String status, int attempts, Optional<String> error) {
    store.write(tx -> {
      Instant now = clock.instant();
      tx.alerts().updateDelivery(d.id(), status, attempts, now, now, error);
      return null;
    });
  }

  /**
   * Stops polling and waits briefly for attempts in flight; an attempt cut short leaves its row
   * pending, to be delivered again by the next start.
   */
  @Override
  public void close() {
    running = false;
    wake();
    try {
      loop.join(5_000);
      senders.shutdown();
      if (!senders.awaitTermination(options.requestTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
        senders.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      senders.shutdownNow();
    }
  }
}
