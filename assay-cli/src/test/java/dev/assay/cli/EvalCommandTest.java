package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code assay eval} on the example payload shipped in {@code examples/}. */
class EvalCommandTest {

  private static final String PAYLOAD = Path.of("..", "examples", "payload.json").toString();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode features(CliRun run) throws Exception {
    assertThat(run.exitCode()).as(run.err()).isZero();
    return JSON.readTree(run.out()).get("features");
  }

  @Test
  void eval_internalEmail_forceRuleTurnsCheckoutOnAndUnlocksPrerequisite() throws Exception {
    JsonNode f =
        features(
            CliRun.of(
                "eval", "--payload", PAYLOAD, "--attributes",
                "{\"id\":\"u1\",\"email\":\"ana@example.com\",\"country\":\"DE\"}"));

    assertThat(f.get("new-checkout").get("value").asBoolean()).isTrue();
    assertThat(f.get("new-checkout").get("source").asText()).isEqualTo("force");
    assertThat(f.get("new-checkout").get("ruleId").asText()).isEqualTo("fr_internal");
    assertThat(f.get("pricing-banner").get("value").get("enabled").asBoolean()).isTrue();
  }

  @Test
  void eval_userOutsideTargeting_getsDefaults() throws Exception {
    JsonNode f =
        features(
            CliRun.of("eval", "--payload", PAYLOAD, "--attributes", "{\"id\":\"u2\",\"country\":\"DE\"}"));

    assertThat(f.get("new-checkout").get("value").asBoolean()).isFalse();
    assertThat(f.get("new-checkout").get("source").asText()).isEqualTo("defaultValue");
    assertThat(f.get("pricing-banner").get("value").get("enabled").asBoolean()).isFalse();
    assertThat(f.get("search-results-per-page").get("value").asInt()).isEqualTo(20);
  }

  @Test
  void eval_versionCondition_comparesNumericallyNotAsStrings() throws Exception {
    // "5.10.0" < "5.2.0" as plain strings; as versions it is newer and must match $vgte 5.2.0.
    JsonNode f =
        features(
            CliRun.of(
                "eval", "--payload", PAYLOAD, "--feature", "search-results-per-page", "--attributes",
                "{\"id\":\"u3\",\"platform\":\"ios\",\"appVersion\":\"5.10.0\"}"));

    assertThat(f.get("search-results-per-page").get("value").asInt()).isEqualTo(30);
    assertThat(f.size()).isEqualTo(1);
  }

  @Test
  void eval_experimentRule_variationAgreesWithBucketAndWeights() throws Exception {
    for (String id : List.of("a", "b", "c", "user-42", "用户", "ü")) {
      JsonNode f =
          features(
              CliRun.of(
                  "eval", "--payload", PAYLOAD, "-f", "button-colour", "--attributes",
                  JSON.writeValueAsString(java.util.Map.of("id", id))));
      JsonNode r = f.get("button-colour").get("experimentResult");
      double bucket = r.get("bucket").asDouble();
      int expected = bucket < 0.34 ? 0 : bucket < 0.67 ? 1 : 2;
      assertThat(r.get("inExperiment").asBoolean()).isTrue();
      assertThat(r.get("hashValue").asText()).isEqualTo(id);
      assertThat(r.get("variationId").asInt()).as("id %s bucket %s", id, bucket).isEqualTo(expected);
      assertThat(f.get("button-colour").get("value").asText())
          .isEqualTo(List.of("blue", "green", "orange").get(expected));
      assertThat(f.get("button-colour").get("experimentKey").asText()).isEqualTo("button-colour-test");
    }
  }

  @Test
  void eval_attributesFile_printsOneLinePerUser(@TempDir Path dir) throws Exception {
    Path users = dir.resolve("users.ndjson");
    Files.writeString(users, "{\"id\":\"a\"}\n\n{\"id\":\"b\",\"email\":\"x@example.com\"}\n");

    CliRun run = CliRun.of("eval", "--payload", PAYLOAD, "-f", "new-checkout", "--attributes-file", users.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(JSON.readTree(lines.get(1)).at("/features/new-checkout/value").asBoolean()).isTrue();
    assertThat(JSON.readTree(lines.get(0)).at("/attributes/id").asText()).isEqualTo("a");
  }

  @Test
  void eval_badLineInAttributesFile_exit2NamingTheLine(@TempDir Path dir) throws Exception {
    Path users = dir.resolve("users.ndjson");
    Files.writeString(users, "{\"id\":\"a\"}\n[1,2]\n");

    CliRun run = CliRun.of("eval", "--payload", PAYLOAD, "--attributes-file", users.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--attributes-file line 2").contains("JSON object");
  }

  @Test
  void eval_badInput_exit2WithMessageNamingTheOptionAndNoStackTrace(@TempDir Path dir)
      throws Exception {
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"features\": {\"f\": {\"defaultValue\": 1, \"rules\": 5}}}");
    Path notJson = dir.resolve("not.json");
    Files.writeString(notJson, "features:");

    assertBadInput(CliRun.of("eval", "--payload", dir.resolve("missing.json").toString()), "--payload", "not found");
    assertBadInput(CliRun.of("eval", "--payload", broken.toString()), "--payload", "rules");
    assertBadInput(CliRun.of("eval", "--payload", notJson.toString()), "--payload", "");
    assertBadInput(CliRun.of("eval", "--payload", PAYLOAD, "--attributes", "{\"id\":"), "--attributes", "not valid JSON");
    assertBadInput(CliRun.of("eval", "--payload", PAYLOAD, "--attributes", "\"u1\""), "--attributes", "JSON object");
    assertBadInput(CliRun.of("eval", "--payload", PAYLOAD, "-f", "nope"), "--feature", "nope");
    assertBadInput(
        CliRun.of("eval", "--payload", PAYLOAD, "--attributes", "{}", "--attributes-file", "x"),
        "--attributes",
        "mutually exclusive");
  }

  private static void assertBadInput(CliRun run, String option, String detail) {
    assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains(option).contains(detail).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void eval_payloadUrl_fetchesFromARunningServer(@TempDir Path data) throws Exception {
    try (dev.assay.server.AssayServer server = dev.assay.server.AssayServer.builder().port(0).host("127.0.0.1")
        .dataDir(data).demo(true).start()) {
      String url = "http://127.0.0.1:" + server.port() + "/api/features/" + server.demoClientKey().orElseThrow();

      JsonNode f = features(CliRun.of("eval", "--payload", url, "--attributes", "{\"id\":\"u1\"}"));
      CliRun missing = CliRun.of("eval", "--payload", "http://127.0.0.1:" + server.port() + "/api/features/sdk-nope",
          "--attributes", "{\"id\":\"u1\"}");

      assertThat(f.has("new-header")).as(f.toString()).isTrue();
      assertThat(f.has("checkout-button")).as(f.toString()).isTrue();
      assertThat(missing.exitCode()).isEqualTo(2);
      assertThat(missing.err()).contains("--payload").contains("HTTP 404");
    }
  }
}
