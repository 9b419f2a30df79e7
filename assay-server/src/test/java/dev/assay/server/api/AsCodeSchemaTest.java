package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/schema} and {@code /schema/{kind}}: public, the copy in {@code docs/schema/}
 * is what the server serves (regenerate with {@code -Dassay.writeSchemas=true}), and the example
 * files validate against the served "any" schema.
 */
class AsCodeSchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DOCS = Path.of("..", "docs", "schema");
  private final TestServer t = new TestServer();

  @AfterEach
  void stop() {
    t.close();
  }

  private JsonNode get(String path) {
    TestServer.Response r = t.call("GET", path, null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  @Test
  void servedSchemas_arePublic_andEqualTheDocsCopy() throws IOException {
    JsonNode index = get("/api/v1/schema");
    List<String> names = new ArrayList<>(List.of("any"));
    index.get("kinds").forEach(k -> names.add(k.get("kind").asText()));
    assertThat(names).containsExactly("any", "project", "environment", "segment", "metric", "event_schema", "layer",
        "experiment", "flag",
        "holdout");
    boolean write = Boolean.getBoolean("assay.writeSchemas");
    for (String name : names) {
      JsonNode served = get("/api/v1/schema/" + name);
      Path file = DOCS.resolve(name + ".json");
      if (write) {
        Files.createDirectories(DOCS);
        Files.writeString(file, served.toPrettyString() + "\n");
      }
      assertThat(Files.exists(file)).as(file + " (regenerate: -Dassay.writeSchemas=true)").isTrue();
      assertThat(JSON.readTree(file.toFile())).as(file + " differs from the served schema (regenerate:"
          + " -Dassay.writeSchemas=true)").isEqualTo(served);
    }
    TestServer.Response unknown = t.call("GET", "/api/v1/schema/projects", null, null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().get("error").get("message").asText()).contains("experiment");
  }

  @Test
  void examples_validateAgainstTheServedAnySchema() throws IOException {
    JsonSchema any = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(get("/api/v1/schema/any"));
    YAMLMapper yaml = new YAMLMapper();
    int documents = 0;
    try (var files = Files.list(Path.of("..", "examples", "as-code"))) {
      for (Path p : files.sorted().toList()) {
        for (JsonNode doc : yaml.readerFor(JsonNode.class).<JsonNode>readValues(p.toFile()).readAll()) {
          assertThat(any.validate(doc)).as(p + ": " + doc).isEmpty();
          documents++;
        }
      }
    }
    assertThat(documents).isEqualTo(7);
    JsonNode bad = yaml.readTree("kind: metric\nkey: m\ntype: proportion\nevent: e\nwindow: 3\n");
    assertThat(any.validate(bad)).isNotEmpty();
    JsonNode noKindNoVariants = yaml.readTree("name: x\n");
    assertThat(any.validate(noKindNoVariants)).isNotEmpty();
  }
}
