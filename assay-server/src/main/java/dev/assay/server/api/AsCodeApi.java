package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.ascode.AsCode;
import dev.assay.server.ascode.AsCodeFile;
import dev.assay.server.ascode.FileSchemas;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Json;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code /as-code}: plan, apply and export a project's configuration as files (docs/as-code.md),
 * and the public {@code /schema} of the file format. A body is {@code {"files": [{"path",
 * "content"}]}} as JSON, or one YAML file as is ({@code Content-Type: application/yaml}, named
 * {@code request.yaml}). Applying needs, beside the endpoint's permission, the permission of each
 * kind it changes: metrics and event schemas {@code write_metrics}, the project and environments
 * {@code admin}.
 */
final class AsCodeApi implements Resource {
  static final String SCHEMA = "/schema";
  private static final Map<String, Permission> KIND_PERMISSION = Map.of("project", Permission.ADMIN, "environment", Permission.ADMIN,
      "metric", Permission.WRITE_METRICS, "event_schema", Permission.WRITE_METRICS);
  private final AsCode asCode;

  AsCodeApi(AsCode asCode) {
    this.asCode = asCode;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.files("/as-code/plan", Permission.READ, "What applying the files would change (create, update with"
            + " field diffs, unchanged, delete with ?prune=true); body {\"files\": [{\"path\", \"content\"}]} or one"
            + " YAML file", c -> Reply.ok(asCode.plan(c.project(), files(c), c.flag("prune"))))
            .withQuery("project", "prune"),
        Endpoint.files("/as-code/apply", Permission.WRITE_CONFIG, "Apply the files: one transaction per resource against"
            + " the version planned (?prune=true deletes what the files do not define; ?new_phase=true lets a running"
            + " experiment's allocation change in a new phase)", this::apply)
            .withQuery("project", "prune", "new_phase"),
        Endpoint.get("/as-code/export", Permission.READ, "The project as files, one per resource (<kind>s/<key>.yaml),"
            + " that re-apply with no change", c -> Reply.ok(export(asCode.export(c.project()))))
            .withQuery("project"));
  }

  private Reply apply(Call c) {
    List<AsCodeFile> files = files(c);
    boolean prune = c.flag("prune");
    JsonNode planned = asCode.plan(c.project(), files, prune);
    for (JsonNode change : planned.path("changes")) {
      Permission needed = KIND_PERMISSION.get(change.path("kind").asText());
      if (needed != null && !change.path("action").asText().equals("unchanged") && !c.principal().role().allows(needed)) {
        return ApiErrors.error(403, "forbidden", "role '" + c.principal().role().wireName() + "' may not "
            + change.path("action").asText() + " " + change.path("kind").asText() + " '" + change.path("key").asText()
            + "' (needs " + needed.name().toLowerCase(java.util.Locale.ROOT) + "); nothing was applied", List.of());
      }
    }
    return Reply.ok(asCode.apply(c.project(), files, prune, c.flag("new_phase"), c.actor()));
  }

  private static List<AsCodeFile> files(Call c) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(c.raw())).toString();
    } catch (CharacterCodingException e) {
      throw DomainException.invalid("body", "is not UTF-8 text");
    }
    if (HttpApi.YAML_TYPES.contains(c.mediaType())) {
      return List.of(new AsCodeFile("request.yaml", text));
    }
    return AsCode.files(Json.parse(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static ObjectNode export(List<AsCodeFile> files) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode list = out.putArray("files");
    files.forEach(f -> list.addObject().put("path", f.path()).put("content", f.content()));
    return out;
  }

  /** {@code GET /api/v1/schema}: the kinds and their schema URLs (public, like the OpenAPI document). */
  static ObjectNode schemaIndex() {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("any", HttpApi.PREFIX + SCHEMA + "/any");
    ArrayNode kinds = out.putArray("kinds");
    for (String k : FileSchemas.kinds()) {
      kinds.addObject().put("kind", k).put("url", HttpApi.PREFIX + SCHEMA + "/" + k);
    }
    return out;
  }

  /** {@code GET /api/v1/schema/{kind}}: one schema, or 404 listing the kinds. */
  static Reply schema(String kind) {
    return FileSchemas.schema(kind).<Reply>map(s -> new Reply(200, "application/schema+json",
            s.toPrettyString().getBytes(StandardCharsets.UTF_8)))
        .orElseGet(() -> ApiErrors.error(404, "not_found", "no schema '" + kind + "'; kinds: any, "
            + String.join(", ", FileSchemas.kinds()), List.of()));
  }
}
