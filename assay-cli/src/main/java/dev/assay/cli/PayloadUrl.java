package dev.assay.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Fetches an SDK payload from an http(s) URL (for example a server's /api/features/KEY). */
final class PayloadUrl {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private PayloadUrl() {}

  /** The response body of a GET; any failure or non-200 status is a {@link CliInputException} naming the option. */
  static String fetch(String option, String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new CliInputException(option + ": not a valid URL: " + url);
    }
    if (uri.getHost() == null) {
      throw new CliInputException(option + ": URL has no host: " + url);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET().build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new CliInputException(option + ": cannot fetch " + url + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliInputException(option + ": interrupted while fetching " + url);
    }
    if (response.statusCode() != 200) {
      throw new CliInputException(option + ": GET " + url + " answered HTTP " + response.statusCode());
    }
    return response.body();
  }
}
