package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.auth.Principal;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.delivery.PayloadSubscriptions;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.ConfigStore;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP edge: builds Helidon routing for the management API, probes and metrics, and is the one
 * place that turns failures into HTTP statuses and the JSON error body
 * {@code {"error": {"code", "message", "details": [...]}}}. Nothing a client sends reaches the
 * client as a 500 or a stack trace: unexpected failures are logged and answered with a generic 500.
 */
public final class HttpApi {
  /** Largest accepted request body. */
  public static final int MAX_BODY_BYTES = 1 << 20;
  static final String PREFIX = "/api/v1";
  private static final Logger LOG = Logger.getLogger(HttpApi.class.getName());

  private final ApiKeys keys;
  private final PrometheusMeterRegistry meters;
  private final BooleanSupplier ready;
  private final List<Endpoint> endpoints;
  private final FeaturesApi features;
  private final StreamApi stream;
  private final EventsApi events;
  private final OfrepApi ofrep;
  private volatile List<Routes.Route> routes = List.of();
  private final ConnectionGuard guard;

  public HttpApi(ConfigStore store, ConfigService config, ApiKeys keys, AuditLog audit,
      PayloadCache payloads, PayloadSubscriptions subscriptions, Duration sseHeartbeat,
      PrometheusMeterRegistry meters, BooleanSupplier ready, OfrepApi ofrep,
      java.util.Optional<dev.assay.server.analysis.ExperimentRefresh> analysis,
      dev.assay.server.events.EventStore eventStore, dev.assay.server.events.EventGovernance eventGovernance,
      ConnectionGuard guard) {
    this.guard = guard;
    this.events = new EventsApi(eventStore, eventGovernance, payloads, keys, meters, guard, config);
    this.keys = keys;
    this.ofrep = ofrep;
    this.features = new FeaturesApi(payloads, meters);
    this.stream = new StreamApi(payloads, subscriptions, sseHeartbeat, meters);
    this.meters = meters;
    this.ready = ready;
    List<Resource> resources = List.of(new ProjectsApi(config), new EnvironmentsApi(config),
        new SdkConnectionsApi(config, payloads, keys.serverKeys()), new FlagsApi(config), new ExperimentsApi(config, analysis),
        new LayersApi(config), new HoldoutsApi(config), new SegmentsApi(config), new MetricsApi(config), new UsersApi(config, keys.logins()),
        new ApiKeysApi(keys, config), new AuditApi(store, audit), events,
        new CommentsApi(new dev.assay.server.domain.Comments(store, audit)));
    List<Endpoint> all = new ArrayList<>();
    resources.forEach(r -> all.addAll(r.endpoints()));
    this.endpoints = List.copyOf(all);
  }

  /**
   * Every route {@link #routing} registered, as {@code "METHOD /path/{param}"} ({@code ANY}: the
   * fallback for other methods on that path); empty before routing.
   */
  public List<String> routes() {
    return routes.stream().map(r -> r.method() + " " + r.path()).toList();
  }

  /** Every management endpoint (for the OpenAPI document and tests). */
  List<Endpoint> endpoints() {
    return endpoints;
  }

  /** Registers all routes on the builder. */
  public void routing(HttpRouting.Builder routing) {
    List<String> templates = new ArrayList<>(List.of("/health/live", "/health/ready", "/metrics",
        "/api/features/{clientKey}", OfrepApi.SINGLE, OfrepApi.BULK, PREFIX + "/openapi.json", PREFIX + "/events"));
    endpoints.forEach(e -> templates.add(PREFIX + e.path()));
    routing.addFilter(new RouteMetrics(meters, templates));
    Routes routes = new Routes(routing);
    routes.get("/health/live", (req, res) -> send(res, Reply.ok(status("UP"))));
    routes.get("/health/ready", (req, res) -> send(res,
        ready.getAsBoolean() ? Reply.ok(status("UP")) : error(503, "not_ready", "the store is not reachable", List.of())));
    routes.get("/metrics", (req, res) -> send(res, new Reply(200, "text/plain; version=0.0.4; charset=utf-8",
        meters.scrape().getBytes(StandardCharsets.UTF_8))));
    features.routing(routes);
    stream.routing(routes);
    events.routing(routes);
    ofrep.routing(routes);
    routes.get(PREFIX + "/openapi.json", (req, res) -> send(res, Reply.ok(OpenApi.document(endpoints))));
    for (Endpoint e : endpoints) {
      routes.route(Method.create(e.method()), PREFIX + e.path(), (req, res) -> handle(e, req, res));
    }
    this.routes = routes.recorded();
    routing.any((req, res) -> {
      String path = req.path().path();
      boolean knownPath = endpoints.stream().anyMatch(e -> OpenApi.matches(e.path(), path.substring(Math.min(path.length(), PREFIX.length()))))
          && path.startsWith(PREFIX);
      send(res, knownPath
          ? error(405, "method_not_allowed", req.prologue().method().text() + " is not allowed on " + path, List.of())
          : error(404, "not_found", "no endpoint " + path, List.of()));
    });
  }

