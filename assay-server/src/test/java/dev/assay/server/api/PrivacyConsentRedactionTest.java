package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Consent policies and redaction rules (docs/privacy.md) over HTTP on a real server: what the
 * events endpoints then show as stored, the audit entry of the change, and the 400s of bad settings.
 */
class PrivacyConsentRedactionTest {
  private static final String EVENTS_KEY = "events-hmac-key-for-tests-0123456789";
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String clientKey() {
    return server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  private JsonNode post(String key, String json) {
    TestServer.Response r = server.send("POST", "/api/v1/events", key, "application/json",
        json.getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static String metric(String id, String unit, String consent, String properties) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"purchase\",\"value\":3,\"unitId\":\"" + unit
        + "\",\"timestamp\":" + System.currentTimeMillis() + (consent == null ? "" : ",\"consent\":" + consent)
        + ",\"properties\":" + properties + "}";
  }

  private static String exposure(String id, String unit, String consent) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"exp\",\"variationId\":0,\"unitId\":\""
        + unit + "\",\"timestamp\":" + System.currentTimeMillis() + (consent == null ? "" : ",\"consent\":" + consent)
        + ",\"attributes\":{\"country\":\"NL\"}}";
  }

  private JsonNode stored(String unit) {
    TestServer.Response r = server.admin("GET", "/api/v1/events/units/" + unit, null);
    return r.status() == 404 ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()
        : r.json().get("events");
  }

  private void setPrivacy(String json) {
    TestServer.Response r = server.admin("PUT", "/api/v1/privacy", json);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  private static String hmacHex(byte[] key, String text) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void defaultPolicy_keepsEventsWithoutConsent_asBefore() {
    server = new TestServer();
    String key = clientKey();
    JsonNode r = post(key, "[" + metric("m1", "u1", null, "{\"plan\":\"pro\"}") + "," + metric("m2", "u1", "false",
        "{\"plan\":\"pro\"}") + "]");

    assertThat(r.get("accepted").asInt()).isEqualTo(2);
    assertThat(r.get("dropped").asInt()).isZero();
    assertThat(stored("u1")).allSatisfy(e -> assertThat(e.get("properties").toString()).isEqualTo("{\"plan\":\"pro\"}"));
    assertThat(server.admin("GET", "/api/v1/privacy", null).json().get("consent").asText()).isEqualTo("keep");
  }

  @Test
  void dropPolicy_storesOnlyEventsWithConsentTrue() {
    server = new TestServer();
    String key = clientKey();
    setPrivacy("{\"consent\":\"drop\"}");

    JsonNode r = post(key, "[" + metric("m1", "u1", "true", "{}") + "," + metric("m2", "u1", "false", "{}") + ","
        + metric("m3", "u1", null, "{}") + "," + exposure("e1", "u1", "true") + "," + exposure("e2", "u2", null) + "]");

    assertThat(r.get("accepted").asInt()).isEqualTo(2);
    assertThat(r.get("dropped").asInt()).isEqualTo(3);
    assertThat(stored("u1")).extracting(e -> e.get("id").asText()).containsExactlyInAnyOrder("m1", "e1");
    assertThat(stored("u2")).isEmpty();
  }

  @Test
  void stripPolicy_storesEventsWithoutConsent_withoutTheirAttributesOrProperties() {
    server = new TestServer();
    String key = clientKey();
    setPrivacy("{\"consent\":\"strip\"}");

    JsonNode r = post(key, "[" + metric("m1", "u1", "true", "{\"plan\":\"pro\"}") + ","
        + metric("m2", "u1", "false", "{\"plan\":\"pro\"}") + "," + exposure("e1", "u1", null) + "]");

    assertThat(r.get("accepted").asInt()).isEqualTo(3);
    assertThat(r.get("dropped").asInt()).isZero();
    JsonNode events = stored("u1");
    assertThat(events).hasSize(3);
    for (JsonNode e : events) {
      String fields = e.has("attributes") ? e.get("attributes").toString() : e.get("properties").toString();
      assertThat(fields).as(e.get("id").asText()).isEqualTo(e.get("id").asText().equals("m1") ? "{\"plan\":\"pro\"}" : "{}");
    }
    // The metric value and the unit are kept: a stripped event still counts in the analysis.
    assertThat(events).filteredOn(e -> e.get("id").asText().equals("m2")).first()
        .satisfies(e -> assertThat(e.get("value").asDouble()).isEqualTo(3.0));
  }

  @Test
  void consent_thatIsNotABoolean_rejectsTheEventByIndex() {
    server = new TestServer();
    JsonNode r = post(clientKey(), "[" + metric("m1", "u1", "\"yes\"", "{}") + "]");

    assertThat(r.get("accepted").asInt()).isZero();
    assertThat(r.at("/rejected/0/reason").asText()).startsWith("consent:");
  }

  @Test
  void redactions_hashTruncateAndDrop_areAppliedBeforeStorage_withTheEventsKey() throws Exception {
    server = new TestServer(b -> b.eventHmacKey(EVENTS_KEY));
    String key = clientKey();
    setPrivacy("{\"redactions\":{\"email\":\"hash\",\"zip\":\"truncate:3\",\"ip\":\"drop\",\"n\":\"truncate:2\"}}");

    post(key, "[" + metric("m1", "u1", null,
        "{\"email\":\"alice@example.com\",\"zip\":\"1017AB\",\"ip\":\"10.0.0.1\",\"plan\":\"pro\",\"n\":12345}") + "]");

    JsonNode props = stored("u1").get(0).get("properties");
    assertThat(props.get("email").asText())
        .isEqualTo(hmacHex(EVENTS_KEY.getBytes(StandardCharsets.UTF_8), "alice@example.com"));
    assertThat(props.get("zip").asText()).isEqualTo("101");
    assertThat(props.get("n").asText()).isEqualTo("12");
    assertThat(props.has("ip")).isFalse();
    assertThat(props.get("plan").asText()).isEqualTo("pro");
    JsonNode audit = server.admin("GET", "/api/v1/audit?kind=privacy", null).json().at("/items/0");
    assertThat(audit.get("action").asText()).isEqualTo("create");
    assertThat(audit.toString()).contains("truncate:3");
  }

  @Test
  void hashRedaction_withoutAnEventsKey_usesTheKeyDerivedFromTheAuditKey() throws Exception {
    server = new TestServer();
    String key = clientKey();
    setPrivacy("{\"redactions\":{\"email\":\"hash\"}}");

    post(key, "[" + exposure("e1", "u1", null).replace("{\"country\":\"NL\"}", "{\"email\":\"bob@example.com\"}") + "]");

    byte[] auditKey = HexFormat.of().parseHex(Files.readString(server.dataDir.resolve("audit.key")).strip());
    byte[] derived = HexFormat.of().parseHex(hmacHex(auditKey, "assay derived key: redaction"));
    assertThat(stored("u1").get(0).at("/attributes/email").asText()).isEqualTo(hmacHex(derived, "bob@example.com"));
  }

  @Test
  void changedRules_applyToTheNextBatch_andAreAuditedAsUpdates() {
    server = new TestServer();
    String key = clientKey();
    setPrivacy("{\"redactions\":{\"ip\":\"drop\"}}");
    post(key, "[" + metric("m1", "u1", null, "{\"ip\":\"10.0.0.1\"}") + "]");
    setPrivacy("{}");
    post(key, "[" + metric("m2", "u1", null, "{\"ip\":\"10.0.0.2\"}") + "]");

    assertThat(stored("u1")).extracting(e -> e.get("properties").toString())
        .containsExactly("{}", "{\"ip\":\"10.0.0.2\"}");
    JsonNode items = server.admin("GET", "/api/v1/audit?kind=privacy", null).json().get("items");
    assertThat(items).extracting(i -> i.get("action").asText()).containsExactlyInAnyOrder("create", "update");
  }

  @Test
  void badSettings_get400NamingTheField_andOnlyAdminsMaySetThem() {
    server = new TestServer();
    assertField("{\"consent\":\"maybe\"}", "consent");
    assertField("{\"redactions\":{\"email\":\"truncate:x\"}}", "redactions.email");
    assertField("{\"redactions\":{\"email\":7}}", "redactions.email");
    assertField("{\"retentionDays\":{\"page_view\":0}}", "retentionDays.page_view");
    assertField("{\"minCellUnits\":0}", "minCellUnits");
    assertField("{\"epsilonBudget\":-1}", "epsilonBudget");
    assertField("{\"clipBounds\":{\"revenue\":{\"lo\":5,\"hi\":1}}}", "clipBounds.revenue");
    assertField("{\"clipBounds\":{\"revenue\":{\"lo\":0}}}", "clipBounds.revenue.hi");
    assertField("{\"colour\":1}", "colour");
    assertThat(server.call("PUT", "/api/v1/privacy", server.token("experimenter"), "{}").status()).isEqualTo(403);
    assertThat(server.admin("PUT", "/api/v1/privacy?project=nope", "{}").status()).isEqualTo(404);
  }

  @Test
  void projectWithPrivacySettings_canBeDeleted_andItsSettingsGoWithIt() {
    server = new TestServer();
    TestServer.Response created = server.admin("POST", "/api/v1/projects", "{\"key\":\"shop\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    setPrivacyOf("shop", "{\"consent\":\"drop\"}");

    TestServer.Response deleted = server.admin("DELETE", "/api/v1/projects/shop?version="
        + created.json().get("version").asLong(), null);

    assertThat(deleted.status()).as(deleted.body()).isBetween(200, 299);
    server.admin("POST", "/api/v1/projects", "{\"key\":\"shop\"}");
    assertThat(server.admin("GET", "/api/v1/privacy?project=shop", null).json().get("consent").asText())
        .isEqualTo("keep");
  }

  private void setPrivacyOf(String project, String json) {
    TestServer.Response r = server.admin("PUT", "/api/v1/privacy?project=" + project, json);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  private void assertField(String body, String field) {
    TestServer.Response r = server.admin("PUT", "/api/v1/privacy", body);
    assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }
}
