package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One way to authenticate, over a real server: every route reads the key from the same headers
 * and resolves it the same way; each route refuses the kinds of key it does not take; the
 * SDK-facing routes answer with one CORS policy (errors and preflights included) and the error
 * body of every other route.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CredentialsTest {
  private TestServer t;
  private String clientKey;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    t = new TestServer();
    t.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"string\",\"defaultValue\":\"x\"}");
    clientKey = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  @AfterAll
  void stop() {
    t.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private HttpResponse<String> events(String... headers) {
    String ev = "[{\"id\":\"e-" + System.nanoTime() + "\",\"type\":\"metric\",\"name\":\"purchase\","
        + "\"unitId\":\"u1\",\"timestamp\":" + System.currentTimeMillis() + "}]";
    return send("POST", "/api/v1/events", ev, headers);
  }

  @Test
  void aClientKey_isReadFromEachHeader_theSameWayOnEveryRoute() {
    for (String[] h : List.of(new String[] {"X-API-Key", clientKey}, new String[] {"Authorization", "Bearer " + clientKey},
        new String[] {"X-Assay-Client-Key", clientKey})) {
      assertThat(events(h).statusCode()).as("events with " + h[0]).isEqualTo(200);
      assertThat(send("POST", "/ofrep/v1/evaluate/flags/f", "{}", h).statusCode()).as("OFREP with " + h[0])
          .isEqualTo(200);
    }
  }

  @Test
  void eachRoute_refusesTheKindsOfKeyItDoesNotTake() {
    HttpResponse<String> management = send("GET", "/api/v1/flags", null, "Authorization", "Bearer " + clientKey);
    assertThat(management.statusCode()).isEqualTo(401);
    assertThat(management.body()).contains("\"unauthenticated\"").contains("not a management credential");
    HttpResponse<String> ofrep = send("POST", "/ofrep/v1/evaluate/flags/f", "{}", "X-API-Key", TestServer.ADMIN_TOKEN);
    assertThat(ofrep.statusCode()).isEqualTo(403);
    String viewer = t.token("viewer");
    HttpResponse<String> viewerEvents = events("Authorization", "Bearer " + viewer);
    assertThat(viewerEvents.statusCode()).isEqualTo(403);
    assertThat(viewerEvents.body()).contains("may not send events");
    assertThat(events("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).statusCode()).isEqualTo(200);
  }

  @Test
  void aMalformedOrMissingCredential_is401NamingHowToSendOne_onEveryRoute() {
    for (String path : List.of("/api/v1/flags", "/api/v1/events", "/ofrep/v1/evaluate/flags")) {
      String method = path.equals("/api/v1/flags") ? "GET" : "POST";
      String body = method.equals("POST") ? "{}" : null;
      HttpResponse<String> basic = send(method, path, body, "Authorization", "Basic dXNlcjpwYXNz");
      assertThat(basic.statusCode()).as(path).isEqualTo(401);
      assertThat(basic.body()).as(path).contains("Bearer <key>");
      HttpResponse<String> none = send(method, path, body);
      assertThat(none.statusCode()).as(path).isEqualTo(401);
      assertThat(none.body()).as(path).contains("X-API-Key").contains("\"error\"");
      HttpResponse<String> unknown = send(method, path, body, "X-API-Key", "no-such-key");
      assertThat(unknown.statusCode()).as(path).isEqualTo(401);
    }
  }

  @Test
  void sdkRoutes_answerWithOneCorsPolicy_andOneErrorBody() {
    List<HttpResponse<String>> answers = List.of(
        send("GET", "/api/features/" + clientKey, null),
        send("GET", "/api/features/no-such-key", null),
        events(),
        send("POST", "/ofrep/v1/evaluate/flags/no-such-flag", "{}", "X-API-Key", clientKey));
    for (HttpResponse<String> r : answers) {
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(r.uri() + " " + r.statusCode()).contains("*");
      assertThat(r.headers().firstValue("Access-Control-Expose-Headers").orElseThrow()).contains("ETag", "Retry-After");
      if (r.statusCode() >= 400) {
        assertThat(r.body()).as(r.uri().toString()).contains("\"error\":{\"code\":");
      }
    }
    assertThat(answers.get(3).body()).contains("\"errorCode\":\"FLAG_NOT_FOUND\"").contains("\"code\":\"flag_not_found\"");
  }

  @Test
  void everySdkPath_answersItsCorsPreflight_withItsMethods() {
    for (String[] p : List.of(new String[] {"/api/features/" + clientKey, "GET"}, new String[] {"/sub/" + clientKey, "GET"},
        new String[] {"/api/v1/events", "POST"}, new String[] {"/ofrep/v1/evaluate/flags", "POST"})) {
      HttpResponse<String> r = send("OPTIONS", p[0], null, "Origin", "https://shop.example.com",
          "Access-Control-Request-Method", p[1]);
      assertThat(r.statusCode()).as(p[0]).isEqualTo(204);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(p[0]).contains("*");
      assertThat(r.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).as(p[0]).contains(p[1]);
      assertThat(r.headers().firstValue("Access-Control-Allow-Headers").orElseThrow()).as(p[0])
          .contains("Authorization", "X-API-Key", "If-None-Match");
    }
  }
}
