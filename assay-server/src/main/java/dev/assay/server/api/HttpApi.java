package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Principal;
import dev.assay.server.delivery.PayloadEvaluators;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
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
  /** Largest accepted body of configuration files ({@code /as-code/plan}, {@code /as-code/apply}). */
  public static final int MAX_FILES_BYTES = 16 << 20;
  static final String PREFIX = "/api/v1";
  /** The media types of a YAML body ({@link Endpoint.BodyMode#FILES} only). */
  static final java.util.Set<String> YAML_TYPES = java.util.Set.of("application/yaml", "application/x-yaml", "text/yaml");
  private static final Logger LOG = Logger.getLogger(HttpApi.class.getName());

  private final Credentials credentials;
  private final PrometheusMeterRegistry meters;
  private final Supplier<Readiness> ready;
  private final List<Endpoint> endpoints;
  private final FeaturesApi features;
  private final StreamApi stream;
  private final EventIngestion ingestion;
  private final OfrepApi ofrep;
  private final ConnectionGuard guard;
  private final List<RouteContributor> contributors;
  private final dev.assay.server.telemetry.Telemetry telemetry;
  private volatile List<Routes.Route> routes = List.of();

  /** The API over these services, with extra routes (the web UI) mounted by {@code contributors}. */
  public HttpApi(ApiServices s, List<RouteContributor> contributors) {
    this(s, contributors, dev.assay.server.telemetry.Telemetry.off());
  }

  /** As above, with a server span for every request (ADR 0041). */
  public HttpApi(ApiServices s, List<RouteContributor> contributors, dev.assay.server.telemetry.Telemetry telemetry) {
    this.telemetry = telemetry;
    this.guard = s.guard();
    this.meters = s.meters();
    this.ready = s.ready();
    this.contributors = List.copyOf(contributors);
    this.credentials = new Credentials(s.keys(), s.payloads());
    this.ingestion = new EventIngestion(s.events(), s.eventGovernance(), s.privacy(), credentials, s.guard(),
        s.meters(), new BreakerSignals(s.breakers()), s.contracts());
    this.ofrep = new OfrepApi(new PayloadEvaluators(s.payloads()), credentials, s.ofrepRateLimit(), s.meters());
    this.features = new FeaturesApi(credentials, s.meters());
    this.stream = new StreamApi(credentials, s.payloads(), s.subscriptions(), s.sseHeartbeat(), s.meters());
    ConfigService config = s.config();
    List<Resource> resources = List.of(new ProjectsApi(config), new EnvironmentsApi(config),
        new SdkConnectionsApi(config, s.payloads(), s.keys().serverKeys()), new FlagsApi(config),
        new ExperimentsApi(config, s.analysis(), s.rollouts()), new LayersApi(config), new HoldoutsApi(config, s.analysis()), new PlatformAaApi(s.analysis(), s.alerts()), new SegmentsApi(config),
        new MetricsApi(config), new UsersApi(config, s.keys().logins()), new ApiKeysApi(s.keys(), config), new AuditApi(s.store(), s.audit()),
        new EventsApi(s.events(), s.eventGovernance(), config, s.contracts()), new DataContractsApi(s.contracts()),
        new CommentsApi(new dev.assay.server.domain.Comments(s.store(), s.audit())),
        new AsCodeApi(new dev.assay.server.ascode.AsCode(config, s.contracts())), new AlertsApi(s.alerts()), new BreakersApi(s.breakers()),
        new SchedulesApi(s.schedules()), new RolloutsApi(s.rollouts()), new BanditsApi(config),
        new SwitchbacksApi(config, s.analysis()),
        new ApprovalsApi(s.policies(), s.changeRequests()), new StaleFlagsApi(config),
        new FactorialApi(config), new SnapshotsApi(config, s.analysis()), new WarehouseApi(s.analysis()), privacyApi(s));
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

  /**
   * Registers all routes on the builder: probes and metrics, the SDK-facing routes through the
   * {@link SdkEdge}, the management endpoints, the contributors' routes, and last the JSON 404/405.
   */
  public void routing(HttpRouting.Builder routing) {
    List<String> templates = new ArrayList<>(List.of("/health/live", "/health/ready", "/metrics",
        FeaturesApi.PATH, OfrepApi.SINGLE, OfrepApi.BULK, PREFIX + "/openapi.json", EventIngestion.PATH,
        PREFIX + AsCodeApi.SCHEMA, PREFIX + AsCodeApi.SCHEMA + "/{kind}"));
    endpoints.forEach(e -> templates.add(PREFIX + e.path()));
    RouteMetrics metrics = new RouteMetrics(meters, templates);
    routing.addFilter(new RouteTracing(telemetry, metrics::route));
    routing.addFilter(metrics);
    Routes routes = new Routes(routing);
    routes.get("/health/live", (req, res) -> send(res, Reply.ok(status("UP"))));
    routes.get("/health/ready", (req, res) -> {
      Readiness r = ready.get();
      send(res, r.storeUp() ? Reply.ok(r.json())
          : ApiErrors.error(503, "not_ready", "the store is not reachable", List.of()));
    });
    routes.get("/metrics", (req, res) -> send(res, new Reply(200, "text/plain; version=0.0.4; charset=utf-8",
        meters.scrape().getBytes(StandardCharsets.UTF_8))));
    SdkEdge edge = new SdkEdge(routes);
    features.routing(edge);
    stream.routing(edge);
    ingestion.routing(edge);
    ofrep.routing(edge, routes);
    routes.get(PREFIX + "/openapi.json", (req, res) -> send(res, Reply.ok(OpenApi.document(endpoints))));
    routes.get(PREFIX + AsCodeApi.SCHEMA, (req, res) -> send(res, Reply.ok(AsCodeApi.schemaIndex())));
    routes.get(PREFIX + AsCodeApi.SCHEMA + "/{kind}", (req, res) ->
        send(res, AsCodeApi.schema(req.path().pathParameters().get("kind"))));
    for (Endpoint e : endpoints) {
      routes.route(Method.create(e.method()), PREFIX + e.path(), (req, res) -> send(res, handle(e, req)));
    }
    this.routes = routes.recorded();
    contributors.forEach(c -> c.register(routing));
    routing.any((req, res) -> {
      String path = req.path().path();
      boolean knownPath = endpoints.stream().anyMatch(e -> OpenApi.matches(e.path(), path.substring(Math.min(path.length(), PREFIX.length()))))
          && path.startsWith(PREFIX);
      send(res, knownPath
          ? ApiErrors.error(405, "method_not_allowed", req.prologue().method().text() + " is not allowed on " + path, List.of())
          : ApiErrors.error(404, "not_found", "no endpoint " + path, List.of()));
    });
  }

  private static ObjectNode status(String s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("status", s);
    return o;
  }

  /* The one error handler of the management API: domain and store failures by ApiErrors, others a logged 500. */
  private Reply handle(Endpoint e, ServerRequest req) {
    try {
      return dispatch(e, req);
    } catch (RuntimeException ex) {
      if (ex instanceof dev.assay.server.store.StoreUnavailableException) {
        LOG.log(Level.WARNING, "store unavailable in " + e.method() + " " + e.path() + ": " + ex.getMessage());
      }
      return ApiErrors.translate(ex).orElseGet(() -> {
        LOG.log(Level.SEVERE, "unexpected failure in " + e.method() + " " + e.path(), ex);
        return ApiErrors.internal();
      });
    }
  }

  private Reply dispatch(Endpoint e, ServerRequest req) {
    Principal principal;
    switch (credentials.resolve(req)) {
      case Credentials.Refused r -> {
        return ApiErrors.error(401, "unauthenticated", r.message() + " (an API key)", List.of());
      }
      case Credentials.Connection c -> {
        // An SDK key is never a management credential: unauthenticated here, as documented (docs/api.md).
        return ApiErrors.error(401, "unauthenticated", "an SDK connection's " + (c.byServerKey() ? "server" : "client")
            + " key is not a management credential; use an API key", List.of());
      }
      case Credentials.ApiKey k -> principal = k.principal();
    }
    if (!principal.role().allows(e.permission())) {
      return ApiErrors.error(403, "forbidden", "role '" + principal.role().wireName() + "' may not "
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
    Optional<Reply> outOfScope = ProjectScope.check(principal, e, params, query);
    if (outOfScope.isPresent()) {
      return outOfScope.get();
    }
    byte[] body = new byte[0];
    boolean files = e.body() == Endpoint.BodyMode.FILES;
    int max = files ? MAX_FILES_BYTES : MAX_BODY_BYTES;
    if (e.body() != Endpoint.BodyMode.NONE) {
      Optional<Reply> rejected = checkBodyHeaders(req, e.body() != Endpoint.BodyMode.OPTIONAL, files);
      if (rejected.isPresent()) {
        return rejected.get();
      }
      Optional<byte[]> read = Bodies.read(req, max);
      if (read.isEmpty()) {
        return tooLarge(max);
      }
      guard.bodyReceived(req);
      body = read.get();
      if (body.length == 0 && e.body() != Endpoint.BodyMode.OPTIONAL) {
        return ApiErrors.error(400, "validation_failed", "body: a JSON object is required",
            List.of(new DomainException.Detail("body", "is required")));
      }
    }
    if (files) {
      String media = req.headers().contentType().map(t -> t.mediaType().text().toLowerCase(Locale.ROOT)).orElse("");
      return e.handler().handle(new Call(principal, params, query, JsonNodeFactory.instance.objectNode(), body, media));
    }
    return e.handler().handle(new Call(principal, params, query, Call.parse(body)));
  }

  private static Optional<Reply> checkBodyHeaders(ServerRequest req, boolean required, boolean files) {
    var length = req.headers().contentLength();
    int max = files ? MAX_FILES_BYTES : MAX_BODY_BYTES;
    if (Bodies.declaredOver(req, max)) {
      return Optional.of(tooLarge(max));
    }
    boolean hasBody = req.content().hasEntity() && !(length.isPresent() && length.getAsLong() == 0);
    if (!hasBody && !required) {
      return Optional.empty();
    }
    Optional<String> encoding = req.headers().first(HeaderNames.CONTENT_ENCODING).map(String::strip)
        .filter(e -> !e.isEmpty() && !e.equalsIgnoreCase("identity"));
    if (hasBody && encoding.isPresent()) {
      return Optional.of(ApiErrors.error(415, "unsupported_encoding", "Content-Encoding must be absent here (gzip is"
          + " accepted on " + PREFIX + "/events only)", List.of()));
    }
    Optional<HttpMediaType> type = req.headers().contentType();
    boolean patch = req.prologue().method().text().equals("PATCH");
    String media = type.map(t -> t.mediaType().text().toLowerCase(Locale.ROOT)).orElse("");
    boolean yaml = files && YAML_TYPES.contains(media);
    if (hasBody && !yaml && !(media.equals("application/json") || patch && media.equals("application/merge-patch+json"))) {
      return Optional.of(ApiErrors.error(415, "unsupported_media_type", "Content-Type must be application/json"
          + (patch ? " or application/merge-patch+json" : files ? " or application/yaml" : "") + ", was "
          + type.map(t -> "'" + t.mediaType().text() + "'").orElse("absent"), List.of()));
    }
    return Optional.empty();
  }

  private static Reply tooLarge(int max) {
    return ApiErrors.error(413, "payload_too_large", "request body exceeds " + max + " bytes", List.of());
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
              ? ApiErrors.error(415, "unsupported_encoding", "Content-Encoding must be gzip or absent, was '"
                  + encoding.get().replaceAll("[^A-Za-z0-9_,. -]", "") + "'", List.of())
              : ApiErrors.error(status.code(), "bad_request", first.isEmpty() ? "malformed request" : first, List.of());
          return io.helidon.http.DirectHandler.TransportResponse.builder().status(Status.create(r.status()))
              .headers(headers).header(HeaderNames.CONTENT_TYPE, r.contentType()).entity(r.body()).build();
        }).build();
  }

  /** The listener's content encodings: gzip responses; gzip request bodies inflated by the routes, bounded. */
  public static io.helidon.http.encoding.ContentEncodingContext contentEncoding() {
    return GzipBodies.passThrough();
  }

  private static void send(ServerResponse res, Reply reply) {
    try {
      reply.writeTo(res);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "reply not completed", e);
    }
  }

  private static PrivacyApi privacyApi(ApiServices s) {
    dev.assay.server.privacy.PrivacyBudget budget = new dev.assay.server.privacy.PrivacyBudget(s.store(), s.audit());
    return new PrivacyApi(s.privacy(), budget, s.analysis().map(a -> new dev.assay.server.privacy.DpExport(s.config(), a,
        s.privacy(), budget, new java.security.SecureRandom())));
  }
}
