package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PATCH with JSON Merge Patch (RFC 7396) on the management API, next to PUT's full replacement. */
class MergePatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final TestServer t = new TestServer();

  @AfterEach
  void stop() {
    t.close();
  }

  /* The examples of RFC 7396, Appendix A: target, patch, result. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"a\":\"b\"}|{\"a\":\"c\"}|{\"a\":\"c\"}",
      "{\"a\":\"b\"}|{\"b\":\"c\"}|{\"a\":\"b\",\"b\":\"c\"}",
      "{\"a\":\"b\"}|{\"a\":null}|{}",
      "{\"a\":\"b\",\"b\":\"c\"}|{\"a\":null}|{\"b\":\"c\"}",
      "{\"a\":[\"b\"]}|{\"a\":\"c\"}|{\"a\":\"c\"}",
      "{\"a\":\"c\"}|{\"a\":[\"b\"]}|{\"a\":[\"b\"]}",
      "{\"a\":{\"b\":\"c\"}}|{\"a\":{\"b\":\"d\",\"c\":null}}|{\"a\":{\"b\":\"d\"}}",
      "{\"a\":[{\"b\":\"c\"}]}|{\"a\":[1]}|{\"a\":[1]}",
      "[\"a\",\"b\"]|[\"c\",\"d\"]|[\"c\",\"d\"]",
      "{\"a\":\"b\"}|[\"c\"]|[\"c\"]",
      "{\"a\":\"foo\"}|null|null",
      "{\"a\":\"foo\"}|\"bar\"|\"bar\"",
      "{\"e\":null}|{\"a\":1}|{\"e\":null,\"a\":1}",
      "[1,2]|{\"a\":\"b\",\"c\":null}|{\"a\":\"b\"}",
      "{}|{\"a\":{\"bb\":{\"ccc\":null}}}|{\"a\":{\"bb\":{}}}"})
  void apply_rfc7396AppendixA(String target, String patch, String result) throws Exception {
    JsonNode before = JSON.readTree(target);
    assertThat(MergePatch.apply(before, JSON.readTree(patch))).isEqualTo(JSON.readTree(result));
    assertThat(before).as("target unchanged").isEqualTo(JSON.readTree(target));
  }

  @Test
  void patch_changesOnlyNamedFields_keepsRules() {
    t.admin("POST", "/api/v1/flags", """
        {"key":"dark-mode","type":"boolean","defaultValue":false,"owner":"web","tags":["ui"],
         "environments":{"production":{"enabled":true,"rules":[{"condition":{"country":"NL"},"value":true}]}}}""");
    TestServer.Response r = patch("/api/v1/flags/dark-mode", "application/merge-patch+json", "{\"owner\":\"growth\",\"tags\":null}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode flag = t.admin("GET", "/api/v1/flags/dark-mode", null).json();
    assertThat(flag.path("owner").asText()).isEqualTo("growth");
    assertThat(flag.path("tags").size()).as("tags removed by null").isZero();
    assertThat(flag.path("version").asLong()).isEqualTo(2);
    assertThat(flag.path("environments").path("production").path("rules").get(0).path("condition").path("country").asText())
        .as("rules not named in the patch are kept").isEqualTo("NL");
    JsonNode audit = t.admin("GET", "/api/v1/audit", null).json();
    assertThat(audit.toString()).as("the change is audited").contains("dark-mode");
  }

  @Test
  void patch_staleVersion_conflictsAndChangesNothing() {
    t.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}");
    assertThat(patch("/api/v1/flags/f", "application/json", "{\"version\":1,\"defaultValue\":true}").status()).isEqualTo(200);
    TestServer.Response stale = patch("/api/v1/flags/f", "application/json", "{\"version\":1,\"owner\":\"x\"}");
    assertThat(stale.status()).as(stale.body()).isEqualTo(409);
    assertThat(stale.json().path("error").path("code").asText()).isEqualTo("version_conflict");
    JsonNode flag = t.admin("GET", "/api/v1/flags/f", null).json();
    assertThat(flag.path("version").asLong()).isEqualTo(2);
    assertThat(flag.path("defaultValue").asBoolean()).isTrue();
    assertThat(flag.has("owner") && !flag.path("owner").isNull() && !flag.path("owner").asText().isEmpty()).isFalse();
  }

  @Test
  void patch_badInput_answersPrecise4xx() {
    t.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}");
    assertThat(patch("/api/v1/flags/f", "text/plain", "{\"owner\":\"x\"}").status()).isEqualTo(415);
    TestServer.Response notObject = patch("/api/v1/flags/f", "application/merge-patch+json", "[1]");
    assertThat(notObject.status()).as(notObject.body()).isEqualTo(400);
    assertThat(notObject.json().path("error").path("details").get(0).path("field").asText()).isEqualTo("body");
    TestServer.Response invalid = patch("/api/v1/flags/f", "application/merge-patch+json", "{\"lifecycle\":\"retired\"}");
    assertThat(invalid.status()).as(invalid.body()).isEqualTo(400);
    assertThat(invalid.json().path("error").path("details").get(0).path("field").asText()).isEqualTo("lifecycle");
    assertThat(patch("/api/v1/flags/nope", "application/merge-patch+json", "{\"owner\":\"x\"}").status()).isEqualTo(404);
    TestServer.Response rename = patch("/api/v1/flags/f", "application/merge-patch+json", "{\"key\":\"g\"}");
    assertThat(rename.status()).as(rename.body()).isEqualTo(400);
    assertThat(t.admin("GET", "/api/v1/flags/f", null).json().path("version").asLong()).as("nothing stored").isEqualTo(1);
  }

  @Test
  void patch_listedInOpenApiForEveryEditableResource() {
    JsonNode paths = t.admin("GET", "/api/v1/openapi.json", null).json().path("paths");
    for (String item : new String[] {"/projects/{key}", "/environments/{key}", "/flags/{key}", "/experiments/{key}",
        "/layers/{key}", "/holdouts/{key}", "/segments/{key}", "/metrics/{key}", "/users/{key}"}) {
      assertThat(paths.path("/api/v1" + item).has("patch")).as(item).isTrue();
    }
  }

  private TestServer.Response patch(String path, String type, String body) {
    return t.send("PATCH", path, TestServer.ADMIN_TOKEN, type, body.getBytes(StandardCharsets.UTF_8));
  }
}
