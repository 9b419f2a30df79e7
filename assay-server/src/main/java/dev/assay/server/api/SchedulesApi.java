package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.safety.BreakerConfig;
import dev.assay.server.safety.ScheduledChanges;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Scheduled changes (docs/safety.md, ADR 0030): {@code POST /experiments/{key}/schedule} (or
 * {@code /flags/{key}/schedule}) with {@code {"action", "at", "reason"}} schedules one, {@code GET
 * /schedules} lists a project's (pending and past, with status and outcome), {@code DELETE
 * /schedules/{id}} cancels a pending one (or removes a finished one). Every field of a bad body is named in the 400.
 */
final class SchedulesApi implements Resource {
  private static final Set<String> FIELDS = Set.of("action", "at", "reason", "decision");
  private static final ObjectNode SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,"required":["action","at"],
       "properties":{"action":{"type":"string"},"at":{"type":"string","format":"date-time"},
        "reason":{"type":"string","maxLength":500},"decision":{"type":"object"}}}""");
  private final ScheduledChanges schedules;

  SchedulesApi(ScheduledChanges schedules) {
    this.schedules = schedules;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    out.add(Endpoint.get("/schedules", Permission.READ, "List the project's scheduled changes", c -> {
      ObjectNode res = JsonNodeFactory.instance.objectNode();
      ArrayNode items = res.putArray("items");
      schedules.list(c.project()).forEach(e -> items.add(view(e)));
      return Reply.ok(res);
    }).withQuery("project"));
    out.add(Endpoint.delete("/schedules/{id}", Permission.WRITE_CONFIG,
        "Cancel a pending scheduled change (200, the cancelled schedule), or remove a finished one (204)",
        c -> schedules.cancel(c.project(), c.path("id"), c.actor()).map(e -> Reply.ok(view(e)))
            .orElseGet(Reply::noContent)).withQuery("project"));
    for (BreakerConfig.Target target : BreakerConfig.Target.values()) {
      String noun = target.wire();
      List<String> actions = target == BreakerConfig.Target.FLAG ? ScheduledChanges.FLAG_ACTIONS
          : ScheduledChanges.EXPERIMENT_ACTIONS;
      out.add(Endpoint.post("/" + noun + "s/{key}/schedule", Permission.WRITE_CONFIG, "Schedule a change of the "
          + noun + " at an instant (body: {\"action\": " + String.join("|", actions) + ", \"at\", \"reason\"})",
          c -> {
            JsonNode body = c.json();
            if (!body.isObject()) {
              throw DomainException.invalid("body", "must be a JSON object");
            }
            body.fieldNames().forEachRemaining(f -> {
              if (!FIELDS.contains(f)) {
                throw DomainException.invalid(f, "unknown field; known fields are " + FIELDS.stream().sorted().toList());
              }
            });
            JsonNode decision = body.get("decision");
            return Reply.created(view(schedules.schedule(c.project(), target, c.path("key"), text(body, "action", true),
                text(body, "at", true), text(body, "reason", false),
                decision == null || decision.isNull() ? Optional.empty() : Optional.of(decision), c.actor())));
          }).withRequestSchema(SCHEMA).withQuery("project"));
    }
    return out;
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw DomainException.invalid(field, "is required");
      }
      return "";
    }
    if (!v.isTextual()) {
      throw DomainException.invalid(field, "must be a string");
    }
    return v.asText();
  }

  static ObjectNode view(ScheduledChanges.Entry e) {
    ScheduledChanges.Schedule s = e.schedule();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", s.id()).put("project", e.project()).put("target", s.target()).put("key", s.key())
        .put("action", s.action()).put("at", s.at()).put("reason", s.reason());
    if (s.decision() != null && !s.decision().isNull()) {
      o.set("decision", s.decision());
    }
    o.put("createdBy", s.createdBy()).put("createdAt", s.createdAt()).put("status", s.status())
        .put("outcome", s.outcome()).put("ranAt", s.ranAt()).put("actor", ScheduledChanges.actor(s))
        .put("version", e.version());
    return o;
  }
}
