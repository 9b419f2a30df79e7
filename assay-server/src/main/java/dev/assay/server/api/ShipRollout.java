package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.ConfigService.Action;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Schemas;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Outcome;
import dev.assay.server.domain.model.RolloutPlan;
import dev.assay.server.safety.Rollouts;
import dev.assay.server.store.Kind;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /experiments/{key}/conclude} with a {@code rollout} (docs/safety.md, ADR 0036): a
 * "ship" decision and the progressive rollout of the shipped variant on the flag rule that names
 * the experiment, written in ONE store transaction (conclusion, rollout, both audit entries), so
 * either both are on disk or neither. The plan is checked before anything is written; a bad one
 * is a 400 naming {@code rollout.plan.<field>}; an approval policy refuses it as {@code PUT
 * /flags/{key}/rollout} does (409 {@code approval_required}), and the conclusion is undone with it.
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
    if (decision.map(d -> d.outcome() != Outcome.SHIP).orElse(true)) {
      throw DomainException.invalid("rollout", "only a 'ship' decision starts a rollout of the shipped variant");
    }
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
      plan.start(flag, environment, "check", "1970-01-01T00:00:00Z");
      rollouts.checkShipping(c.project(), flag, environment, plan, c.path("key"));
    } catch (DomainException e) {
      throw e.category() == DomainException.Category.INVALID ? e.within("rollout.plan") : e;
    }
    ObjectNode[] view = new ObjectNode[1];
    config.transition(c.project(), c.path("key"), Action.CONCLUDE, decision, ModelJson.optionalVersion(rest), c.actor(),
        tx -> {
          rollouts.start(tx, c.project(), flag, environment, plan, c.actor());
          view[0] = ModelJson.view(tx.get(Kind.EXPERIMENT, c.project(), c.path("key")).orElseThrow());
        });
    return view[0];
  }

  private static String text(JsonNode r, String field, String pattern, String what) {
    JsonNode v = r.path(field);
    if (!v.isTextual() || !v.asText().matches(pattern)) {
      throw DomainException.invalid("rollout." + field, "is required, " + what);
    }
    return v.asText();
  }
}
