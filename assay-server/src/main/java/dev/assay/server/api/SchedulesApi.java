package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.RolloutPlan;
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
 * /schedules/{id}} cancels a pending one (or removes a finished one). A flag's schedule may change its rollout
 * in an {@code environment} ({@code start} with a {@code plan}, {@code pause}, {@code resume}, {@code advance},
 * {@code rollback}; ADR 0036). Every field of a bad body is named in the 400.
 */
final class SchedulesApi implements Resource {
  private static final Set<String> FIELDS = Set.of("action", "at", "reason", "decision", "environment", "plan");
  private static final ObjectNode SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,"required":["action","at"],
       "properties":{"action":{"type":"string"},"at":{"type":"string","format":"date-time"},
        "reason":{"type":"string","maxLength":500},"decision":{"type":"object"},"environment":{"type":"string"},
        "plan":{"type":"object"}}}""");
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
          + noun + " at an instant (body: {\"action\": " + String.join("|", actions) + ", \"at\", \"reason\""
          + (target == BreakerConfig.Target.FLAG ? ", \"environment\" and \"plan\" of a rollout action" : "") + "})",
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
            String environment = text(body, "environment", false);
            if (!environment.isEmpty() && !environment.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
              throw DomainException.invalid("environment", "is not a valid environment key");
            }
            return Reply.created(view(schedules.schedule(c.project(), target, c.path("key"), text(body, "action", true),
                text(body, "at", true), text(body, "reason", false),
                decision == null || decision.isNull() ? Optional.empty() : Optional.of(decision),
                environment.isEmpty() ? Optional.empty() : Optional.of(environment), plan(body.get("plan")),
                c.actor())));
          }).withRequestSchema(SCHEMA).withQuery("project"));
    }
    return out;
  }

  private static Optional<RolloutPlan> plan(JsonNode plan) {
    if (plan == null || plan.isNull()) {
      return Optional.empty();
    }
    if (!plan.isObject()) {
      throw DomainException.invalid("plan", "must be a JSON object: the rollout plan, as the body of PUT "
          + "/flags/{key}/rollout");
    }
    try {
      return Optional.of(RolloutsApi.plan(plan));
    } catch (DomainException e) {
      throw e.within("plan");
    }
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
    if (s.environment() != null) {
      o.put("environment", s.environment());
    }
    if (s.plan() != null && !s.plan().isNull()) {
      o.set("plan", s.plan());
    }
    o.put("createdBy", s.createdBy()).put("createdAt", s.createdAt()).put("status", s.status())
        .put("outcome", s.outcome()).put("ranAt", s.ranAt()).put("actor", ScheduledChanges.actor(s))
        .put("version", e.version());
    return o;
  }
}
