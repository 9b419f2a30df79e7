package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code GET /api/v1/openapi.json} documents every route the server answers, with body schemas. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {
  private TestServer t;
  private JsonNode doc;

  @BeforeAll
  void start() {
    t = new TestServer();
    doc = t.call("GET", "/api/v1/openapi.json", null, null).json();
  }

  @AfterAll
  void stop() {
    t.close();
  }

  @Test
  void everyDocumentedManagementOperation_isRouted() {
    List<String> unrouted = new ArrayList<>();
    doc.path("paths").fields().forEachRemaining(p -> {
      if (p.getValue().has("servers")) {
        return;
      }
      p.getValue().fields().forEachRemaining(m -> {
        String path = "/api/v1" + p.getKey().replaceAll("\\{[a-zA-Z]+}", "x");
        int status = t.call(m.getKey().toUpperCase(Locale.ROOT), path, null, null).status();
        if (status != 401) {
          unrouted.add(m.getKey() + " " + p.getKey() + " -> " + status);
        }
      });
    });
    assertThat(doc.path("paths").size()).isGreaterThan(30);
    assertThat(unrouted).isEmpty();
  }

  @Test
  void deliveryEndpointsAndProbes_areDocumentedAtTheRoot() {
    for (String p : List.of("/api/features/{clientKey}", "/sub/{clientKey}", "/ofrep/v1/evaluate/flags/{key}",
        "/ofrep/v1/evaluate/flags", "/health/live", "/health/ready", "/metrics")) {
      JsonNode item = doc.path("paths").path(p);
      assertThat(item.isObject()).as(p).isTrue();
      assertThat(item.at("/servers/0/url").asText()).as(p).isEqualTo("/");
    }
    assertThat(doc.at("/paths/~1ofrep~1v1~1evaluate~1flags~1{key}/post/responses").has("429")).isTrue();
  }

  @Test
  void createFlagSchema_describesTheFieldsTheServerReads() {
    JsonNode schema = doc.at("/paths/~1flags/post/requestBody/content/application~1json/schema");
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(schema.path("required").toString()).contains("\"key\"").contains("\"type\"").contains("\"defaultValue\"");
    assertThat(schema.at("/properties/type/enum").toString()).contains("boolean").contains("json");
    JsonNode rule = schema.at("/properties/environments/additionalProperties/properties/rules/items");
    assertThat(rule.path("properties").has("condition")).isTrue();
    assertThat(rule.path("properties").has("coverage")).isTrue();

    String body = "{\"key\":\"from-schema\",\"type\":\"boolean\",\"defaultValue\":true}";
    assertThat(t.admin("POST", "/api/v1/flags", body).status()).isEqualTo(201);
    String unknown = "{\"key\":\"x\",\"type\":\"boolean\",\"defaultValue\":true,\"colour\":\"red\"}";
    assertThat(schema.path("properties").has("colour")).isFalse();
    assertThat(t.admin("POST", "/api/v1/flags", unknown).status()).isEqualTo(400);
  }

  @Test
  void experimentSchemas_variantsRequiredPutNeedsVersionConcludeNeedsDecision() {
    JsonNode create = doc.at("/paths/~1experiments/post/requestBody/content/application~1json/schema");
    assertThat(create.path("required").toString()).contains("\"variants\"");
    assertThat(create.at("/properties/variants/items/required").toString()).contains("\"weight\"");
    assertThat(create.at("/properties/range/properties").has("start")).isTrue();
    JsonNode put = doc.at("/paths/~1experiments~1{key}/put");
    assertThat(put.at("/requestBody/content/application~1json/schema/required").toString()).contains("\"version\"");
    assertThat(put.path("parameters").toString()).contains("newPhase").contains("project");
    JsonNode conclude = doc.at("/paths/~1experiments~1{key}~1conclude/post/requestBody/content/application~1json/schema");
    assertThat(conclude.at("/properties/decision/properties/outcome/enum").toString())
        .contains("ship").contains("rollback").contains("inconclusive");
    JsonNode delete = doc.at("/paths/~1flags~1{key}/delete/parameters");
    assertThat(delete.toString()).contains("\"version\"");
  }
}