  private static ObjectNode status(String s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("status", s);
    return o;
  }

  private void handle(Endpoint e, ServerRequest req, ServerResponse res) {
    Reply reply;
    try {
      reply = dispatch(e, req);
    } catch (DomainException d) {
      reply = fromDomain(d);
      if (d.retryAfterSeconds() > 0) {
        res.header(HeaderNames.RETRY_AFTER, String.valueOf(d.retryAfterSeconds()));
      }
    } catch (dev.assay.server.store.StoreUnavailableException ex) {
      LOG.log(Level.WARNING, "store unavailable in " + e.method() + " " + e.path() + ": " + ex.getMessage());
      reply = error(503, "store_unavailable", "the configuration store cannot be reached; retry shortly", List.of());
    } catch (RuntimeException ex) {
      DomainException d = ConfigService.translate(ex);
      if (d != null) {
        reply = fromDomain(d);
      } else {
        LOG.log(Level.SEVERE, "unexpected failure in " + e.method() + " " + e.path(), ex);
        reply = error(500, "internal_error", "internal error; see the server log", List.of());
      }
    }
    send(res, reply);
  }

  private Reply dispatch(Endpoint e, ServerRequest req) {
    Optional<String> auth = req.headers().first(HeaderNames.AUTHORIZATION);
    if (auth.isEmpty()) {
      return error(401, "unauthenticated", "missing Authorization: Bearer <api key>", List.of());
    }
    String header = auth.get();
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return error(401, "unauthenticated", "Authorization must be 'Bearer <api key>'", List.of());
    }
    Optional<Principal> principal = keys.authenticate(header.substring(7).trim());
    if (principal.isEmpty()) {
      return error(401, "unauthenticated", "unknown or revoked API key", List.of());
    }
    if (!principal.get().role().allows(e.permission())) {
      return error(403, "forbidden", "role '" + principal.get().role().wireName() + "' may not "
          + e.method() + " " + PREFIX + e.path(), List.of());
    }
    Map<String, String> params = new HashMap<>();
    for (String name : req.path().pathParameters().names()) {
      params.put(name, req.path().pathParameters().get(name));
    }
    Map<String, String> query = new HashMap<>();
    for (String name : req.query().names()) {
      query.put(name, req.query().get(name));
    }
    Optional<Reply> outOfScope = ProjectScope.check(principal.get(), e, params, query);
    if (outOfScope.isPresent()) {
      return outOfScope.get();
    }
    byte[] body = new byte[0];
    if (e.body() != Endpoint.BodyMode.NONE) {
      Optional<Reply> rejected = checkBodyHeaders(req, e.body() == Endpoint.BodyMode.REQUIRED);
      if (rejected.isPresent()) {
        return rejected.get();
      }
      Optional<byte[]> read = readBody(req);
      if (read.isEmpty()) {
        return tooLarge();
      }
      guard.bodyReceived(req);
      body = read.get();
      if (body.length == 0 && e.body() == Endpoint.BodyMode.REQUIRED) {
        return error(400, "validation_failed", "body: a JSON object is required",
            List.of(new DomainException.Detail("body", "is required")));
      }
    }
    return e.handler().handle(new Call(principal.get(), params, query, Call.parse(body)));
  }

  private static Optional<Reply> checkBodyHeaders(ServerRequest req, boolean required) {
    var length = req.headers().contentLength();
    if (length.isPresent() && length.getAsLong() > MAX_BODY_BYTES) {
      return Optional.of(tooLarge());
    }
    boolean hasBody = req.content().hasEntity() && !(length.isPresent() && length.getAsLong() == 0);
    if (!hasBody && !required) {
      return Optional.empty();
    }
    Optional<String> encoding = req.headers().first(HeaderNames.CONTENT_ENCODING).map(String::strip)
        .filter(e -> !e.isEmpty() && !e.equalsIgnoreCase("identity"));
    if (hasBody && encoding.isPresent()) {
      return Optional.of(error(415, "unsupported_encoding", "Content-Encoding must be absent here (gzip is accepted on "
          + PREFIX + "/events only)", List.of()));
    }
    Optional<HttpMediaType> type = req.headers().contentType();
    boolean patch = req.prologue().method().text().equals("PATCH");
    String media = type.map(t -> t.mediaType().text().toLowerCase(Locale.ROOT)).orElse("");
    if (hasBody && !(media.equals("application/json") || patch && media.equals("application/merge-patch+json"))) {
      return Optional.of(error(415, "unsupported_media_type", "Content-Type must be application/json"
          + (patch ? " or application/merge-patch+json" : "") + ", was "
          + type.map(t -> "'" + t.mediaType().text() + "'").orElse("absent"), List.of()));
    }
    return Optional.empty();
  }

  /* Reads at most MAX_BODY_BYTES; empty when the body is larger (chunked bodies have no length). */
  private static Optional<byte[]> readBody(ServerRequest req) {
    if (!req.content().hasEntity()) {
      return Optional.of(new byte[0]);
    }
    try (InputStream in = req.content().inputStream()) {
      byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
      return bytes.length > MAX_BODY_BYTES ? Optional.empty() : Optional.of(bytes);
    } catch (IOException | RuntimeException ex) {
      throw new DomainException(DomainException.Category.INVALID, "unreadable_body",
          "request body could not be read", List.of());
    }
  }

  private static Reply tooLarge() {
    return error(413, "payload_too_large", "request body exceeds " + MAX_BODY_BYTES + " bytes", List.of());
  }

  private static Reply fromDomain(DomainException d) {
    int status = switch (d.category()) {
      case INVALID -> 400;
      case UNPROCESSABLE -> 422;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case BUSY -> 429;
    };
    return error(status, d.code(), d.getMessage(), d.details());
  }

  static Reply error(int status, String code, String message, List<DomainException.Detail> details) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode err = root.putObject("error");
    err.put("code", code);
    err.put("message", message);
    ArrayNode ds = err.putArray("details");
    for (DomainException.Detail d : details) {
      ObjectNode o = ds.addObject();
      o.put("field", d.field());
      o.put("message", d.message());
    }
    return Reply.json(status, root);
  }

  /**
   * Answers requests that Helidon rejects before routing (a malformed request line or header, an
   * unsupported {@code Content-Encoding}) with the same JSON error body as everything else.
   */
  public static io.helidon.webserver.http.DirectHandlers directHandlers() {
    return io.helidon.webserver.http.DirectHandlers.builder()
        .addHandler(io.helidon.http.DirectHandler.EventType.BAD_REQUEST, (request, type, status, headers, message) -> {
          String first = message == null ? "" : message.strip().lines().findFirst().orElse("");
          Optional<String> encoding = request.headers().first(HeaderNames.CONTENT_ENCODING)
              .filter(e -> !e.equalsIgnoreCase("gzip") && !e.equalsIgnoreCase("identity"));
          Reply r = encoding.isPresent()
              ? error(415, "unsupported_encoding", "Content-Encoding must be gzip or absent, was '"
                  + encoding.get().replaceAll("[^A-Za-z0-9_,. -]", "") + "'", List.of())
              : error(status.code(), "bad_request", first.isEmpty() ? "malformed request" : first, List.of());
          return io.helidon.http.DirectHandler.TransportResponse.builder().status(Status.create(r.status()))
              .headers(headers).header(HeaderNames.CONTENT_TYPE, r.contentType()).entity(r.body()).build();
        }).build();
  }

  /** The listener's content encodings: gzip responses; gzip request bodies inflated by the routes, bounded. */
  public static io.helidon.http.encoding.ContentEncodingContext contentEncoding() {
    return GzipBodies.passThrough();
  }

  private static void send(ServerResponse res, Reply reply) {
    res.status(Status.create(reply.status()));
    if (reply.status() == 204) {
      res.send();
      return;
    }
    res.header(HeaderNames.CONTENT_TYPE, reply.contentType());
    res.send(reply.body());
  }
}
