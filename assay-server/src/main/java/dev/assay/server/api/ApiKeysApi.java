package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.auth.Permission;
import dev.assay.server.auth.Role;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.ApiKeyRecord;
import java.util.List;

/**
 * {@code /api-keys}: create (token shown once), list, get, revoke. Admin only. A key may be limited
 * to some projects ({@code projects}); see {@link ProjectScope}.
 */
final class ApiKeysApi implements Resource {
  private static final int MAX_PROJECTS = 100;
  private final ApiKeys keys;
  private final ConfigService config;

  ApiKeysApi(ApiKeys keys, ConfigService config) {
    this.keys = keys;
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.post("/api-keys", Permission.ADMIN, "Create an API key; the token is in this response only", this::create)
            .withRequestSchema(OpenApi.schema("""
                {"type":"object","additionalProperties":false,"required":["name","role"],
                 "properties":{"name":{"type":"string","maxLength":200},
                   "role":{"type":"string","enum":["admin","experimenter","analyst","viewer"]},
                   "projects":{"type":"array","maxItems":100,"uniqueItems":true,
                     "description":"limit the key to these projects; absent or empty: every project",
                     "items":{"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}}}}""")),
        Endpoint.get("/api-keys", Permission.ADMIN, "List API keys (never their tokens)", c -> {
          ObjectNode res = JsonNodeFactory.instance.objectNode();
          ArrayNode items = res.putArray("items");
          keys.list().forEach(k -> items.add(view(k)));
          return Reply.ok(res);
        }),
        Endpoint.get("/api-keys/{id}", Permission.ADMIN, "Get an API key",
            c -> Reply.ok(view(keys.get(c.path("id")).orElseThrow(() -> notFound(c.path("id")))))),
        Endpoint.delete("/api-keys/{id}", Permission.ADMIN, "Revoke an API key", c -> {
          String id = c.path("id");
          ApiKeyRecord k = keys.get(id).orElseThrow(() -> notFound(id));
          if (!k.active()) {
            throw DomainException.conflict("already_revoked", "API key '" + id + "' is already revoked", List.of());
          }
          keys.revoke(id, c.actor());
          return Reply.noContent();
        }));
  }

  private Reply create(Call c) {
    JsonNode body = c.json();
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("name") && !f.equals("role") && !f.equals("projects")) {
        throw DomainException.invalid(f, "unknown field; known fields are [name, role, projects]");
      }
    }
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      throw DomainException.invalid("name", "is required and must be a non-blank string");
    }
    if (name.asText().length() > 200) {
      throw DomainException.invalid("name", "must be at most 200 characters");
    }
    JsonNode roleNode = body.get("role");
    if (roleNode == null || !roleNode.isTextual()) {
      throw DomainException.invalid("role", "is required: one of admin, experimenter, analyst, viewer");
    }
    Role role = Role.parse(roleNode.asText()).orElseThrow(() -> DomainException.invalid("role",
        "must be one of admin, experimenter, analyst, viewer, was '" + roleNode.asText() + "'"));
    List<String> projects = projects(body.get("projects"));
    ApiKeys.CreatedKey created = keys.create(name.asText(), role, projects, c.actor());
    ObjectNode out = view(created.key());
    out.put("token", created.token());
    return Reply.created(out);
  }

  private List<String> projects(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw DomainException.invalid("projects", "must be an array of project keys");
    }
    if (node.size() > MAX_PROJECTS) {
      throw DomainException.invalid("projects", "at most " + MAX_PROJECTS + " projects");
    }
    List<String> known = config.projectKeys();
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode p = node.get(i);
      String field = "projects[" + i + "]";
      if (!p.isTextual()) {
        throw DomainException.invalid(field, "must be a project key (a string)");
      }
      if (out.contains(p.asText())) {
        throw DomainException.invalid(field, "project '" + p.asText() + "' is listed twice");
      }
      if (!known.contains(p.asText())) {
        throw DomainException.badReference(field, "project '" + p.asText() + "' does not exist");
      }
      out.add(p.asText());
    }
    return out;
  }

  private static DomainException notFound(String id) {
    return DomainException.notFound("API key '" + id + "' not found");
  }

  private static ObjectNode view(ApiKeyRecord k) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", k.id());
    o.put("name", k.name());
    o.put("role", k.role());
    o.put("createdAt", k.createdAt().toString());
    o.put("createdBy", k.createdBy());
    o.put("revoked", !k.active());
    if (!k.projects().isEmpty()) {
      ArrayNode ps = o.putArray("projects");
      k.projects().forEach(ps::add);
    }
    k.revokedAt().ifPresent(t -> o.put("revokedAt", t.toString()));
    return o;
  }
}
