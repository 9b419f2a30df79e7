package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Schemas;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;

/** The standard list/create/get/replace/delete endpoints of a config entity kind. */
final class Crud {
  private Crud() {}

  static List<Endpoint> endpoints(ConfigService config, Kind kind, String collection, Permission write,
      boolean editable) {
    String item = collection + "/{key}";
    String noun = collection.substring(1);
    /* Users are personal data: only admins read them. */
    Permission read = kind == Kind.USER ? Permission.ADMIN : Permission.READ;
    List<Endpoint> out = new ArrayList<>();
    String[] scope = kind == Kind.PROJECT || kind == Kind.USER ? new String[0] : new String[] {"project"};
    out.add(Endpoint.get(collection, read, "List " + noun, c -> {
          ObjectNode res = JsonNodeFactory.instance.objectNode();
          ArrayNode items = res.putArray("items");
          config.list(kind, c.project()).forEach(items::add);
          return Reply.ok(res);
        }).withQuery(scope));
    out.add(Endpoint.post(collection, write, "Create one of " + noun,
        c -> Reply.created(config.create(kind, c.project(), c.json(), c.actor(), c.reason())))
        .withRequestSchema(Schemas.create(kind)).withQuery(scope).withQuery("reason"));
    out.add(Endpoint.get(item, read, "Get one of " + noun,
        c -> Reply.ok(config.get(kind, c.project(), c.path("key")))).withQuery(scope));
    if (editable) {
      out.add(Endpoint.put(item, write, "Replace one of " + noun + " (body carries the version read)",
          c -> Reply.ok(config.update(kind, c.project(), c.path("key"), c.json(), c.flag("newPhase"), c.actor(),
              c.reason())))
          .withRequestSchema(Schemas.replace(kind)).withQuery(scope).withQuery("reason")
          .withQuery(kind == Kind.EXPERIMENT ? new String[] {"newPhase"} : new String[0]));
      out.add(Endpoint.patch(item, write, "Change part of one of " + noun + " (JSON Merge Patch, RFC 7396;"
              + " a version in the body makes the change conditional on it)",
          c -> Reply.ok(config.update(kind, c.project(), c.path("key"), patched(config, kind, c), c.flag("newPhase"),
              c.actor(), c.reason())))
          .withQuery(scope).withQuery("reason").withQuery(kind == Kind.EXPERIMENT ? new String[] {"newPhase"} : new String[0]));
    }
    out.add(Endpoint.delete(item, write, "Delete one of " + noun + " (?version=N)", c -> {
      config.delete(kind, c.project(), c.path("key"), c.version(), c.actor());
      return Reply.noContent();
    }).withQuery(scope).withQuery("version"));
    return out;
  }

  /*
   * The stored document with the patch merged in. Without a version in the patch, the change is
   * based on the version just read, so a concurrent writer still gets (or causes) a 409, never a
   * silent overwrite of a field the patch did not name.
   */
  private static JsonNode patched(ConfigService config, Kind kind, Call c) {
    JsonNode patch = c.json();
    if (!patch.isObject()) {
      throw DomainException.invalid("body", "a merge patch must be a JSON object");
    }
    ObjectNode current = config.get(kind, c.project(), c.path("key"));
    JsonNode merged = MergePatch.apply(current, patch);
    if (!patch.has("version")) {
      ((ObjectNode) merged).set("version", current.get("version"));
    }
    return merged;
  }
}
