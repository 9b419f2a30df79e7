package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /holdouts}: the metrics field and the refresh and results endpoints, on bad input. */
class HoldoutsApiTest {
  private TestServer server;

  @BeforeEach
  void start() {
    server = new TestServer();
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"buy\",\"type\":\"proportion\",\"event\":\"buy\"}"));
    ok(server.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void metrics_badShapes_are400NamingTheField() {
    assertField(server.admin("POST", "/api/v1/holdouts", """
        {"key":"h","fraction":0.1,"flags":["f"],"metrics":{"primary":"buy","guardrails":[{"metric":"buy"}]}}"""),
        400, "metrics.guardrails");
    assertField(server.admin("POST", "/api/v1/holdouts", """
        {"key":"h","fraction":0.1,"flags":["f"],"metrics":{"secondary":["buy"]}}"""), 400, "metrics.primary");
    assertField(server.admin("POST", "/api/v1/holdouts", """
        {"key":"h","fraction":0.1,"flags":["f"],"metrics":{"primary":"nope"}}"""), 422, "metrics.primary");
    assertField(server.admin("POST", "/api/v1/holdouts", """
        {"key":"h","fraction":0.1,"flags":["f"],"metrics":{"primary":"buy","secondary":["nope"]}}"""), 422,
        "metrics.secondary[0]");
    assertThat(server.admin("GET", "/api/v1/holdouts", null).json().path("items").size()).isZero();
  }

  @Test
  void refresh_withoutMetrics_is409_unknown404_andAMetricInUseCannotBeDeleted() {
    ok(server.admin("POST", "/api/v1/holdouts", "{\"key\":\"bare\",\"fraction\":0.1,\"flags\":[\"f\"]}"));
    TestServer.Response bare = server.admin("POST", "/api/v1/holdouts/bare/refresh", "{}");
    assertThat(bare.status()).as(bare.body()).isEqualTo(409);
    assertThat(bare.json().at("/error/code").asText()).isEqualTo("no_metrics");
    assertThat(server.admin("POST", "/api/v1/holdouts/none/refresh", "{}").status()).isEqualTo(404);
    assertThat(server.admin("GET", "/api/v1/holdouts/none/results", null).status()).isEqualTo(404);
    assertField(server.admin("POST", "/api/v1/holdouts/bare/refresh", "{\"x\":1}"), 400, "x");

    ok(server.admin("POST", "/api/v1/holdouts", """
        {"key":"lt","fraction":0.1,"flags":["f"],"metrics":{"primary":"buy"}}"""));
    TestServer.Response empty = server.admin("POST", "/api/v1/holdouts/lt/refresh", "{}");
    ok(empty);
    assertThat(empty.json().at("/units/general").asLong()).isZero();
    assertThat(empty.json().at("/metrics/0/effect").isNull()).isTrue();
    assertThat(empty.json().at("/metrics/0/note").asText()).contains("fewer than 2 units");
    TestServer.Response delete = server.admin("DELETE", "/api/v1/metrics/buy?version=1", null);
    assertThat(delete.status()).as(delete.body()).isEqualTo(409);
    assertThat(delete.body()).contains("holdout 'lt'");
  }

  private static void assertField(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
