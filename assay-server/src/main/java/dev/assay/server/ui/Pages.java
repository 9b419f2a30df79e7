package dev.assay.server.ui;

import dev.assay.server.auth.Logins;
import dev.assay.server.auth.Permission;
import dev.assay.server.auth.Principal;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.StoreUnavailableException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Registers the pages of the UI and runs each request through the same steps: the session (else
 * to sign-in), the project (switcher: {@code ?project=} or the cookie), the permission the page
 * needs (the role matrix of the API, {@link dev.assay.server.auth.Role#allows}, and the
 * principal's project scope), for posts the CSRF token, then the handler; and it is the one place
 * that turns failures into pages: a stale version into "changed by someone else" with a reload
 * link, other domain errors into their message, anything unexpected into a generic page with a
 * reference to the log line. Never a stack trace.
 */
final class Pages {
  /** A page handler. */
  @FunctionalInterface
  interface Handler {
    UiResponse handle(UiCall call);
  }

  static final int MAX_FORM_BYTES = 1 << 20;
  private static final Logger LOG = Logger.getLogger(Pages.class.getName());
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private final HttpRouting.Builder routing;
  private final UiContext ui;
  private final SecureRandom random = new SecureRandom();

  Pages(HttpRouting.Builder routing, UiContext ui) {
    this.routing = routing;
    this.ui = ui;
  }

  void get(String path, Permission permission, Handler handler) {
    routing.get(path, (req, res) -> run(req, res, permission, handler, false));
  }

  void post(String path, Permission permission, Handler handler) {
    routing.post(path, (req, res) -> run(req, res, permission, handler, true));
  }

  private void run(ServerRequest req, ServerResponse res, Permission permission, Handler handler, boolean post) {
    String path = req.path().path();
    Optional<Logins.SignedIn> session = Http.cookie(req, Http.SESSION_COOKIE).flatMap(ui.logins()::resolve);
    if (session.isEmpty()) {
      if (post) {
        ui.errorPage(res, 401, "Signed out", "Your session has ended. Sign in again and repeat the change.",
            Optional.of("/ui/login"));
      } else {
        String next = path + (req.query().rawValue().isEmpty() ? "" : "?" + req.query().rawValue());
        Http.redirect(req, res, "/ui/login?next=" + Http.encode(next));
      }
      return;
    }
    try {
      Principal principal = session.get().principal();
      Form query = Form.parse(req.query().rawValue());
      Optional<String> chosen = query.has("project") ? Optional.of(query.get("project"))
          : Http.cookie(req, Http.PROJECT_COOKIE);
      List<String> projects = ui.domain().projects().stream().filter(principal::mayAccess).toList();
      String project = chosen.filter(p -> KEY.matcher(p).matches() && projects.contains(p))
          .orElse(projects.contains(ConfigService.DEFAULT_PROJECT) || projects.isEmpty()
              ? ConfigService.DEFAULT_PROJECT : projects.get(0));
      if (query.has("project") && !project.equals(query.get("project"))) {
        ui.errorPage(res, principal.mayAccess(query.get("project")) ? 404 : 403, "No such project",
            "There is no project '" + query.get("project") + "' you may open.", Optional.of("/ui/"));
        return;
      }
      if (!principal.role().allows(permission)) {
        ui.errorPage(res, 403, "Not allowed", "Your role '" + principal.role().wireName() + "' may not "
            + (post ? "make this change" : "open this page") + ".", Optional.empty());
        return;
      }
      Form form = Form.empty();
      if (post) {
        Optional<String> body = Http.body(req, MAX_FORM_BYTES);
        if (body.isEmpty()) {
          ui.errorPage(res, 413, "Too large", "The form is larger than " + MAX_FORM_BYTES + " bytes.", Optional.empty());
          return;
        }
        form = Form.parse(body.get());
        String sent = req.headers().first(HeaderNames.create("X-CSRF-Token")).orElse(form.raw("_csrf"));
        if (!constantTimeEquals(sent, session.get().csrfToken())) {
          ui.errorPage(res, 403, "Request refused", "This form was not sent from an Assay page of your session"
              + " (its CSRF token is missing or wrong). Reload the page and try again.", Optional.of(path));
          return;
        }
      }
      if (query.has("project")) {
        Http.setCookie(req, res, Http.PROJECT_COOKIE, project, Duration.ofDays(365));
      }
      Optional<String> flash = Http.cookie(req, Http.FLASH_COOKIE).map(Http::decode).filter(f -> !f.isEmpty());
      if (flash.isPresent() && !post) {
        Http.setCookie(req, res, Http.FLASH_COOKIE, "", Duration.ZERO);
      }
      Map<String, String> params = new HashMap<>();
      for (String name : req.path().pathParameters().names()) {
        params.put(name, req.path().pathParameters().get(name));
      }
      boolean htmx = req.headers().first(HeaderNames.create("HX-Request")).isPresent();
      String origin = (req.isSecure() ? "https://" : "http://") + req.authority();
      UiCall call = new UiCall(session.get(), project, projects, path, params, query, form, flash, ui.assets(), htmx,
          origin);
      send(req, res, handler.handle(call));
    } catch (RuntimeException e) {
      fail(res, path, e);
    }
  }

  private void send(ServerRequest req, ServerResponse res, UiResponse response) {
    switch (response) {
      case UiResponse.Html h -> Http.html(res, h.status(), h.body());
      case UiResponse.Redirect r -> {
        r.flash().ifPresent(f -> Http.setCookie(req, res, Http.FLASH_COOKIE, Http.encode(f), Duration.ofMinutes(5)));
        Http.redirect(req, res, r.location());
      }
      case UiResponse.Body b -> Http.body(res, b.status(), b.contentType(), b.bytes(), b.filename());
    }
  }

  /* The store's failures a person can cause, as the domain's (the API edge maps them the same way: ApiErrors). */
  private static @org.jspecify.annotations.Nullable DomainException asDomain(RuntimeException e) {
    return switch (e) {
      case DomainException d -> d;
      case dev.assay.server.store.VersionConflictException v ->
          DomainException.conflict("version_conflict", v.getMessage(), java.util.List.of());
      case dev.assay.server.store.EntityNotFoundException n -> DomainException.notFound(n.getMessage());
      case dev.assay.server.store.DuplicateKeyException k ->
          DomainException.conflict("already_exists", k.getMessage(), java.util.List.of());
      default -> null;
    };
  }

  private void fail(ServerResponse res, String path, RuntimeException e) {
    DomainException d = asDomain(e);
    if (d != null && d.code().equals("version_conflict")) {
      ui.errorPage(res, 409, "Changed by someone else", "Someone else changed this since you opened it; your"
          + " change was not saved. Reload to see the current version, then make your change again.", Optional.of(path));
    } else if (d != null) {
      int status = switch (d.category()) {
        case NOT_FOUND -> 404;
        case CONFLICT -> 409;
        case BUSY -> 429;
        case UNPROCESSABLE -> 422;
        case INVALID -> 400;
      };
      ui.errorPage(res, status, status == 404 ? "Not found" : "Not possible", d.getMessage(), Optional.empty());
    } else if (e instanceof StoreUnavailableException) {
      LOG.log(Level.WARNING, "store unavailable in UI " + path + ": " + e.getMessage());
      ui.errorPage(res, 503, "Try again shortly", "The configuration store cannot be reached.", Optional.of(path));
    } else {
      byte[] ref = new byte[4];
      random.nextBytes(ref);
      String reference = HexFormat.of().formatHex(ref);
      LOG.log(Level.SEVERE, "unexpected failure in UI " + path + " [ref " + reference + "]", e);
      ui.errorPage(res, 500, "Something went wrong", "An unexpected error occurred. The server log has the"
          + " details under reference " + reference + ".", Optional.empty());
    }
  }

  static boolean constantTimeEquals(String a, String b) {
    return !a.isEmpty() && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
