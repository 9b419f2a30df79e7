package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import java.util.List;

/**
 * The kill switch endpoints of flags and experiments: {@code POST .../{key}/kill} (optional body
 * {@code {"reason": "..."}}) serves the flag's default value, or the experiment's control, to
 * everyone at once; {@code POST .../{key}/restore} undoes it. Both are audited and recompile the
 * payloads, which reach streaming SDKs at once.
 */
final class KillSwitch {
  static final int REASON_MAX = 500;

  private KillSwitch() {}

  static List<Endpoint> endpoints(ConfigService config, Kind kind, String collection) {
    String noun = kind == Kind.FLAG ? "flag" : "experiment";
    String served = kind == Kind.FLAG ? "the flag's default value" : "the experiment's control (first) variant";
    return List.of(
        Endpoint.action(collection + "/{key}/kill", Permission.WRITE_CONFIG,
            "Kill switch: serve " + served + " to everyone at once (body: {\"reason\": \"...\"})",
            c -> Reply.ok(config.setKilled(kind, c.project(), c.path("key"), true, reason(c.json()), c.actor())))
            .withRequestSchema(OpenApi.schema("""
                {"type":"object","additionalProperties":false,
                 "properties":{"reason":{"type":"string","maxLength":500}}}"""))
            .withQuery("project"),
        Endpoint.action(collection + "/{key}/restore", Permission.WRITE_CONFIG,
            "Undo the kill switch: the " + noun + " serves its rules again",
            c -> {
              JsonNode body = c.json();
              if (!body.isObject()) {
                throw DomainException.invalid("body", "must be a JSON object");
              }
              body.fieldNames().forEachRemaining(f -> {
                throw DomainException.invalid(f, "unknown field; restore takes no fields");
              });
              return Reply.ok(config.setKilled(kind, c.project(), c.path("key"), false, "", c.actor()));
            })
            .withQuery("project"));
  }

  private static String reason(JsonNode body) {
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!f.equals("reason")) {
        throw DomainException.invalid(f, "unknown field; known fields are [reason]");
      }
    });
    JsonNode r = body.get("reason");
    if (r == null || r.isNull()) {
      return "";
    }
    if (!r.isTextual()) {
      throw DomainException.invalid("reason", "must be a string");
    }
    if (r.asText().length() > REASON_MAX) {
      throw DomainException.invalid("reason", "must be at most " + REASON_MAX + " characters");
    }
    return r.asText();
  }
}
