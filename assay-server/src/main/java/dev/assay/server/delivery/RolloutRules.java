package dev.assay.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.Rollout;
import java.util.Optional;

/** The payload rule of a rule under a progressive rollout (ADR 0031, ADR 0036). */
final class RolloutRules {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private RolloutRules() {}

  /**
   * A value rule under a progressive rollout (ADR 0031) that has not completed: a tracked two-arm
   * experiment, control (the rollout's control value, else the flag's default) and treatment (the
   * rule's value), weights [1 − p, p] over one seed for the whole rollout, so raising p only moves
   * units from control to treatment; at p = 0 (rolled back to control) a force rule to control.
   */
  static ObjectNode rule(Rollout ro, Optional<JsonNode> condition, JsonNode treatment,
      String hashAttribute, JsonNode flagDefault, String ruleId) {
    JsonNode control = (ro.control().isNull() ? flagDefault : ro.control()).deepCopy();
    double p = ro.fraction();
    if (p <= 0) {
      return PayloadCompiler.forceRule(ruleId, condition, control);
    }
    ObjectNode rule = F.objectNode();
    rule.put("id", ruleId);
    rule.put("key", ro.trackingKey());
    condition.ifPresent(c -> rule.set("condition", c));
    rule.putArray("variations").add(control).add(treatment.deepCopy());
    ArrayNode meta = rule.putArray("meta");
    meta.addObject().put("key", "control");
    meta.addObject().put("key", "treatment");
    rule.putArray("weights").add(1.0 - p).add(p);
    rule.put("coverage", 1.0);
    rule.put("hashAttribute", hashAttribute.isEmpty() ? "id" : hashAttribute);
    rule.put("hashVersion", 2);
    rule.put("seed", ro.trackingKey());
    return rule;
  }
}
