package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  void everyRegisteredRoute_isDocumentedWithItsPathParameters() {
    List<String> routes = t.server.routes();
    List<String> undocumented = new ArrayList<>();
    for (String route : routes) {
      String method = route.substring(0, route.indexOf(' ')).toLowerCase(Locale.ROOT);
      String path = route.substring(route.indexOf(' ') + 1);
      JsonNode item = doc.path("paths").path(path);
      /* ANY is the 405 fallback of a path: the path must be documented, with its real methods. */
      JsonNode op = method.equals("any") ? item.elements().hasNext() ? item.elements().next() : item : item.path(method);
      if (!op.isObject()) {
        undocumented.add(route);
        continue;
      }
      Matcher param = Pattern.compile("\\{([a-zA-Z]+)}").matcher(path);
      while (param.find()) {
        if (!op.path("parameters").toString().contains("{\"name\":\"" + param.group(1) + "\",\"in\":\"path\"")) {
          undocumented.add(route + " (path parameter " + param.group(1) + ")");
        }
      }
    }
    assertThat(routes).hasSizeGreaterThan(80).contains("POST /api/v1/events", "GET /api/v1/metrics", "GET /metrics",
        "OPTIONS /ofrep/v1/evaluate/flags", "GET /sub/{clientKey}");
    assertThat(undocumented).isEmpty();
  }

  @Test
  void queryParameters_documentedWhereHandlersReadThem() {
    assertThat(queryNames("/api/v1/events/summary", "get")).contains("from", "to", "limit");
    assertThat(queryNames("/api/v1/events/units/{key}", "get")).contains("limit");
    assertThat(queryNames("/api/v1/experiments/{key}/refresh", "post")).contains("project", "dimensions", "phase", "async");
    assertThat(queryNames("/api/v1/experiments/{key}/refresh", "get")).contains("project");
    assertThat(queryNames("/api/v1/experiments/{key}/results", "get")).contains("project", "history");
    assertThat(queryNames("/api/v1/experiments/{key}/report.md", "get")).contains("project");
    assertThat(queryNames("/api/v1/sdk-connections/{key}/payload", "get")).contains("project");
    assertThat(queryNames("/api/v1/metrics", "get")).contains("project");
    assertThat(doc.at("/paths/~1api~1v1~1metrics/post/requestBody/content/application~1json/schema/properties")
        .has("valueProperty")).isTrue();
  }

  private List<String> queryNames(String path, String method) {
    List<String> names = new ArrayList<>();
    doc.path("paths").path(path).path(method).path("parameters").forEach(p -> {
      if (p.path("in").asText().equals("query")) {
        names.add(p.path("name").asText());
      }
    });
    return names;
  }

  @Test
  void everyDocumentedManagementOperation_isRouted() {
    List<String> unrouted = new ArrayList<>();
    doc.path("paths").fields().forEachRemaining(p -> {
      if (p.getValue().findValue("x-required-permission") == null) {
        return;
      }
      p.getValue().fields().forEachRemaining(m -> {
        String path = p.getKey().replaceAll("\\{[a-zA-Z]+}", "x");
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
  void deliveryEndpointsAndProbes_areDocumentedBesideTheManagementApi() {
    assertThat(doc.at("/servers/0/url").asText()).isEqualTo("/");
    for (String p : List.of("/api/features/{clientKey}", "/sub/{clientKey}", "/ofrep/v1/evaluate/flags/{key}",
        "/ofrep/v1/evaluate/flags", "/health/live", "/health/ready", "/metrics", "/api/v1/events")) {
      JsonNode item = doc.path("paths").path(p);
      assertThat(item.isObject()).as(p).isTrue();
      assertThat(item.findValue("x-required-permission")).as(p).isNull();
    }
    assertThat(doc.at("/paths/~1ofrep~1v1~1evaluate~1flags~1{key}/post/responses").has("429")).isTrue();
    assertThat(doc.at("/paths/~1metrics/get/summary").asText()).contains("Prometheus");
    assertThat(doc.at("/paths/~1api~1v1~1metrics/get/summary").asText()).isEqualTo("List metrics");
    assertThat(doc.at("/paths/~1api~1v1~1events/post/requestBody/content").has("application/x-ndjson")).isTrue();
  }

  @Test
  void createFlagSchema_describesTheFieldsTheServerReads() {
    JsonNode schema = doc.at("/paths/~1api~1v1~1flags/post/requestBody/content/application~1json/schema");
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
    JsonNode create = doc.at("/paths/~1api~1v1~1experiments/post/requestBody/content/application~1json/schema");
    assertThat(create.path("required").toString()).contains("\"variants\"");
    assertThat(create.at("/properties/variants/items/required").toString()).contains("\"weight\"");
    assertThat(create.at("/properties/range/properties").has("start")).isTrue();
    JsonNode put = doc.at("/paths/~1api~1v1~1experiments~1{key}/put");
    assertThat(put.at("/requestBody/content/application~1json/schema/required").toString()).contains("\"version\"");
    assertThat(put.path("parameters").toString()).contains("newPhase").contains("project");
    JsonNode conclude = doc.at("/paths/~1api~1v1~1experiments~1{key}~1conclude/post/requestBody/content/application~1json/schema");
    assertThat(conclude.at("/properties/decision/properties/outcome/enum").toString())
        .contains("ship").contains("rollback").contains("inconclusive");
    JsonNode delete = doc.at("/paths/~1api~1v1~1flags~1{key}/delete/parameters");
    assertThat(delete.toString()).contains("\"version\"");
  }
}
