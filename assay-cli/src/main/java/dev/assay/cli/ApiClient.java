package dev.assay.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The one HTTP client of the remote commands: {@code java.net.http} with the API key as a bearer
 * token and the project as {@code ?project=}. Every failure becomes a {@link CliFailure} whose
 * message a user can act on: the server's error code, message and field details; a 401 with a
 * hint where the token came from; an unreachable server named by its URL. The token is never part
 * of a message.
 */
final class ApiClient {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

  private final URI base;
  private final String token;
  private final String project;
  private final HttpClient http;

  ApiClient(URI base, String token, String project) {
    this.base = base;
    this.token = token;
    this.project = project;
    this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  }

  URI base() {
    return base;
  }

  String project() {
    return project;
  }

  /** {@code GET /api/v1{path}} with the project, as JSON. */
  JsonNode get(String path) {
    return json(send("GET", path, null, "application/json"));
  }

  /** {@code GET /api/v1{path}} with the project, as text (the Markdown report). */
  String getText(String path, String accept) {
    return send("GET", path, null, accept);
  }

  /** {@code POST /api/v1{path}} with the project and an optional JSON body. */
  JsonNode post(String path, JsonNode body) {
    return json(send("POST", path, body, "application/json"));
  }

  /** {@code DELETE /api/v1{path}} with the project; an empty answer (204) is an empty object. */
  JsonNode delete(String path) {
    return json(send("DELETE", path, null, "application/json"));
  }

  /** URL-encodes one path segment or query value. */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private String send(String method, String path, JsonNode body, String accept) {
    URI uri = URI.create(base + "/api/v1" + path + (path.contains("?") ? "&" : "?") + "project=" + encode(project));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
        .header("Authorization", "Bearer " + token).header("Accept", accept);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw new CliFailure("cannot connect to " + base + ": no answer within " + CONNECT_TIMEOUT.toSeconds() + " s", e);
    } catch (HttpTimeoutException e) {
      throw new CliFailure(method + " " + uri.getPath() + " on " + base + ": no answer within "
          + REQUEST_TIMEOUT.toMinutes() + " minutes", e);
    } catch (ConnectException e) {
      throw new CliFailure("cannot connect to " + base + " (connection refused): is the server running"
          + " there? (check --server)", e);
    } catch (IOException e) {
      throw new CliFailure("cannot reach " + base + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure("interrupted while waiting for " + base, e);
    }
    if (response.statusCode() >= 400) {
      throw new CliFailure(ApiError.describe(response.statusCode(), response.body(), base));
    }
    return response.body();
  }

  private static String describe(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return "unknown host";
      }
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private JsonNode json(String body) {
    try {
      return body.isEmpty() ? JsonFiles.MAPPER.createObjectNode() : JsonFiles.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new CliFailure(base + " answered something that is not JSON: "
          + body.substring(0, Math.min(200, body.length())), e);
    }
  }
}
