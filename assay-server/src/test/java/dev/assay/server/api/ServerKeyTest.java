package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Secret server keys of SDK connections: issued once (stored hashed), usable for OFREP evaluation
 * and events, rotatable (the old key stops working) and revocable; client keys keep working.
 * Runs on the embedded store; {@link Postgres} on PostgreSQL.
 */
class ServerKeyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  final TestServer t = server();
  private final HttpClient http = HttpClient.newHttpClient();

  TestServer server() {
    return new TestServer();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private String connection() {
    TestServer.Response r = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"backend\",\"environment\":\"production\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(t.admin("POST", "/api/v1/flags", """
        {"key":"checkout","type":"string","defaultValue":"old",
         "environments":{"production":{"rules":[{"value":"new"}]}}}""").status()).isEqualTo(201);
    return r.json().get("key").asText();
  }

  private String issue(String clientKey) {
    TestServer.Response r = t.admin("POST", "/api/v1/sdk-connections/" + clientKey + "/server-key", null);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().path("clientKey").asText()).isEqualTo(clientKey);
    return r.json().path("token").asText();
  }

  private int ofrep(String header, String value) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + t.server.port() + "/ofrep/v1/evaluate/flags/checkout"))
          .header("Content-Type", "application/json").header(header, value)
          .POST(HttpRequest.BodyPublishers.ofString("{\"context\":{\"targetingKey\":\"u1\"}}")).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        assertThat(JSON.readTree(r.body()).path("value").asText()).isEqualTo("new");
      }
      return r.statusCode();
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private int events(String token) {
    String ev = "[{\"id\":\"e-" + System.nanoTime() + "\",\"type\":\"exposure\",\"experimentKey\":\"exp\",\"variationId\":0,"
        + "\"unitId\":\"u1\",\"timestamp\":" + System.currentTimeMillis() + "}]";
    return t.send("POST", "/api/v1/events", token, "application/json", ev.getBytes(StandardCharsets.UTF_8)).status();
  }

  @Test
  void serverKey_authenticatesOfrepAndEvents_rotatesAndRevokes() {
    String clientKey = connection();
    String first = issue(clientKey);
    assertThat(first).startsWith("assay_srv_");

    assertThat(ofrep("X-API-Key", first)).isEqualTo(200);
    assertThat(ofrep("Authorization", "Bearer " + first)).isEqualTo(200);
    assertThat(ofrep("X-API-Key", clientKey)).as("the client key still works").isEqualTo(200);
    assertThat(events(first)).isEqualTo(200);
    assertThat(events(clientKey)).isEqualTo(200);
    assertThat(t.call("GET", "/api/v1/flags", first, null).status()).as("never a management credential").isEqualTo(401);

    JsonNode conn = t.admin("GET", "/api/v1/sdk-connections/" + clientKey, null).json();
    assertThat(conn.path("serverKey").path("createdAt").isTextual()).isTrue();
    assertThat(conn.path("serverKey").has("hash")).as("the hash is never shown").isFalse();
    JsonNode audit = t.admin("GET", "/api/v1/audit?kind=sdk_connection&key=" + clientKey, null).json().path("items");
    assertThat(audit.toString()).contains("create_server_key").doesNotContain(first);
    audit.forEach(e -> assertThat(e.path("after").path("serverKey").has("hash")).as("audit never keeps the hash").isFalse());

    String second = issue(clientKey);
    assertThat(second).isNotEqualTo(first);
    assertThat(ofrep("X-API-Key", first)).as("rotated away").isEqualTo(401);
    assertThat(events(first)).isEqualTo(401);
    assertThat(ofrep("X-API-Key", second)).isEqualTo(200);
    assertThat(t.admin("GET", "/api/v1/audit?kind=sdk_connection&key=" + clientKey, null).body()).contains("rotate_server_key");

    assertThat(t.admin("DELETE", "/api/v1/sdk-connections/" + clientKey + "/server-key", null).status()).isEqualTo(204);
    assertThat(ofrep("X-API-Key", second)).isEqualTo(401);
    assertThat(events(second)).isEqualTo(401);
    assertThat(ofrep("X-API-Key", clientKey)).isEqualTo(200);
    TestServer.Response again = t.admin("DELETE", "/api/v1/sdk-connections/" + clientKey + "/server-key", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().path("error").path("code").asText()).isEqualTo("no_server_key");
    assertThat(t.admin("GET", "/api/v1/audit/verify", null).json().path("intact").asBoolean()).isTrue();
  }

  @Test
  void serverKey_badInput() {
    String clientKey = connection();
    assertThat(t.admin("POST", "/api/v1/sdk-connections/sdk-nope/server-key", null).status()).isEqualTo(404);
    assertThat(t.admin("DELETE", "/api/v1/sdk-connections/sdk-nope/server-key", null).status()).isEqualTo(404);
    TestServer.Response field = t.admin("POST", "/api/v1/sdk-connections/" + clientKey + "/server-key", "{\"name\":\"x\"}");
    assertThat(field.status()).isEqualTo(400);
    assertThat(field.json().path("error").path("details").get(0).path("field").asText()).isEqualTo("name");
    assertThat(ofrep("X-API-Key", "assay_srv_forged")).isEqualTo(401);
    assertThat(events("assay_srv_forged")).isEqualTo(401);
    assertThat(t.call("POST", "/api/v1/sdk-connections/" + clientKey + "/server-key", t.token("analyst"), null).status())
        .isEqualTo(403);
    assertThat(t.admin("POST", "/api/v1/sdk-connections", "{\"environment\":\"production\",\"serverKey\":{}}").status())
        .as("serverKey is set by the server").isEqualTo(400);
  }

  @Test
  void openApi_documentsServerKeysKillSwitchAndScopedKeys() {
    JsonNode doc = t.call("GET", "/api/v1/openapi.json", null, null).json();
    assertThat(doc.at("/components/securitySchemes/serverKey/name").asText()).isEqualTo("X-API-Key");
    assertThat(doc.at("/paths/~1api~1v1~1sdk-connections~1{key}~1server-key").has("post")).isTrue();
    assertThat(doc.at("/paths/~1api~1v1~1sdk-connections~1{key}~1server-key").has("delete")).isTrue();
    assertThat(doc.at("/paths/~1api~1v1~1flags~1{key}~1kill/post/x-required-permission").asText()).isEqualTo("write_config");
    assertThat(doc.at("/paths/~1api~1v1~1experiments~1{key}~1restore").has("post")).isTrue();
    assertThat(doc.at("/paths/~1api~1v1~1api-keys/post/requestBody/content/application~1json/schema/properties/projects/type")
        .asText()).isEqualTo("array");
    assertThat(doc.toString()).contains("\"serverKey\":[]");
  }

  /** The same on PostgreSQL. */
  static class Postgres extends ServerKeyTest {
    @Override
    TestServer server() {
      return TestServer.postgres();
    }
  }
}
