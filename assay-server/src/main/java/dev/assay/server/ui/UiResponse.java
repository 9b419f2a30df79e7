package dev.assay.server.ui;

import java.util.Optional;

/** What a page handler answers: an HTML page, or a redirect (after a form post) with a flash message. */
sealed interface UiResponse {
  record Html(int status, String body) implements UiResponse {}

  record Redirect(String location, Optional<String> flash) implements UiResponse {}

  /** Another kind of content (JSON for plots, a Markdown download when {@code filename} is set). */
  record Body(int status, String contentType, byte[] bytes, Optional<String> filename) implements UiResponse {}

  static UiResponse ok(String body) {
    return new Html(200, body);
  }

  static UiResponse redirect(String location) {
    return new Redirect(location, Optional.empty());
  }

  static UiResponse redirect(String location, String flash) {
    return new Redirect(location, Optional.of(flash));
  }
}
