package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Prometheus {@code /metrics}: every request timed by route template, method, status and outcome. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteMetricsTest {
  private TestServer t;
  private String clientKey;

  @BeforeAll
  void start() {
    t = new TestServer();
    clientKey = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  @AfterAll
  void stop() {
    t.close();
  }

  /** The value of the count series with all these labels, if present. */
  private Optional<Double> count(String scrape, String... labels) {
    return Arrays.stream(scrape.split("\n"))
        .filter(l -> l.startsWith("assay_http_requests_seconds_count{"))
        .filter(l -> Arrays.stream(labels).allMatch(l::contains))
        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .reduce(Double::sum);
  }

  @Test
  void everyKindOfRoute_isTimedByTemplateWithStatusAndOutcome() {
    var first = t.call("GET", "/api/features/" + clientKey, null, null);
    var second = t.call("GET", "/api/features/" + clientKey, null, null);
    t.call("GET", "/api/features/sdk-unknown", null, null);
    t.call("POST", "/ofrep/v1/evaluate/flags/missing-flag", clientKey, "{\"context\":{\"targetingKey\":\"u\"}}");
    t.admin("GET", "/api/v1/flags/no-such-flag", null);
    t.call("GET", "/api/v1/audit/verify", null, null);
    t.call("GET", "/definitely/not/here", null, null);
    t.call("GET", "/health/live", null, null);
    t.call("BREW", "/api/v1/flags", null, null);
    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(200);

    String scrape = t.call("GET", "/metrics", null, null).body();

    assertThat(count(scrape, "route=\"/api/features/{clientKey}\"", "status=\"200\"", "outcome=\"success\"", "method=\"GET\""))
        .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(2));
    assertThat(count(scrape, "route=\"/api/features/{clientKey}\"", "status=\"404\"", "outcome=\"client_error\""))
        .hasValue(1.0);
    assertThat(count(scrape, "route=\"/ofrep/v1/evaluate/flags/{key}\"", "status=\"404\"", "method=\"POST\""))
        .hasValue(1.0);
    assertThat(count(scrape, "route=\"/api/v1/flags/{key}\"", "status=\"404\"")).hasValue(1.0);
    assertThat(count(scrape, "route=\"/api/v1/audit/verify\"", "status=\"401\"")).hasValue(1.0);
    assertThat(count(scrape, "route=\"unmatched\"", "status=\"404\"")).hasValue(1.0);
    assertThat(count(scrape, "route=\"/health/live\"", "status=\"200\"")).hasValue(1.0);
    assertThat(count(scrape, "method=\"OTHER\"", "route=\"/api/v1/flags\"")).hasValue(1.0);
    assertThat(scrape).doesNotContain("BREW");
    assertThat(scrape).contains("assay_http_requests_seconds_bucket{")
        .as("concrete keys never become label values").doesNotContain(clientKey).doesNotContain("no-such-flag");
  }

  @Test
  void conditionalRequest_304_isCountedAsRedirection() throws Exception {
    String etag = t.call("GET", "/api/features/" + clientKey, null, null).headers().firstValue("ETag").orElseThrow();
    var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + t.server.port() + "/api/features/" + clientKey))
        .header("If-None-Match", etag).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isEqualTo(304);

    String scrape = t.call("GET", "/metrics", null, null).body();

    assertThat(count(scrape, "route=\"/api/features/{clientKey}\"", "status=\"304\"", "outcome=\"redirection\""))
        .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
  }

  @Test
  void routeOf_prefersLiteralSegmentsAndNeverLeaksConcreteValues() {
    RouteMetrics m = new RouteMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
        java.util.List.of("/api/v1/audit/{id}", "/api/v1/audit/verify", "/api/v1/flags/{key}", "/api/v1/flags"));

    assertThat(m.route("/api/v1/audit/verify")).isEqualTo("/api/v1/audit/verify");
    assertThat(m.route("/api/v1/audit/42")).isEqualTo("/api/v1/audit/{id}");
    assertThat(m.route("/api/v1/flags")).isEqualTo("/api/v1/flags");
    assertThat(m.route("/api/v1/flags/a/b")).isEqualTo(RouteMetrics.UNMATCHED);
    assertThat(m.route("/api/v1/flags/x.*")).isEqualTo("/api/v1/flags/{key}");
  }
}
