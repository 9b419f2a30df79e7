package dev.assay.server.ui;

import dev.assay.server.auth.Logins;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Sign-in and sign-out. Before there is a session the sign-in form is protected against login
 * CSRF by a double-submit token: a random value in a {@code SameSite=Strict} cookie that the form
 * must repeat. Failed sign-ins are limited per user name and client address
 * ({@link dev.assay.server.auth.LoginThrottle}); past the limit the answer is 429 with
 * {@code Retry-After}, whatever the password.
 */
final class SignInPages {
  private final UiContext ui;
  private final SecureRandom random = new SecureRandom();

  SignInPages(UiContext ui) {
    this.ui = ui;
  }

  void routing(HttpRouting.Builder routing) {
    routing.get("/ui/login", this::form);
    routing.post("/ui/login", this::signIn);
    routing.post("/ui/logout", this::signOut);
  }

  private void form(ServerRequest req, ServerResponse res) {
    Form query = Form.parse(req.query().rawValue());
    if (Http.cookie(req, Http.SESSION_COOKIE).flatMap(ui.logins()::resolve).isPresent()) {
      Http.redirect(req, res, safeNext(query.get("next")));
      return;
    }
    Optional<String> notice = query.has("signedOut") ? Optional.of("You are signed out.") : Optional.empty();
    render(req, res, 200, "", query.get("next"), Optional.empty(), notice);
  }

  private void render(ServerRequest req, ServerResponse res, int status, String user, String next,
      Optional<String> error, Optional<String> notice) {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Http.setCookie(req, res, Http.LOGIN_CSRF_COOKIE, token, Duration.ofHours(1));
    CoreViews.Login view = new CoreViews.Login(ui.anonymousShell("Sign in"), token, user, next, error, notice);
    Http.html(res, status, ui.views().render("login.jte", view));
  }

  private void signIn(ServerRequest req, ServerResponse res) {
    Optional<String> body = Http.body(req, 16 * 1024);
    Form form = Form.parse(body.orElse(""));
    String user = form.get("user");
    String next = form.get("next");
    String expected = Http.cookie(req, Http.LOGIN_CSRF_COOKIE).orElse("");
    if (body.isEmpty() || !Pages.constantTimeEquals(form.raw("_csrf"), expected)) {
      ui.errorPage(res, 403, "Request refused", "The sign-in form was not sent from this site's sign-in page."
          + " Open the sign-in page again.", Optional.of("/ui/login"));
      return;
    }
    String address = Http.clientAddress(req);
    long wait = ui.throttle().retryAfterSeconds(user, address);
    if (wait > 0) {
      res.header(HeaderNames.RETRY_AFTER, String.valueOf(wait));
      render(req, res, 429, user, next, Optional.of("Too many failed sign-ins for '" + user + "'. Try again in "
          + wait + " seconds."), Optional.empty());
      return;
    }
    Optional<Logins.SignedIn> signedIn = ui.logins().signIn(user, form.raw("password"));
    if (signedIn.isEmpty()) {
      ui.throttle().failed(user, address);
      render(req, res, 401, user, next, Optional.of("Unknown user or wrong password."), Optional.empty());
      return;
    }
    ui.throttle().succeeded(user, address);
    Http.setCookie(req, res, Http.LOGIN_CSRF_COOKIE, "", Duration.ZERO);
    Http.setCookie(req, res, Http.SESSION_COOKIE, signedIn.get().sessionId(), ui.logins().lifetimes().absolute());
    Http.redirect(req, res, safeNext(next));
  }

  private void signOut(ServerRequest req, ServerResponse res) {
    Optional<String> id = Http.cookie(req, Http.SESSION_COOKIE);
    Optional<Logins.SignedIn> session = id.flatMap(ui.logins()::resolve);
    Form form = Form.parse(Http.body(req, 16 * 1024).orElse(""));
    String sent = req.headers().first(HeaderNames.create("X-CSRF-Token")).orElse(form.raw("_csrf"));
    if (session.isPresent() && !Pages.constantTimeEquals(sent, session.get().csrfToken())) {
      ui.errorPage(res, 403, "Request refused", "The sign-out was not sent from an Assay page of your session.",
          Optional.of("/ui/"));
      return;
    }
    id.ifPresent(ui.logins()::signOut);
    Http.setCookie(req, res, Http.SESSION_COOKIE, "", Duration.ZERO);
    Http.redirect(req, res, "/ui/login?signedOut=1");
  }

  /* Only paths of the UI itself, so the sign-in page cannot be used to redirect elsewhere. */
  static String safeNext(String next) {
    return next.startsWith("/ui/") && !next.startsWith("//") && !next.contains("\\") && !next.startsWith("/ui/login")
        ? next : "/ui/flags";
  }
}
