package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.auth.Permission;
import dev.assay.server.auth.Principal;
import dev.assay.server.delivery.CompiledPayload;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.Event;
import dev.assay.server.events.EventGovernance;
import dev.assay.server.events.EventParser;
import dev.assay.server.events.EventStore;
import dev.assay.server.events.EventSummary;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code POST /api/v1/events}: batches of exposures and metric events as a JSON array or NDJSON,
 * optionally gzip-compressed, authenticated by an SDK client key (browsers, apps), an SDK
 * connection's secret server key, or an API key whose role may write metrics (servers). The response comes only after the accepted events are
 * committed to disk; invalid events are rejected one by one with their index and reason.
 * {@code GET /api/v1/events/summary} is a management endpoint (see {@link #endpoints}).
 */
final class EventsApi implements Resource {
  private static final Logger LOG = Logger.getLogger(EventsApi.class.getName());
  /** Largest request body, after decompression. */
  static final int MAX_BODY = 5 << 20;
  /** Bytes of request bodies held at once, in KiB (bounded memory under load). */
  static final int BODY_BUDGET_KIB = 128 << 10;

  private final EventStore store;
  private final EventGovernance governance;
  private final PayloadCache payloads;
  private final ApiKeys keys;
  private final Counter accepted;
  private final Counter rejected;
  private final Semaphore bodyBudget = new Semaphore(BODY_BUDGET_KIB);
  private final ConnectionGuard guard;
  private final ConfigService config;
  private final GzipBodies gzipBodies = new GzipBodies(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

  EventsApi(EventStore store, EventGovernance governance, PayloadCache payloads, ApiKeys keys, MeterRegistry meters,
      ConnectionGuard guard, ConfigService config) {
    this.guard = guard;
    this.config = config;
    this.store = store;
    this.governance = governance;
    this.payloads = payloads;
    this.keys = keys;
    this.accepted = Counter.builder("assay.events.accepted").description("Events stored").register(meters);
    this.rejected = Counter.builder("assay.events.rejected").description("Events rejected as invalid").register(meters);
  }

  void routing(Routes routing) {
    routing.post(HttpApi.PREFIX + "/events", this::ingest);
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/events/units/{key}", Permission.ADMIN,
        "A unit's stored events, oldest first (?limit=, default 1000), for a data-subject access request; those of"
            + " ?project= (every project without it: unscoped keys only)", c -> {
          int limit = limit(c, 1000, 10_000);
          List<Event> found = governance.unitEvents(scope(c), unitId(c), limit);
          if (found.isEmpty() && limit > 0) {
            throw DomainException.notFound("no events are stored for this unit");
          }
          ObjectNode o = JsonNodeFactory.instance.objectNode();
          ArrayNode list = o.putArray("events");
          found.forEach(e -> event(list.addObject(), e));
          return Reply.ok(o);
        }).withQuery("project", "limit"),
        Endpoint.delete("/events/units/{key}", Permission.ADMIN,
            "Erases every stored event of a unit"
                + " (audited without the raw id); of ?project= only when given", c -> {
              EventGovernance.Erasure erased = governance.erase(scope(c), unitId(c), c.actor());
              if (erased.deleted() == 0) {
                throw DomainException.notFound("no events are stored for this unit (the request is recorded in the audit log)");
              }
              ObjectNode o = JsonNodeFactory.instance.objectNode();
              o.put("deleted", erased.deleted());
              o.put("unitReference", erased.unitReference());
              return Reply.ok(o);
            }).withQuery("project"),
        Endpoint.action("/events/retention", Permission.ADMIN,
            "Deletes events older than the"
                + " configured retention period now (audited); of ?project= only when given", c -> {
              c.noFields("applying retention");
              if (governance.retentionDays().isEmpty()) {
                throw DomainException.conflict("retention_not_configured",
                    "no event retention period is configured (assay serve --event-retention-days)", List.of());
              }
              EventStore.Scope scope = scope(c);
              EventGovernance.RetentionRun run = governance.applyRetention(scope, c.actor());
              ObjectNode o = JsonNodeFactory.instance.objectNode();
              scope.project().ifPresentOrElse(p -> o.put("project", p), () -> o.putNull("project"));
              o.put("retentionDays", run.retentionDays());
              o.put("cutoff", run.cutoff().toString());
              o.put("deleted", run.deleted());
              return Reply.ok(o);
            }).withQuery("project"),
        Endpoint.get("/events/summary", Permission.READ,
        "Event counts by type, name and experiment/variation in [from, to) and the newest events, of ?project= (every"
            + " project without it: unscoped keys only); the response states the window and project", c -> {
          long to = c.query("to").map(v -> time("to", v)).orElse(System.currentTimeMillis() + 1);
          long from = c.query("from").map(v -> time("from", v)).orElse(to - 24 * 3_600_000L);
          int limit = limit(c, 20, 1000);
          if (from >= to) {
            throw DomainException.invalid("from", "must be before 'to'");
          }
          EventStore.Scope scope = scope(c);
          EventSummary found = store.summary(scope, from, to, limit);
          ObjectNode summary = summary(found, scope, from, to);
          new UnmatchedEvents(config, scope.project()).describe(found, summary);
          return Reply.ok(summary);
        }).withQuery("project", "from", "to", "limit"));
  }

  /*
   * The events a management call covers: those of ?project=, or every project's without it (which
   * ProjectScope allows unscoped keys only).
   */
  private static EventStore.Scope scope(Call c) {
    return c.query("project").map(EventStore.Scope::project).orElse(EventStore.Scope.ALL);
  }

  private static String unitId(Call c) {
    String unit = c.path("key");
    if (unit == null || unit.isEmpty() || unit.length() > EventParser.MAX_STRING) {
      throw DomainException.invalid("unitId", "must be 1 to " + EventParser.MAX_STRING + " characters");
    }
    return unit;
  }

  private static int limit(Call c, int otherwise, int max) {
    int limit = c.query("limit").map(v -> {
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        return -1;
      }
    }).orElse(otherwise);
    if (limit < 0 || limit > max) {
      throw DomainException.invalid("limit", "must be a whole number between 0 and " + max);
    }
    return limit;
  }

  private static void event(ObjectNode n, Event e) {
    n.put("id", e.id()).put("type", e.type() == Event.Type.EXPOSURE ? "exposure" : "metric")
        .put("timestamp", Instant.ofEpochMilli(e.timestampMillis()).toString()).put("unitId", e.unitId())
        .put("project", e.project()).put("environment", e.environment());
    if (e.type() == Event.Type.EXPOSURE) {
      n.put("experimentKey", e.experimentKey()).put("variationId", e.variationId());
    } else {
      n.put("name", e.name());
      if (e.value() != null) {
        n.put("value", e.value());
      }
    }
    if (e.json() != null) {
      n.set(e.type() == Event.Type.EXPOSURE ? "attributes" : "properties",
          dev.assay.server.domain.Json.parse(e.json().getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static long time(String field, String v) {
    try {
      return v.chars().allMatch(Character::isDigit) ? Long.parseLong(v) : Instant.parse(v).toEpochMilli();
    } catch (NumberFormatException | DateTimeParseException e) {
      throw DomainException.invalid(field, "must be an ISO-8601 instant or epoch milliseconds, was '" + v + "'");
    }
  }

  /* Numbers out of range refuse the whole batch: 400 naming each event's index and field. */
  private static Reply outOfRange(List<EventParser.OutOfRange> bad) {
    EventParser.OutOfRange first = bad.get(0);
    List<DomainException.Detail> details = bad.stream().limit(100)
        .map(b -> new DomainException.Detail("events[" + b.index() + "]." + b.field(), b.message())).toList();
    return HttpApi.error(400, "value_out_of_range", "event " + first.index() + ": " + first.message() + " (nothing was"
        + " stored: " + bad.size() + " event(s) have numbers out of range)", details);
  }

  private static ObjectNode summary(EventSummary s, EventStore.Scope scope, long from, long to) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("from", Instant.ofEpochMilli(from).toString());
    o.put("to", Instant.ofEpochMilli(to).toString());
    scope.project().ifPresentOrElse(p -> o.put("project", p), () -> o.putNull("project"));
    o.put("exposures", s.exposures());
    o.put("metricEvents", s.metricEvents());
    ArrayNode names = o.putArray("byName");
    s.byName().forEach(n -> names.addObject().put("name", n.name()).put("events", n.events()));
    ArrayNode exps = o.putArray("byExperiment");
    s.byExperiment().forEach(e -> exps.addObject().put("experimentKey", e.experimentKey())
        .put("variationId", e.variationId()).put("exposures", e.exposures()).put("units", e.units()));
    ArrayNode latest = o.putArray("latest");
    s.latest().forEach(e -> event(latest.addObject(), e));
    return o;
  }

  private void ingest(ServerRequest req, ServerResponse res) {
    Reply reply;
    try {
      reply = handle(req, res);
    } catch (DomainException d) {
      reply = HttpApi.error(d.category() == DomainException.Category.INVALID ? 400 : 409, d.code(), d.getMessage(), d.details());
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "unexpected failure ingesting events", e);
      res.header(HeaderNames.RETRY_AFTER, "5");
      reply = HttpApi.error(503, "unavailable", "the events could not be stored; nothing was acknowledged, retry", List.of());
    }
    res.status(Status.create(reply.status()));
    res.header(HeaderNames.CONTENT_TYPE, reply.contentType());
    res.send(reply.body());
  }

  private Reply handle(ServerRequest req, ServerResponse res) {
    Optional<String> auth = req.headers().first(HeaderNames.AUTHORIZATION)
        .or(() -> req.headers().first(HeaderNames.create("X-Assay-Client-Key")).map(k -> "Bearer " + k));
    if (auth.isEmpty() || !auth.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
      return HttpApi.error(401, "unauthenticated", "send 'Authorization: Bearer <SDK client key, server key or API key>'", List.of());
    }
    String token = auth.get().substring(7).trim();
    // Every event is stored with the project and environment of the key that sent it.
    Event.Source source;
    if (token.startsWith(dev.assay.server.auth.ServerKeys.PREFIX)) {
      Optional<CompiledPayload> connection = keys.serverKeys().clientKeyOf(token).flatMap(payloads::get);
      if (connection.isEmpty()) {
        return HttpApi.error(401, "unauthenticated", "unknown or revoked server key", List.of());
      }
      source = new Event.Source(connection.get().project(), connection.get().environment());
    } else {
      Optional<CompiledPayload> connection = payloads.get(token);
      if (connection.isPresent()) {
        source = new Event.Source(connection.get().project(), connection.get().environment());
      } else {
        Optional<Principal> p = keys.authenticate(token);
        if (p.isEmpty()) {
          return HttpApi.error(401, "unauthenticated", "unknown SDK client key or API key", List.of());
        }
        if (!p.get().role().allows(Permission.WRITE_METRICS)) {
          return HttpApi.error(403, "forbidden", "role '" + p.get().role().wireName() + "' may not send events", List.of());
        }
        Optional<Reply> refused = apiKeySource(req, p.get());
        if (refused.isPresent()) {
          return refused.get();
        }
        source = new Event.Source(apiKeyProject(req, p.get()), req.query().first("environment").asOptional().orElse(null));
      }
    }
    String type = req.headers().contentType().map(t -> t.mediaType().text().toLowerCase(Locale.ROOT)).orElse("");
    boolean ndjson = type.equals("application/x-ndjson") || type.equals("application/ndjson");
    if (!ndjson && !type.equals("application/json")) {
      return HttpApi.error(415, "unsupported_media_type",
          "Content-Type must be application/json (an array) or application/x-ndjson, was '" + type + "'", List.of());
    }
    String encoding = req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("").toLowerCase(Locale.ROOT).strip();
    if (!encoding.isEmpty() && !encoding.equals("identity") && !encoding.equals("gzip")) {
      return HttpApi.error(415, "unsupported_encoding", "Content-Encoding must be gzip or absent, was '" + encoding + "'",
          List.of());
    }
    long declared = req.headers().contentLength().orElse(-1);
    if (declared > MAX_BODY) {
      return HttpApi.error(413, "payload_too_large", "request body exceeds " + MAX_BODY + " bytes", List.of());
    }
    // Request bodies held at once are bounded by a byte budget; past it the client is asked to retry.
    int permits = (int) (Math.min(declared < 0 ? MAX_BODY : declared, MAX_BODY) >> 10) + 1;
    try {
      if (!bodyBudget.tryAcquire(permits, 1, TimeUnit.SECONDS)) {
        res.header(HeaderNames.RETRY_AFTER, "1");
        return HttpApi.error(503, "overloaded", "too many event batches are being received; retry after 1 s", List.of());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HttpApi.error(503, "unavailable", "interrupted before the events were read", List.of());
    }
    try {
      return store(req, res, ndjson, encoding.equals("gzip"), source);
    } finally {
      bodyBudget.release(permits);
    }
  }

  /* An API key names the project (?project=, default project) and environment (?environment=) of its events. */
  private static Optional<Reply> apiKeySource(ServerRequest req, Principal p) {
    String project = apiKeyProject(req, p);
    Optional<String> environment = req.query().first("environment").asOptional();
    if (project.isEmpty() || project.length() > EventParser.MAX_STRING) {
      return Optional.of(invalidKey("project"));
    }
    if (environment.isPresent() && (environment.get().isEmpty() || environment.get().length() > EventParser.MAX_STRING)) {
      return Optional.of(invalidKey("environment"));
    }
    if (!p.mayAccess(project)) {
      return Optional.of(HttpApi.error(403, "forbidden", "API key '" + p.name() + "' is limited to projects "
          + p.projects() + "; it may not send events to project '" + project + "'",
          List.of(new DomainException.Detail("project", "not one of " + p.projects()))));
    }
    return Optional.empty();
  }

  /*
   * The project an API key's events belong to: ?project=, else the one project a key is limited
   * to, else the default project.
   */
  private static String apiKeyProject(ServerRequest req, Principal p) {
    return req.query().first("project").asOptional()
        .orElse(p.projects().size() == 1 ? p.projects().get(0) : ConfigService.DEFAULT_PROJECT);
  }

  private static Reply invalidKey(String field) {
    String reason = "must be 1 to " + EventParser.MAX_STRING + " characters";
    return HttpApi.error(400, "validation_failed", field + ": " + reason, List.of(new DomainException.Detail(field, reason)));
  }

  private Reply store(ServerRequest req, ServerResponse res, boolean ndjson, boolean gzip, Event.Source source) {
    byte[] body;
    // The listener leaves gzip bodies compressed (GzipBodies.passThrough): the limit applies to the
    // compressed bytes here and to the inflated ones below, where a bomb stops at the limit.
    try (InputStream in = req.content().inputStream()) {
      body = in.readNBytes(MAX_BODY + 1);
    } catch (IOException | RuntimeException e) {
      return HttpApi.error(400, "unreadable_body", "request body could not be read", List.of());
    }
    if (body.length > MAX_BODY) {
      return HttpApi.error(413, "payload_too_large", "request body exceeds " + MAX_BODY + " bytes", List.of());
    }
    guard.bodyReceived(req); // storing may wait for the writer: that is not the client's body being slow
    if (gzip) {
      try {
        body = gzipBodies.inflate(body, MAX_BODY);
      } catch (GzipBodies.TooLarge e) {
        res.header(HeaderNames.CONNECTION, "close");
        return HttpApi.error(413, "payload_too_large", e.getMessage(), List.of());
      } catch (GzipBodies.Busy e) {
        res.header(HeaderNames.RETRY_AFTER, "1");
        return HttpApi.error(503, "overloaded", e.getMessage() + "; retry after 1 s", List.of());
      } catch (IOException e) {
        return HttpApi.error(400, "bad_encoding", "Content-Encoding is gzip but the body is not valid gzip", List.of());
      }
    }
    EventParser.Batch batch;
    try {
      batch = EventParser.parse(body, ndjson, governance.privacy(), source);
    } catch (EventParser.MalformedBatch e) {
      return HttpApi.error(400, "malformed_batch", e.getMessage(), List.of(new DomainException.Detail("body", e.getMessage())));
    }
    if (!batch.outOfRange().isEmpty()) {
      return outOfRange(batch.outOfRange());
    }
    EventStore.Stored stored;
    try {
      stored = store.append(batch.events()).get(30, TimeUnit.SECONDS);
    } catch (EventStore.Overloaded e) {
      res.header(HeaderNames.RETRY_AFTER, String.valueOf(e.retryAfterSeconds()));
      return HttpApi.error(429, "overloaded", e.getMessage() + "; retry after " + e.retryAfterSeconds() + " s", List.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HttpApi.error(503, "unavailable", "interrupted before the events were stored", List.of());
    } catch (ExecutionException | TimeoutException e) {
      res.header(HeaderNames.RETRY_AFTER, "5");
      return HttpApi.error(503, "unavailable", "the events could not be stored; nothing was acknowledged, retry", List.of());
    }
    accepted.increment(stored.accepted());
    rejected.increment(batch.rejected().size());
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("accepted", stored.accepted());
    o.put("duplicates", stored.duplicates());
    ArrayNode rej = o.putArray("rejected");
    batch.rejected().forEach(r -> rej.addObject().put("index", r.index()).put("reason", r.reason()));
    return Reply.ok(o);
  }
}
