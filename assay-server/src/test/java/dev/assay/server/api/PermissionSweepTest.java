package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.auth.Role;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every endpoint of the OpenAPI document × every role: 401 without credentials, 403 when the role
 * lacks the endpoint's permission, and neither when it has it; and 403 for every endpoint to a key
 * scoped to another project. The event endpoints (which span every project unless {@code ?project=}
 * names one) admit a scoped key only with one of its projects.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PermissionSweepTest {
  private TestServer t;
  private final Map<Role, String> tokens = new EnumMap<>(Role.class);
  /* An admin key limited to another project: forbidden on every endpoint of the default project. */
  private String scopedElsewhere;

  /* The matrix as the product defines it, stated independently of Role's implementation. */
  private static final Map<Role, List<Permission>> EXPECTED = Map.of(
      Role.VIEWER, List.of(Permission.READ),
      Role.ANALYST, List.of(Permission.READ, Permission.READ_AUDIT, Permission.COMMENT, Permission.WRITE_METRICS),
      Role.EXPERIMENTER, List.of(Permission.READ, Permission.READ_AUDIT, Permission.COMMENT, Permission.WRITE_METRICS,
          Permission.WRITE_CONFIG),
      Role.ADMIN, List.of(Permission.values()));

  @BeforeAll
  void start() {
    t = new TestServer();
    for (Role r : Role.values()) {
      tokens.put(r, t.token(r.wireName()));
    }
    t.admin("POST", "/api/v1/projects", "{\"key\":\"elsewhere\"}");
    scopedElsewhere = t.admin("POST", "/api/v1/api-keys",
        "{\"name\":\"scoped\",\"role\":\"admin\",\"projects\":[\"elsewhere\"]}").json().path("token").asText();
  }

  @AfterAll
  void stop() {
    t.close();
  }

  Stream<Arguments> endpoints() {
    try (TestServer s = new TestServer()) {
      JsonNode paths = s.call("GET", "/api/v1/openapi.json", null, null).json().path("paths");
      List<Arguments> out = new ArrayList<>();
      // Paths without a required permission (delivery, ingestion, probes) are not management endpoints.
      paths.fields().forEachRemaining(p -> (p.getValue().findValue("x-required-permission") == null ? java.util.Collections.<java.util.Map.Entry<String, JsonNode>>emptyIterator() : p.getValue().fields()).forEachRemaining(m -> out.add(Arguments.of(
          m.getKey().toUpperCase(Locale.ROOT), p.getKey(),
          Permission.valueOf(m.getValue().path("x-required-permission").asText().toUpperCase(Locale.ROOT))))));
      assertThat(out).hasSizeGreaterThan(50);
      return out.stream();
    }
  }

  Stream<Arguments> eventEndpoints() {
    List<Arguments> out = endpoints().filter(a -> a.get()[1].toString().startsWith("/api/v1/events/")).toList();
    assertThat(out).extracting(a -> a.get()[1])
        .contains("/api/v1/events/summary", "/api/v1/events/units/{key}", "/api/v1/events/retention");
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("eventEndpoints")
  void eventEndpoint_scopedKey_onlyWithItsProjectNamed(String method, String template, Permission permission) {
    String path = template.replace("{key}", "sweep-unit");
    for (String query : List.of("", "?project=default", "?project=")) {
      var r = t.call(method, path + query, scopedElsewhere, null);
      assertThat(r.status()).as("scoped to 'elsewhere', " + method + " " + path + query + ": " + r.body()).isEqualTo(403);
      assertThat(r.json().at("/error/code").asText()).isEqualTo("forbidden");
    }
    var own = t.call(method, path + "?project=elsewhere", scopedElsewhere, null);
    assertThat(own.status()).as("its own project: " + own.body()).isNotIn(401, 403).isLessThan(500);
    for (Role role : Role.values()) {
      var r = t.call(method, path + "?project=elsewhere", tokens.get(role), null);
      if (EXPECTED.get(role).contains(permission)) {
        assertThat(r.status()).as(role + " may " + method + " " + path + ": " + r.body()).isNotIn(401, 403).isLessThan(500);
      } else {
        assertThat(r.status()).as(role + " may not " + method + " " + path).isEqualTo(403);
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("endpoints")
  void endpoint_everyRole_matchesPermissionMatrix(String method, String template, Permission permission) {
    String path = template.replace("{key}", "sweep-missing").replace("{id}", "key_missing").replace("{n}", "1");
    String body = method.equals("GET") || method.equals("DELETE") ? null : "{}";
    assertThat(t.call(method, path, null, body).status()).as("no credentials").isEqualTo(401);
    assertThat(t.call(method, path, "assay_not-a-real-token", body).status()).as("unknown token").isEqualTo(401);
    for (Role role : Role.values()) {
      var r = t.call(method, path + (method.equals("DELETE") ? "?version=1" : ""), tokens.get(role), body);
      if (EXPECTED.get(role).contains(permission)) {
        assertThat(r.status()).as(role + " may " + method + " " + template + ": " + r.body()).isNotIn(401, 403);
      } else {
        assertThat(r.status()).as(role + " may not " + method + " " + template).isEqualTo(403);
        assertThat(r.json().path("error").path("code").asText()).isEqualTo("forbidden");
      }
      assertThat(r.status()).isLessThan(500);
    }
    var scoped = t.call(method, path + (method.equals("DELETE") ? "?version=1" : ""), scopedElsewhere, body);
    assertThat(scoped.status()).as("a key scoped to another project: " + scoped.body()).isEqualTo(403);
  }
}
