package dev.assay.server.ui;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The HTTP details every UI response shares: the security headers, cookies and sending. The
 * policy allows scripts, styles, images and connections from this origin only: no inline script
 * or style, no framing, no plugins, forms post only here.
 */
final class Http {
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
      + " frame-ancestors 'none'";
  static final String SESSION_COOKIE = "assay_session";
  static final String PROJECT_COOKIE = "assay_project";
  static final String FLASH_COOKIE = "assay_flash";
  static final String LOGIN_CSRF_COOKIE = "assay_login";

  private Http() {}

  static void securityHeaders(ServerResponse res) {
    res.header(HeaderNames.create("Content-Security-Policy"), CSP);
    res.header(HeaderNames.create("X-Frame-Options"), "DENY");
    res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
    res.header(HeaderNames.create("Referrer-Policy"), "same-origin");
    res.header(HeaderNames.create("Cross-Origin-Opener-Policy"), "same-origin");
  }

  static void html(ServerResponse res, int status, String body) {
    securityHeaders(res);
    res.status(Status.create(status));
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
    res.send(body.getBytes(StandardCharsets.UTF_8));
  }

  /** Content other than a page: JSON, or a file to download under {@code filename}. */
  static void body(ServerResponse res, int status, String contentType, byte[] bytes, Optional<String> filename) {
    securityHeaders(res);
    res.status(Status.create(status));
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.header(HeaderNames.CONTENT_TYPE, contentType);
    filename.ifPresent(f -> res.header(HeaderNames.create("Content-Disposition"), "attachment; filename=\"" + f + "\""));
    res.send(bytes);
  }

  /** A 303 to a same-site path (after a form post); HTMX requests get {@code HX-Redirect} instead. */
  static void redirect(ServerRequest req, ServerResponse res, String location) {
    securityHeaders(res);
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    if (req.headers().first(HeaderNames.create("HX-Request")).isPresent()) {
      res.status(Status.OK_200);
      res.header(HeaderNames.create("HX-Redirect"), location);
      res.send();
      return;
    }
    res.status(Status.SEE_OTHER_303);
    res.header(HeaderNames.LOCATION, location);
    res.send();
  }

  /** The value of a request cookie. */
  static Optional<String> cookie(ServerRequest req, String name) {
    for (String header : req.headers().all(HeaderNames.COOKIE, java.util.List::of)) {
      for (String part : header.split(";")) {
        String p = part.strip();
        int eq = p.indexOf('=');
        if (eq > 0 && p.substring(0, eq).equals(name)) {
          return Optional.of(p.substring(eq + 1));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Sets a cookie for the whole site: {@code HttpOnly}, {@code SameSite=Strict}, and
   * {@code Secure} when the request came over TLS. A zero max age deletes it; a negative one
   * makes a browser-session cookie.
   */
  static void setCookie(ServerRequest req, ServerResponse res, String name, String value, Duration maxAge) {
    StringBuilder c = new StringBuilder(name).append('=').append(value).append("; Path=/; HttpOnly; SameSite=Strict");
    if (!maxAge.isNegative()) {
      c.append("; Max-Age=").append(maxAge.toSeconds());
    }
    if (req.isSecure()) {
      c.append("; Secure");
    }
    res.headers().add(HeaderNames.SET_COOKIE, c.toString());
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String decode(String s) {
    try {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  /** The client's address, for rate limiting. */
  static String clientAddress(ServerRequest req) {
    return req.remotePeer().address() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() : String.valueOf(req.remotePeer().address());
  }

  /** Reads a form body of at most {@code max} bytes; empty when larger. */
  static Optional<String> body(ServerRequest req, int max) {
    if (!req.content().hasEntity()) {
      return Optional.of("");
    }
    try (var in = req.content().inputStream()) {
      byte[] bytes = in.readNBytes(max + 1);
      return bytes.length > max ? Optional.empty() : Optional.of(new String(bytes, StandardCharsets.UTF_8));
    } catch (java.io.IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
