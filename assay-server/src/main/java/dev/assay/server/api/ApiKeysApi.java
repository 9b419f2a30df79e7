package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.auth.Permission;
import dev.assay.server.auth.Role;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.ApiKeyRecord;
import java.util.List;

/** {@code /api-keys}: create (token shown once), list, get, revoke. Admin only. */
final class ApiKeysApi implements Resource {
  private final ApiKeys keys;

  ApiKeysApi(ApiKeys keys) {
    this.keys = keys;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.post("/api-keys", Permission.ADMIN, "Create an API key; the token is in this response only", this::create)
            .withRequestSchema(OpenApi.schema("""
                {"type":"object","additionalProperties":false,"required":["name","role"],
                 "properties":{"name":{"type":"string","maxLength":200},
                   "role":{"type":"string","enum":["admin","experimenter","analyst","viewer"]}}}""")),
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
      if (!f.equals("name") && !f.equals("role")) {
        throw DomainException.invalid(f, "unknown field; known fields are [name, role]");
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
    ApiKeys.CreatedKey created = keys.create(name.asText(), role, c.actor());
    ObjectNode out = view(created.key());
    out.put("token", created.token());
    return Reply.created(out);
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
    k.revokedAt().ifPresent(t -> o.put("revokedAt", t.toString()));
    return o;
  }
}
