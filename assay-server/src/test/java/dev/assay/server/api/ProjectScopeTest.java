package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-project scoping of API keys: a key created with {@code projects} works on those projects
 * only, gets 403 naming its projects elsewhere and on endpoints that span all projects; the
 * {@code projects} field is validated precisely. Runs on the embedded store; {@link Postgres} on
 * PostgreSQL.
 */
class ProjectScopeTest {
  final TestServer t = server();

  TestServer server() {
    return new TestServer();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
  }

  private String scopedKey(String role, String projectsJson) {
    TestServer.Response r = t.admin("POST", "/api/v1/api-keys",
        "{\"name\":\"shop-" + role + "\",\"role\":\"" + role + "\",\"projects\":" + projectsJson + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().path("token").asText();
  }

  @Test
  void scopedKey_worksInItsProjects_andIsForbiddenElsewhere() {
    ok(t.admin("POST", "/api/v1/projects", "{\"key\":\"shop\"}"));
    ok(t.admin("POST", "/api/v1/environments?project=shop", "{\"key\":\"production\"}"));
    String token = scopedKey("experimenter", "[\"shop\"]");

    TestServer.Response created = t.call("POST", "/api/v1/flags?project=shop", token,
        "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(t.call("GET", "/api/v1/flags/f?project=shop", token, null).status()).isEqualTo(200);
    assertThat(t.call("POST", "/api/v1/flags/f/kill?project=shop", token, null).status()).isEqualTo(200);
    assertThat(t.call("GET", "/api/v1/projects/shop", token, null).status()).isEqualTo(200);

    TestServer.Response other = t.call("POST", "/api/v1/flags", token,
        "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}");
    assertThat(other.status()).isEqualTo(403);
    assertThat(other.json().path("error").path("code").asText()).isEqualTo("forbidden");
    assertThat(other.json().path("error").path("message").asText())
        .contains("limited to projects [shop]").contains("project 'default'");
    assertThat(t.admin("GET", "/api/v1/flags/f", null).status()).as("nothing was created in default").isEqualTo(404);
    assertThat(t.call("GET", "/api/v1/flags?project=default", token, null).status()).isEqualTo(403);
    assertThat(t.call("GET", "/api/v1/projects/default", token, null).status()).isEqualTo(403);
    assertThat(t.call("GET", "/api/v1/projects", token, null).json().path("error").path("message").asText())
        .contains("spans all projects");
    assertThat(t.call("GET", "/api/v1/audit", token, null).status()).isEqualTo(403);

    // The role still applies inside the scope.
    String viewer = scopedKey("viewer", "[\"shop\"]");
    assertThat(t.call("GET", "/api/v1/flags/f?project=shop", viewer, null).status()).isEqualTo(200);
    assertThat(t.call("POST", "/api/v1/flags/f/restore?project=shop", viewer, null).status()).isEqualTo(403);

    // An admin key limited to a project cannot mint keys (that spans every project).
    String admin = scopedKey("admin", "[\"shop\"]");
    assertThat(t.call("POST", "/api/v1/api-keys", admin, "{\"name\":\"x\",\"role\":\"admin\"}").status()).isEqualTo(403);
    assertThat(t.call("GET", "/api/v1/users", admin, null).status()).isEqualTo(403);
  }

  @Test
  void scopedKey_eventData_onlyItsProjectsAndOnlyWhenNamed() {
    ok(t.admin("POST", "/api/v1/projects", "{\"key\":\"shop\"}"));
    ok(t.admin("POST", "/api/v1/environments?project=shop", "{\"key\":\"production\"}"));
    String shopKey = t.admin("POST", "/api/v1/sdk-connections?project=shop",
        "{\"name\":\"web\",\"environment\":\"production\"}").json().path("key").asText();
    String defaultKey = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().path("key").asText();
    long now = System.currentTimeMillis();
    for (String key : List.of(shopKey, defaultKey, defaultKey)) {
      String body = "[{\"id\":\"" + java.util.UUID.randomUUID() + "\",\"type\":\"metric\",\"name\":\"buy\","
          + "\"unitId\":\"carol\",\"timestamp\":" + now + "}]";
      assertThat(t.send("POST", "/api/v1/events", key, "application/json", body.getBytes(java.nio.charset.StandardCharsets.UTF_8))
          .status()).isEqualTo(200);
    }
    String token = scopedKey("analyst", "[\"shop\"]");
    assertThat(t.call("GET", "/api/v1/events/summary", token, null).status()).isEqualTo(403);
    assertThat(t.call("GET", "/api/v1/events/summary?project=default", token, null).status()).isEqualTo(403);
    TestServer.Response own = t.call("GET", "/api/v1/events/summary?project=shop", token, null);
    assertThat(own.status()).as(own.body()).isEqualTo(200);
    assertThat(own.json().path("metricEvents").asLong()).isEqualTo(1);
    assertThat(t.admin("GET", "/api/v1/events/summary?project=default", null).json().path("metricEvents").asLong())
        .isEqualTo(2);
    assertThat(t.admin("GET", "/api/v1/events/summary", null).json().path("metricEvents").asLong()).isEqualTo(3);
  }

  @Test
  void apiKey_listsItsProjects_andAuditNamesThem() {
    ok(t.admin("POST", "/api/v1/projects", "{\"key\":\"shop\"}"));
    scopedKey("viewer", "[\"shop\",\"default\"]");
    JsonNode items = t.admin("GET", "/api/v1/api-keys", null).json().path("items");
    JsonNode scoped = null;
    for (JsonNode k : items) {
      if (k.path("name").asText().equals("shop-viewer")) {
        scoped = k;
      }
    }
    assertThat(scoped).isNotNull();
    assertThat(scoped.path("projects").toString()).isEqualTo("[\"shop\",\"default\"]");
    JsonNode audit = t.admin("GET", "/api/v1/audit?kind=api_key", null).json().path("items");
    assertThat(audit.toString()).contains("\"projects\":[\"shop\",\"default\"]");
  }

  @Test
  void projects_badInput_namesTheField() {
    expect(t.admin("POST", "/api/v1/api-keys", "{\"name\":\"k\",\"role\":\"viewer\",\"projects\":\"shop\"}"), 400, "projects");
    expect(t.admin("POST", "/api/v1/api-keys", "{\"name\":\"k\",\"role\":\"viewer\",\"projects\":[1]}"), 400, "projects[0]");
    expect(t.admin("POST", "/api/v1/api-keys", "{\"name\":\"k\",\"role\":\"viewer\",\"projects\":[\"default\",\"default\"]}"),
        400, "projects[1]");
    expect(t.admin("POST", "/api/v1/api-keys", "{\"name\":\"k\",\"role\":\"viewer\",\"projects\":[\"nope\"]}"), 422, "projects[0]");
    expect(t.admin("POST", "/api/v1/api-keys", "{\"name\":\"k\",\"role\":\"viewer\",\"projects\":[\"a,b\"]}"), 422, "projects[0]");
  }

  @Test
  void user_projects_storedAndValidated() {
    ok(t.admin("POST", "/api/v1/projects", "{\"key\":\"shop\"}"));
    TestServer.Response u = t.admin("POST", "/api/v1/users",
        "{\"key\":\"ann\",\"email\":\"ann@example.com\",\"role\":\"experimenter\",\"projects\":[\"shop\"]}");
    assertThat(u.status()).as(u.body()).isEqualTo(201);
    assertThat(t.admin("GET", "/api/v1/users/ann", null).json().path("projects").toString()).isEqualTo("[\"shop\"]");
    expect(t.admin("POST", "/api/v1/users", "{\"key\":\"bob\",\"role\":\"viewer\",\"projects\":[\"nope\"]}"), 422, "projects[0]");
    expect(t.admin("POST", "/api/v1/users", "{\"key\":\"bob\",\"role\":\"viewer\",\"projects\":[\"shop\",\"shop\"]}"), 400, "projects[1]");
    expect(t.admin("POST", "/api/v1/users", "{\"key\":\"bob\",\"role\":\"viewer\",\"projects\":[\"a b\"]}"), 400, "projects[0]");
    assertThat(t.admin("GET", "/api/v1/users/bob", null).status()).isEqualTo(404);
  }

  private static void expect(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().path("error").path("details").get(0).path("field").asText()).isEqualTo(field);
  }

  /** The same on PostgreSQL (the key's projects are a stored column). */
  static class Postgres extends ProjectScopeTest {
    @Override
    TestServer server() {
      return TestServer.postgres();
    }
  }
}
