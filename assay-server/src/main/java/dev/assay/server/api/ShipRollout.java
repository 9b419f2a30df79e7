package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.ConfigService.Action;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Schemas;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.RolloutPlan;
import dev.assay.server.safety.Rollouts;
import dev.assay.server.safety.ShipRollouts;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /experiments/{key}/conclude} with a {@code rollout} (docs/safety.md, ADR 0036, ADR
 * 0051): the HTTP adapter of {@link ShipRollouts}, which writes the "ship" decision and the
 * progressive rollout of the shipped variant in ONE store transaction. Here are the body's schema
 * and its parsing: a bad field is a 400 naming {@code rollout.<field>} or {@code
 * rollout.plan.<field>} before anything is written; the rest (the plan against the flag, the
 * approval policy, the transaction) is {@link ShipRollouts}'s.
 */
final class ShipRollout {
  private static final Set<String> FIELDS = Set.of("flag", "environment", "plan");

  private ShipRollout() {}

  /** The conclude body's schema: {@link Schemas#conclude()} plus the optional {@code rollout}. */
  static ObjectNode schema() {
    ObjectNode s = Schemas.conclude();
    ((ObjectNode) s.get("properties")).set("rollout", OpenApi.schema("""
        {"type":"object","additionalProperties":false,"required":["flag","environment","plan"],
         "properties":{"flag":{"type":"string"},"environment":{"type":"string"},
          "plan":{"type":"object","description":"the body of PUT /flags/{key}/rollout"}}}"""));
    return s;
  }

  /** Concludes, and with a {@code rollout} also starts it in the same transaction. */
  static ObjectNode conclude(ConfigService config, Rollouts rollouts, Call c) {
    JsonNode body = c.json();
    if (!body.isObject() || !body.has("rollout")) {
      return config.transition(c.project(), c.path("key"), Action.CONCLUDE, body, c.actor());
    }
    ObjectNode rest = ((ObjectNode) body).deepCopy();
    JsonNode r = rest.remove("rollout");
    Optional<Decision> decision = ModelJson.action("conclude", true, rest);
    if (!r.isObject()) {
      throw DomainException.invalid("rollout", "must be an object: {flag, environment, plan}");
    }
    r.fieldNames().forEachRemaining(f -> {
      if (!FIELDS.contains(f)) {
        throw DomainException.invalid("rollout." + f, "unknown field; known fields are [environment, flag, plan]");
      }
    });
    String flag = text(r, "flag", "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", "a flag key");
    String environment = text(r, "environment", "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", "a valid environment key");
    if (!r.path("plan").isObject()) {
      throw DomainException.invalid("rollout.plan", "is required: the rollout plan, as the body of PUT"
          + " /flags/{key}/rollout");
    }
    RolloutPlan plan;
    try {
      plan = RolloutsApi.plan(r.get("plan"));
    } catch (DomainException e) {
      throw e.category() == DomainException.Category.INVALID ? e.within("rollout.plan") : e;
    }
    return ModelJson.view(new ShipRollouts(config, rollouts).conclude(c.project(), c.path("key"), decision,
        ModelJson.optionalVersion(rest), new ShipRollouts.Start(flag, environment, plan), c.actor()));
  }

  private static String text(JsonNode r, String field, String pattern, String what) {
    JsonNode v = r.path(field);
    if (!v.isTextual() || !v.asText().matches(pattern)) {
      throw DomainException.invalid("rollout." + field, "is required, " + what);
    }
    return v.asText();
  }
}
