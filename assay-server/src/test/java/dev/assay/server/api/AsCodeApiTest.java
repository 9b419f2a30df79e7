package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /as-code/plan}, {@code /apply} and {@code /export} on a real server: the article's
 * example directory applies as written, applying twice changes nothing, an export re-applies with
 * zero changes, and bad files are answered 400 naming the file and field.
 */
class AsCodeApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EXAMPLES = Path.of("..", "examples", "as-code");
  private final TestServer t = new TestServer(b -> b.demo(true));

  @AfterEach
  void stop() {
    t.close();
  }

  static String body(List<String[]> files) {
    ObjectNode b = JSON.createObjectNode();
    ArrayNode fs = b.putArray("files");
    files.forEach(f -> fs.addObject().put("path", f[0]).put("content", f[1]));
    return b.toString();
  }

  static List<String[]> examples() {
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      List<String[]> out = new ArrayList<>();
      for (Path p : s.sorted().toList()) {
        out.add(new String[] {p.getFileName().toString(), Files.readString(p)});
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode ok(String path, String body) {
    TestServer.Response r = t.admin("POST", path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static String summary(JsonNode plan) {
    JsonNode s = plan.get("summary");
    return "create=" + s.get("create") + " update=" + s.get("update") + " unchanged=" + s.get("unchanged")
        + " delete=" + s.get("delete");
  }

  @Test
  void articleDirectory_appliesAsWritten_thenTwiceIsUnchanged() {
    String files = body(examples());
    JsonNode plan = ok("/api/v1/as-code/plan", files);
    assertThat(plan.get("applied").asBoolean()).isFalse();
    assertThat(summary(plan)).isEqualTo("create=7 update=0 unchanged=0 delete=0");
    List<String> order = new ArrayList<>();
    plan.get("changes").forEach(c -> order.add(c.get("kind").asText() + ":" + c.get("key").asText()));
    assertThat(order.get(0)).isEqualTo("segment:all_logged_in");
    assertThat(order.get(order.size() - 1)).isEqualTo("experiment:checkout-progress-bar");
    JsonNode applied = ok("/api/v1/as-code/apply", files);
    assertThat(applied.get("applied").asBoolean()).isTrue();
    JsonNode exp = t.admin("GET", "/api/v1/experiments/checkout-progress-bar", null).json();
    assertThat(exp.get("variants").get(1).get("weight").asDouble()).isEqualTo(0.5);
    assertThat(exp.get("variants").get(1).get("value").get("show_progress_bar").asBoolean()).isTrue();
    assertThat(exp.get("condition").toString()).isEqualTo("{\"id\":{\"$inGroup\":\"all_logged_in\"}}");
    assertThat(exp.get("minimumRuntimeDays").asInt()).isEqualTo(7);
    assertThat(exp.get("targetSampleSizePerVariant").asLong()).isEqualTo(5000);
    assertThat(exp.get("metrics").get("guardrails").get(1).get("metric").asText()).isEqualTo("p99_page_load_ms");
    assertThat(summary(ok("/api/v1/as-code/plan", files))).isEqualTo("create=0 update=0 unchanged=7 delete=0");
    assertThat(summary(ok("/api/v1/as-code/apply", files))).isEqualTo("create=0 update=0 unchanged=7 delete=0");
  }

  @Test
  void yamlBody_isOneFile() {
    ok("/api/v1/as-code/apply", body(examples().stream().filter(f -> !f[0].startsWith("checkout")).toList()));
    String yaml = examples().stream().filter(f -> f[0].startsWith("checkout")).findFirst().orElseThrow()[1];
    TestServer.Response r = t.send("POST", "/api/v1/as-code/plan", TestServer.ADMIN_TOKEN, "application/yaml",
        yaml.getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("changes").get(0).get("file").asText()).isEqualTo("request.yaml");
    assertThat(r.json().get("changes").get(0).get("action").asText()).isEqualTo("create");
  }

  @Test
  void export_ofDemoProject_reappliesWithZeroChanges() {
    JsonNode export = t.admin("GET", "/api/v1/as-code/export?project=demo", null).json();
    List<String[]> files = new ArrayList<>();
    export.get("files").forEach(f -> files.add(new String[] {f.get("path").asText(), f.get("content").asText()}));
    assertThat(files).extracting(f -> f[0]).contains("flags/new-header.yaml", "experiments/checkout-button.yaml",
        "layers/checkout.yaml", "segments/beta-testers.yaml", "environments/staging.yaml");
    JsonNode plan = ok("/api/v1/as-code/plan?project=demo&prune=true", body(files));
    assertThat(plan.get("summary").get("create").asInt()).isZero();
    assertThat(plan.get("summary").get("update").asInt()).as(plan.toString()).isZero();
    assertThat(plan.get("summary").get("delete").asInt()).isZero();
    assertThat(plan.get("summary").get("unchanged").asInt()).isEqualTo(files.size());
  }

  @Test
  void projectDocument_createsTheProjectItDescribes_andPruneNeverDeletesIt() {
    String project = "kind: project\nkey: shop\nname: Shop\ndescription: The web shop\n";
    String env = "kind: environment\nkey: production\nname: Production\n";
    String flag = "kind: flag\nkey: banner\ntype: boolean\ndefault_value: false\n";
    String files = body(List.of(new String[] {"project.yaml", project}, new String[] {"env.yaml", env},
        new String[] {"flags.yaml", flag}));
    TestServer.Response missing = t.admin("POST", "/api/v1/as-code/plan?project=shop",
        body(List.<String[]>of(new String[] {"flags.yaml", flag})));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().get("error").get("message").asText()).contains("kind: project");
    JsonNode plan = ok("/api/v1/as-code/plan?project=shop", files);
    assertThat(plan.get("changes").get(0).get("kind").asText() + ":" + plan.get("changes").get(0).get("key").asText())
        .isEqualTo("project:shop");
    String experimenter = t.admin("POST", "/api/v1/api-keys", "{\"name\":\"exp\",\"role\":\"experimenter\"}")
        .json().get("token").asText();
    TestServer.Response denied = t.send("POST", "/api/v1/as-code/apply?project=shop", experimenter,
        "application/json", files.getBytes(StandardCharsets.UTF_8));
    assertThat(denied.status()).as(denied.body()).isEqualTo(403);
    assertThat(summary(ok("/api/v1/as-code/apply?project=shop", files))).isEqualTo("create=3 update=0 unchanged=0 delete=0");
    JsonNode shop = t.admin("GET", "/api/v1/projects/shop", null).json();
    assertThat(shop.get("name").asText()).isEqualTo("Shop");
    assertThat(shop.get("description").asText()).isEqualTo("The web shop");
    JsonNode renamed = ok("/api/v1/as-code/plan?project=shop&prune=true",
        body(List.of(new String[] {"project.yaml", project.replace("name: Shop", "name: Web shop")},
            new String[] {"env.yaml", env})));
    assertThat(summary(renamed)).isEqualTo("create=0 update=1 unchanged=1 delete=1");
    assertThat(renamed.get("changes").get(0).get("fields").get(0).get("path").asText()).isEqualTo("name");
    JsonNode export = t.admin("GET", "/api/v1/as-code/export?project=shop", null).json();
    List<String[]> exported = new ArrayList<>();
    export.get("files").forEach(f -> exported.add(new String[] {f.get("path").asText(), f.get("content").asText()}));
    assertThat(exported).extracting(f -> f[0]).containsExactly("environments/production.yaml", "flags/banner.yaml",
        "projects/shop.yaml");
    assertThat(summary(ok("/api/v1/as-code/plan?project=shop&prune=true", body(exported))))
        .isEqualTo("create=0 update=0 unchanged=3 delete=0");
    TestServer.Response other = t.admin("POST", "/api/v1/as-code/plan?project=shop",
        body(List.<String[]>of(new String[] {"p.yaml", project.replace("key: shop", "key: blog")})));
    assertThat(other.status()).isEqualTo(400);
    assertThat(other.json().get("error").get("details").get(0).get("field").asText()).isEqualTo("p.yaml:key");
  }
}
