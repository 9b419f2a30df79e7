package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metrics catalogue: types, sources, ratio references, capping, CUPED lookback, validation. */
class MetricsCatalogueTest {
  private final TestServer server = new TestServer();

  @AfterEach
  void stop() {
    server.close();
  }

  private TestServer.Response create(String json) {
    return server.admin("POST", "/api/v1/metrics", json);
  }

  @Test
  void create_everyTypeAndSource_storedWithDefaults() {
    TestServer.Response revenue = create("""
        {"key":"revenue","type":"mean","event":"purchase","valueProperty":"amount",
         "filters":{"currency":"EUR"},"cappingPercentile":0.999}""");
    assertThat(revenue.status()).as(revenue.body()).isEqualTo(201);
    assertThat(revenue.json().get("cupedLookbackDays").asInt()).isEqualTo(14);
    assertThat(revenue.json().get("minimumSample").asInt()).isEqualTo(100);
    assertThat(revenue.json().at("/filters/currency").asText()).isEqualTo("EUR");

    assertThat(create("{\"key\":\"sessions\",\"type\":\"count\",\"event\":\"session_start\"}").status()).isEqualTo(201);
    TestServer.Response ratio = create("{\"key\":\"revenue-per-session\",\"type\":\"ratio\",\"numerator\":\"revenue\",\"denominator\":\"sessions\"}");
    assertThat(ratio.status()).as(ratio.body()).isEqualTo(201);
    assertThat(create("{\"key\":\"p90-latency\",\"type\":\"quantile\",\"quantile\":0.9,\"event\":\"page_load\",\"direction\":\"decrease\"}").status())
        .isEqualTo(201);
    assertThat(create("""
        {"key":"refunds","type":"sum","sql":"SELECT user_id AS unit_id, refunded_at AS timestamp, amount AS value FROM refunds",
         "direction":"decrease","cupedLookbackDays":0}""").status()).isEqualTo(201);

    TestServer.Response inUse = server.admin("DELETE", "/api/v1/metrics/sessions?version=1", null);
    assertThat(inUse.status()).isEqualTo(409);
    assertThat(inUse.body()).contains("revenue-per-session");
  }

  @Test
  void create_invalidDefinitions_400NamingTheField() {
    create("{\"key\":\"base\",\"type\":\"count\",\"event\":\"x\"}");
    assertField(create("{\"key\":\"m\",\"type\":\"mean\"}"), 400, "event");
    assertField(create("{\"key\":\"m\",\"type\":\"mean\",\"event\":\"e\",\"sql\":\"SELECT 1\"}"), 400, "event");
    assertField(create("{\"key\":\"m\",\"type\":\"mean\",\"sql\":\"DELETE FROM t\"}"), 400, "sql");
    assertField(create("{\"key\":\"m\",\"type\":\"mean\",\"sql\":\"SELECT 1; DROP TABLE t\"}"), 400, "sql");
    assertField(create("{\"key\":\"m\",\"type\":\"quantile\",\"event\":\"e\"}"), 400, "quantile");
    assertField(create("{\"key\":\"m\",\"type\":\"quantile\",\"event\":\"e\",\"quantile\":1.5}"), 400, "quantile");
    assertField(create("{\"key\":\"m\",\"type\":\"ratio\",\"numerator\":\"base\"}"), 400, "denominator");
    assertField(create("{\"key\":\"m\",\"type\":\"ratio\",\"numerator\":\"base\",\"denominator\":\"nope\"}"), 422, "denominator");
    assertField(create("{\"key\":\"m\",\"type\":\"mean\",\"event\":\"e\",\"capping\":10,\"cappingPercentile\":0.99}"), 400, "capping");
    assertField(create("{\"key\":\"m\",\"type\":\"mean\",\"event\":\"e\",\"cupedLookbackDays\":-1}"), 400, "cupedLookbackDays");
    assertField(create("{\"key\":\"m\",\"type\":\"mean\",\"event\":\"e\",\"filters\":{\"a\":{\"b\":1}}}"), 400, "filters.a");
  }

  private static void assertField(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }
}
