package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Comments on flags and experiments over HTTP, on the embedded store and on PostgreSQL (the V6
 * migration on both): stored and listed oldest first with author and time, audited in the hash
 * chain, refused with a 400 naming the field for bad input, and allowed to analysts and up only.
 */
class CommentsApiTest {
  static Stream<Arguments> stores() {
    return Stream.of(Arguments.of("h2", (Supplier<TestServer>) TestServer::new),
        Arguments.of("postgres", (Supplier<TestServer>) TestServer::postgres));
  }

  private static TestServer start(Supplier<TestServer> s) {
    TestServer t = s.get();
    assertThat(t.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}").status())
        .isEqualTo(201);
    assertThat(t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"e\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}").status())
        .isEqualTo(201);
    return t;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void add_thenList_oldestFirstWithAuthorAndAuditEntry(String name, Supplier<TestServer> store) {
    try (TestServer t = start(store)) {
      String analyst = t.token("analyst");
      TestServer.Response first = t.call("POST", "/api/v1/experiments/e/comments", analyst,
          "{\"text\":\"Lift holds in week 2 — ünïcode kept\\nsecond line\"}");
      assertThat(first.status()).as(first.body()).isEqualTo(201);
      assertThat(first.json().path("author").asText()).startsWith("analyst-key (key_");
      TestServer.Response second = t.admin("POST", "/api/v1/experiments/e/comments", "{\"text\":\"Ship it.\"}");
      assertThat(second.status()).as(second.body()).isEqualTo(201);

      JsonNode items = t.call("GET", "/api/v1/experiments/e/comments", t.token("viewer"), null).json().path("items");
      assertThat(items).hasSize(2);
      assertThat(items.get(0).path("text").asText()).isEqualTo("Lift holds in week 2 — ünïcode kept\nsecond line");
      assertThat(items.get(1).path("text").asText()).isEqualTo("Ship it.");
      assertThat(items.get(0).path("id").asLong()).isLessThan(items.get(1).path("id").asLong());
      assertThat(t.admin("GET", "/api/v1/flags/f/comments", null).json().path("items")).isEmpty();

      JsonNode audit = t.admin("GET", "/api/v1/audit?kind=experiment&key=e", null).json().path("items");
      JsonNode entry = null;
      for (JsonNode a : audit) {
        if (a.path("seq").asLong() == first.json().path("id").asLong()) {
          entry = a;
        }
      }
      assertThat(entry).as("audit entry with the comment's id as seq in " + audit).isNotNull();
      assertThat(entry.path("action").asText()).isEqualTo("comment");
      assertThat(entry.path("actor").asText()).isEqualTo(first.json().path("author").asText());
      assertThat(entry.path("at").asText()).isEqualTo(first.json().path("at").asText());
      assertThat(entry.at("/after/comment").asText()).startsWith("Lift holds");
      assertThat(t.admin("GET", "/api/v1/audit/verify", null).json().path("intact").asBoolean()).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void add_badInput_400NamingTheField_andNothingStored(String name, Supplier<TestServer> store) {
    try (TestServer t = start(store)) {
      assertField(t.admin("POST", "/api/v1/flags/f/comments", "{}"), 400, "text");
      assertField(t.admin("POST", "/api/v1/flags/f/comments", "{\"text\":\"   \\n \"}"), 400, "text");
      assertField(t.admin("POST", "/api/v1/flags/f/comments", "{\"text\":5}"), 400, "text");
      assertField(t.admin("POST", "/api/v1/flags/f/comments", "{\"text\":null}"), 400, "text");
      assertField(t.admin("POST", "/api/v1/flags/f/comments", "{\"text\":\"a\\u0000b\"}"), 400, "text");
      assertField(t.admin("POST", "/api/v1/flags/f/comments", "{\"text\":\"ok\",\"author\":\"me\"}"), 400, "author");
      assertField(t.admin("POST", "/api/v1/flags/f/comments", "[\"text\"]"), 400, "body");
      TestServer.Response tooLong = t.admin("POST", "/api/v1/flags/f/comments",
          "{\"text\":\"" + "x".repeat(10_001) + "\"}");
      assertField(tooLong, 400, "text");
      assertThat(tooLong.body()).contains("at most 10000 characters, was 10001");
      // 10,000 characters outside the BMP are 10,000 characters, not 20,000 UTF-16 units.
      assertThat(t.admin("POST", "/api/v1/flags/f/comments", "{\"text\":\"" + "😀".repeat(10_000) + "\"}").status())
          .isEqualTo(201);
      assertThat(t.admin("POST", "/api/v1/flags/nope/comments", "{\"text\":\"hi\"}").status()).isEqualTo(404);
      assertThat(t.admin("GET", "/api/v1/experiments/nope/comments", null).status()).isEqualTo(404);
      assertThat(t.admin("POST", "/api/v1/flags/f/comments?project=nope", "{\"text\":\"hi\"}").status()).isEqualTo(404);
      assertThat(t.admin("GET", "/api/v1/flags/f/comments", null).json().path("items")).hasSize(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void add_viewerRefused_analystAllowed(String name, Supplier<TestServer> store) {
    try (TestServer t = start(store)) {
      TestServer.Response viewer = t.call("POST", "/api/v1/flags/f/comments", t.token("viewer"), "{\"text\":\"hi\"}");
      assertThat(viewer.status()).isEqualTo(403);
      assertThat(t.call("POST", "/api/v1/flags/f/comments", null, "{\"text\":\"hi\"}").status()).isEqualTo(401);
      assertThat(t.call("POST", "/api/v1/flags/f/comments", t.token("experimenter"), "{\"text\":\"hi\"}").status())
          .isEqualTo(201);
      assertThat(t.admin("GET", "/api/v1/flags/f/comments", null).json().path("items")).hasSize(1);
    }
  }

  private static void assertField(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }
}
