package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Event schemas on a real server and store (issue 20, parts 1 and 2): versioned puts (compatible
 * evolutions bump the version, breaking changes are refused naming the property unless declared
 * as the next version), audited; validation at ingestion in warn and enforce mode, with the
 * violations counted by name and reason in the events summary and on /metrics.
 */
class EventSchemasTest {
  private static final String PURCHASE_V1 = """
      {"value":"required","properties":{
        "plan":{"type":"string","required":true,"allowed":["free","pro"]},
        "coupon":{"type":"string"}}}""";
  private final TestServer t = server();

  TestServer server() {
    return new TestServer();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private TestServer.Response put(String name, String body) {
    return t.admin("PUT", "/api/v1/event-schemas/" + name, body);
  }

  private static void status(TestServer.Response r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
  }

  @Test
  void put_compatibleAndBreakingChanges_versionedAndAudited() {
    TestServer.Response created = put("purchase", PURCHASE_V1);
    status(created, 201);
    assertThat(created.json().path("version").asLong()).isEqualTo(1);
    assertThat(created.json().path("outcome").asText()).isEqualTo("created");
    assertThat(created.json().at("/properties/plan/allowed").toString()).isEqualTo("[\"free\",\"pro\"]");

    // The same contract again changes nothing.
    TestServer.Response same = put("purchase", PURCHASE_V1);
    status(same, 200);
    assertThat(same.json().path("version").asLong()).isEqualTo(1);
    assertThat(same.json().path("outcome").asText()).isEqualTo("unchanged");

    // A new optional property and a widened allowed list are compatible: version 2.
    TestServer.Response evolved = put("purchase", """
        {"value":"required","properties":{
          "plan":{"type":"string","required":true,"allowed":["free","pro","team"]},
          "coupon":{"type":"string"},"seats":{"type":"number"}}}""");
    status(evolved, 200);
    assertThat(evolved.json().path("version").asLong()).isEqualTo(2);
    assertThat(evolved.json().path("outcome").asText()).isEqualTo("evolved");

    // Removing coupon, retyping seats and making it required break the contract: 422 naming each.
    String breaking = """
        {"value":"required","properties":{
          "plan":{"type":"string","required":true,"allowed":["free","pro","team"]},
          "seats":{"type":"string","required":true}}}""";
    TestServer.Response refused = put("purchase", breaking);
    status(refused, 422);
    assertThat(refused.json().at("/error/code").asText()).isEqualTo("breaking_change");
    assertThat(refused.json().at("/error/details").findValuesAsText("field"))
        .containsExactly("properties.coupon", "properties.seats.type", "properties.seats.required");
    // Narrowing the allowed values breaks it too.
    TestServer.Response narrowed = put("purchase", """
        {"value":"required","properties":{"plan":{"type":"string","required":true,"allowed":["pro"]},
          "coupon":{"type":"string"},"seats":{"type":"number"}}}""");
    status(narrowed, 422);
    assertThat(narrowed.json().at("/error/details/0/field").asText()).isEqualTo("properties.plan.allowed");
    assertThat(narrowed.json().at("/error/details/0/message").asText()).contains("free", "team");

    // Declared as a version that is not the next: 409. Declared as version 3: stored.
    status(put("purchase", breaking.replace("{\"value\"", "{\"version\":7,\"value\"")), 409);
    TestServer.Response declared = put("purchase", breaking.replace("{\"value\"", "{\"version\":3,\"value\""));
    status(declared, 200);
    assertThat(declared.json().path("version").asLong()).isEqualTo(3);
    assertThat(declared.json().path("outcome").asText()).isEqualTo("new_version");
    assertThat(declared.json().at("/properties/seats/type").asText()).isEqualTo("string");

    JsonNode list = t.admin("GET", "/api/v1/event-schemas", null).json();
    assertThat(list.path("items")).hasSize(1);
    assertThat(t.admin("GET", "/api/v1/event-schemas/purchase", null).json().path("version").asLong()).isEqualTo(3);
    status(t.admin("GET", "/api/v1/event-schemas/nothing", null), 404);

    // Refused puts leave no trace; the three stored versions are three audit entries.
    JsonNode audit = t.admin("GET", "/api/v1/audit?kind=EVENT_SCHEMA&key=purchase", null).json();
    assertThat(audit.path("items").findValuesAsText("action")).containsExactlyInAnyOrder("create", "update", "update");

    status(t.admin("DELETE", "/api/v1/event-schemas/purchase", null), 204);
    status(t.admin("GET", "/api/v1/event-schemas/purchase", null), 404);
  }

  @Test
  void put_badBodies_namesTheField() {
    assertField(put("purchase", "{\"properties\":{\"plan\":{\"type\":\"text\"}}}"), "properties.plan.type");
    assertField(put("purchase", "{\"properties\":{\"plan\":{\"type\":\"number\",\"allowed\":[\"1\"]}}}"),
        "properties.plan.allowed");
    assertField(put("purchase", "{\"properties\":{\"plan\":{\"required\":true}}}"), "properties.plan.type");
    assertField(put("purchase", "{\"value\":\"sometimes\"}"), "value");
    assertField(put("purchase", "{\"colour\":1}"), "colour");
    assertField(t.admin("PUT", "/api/v1/data-quality", "{\"mode\":\"strict\"}"), "mode");
    assertField(t.admin("PUT", "/api/v1/data-quality", "{\"clockSkewPastSeconds\":0}"), "clockSkewPastSeconds");
  }

  private static void assertField(TestServer.Response r, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }

  @Test
  void ingest_warnMode_storesAndCountsViolationsByNameAndReason() {
    status(put("purchase", PURCHASE_V1), 201);
    String key = clientKey();
    long now = System.currentTimeMillis();
    // 0 valid, 1 plan missing, 2 plan not allowed, 3 value missing, 4 coupon a number, 5 no id
    // (invalid whatever the schema), 6 another name (no schema), 7 valid.
    String body = "[" + metric("m0", "purchase", "9.5", "{\"plan\":\"pro\"}", now) + ","
        + metric("m1", "purchase", "1", "{}", now) + ","
        + metric("m2", "purchase", "1", "{\"plan\":\"gold\"}", now) + ","
        + metric("m3", "purchase", null, "{\"plan\":\"free\"}", now) + ","
        + metric("m4", "purchase", "1", "{\"plan\":\"free\",\"coupon\":5}", now) + ","
        + "{\"type\":\"metric\",\"name\":\"purchase\",\"unitId\":\"u\",\"timestamp\":" + now + "},"
        + metric("m6", "signup", null, "{}", now) + ","
        + metric("m7", "purchase", "2", "{\"plan\":\"free\",\"coupon\":\"X\",\"extra\":[1]}", now) + "]";
    JsonNode r = post(key, body);
    assertThat(r.path("accepted").asInt()).as(r.toString()).isEqualTo(7);
    assertThat(r.path("rejected").findValuesAsText("index")).containsExactly("5");

    JsonNode v = summary(now).path("schemaViolations");
    assertThat(v.path("items").toString()).as(v.toString()).isEqualTo("["
        + "{\"name\":\"purchase\",\"reason\":\"missing_property\",\"events\":1},"
        + "{\"name\":\"purchase\",\"reason\":\"missing_value\",\"events\":1},"
        + "{\"name\":\"purchase\",\"reason\":\"not_allowed_value\",\"events\":1},"
        + "{\"name\":\"purchase\",\"reason\":\"wrong_type\",\"events\":1}]");
    String metrics = t.call("GET", "/metrics", null, null).body();
    assertThat(metrics).contains("assay_events_schema_violations_total{name=\"purchase\",reason=\"missing_property\"} 1.0")
        .contains("assay_events_schema_violations_total{name=\"purchase\",reason=\"wrong_type\"} 1.0");
  }

  @Test
  void ingest_enforceMode_rejectsViolationsByIndexAndStoresTheRest() {
    status(put("purchase", PURCHASE_V1), 201);
    status(t.admin("PUT", "/api/v1/data-quality", "{\"mode\":\"enforce\"}"), 200);
    assertThat(t.admin("GET", "/api/v1/data-quality", null).json().path("mode").asText()).isEqualTo("enforce");
    String key = clientKey();
    long now = System.currentTimeMillis();
    String body = "[" + metric("m0", "purchase", "3", "{\"plan\":\"pro\"}", now) + ","
        + "{\"type\":\"metric\",\"name\":\"purchase\",\"unitId\":\"u\",\"timestamp\":" + now + "},"
        + metric("m2", "purchase", "3", "{\"plan\":\"gold\"}", now) + ","
        + metric("m3", "purchase", "3", "{\"plan\":\"free\"}", now) + ","
        + metric("m4", "purchase", "3", "{\"coupon\":\"X\"}", now) + "]";
    JsonNode r = post(key, body);
    assertThat(r.path("accepted").asInt()).as(r.toString()).isEqualTo(2);
    assertThat(r.path("rejected").findValuesAsText("index")).containsExactly("1", "2", "4");
    assertThat(r.at("/rejected/1/reason").asText()).contains("properties.plan", "not_allowed_value");
    assertThat(r.at("/rejected/2/reason").asText()).contains("properties.plan", "missing_property");

    JsonNode s = summary(now);
    assertThat(s.path("metricEvents").asLong()).isEqualTo(2);
    assertThat(s.at("/schemaViolations/items").findValuesAsText("events")).containsExactly("1", "1");
    // Back to warn: the same violating event is now stored.
    status(t.admin("PUT", "/api/v1/data-quality", "{\"mode\":\"warn\"}"), 200);
    assertThat(post(key, "[" + metric("m5", "purchase", "3", "{\"plan\":\"gold\"}", now) + "]").path("accepted").asInt())
        .isEqualTo(1);
  }

  private String clientKey() {
    return t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  private JsonNode post(String key, String body) {
    TestServer.Response r = t.send("POST", "/api/v1/events", key, "application/json", body.getBytes(StandardCharsets.UTF_8));
    status(r, 200);
    return r.json();
  }

  private JsonNode summary(long now) {
    return t.admin("GET", "/api/v1/events/summary?project=default&from=" + (now - 60_000), null).json();
  }

  static String metric(String id, String name, String value, String properties, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"" + name + "\",\"unitId\":\"u-" + id + "\","
        + (value == null ? "" : "\"value\":" + value + ",") + "\"properties\":" + properties + ",\"timestamp\":" + ts + "}";
  }
}
