package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.auth.Principal;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.DataContracts;
import dev.assay.server.events.Event;
import dev.assay.server.events.EventGovernance;
import dev.assay.server.events.EventParser;
import dev.assay.server.events.EventStore;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /api/v1/events}: batches of exposures and metric events as a JSON array or NDJSON,
 * optionally gzip-compressed, authenticated ({@link Credentials}) by an SDK connection's client
 * key (browsers, apps) or secret server key, or by an API key whose role may write metrics
 * (servers). Every event is stored with the project and environment of the key that sent it (an
 * API key names them with {@code ?project=} and {@code ?environment=}). The answer comes only
 * after the accepted events are committed; invalid events are rejected one by one with their
 * index and reason; numbers out of range refuse the whole batch. Thread-safe.
 */
final class EventIngestion {
  static final String PATH = HttpApi.PREFIX + "/events";
  /** Largest request body, after decompression. */
  static final int MAX_BODY = 5 << 20;
  /** Bytes of request bodies held at once, in KiB (bounded memory under load). */
  static final int BODY_BUDGET_KIB = 128 << 10;
  private static final Reply UNSTORED = ApiErrors.error(503, "unavailable",
      "the events could not be stored; nothing was acknowledged, retry", List.of()).withHeader("Retry-After", "5");

  private final EventStore store;
  private final EventGovernance governance;
  private final dev.assay.server.privacy.PrivacySettingsService privacy;
  private final Credentials credentials;
  private final ConnectionGuard guard;
  private final Counter accepted;
  private final Counter rejected;
  private final BreakerSignals signals;
  private final DataContracts contracts;
  private final Semaphore bodyBudget = new Semaphore(BODY_BUDGET_KIB);
  private final GzipBodies gzipBodies = new GzipBodies(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

  EventIngestion(EventStore store, EventGovernance governance, dev.assay.server.privacy.PrivacySettingsService privacy,
      Credentials credentials, ConnectionGuard guard, MeterRegistry meters, BreakerSignals signals,
      DataContracts contracts) {
    this.privacy = privacy;
    this.signals = signals;
    this.contracts = contracts;
    this.store = store;
    this.governance = governance;
    this.credentials = credentials;
    this.guard = guard;
    this.accepted = Counter.builder("assay.events.accepted").description("Events stored").register(meters);
    this.rejected = Counter.builder("assay.events.rejected").description("Events rejected as invalid").register(meters);
  }

  void routing(SdkEdge edge) {
    edge.route(Method.POST, PATH, this::ingest, UNSTORED);
  }

  private Reply ingest(ServerRequest req) {
    Event.Source source;
    switch (credentials.resolve(req)) {
      case Credentials.Refused r -> {
        return ApiErrors.error(401, "unauthenticated", r.message() + " (an SDK client key, server key or API key)",
            List.of());
      }
      case Credentials.Connection c -> source = new Event.Source(c.payload().project(), c.payload().environment());
      case Credentials.ApiKey k -> {
        Optional<Reply> refused = apiKeyRefusal(req, k.principal());
        if (refused.isPresent()) {
          return refused.get();
        }
        source = new Event.Source(apiKeyProject(req, k.principal()),
            req.query().first("environment").asOptional().orElse(null));
      }
    }
    String type = req.headers().contentType().map(t -> t.mediaType().text().toLowerCase(Locale.ROOT)).orElse("");
    boolean ndjson = type.equals("application/x-ndjson") || type.equals("application/ndjson");
    if (!ndjson && !type.equals("application/json")) {
      return ApiErrors.error(415, "unsupported_media_type",
          "Content-Type must be application/json (an array) or application/x-ndjson, was '" + type + "'", List.of());
    }
    String encoding = req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("").toLowerCase(Locale.ROOT).strip();
    if (!encoding.isEmpty() && !encoding.equals("identity") && !encoding.equals("gzip")) {
      return ApiErrors.error(415, "unsupported_encoding", "Content-Encoding must be gzip or absent, was '" + encoding
          + "'", List.of());
    }
    if (Bodies.declaredOver(req, MAX_BODY)) {
      return tooLarge("request body exceeds " + MAX_BODY + " bytes");
    }
    return withinBudget(req, () -> store(req, ndjson, encoding.equals("gzip"), source));
  }

  /* Request bodies held at once are bounded by a byte budget; past it the client is asked to retry. */
  private Reply withinBudget(ServerRequest req, java.util.function.Supplier<Reply> work) {
    long declared = req.headers().contentLength().orElse(-1);
    int permits = (int) (Math.min(declared < 0 ? MAX_BODY : declared, MAX_BODY) >> 10) + 1;
    try {
      if (!bodyBudget.tryAcquire(permits, 1, TimeUnit.SECONDS)) {
        return overloaded("too many event batches are being received; retry after 1 s", 1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ApiErrors.error(503, "unavailable", "interrupted before the events were read", List.of());
    }
    try {
      return work.get();
    } finally {
      bodyBudget.release(permits);
    }
  }

  /*
   * An API key may send events if its role writes metrics, to a project it may access; it names
   * the project (?project=, else its one project, else the default) and environment (?environment=).
   */
  private static Optional<Reply> apiKeyRefusal(ServerRequest req, Principal p) {
    if (!p.role().allows(Permission.WRITE_METRICS)) {
      return Optional.of(ApiErrors.error(403, "forbidden", "role '" + p.role().wireName() + "' may not send events",
          List.of()));
    }
    String project = apiKeyProject(req, p);
    Optional<String> environment = req.query().first("environment").asOptional();
    if (project.isEmpty() || project.length() > EventParser.MAX_STRING) {
      return Optional.of(invalidKey("project"));
    }
    if (environment.isPresent() && (environment.get().isEmpty() || environment.get().length() > EventParser.MAX_STRING)) {
      return Optional.of(invalidKey("environment"));
    }
    return ProjectScope.project(p, project, "send events to");
  }

  private static String apiKeyProject(ServerRequest req, Principal p) {
    return req.query().first("project").asOptional()
        .orElse(p.projects().size() == 1 ? p.projects().get(0) : ConfigService.DEFAULT_PROJECT);
  }

  private static Reply invalidKey(String field) {
    String reason = "must be 1 to " + EventParser.MAX_STRING + " characters";
    return ApiErrors.error(400, "validation_failed", field + ": " + reason, List.of(new DomainException.Detail(field, reason)));
  }

  private Reply store(ServerRequest req, boolean ndjson, boolean gzip, Event.Source source) {
    // The listener leaves gzip bodies compressed (GzipBodies.passThrough): the limit applies to the
    // compressed bytes here and to the inflated ones below, where a bomb stops at the limit.
    Optional<byte[]> read = Bodies.read(req, MAX_BODY);
    if (read.isEmpty()) {
      return tooLarge("request body exceeds " + MAX_BODY + " bytes");
    }
    byte[] body = read.get();
    guard.bodyReceived(req); // storing may wait for the writer: that is not the client's body being slow
    if (gzip) {
      try {
        body = gzipBodies.inflate(body, MAX_BODY);
      } catch (GzipBodies.TooLarge e) {
        return tooLarge(e.getMessage()).withHeader("Connection", "close");
      } catch (GzipBodies.Busy e) {
        return overloaded(e.getMessage() + "; retry after 1 s", 1);
      } catch (IOException e) {
        return ApiErrors.error(400, "bad_encoding", "Content-Encoding is gzip but the body is not valid gzip", List.of());
      }
    }
    EventParser.Batch batch;
    try {
      batch = EventParser.parse(body, ndjson, governance.privacy(), source, privacy.ingestRules(source.project()));
    } catch (EventParser.MalformedBatch e) {
      return ApiErrors.error(400, "malformed_batch", e.getMessage(), List.of(new DomainException.Detail("body", e.getMessage())));
    }
    if (!batch.outOfRange().isEmpty()) {
      return outOfRange(batch.outOfRange());
    }
    return append(checked(batch, source, req.headers().first(HeaderNames.USER_AGENT).orElse(null)));
  }

  private Reply append(EventParser.Batch batch) {
    EventStore.Stored stored;
    try {
      stored = store.append(batch.events()).get(30, TimeUnit.SECONDS);
    } catch (EventStore.Overloaded e) {
      return ApiErrors.error(429, "overloaded", e.getMessage() + "; retry after " + e.retryAfterSeconds() + " s",
          List.of()).withHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ApiErrors.error(503, "unavailable", "interrupted before the events were stored", List.of());
    } catch (ExecutionException | TimeoutException e) {
      return UNSTORED;
    }
    accepted.increment(stored.accepted());
    signals.accepted(batch.events()); // after the commit: a breaker judges only stored signals
    rejected.increment(batch.rejected().size());
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("accepted", stored.accepted());
    o.put("duplicates", stored.duplicates());
    o.put("dropped", batch.dropped()); // sent without consent under the project's 'drop' policy
    ArrayNode rej = o.putArray("rejected");
    batch.rejected().forEach(r -> rej.addObject().put("index", r.index()).put("reason", r.reason()));
    return Reply.ok(o);
  }

  /*
   * The batch after its project's schema check (ADR 0042): in enforce mode the events that break
   * their schema join the rejected ones, by their index in the request.
   */
  private EventParser.Batch checked(EventParser.Batch batch, Event.Source source, String userAgent) {
    int[] indexes = indexes(batch);
    DataContracts.Checked c = contracts.check(source.project(), batch.events(), indexes, userAgent);
    if (c.rejected().isEmpty()) {
      return c.kept() == batch.events() ? batch : new EventParser.Batch(c.kept(), batch.rejected());
    }
    List<EventParser.Rejection> rejected = new java.util.ArrayList<>(batch.rejected());
    rejected.addAll(c.rejected());
    rejected.sort(java.util.Comparator.comparingInt(EventParser.Rejection::index));
    return new EventParser.Batch(c.kept(), rejected);
  }

  /* The request position of each parsed event: the positions not rejected, in order. */
  private static int[] indexes(EventParser.Batch batch) {
    int[] out = new int[batch.events().size()];
    int next = 0;
    int r = 0;
    List<EventParser.Rejection> rejected = batch.rejected();
    for (int i = 0; i < out.length; i++) {
      while (r < rejected.size() && rejected.get(r).index() == next) {
        r++;
        next++;
      }
      out[i] = next++;
    }
    return out;
  }

  /* Numbers out of range refuse the whole batch: 400 naming each event's index and field. */
  private static Reply outOfRange(List<EventParser.OutOfRange> bad) {
    EventParser.OutOfRange first = bad.get(0);
    List<DomainException.Detail> details = bad.stream().limit(100)
        .map(b -> new DomainException.Detail("events[" + b.index() + "]." + b.field(), b.message())).toList();
    return ApiErrors.error(400, "value_out_of_range", "event " + first.index() + ": " + first.message() + " (nothing was"
        + " stored: " + bad.size() + " event(s) have numbers out of range)", details);
  }

  private static Reply tooLarge(String message) {
    return ApiErrors.error(413, "payload_too_large", message, List.of());
  }

  private static Reply overloaded(String message, int retryAfterSeconds) {
    return ApiErrors.error(503, "overloaded", message, List.of())
        .withHeader("Retry-After", String.valueOf(retryAfterSeconds));
  }
}
