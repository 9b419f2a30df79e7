package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.AssayServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pseudonymization, the attribute allow-list, retention and erasure over HTTP, with their audit entries. */
class EventPrivacyTest {
  private static final String KEY = "events-hmac-key-for-tests-0123456789";
  private static final String ALICE = "alice@example.com";
  private static final long DAY = 86_400_000L;
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

  private TestServer.Response post(String key, String json) {
    return server.send("POST", "/api/v1/events", key, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  private static String exposure(String id, String unit, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"exposure\",\"experimentKey\":\"exp\",\"variationId\":1,\"unitId\":\"" + unit
        + "\",\"timestamp\":" + ts + ",\"attributes\":{\"country\":\"NL\",\"email\":\"" + unit + "\"}}";
  }

  private static String metric(String id, String unit, long ts) {
    return "{\"id\":\"" + id + "\",\"type\":\"metric\",\"name\":\"purchase\",\"value\":3,\"unitId\":\"" + unit
        + "\",\"timestamp\":" + ts + ",\"properties\":{\"country\":\"NL\",\"ip\":\"10.0.0.1\"}}";
  }

  private static String hmac(String unit) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(unit.getBytes(StandardCharsets.UTF_8)));
  }

  private static String unitPath(String unit) {
    return "/api/v1/events/units/" + URLEncoder.encode(unit, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private JsonNode audit(String query) {
    return server.admin("GET", "/api/v1/audit?kind=events" + query, null).json();
  }

  @Test
  void pseudonymizedAndAllowListed_rawIdAndDroppedAttributesNeverReachTheFile() throws Exception {
    server = new TestServer(b -> b.eventHmacKey(KEY).eventAttributeAllowList(Set.of("country")));
    String key = clientKey();
    long now = System.currentTimeMillis();
    assertThat(post(key, "[" + exposure("e1", ALICE, now) + "," + metric("m1", ALICE, now + 1) + "]").json()
        .get("accepted").asInt()).isEqualTo(2);

    JsonNode events = server.admin("GET", unitPath(ALICE), null).json().get("events");
    assertThat(events.size()).isEqualTo(2);
    assertThat(events.get(0).get("unitId").asText()).isEqualTo(hmac(ALICE)).isNotEqualTo(ALICE);
    assertThat(events.get(1).get("unitId").asText()).isEqualTo(hmac(ALICE));
    assertThat(events.get(0).get("attributes").toString()).isEqualTo("{\"country\":\"NL\"}");
    assertThat(events.get(1).get("properties").toString()).isEqualTo("{\"country\":\"NL\"}");
    JsonNode settings = audit("&key=settings").at("/items/0");
    assertThat(settings.get("action").asText()).isEqualTo("configure");
    assertThat(settings.toString()).contains("\"pseudonymization\":true").contains("country").doesNotContain(KEY);

    server.close();
    Path data = server.dataDir;
    try (Stream<Path> files = Files.walk(data)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertThat(content).as(f.toString()).doesNotContain(ALICE).doesNotContain("10.0.0.1");
      }
    }
    // The same settings on restart add no audit entry; a changed allow-list adds one.
    server = new TestServer(b -> b.dataDir(data).eventHmacKey(KEY).eventAttributeAllowList(Set.of("country")));
    assertThat(audit("&key=settings").get("items").size()).isEqualTo(1);
    server.close();
    server = new TestServer(b -> b.dataDir(data).eventHmacKey(KEY).eventAttributeAllowList(Set.of("country", "plan")));
    assertThat(audit("&key=settings").get("items").size()).isEqualTo(2);
    assertThat(server.admin("GET", unitPath(ALICE), null).json().get("events").size()).isEqualTo(2);
  }

  @Test
  void erase_deletesTheUnitsEvents_auditedWithoutTheRawId() throws Exception {
    server = new TestServer(b -> b.eventHmacKey(KEY));
    String key = clientKey();
    long now = System.currentTimeMillis();
    post(key, "[" + exposure("e1", ALICE, now) + "," + metric("m1", ALICE, now) + "," + metric("m2", "bob", now) + "]");

    TestServer.Response erased = server.admin("DELETE", unitPath(ALICE), null);

    assertThat(erased.status()).as(erased.body()).isEqualTo(200);
    assertThat(erased.json().get("deleted").asLong()).isEqualTo(2);
    assertThat(server.admin("GET", unitPath(ALICE), null).status()).isEqualTo(404);
    assertThat(server.admin("DELETE", unitPath(ALICE), null).status()).isEqualTo(404);
    assertThat(server.admin("GET", unitPath("bob"), null).json().get("events").size()).isEqualTo(1);
    JsonNode entry = audit("&key=unit:" + hmac(ALICE)).at("/items/0");
    assertThat(entry.at("/after/deleted").asLong()).isEqualTo(2);
    assertThat(entry.get("action").asText()).isEqualTo("erase");
    assertThat(entry.get("actor").asText()).isNotBlank();
    assertThat(audit("").toString()).doesNotContain(ALICE);
    assertThat(server.admin("GET", "/api/v1/audit/verify", null).json().get("intact").asBoolean()).isTrue();
    String viewer = server.token("viewer");
    assertThat(server.call("DELETE", unitPath("bob"), viewer, null).status()).isEqualTo(403);
    assertThat(server.call("GET", unitPath("bob"), server.token("experimenter"), null).status()).isEqualTo(403);
  }

  @Test
  void erase_withoutPseudonymization_auditRefersToTheUnitByItsHash() {
    server = new TestServer();
    post(clientKey(), "[" + metric("m1", ALICE, System.currentTimeMillis()) + "]");

    TestServer.Response erased = server.admin("DELETE", unitPath(ALICE), null);

    assertThat(erased.json().get("deleted").asLong()).isEqualTo(1);
    assertThat(erased.json().get("unitReference").asText()).startsWith("sha256:");
    assertThat(audit("").toString()).contains("erase").doesNotContain(ALICE);
  }

  @Test
  void retention_onDemand_dropsOlderEventsAndIsAudited() {
    server = new TestServer(b -> b.eventRetentionDays(30));
    String key = clientKey();
    long now = System.currentTimeMillis();
    post(key, "[" + metric("old", "u1", now - 40 * DAY) + "," + metric("recent", "u1", now - 20 * DAY) + "]");

    TestServer.Response run = server.admin("POST", "/api/v1/events/retention", null);

    assertThat(run.status()).as(run.body()).isEqualTo(200);
    assertThat(run.json().get("deleted").asLong()).isEqualTo(1);
    assertThat(run.json().get("retentionDays").asInt()).isEqualTo(30);
    JsonNode left = server.admin("GET", unitPath("u1"), null).json().get("events");
    assertThat(left.size()).isEqualTo(1);
    assertThat(left.get(0).get("id").asText()).isEqualTo("recent");
    JsonNode entry = audit("&key=retention").at("/items/0");
    assertThat(entry.get("action").asText()).isEqualTo("retention");
    assertThat(entry.at("/after/deleted").asLong()).isEqualTo(1);
  }

  @Test
  void retention_periodic_runsWithoutBeingAsked() throws Exception {
    server = new TestServer(b -> b.eventRetentionDays(7).eventRetentionInterval(Duration.ofMillis(200)));
    long now = System.currentTimeMillis();
    post(clientKey(), "[" + metric("old", "u1", now - 8 * DAY) + "," + metric("new", "u1", now) + "]");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode left;
    String actor;
    // The run deletes part by part and writes its audit entry after: wait for both to be visible.
    do {
      Thread.sleep(100);
      left = server.admin("GET", unitPath("u1"), null).json().get("events");
      actor = audit("&key=retention").at("/items/0/actor").asText();
    } while ((left.size() > 1 || actor.isEmpty()) && System.nanoTime() < deadline);
    assertThat(left.size()).isEqualTo(1);
    assertThat(left.get(0).get("id").asText()).isEqualTo("new");
    assertThat(actor).isEqualTo("system");
  }

  @Test
  void retention_notConfigured_409() {
    server = new TestServer();
    TestServer.Response r = server.admin("POST", "/api/v1/events/retention", null);
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().at("/error/code").asText()).isEqualTo("retention_not_configured");
  }

  @Test
  void builder_rejectsAShortKeyAndZeroRetention() {
    assertThatThrownBy(() -> AssayServer.builder().eventHmacKey("short").build()).hasMessageContaining("eventHmacKey");
    assertThatThrownBy(() -> AssayServer.builder().eventRetentionDays(0).build()).hasMessageContaining("eventRetentionDays");
  }
}
