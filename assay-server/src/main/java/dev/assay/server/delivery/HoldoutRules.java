package dev.assay.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.Holdout;

/**
 * The payload of a holdout (ADR 0037): a membership feature and, before the rules of every
 * feature it covers, a rule that gives held-out units the default value.
 *
 * <p>The membership feature {@link Holdout#trackingKey()} is one GrowthBook experiment rule with
 * the variations {@code "held-out"} and {@code "general"}, weights [f, 1 − f], coverage 1, the seed
 * {@code holdout:<key>} and hash version 2; its default is {@code "general"} (a unit without the
 * hash attribute is in no experiment and keeps every feature). The covered feature's rule is a
 * {@code force} to its default value under {@code parentConditions} [{@code {id: holdout:<key>,
 * condition: {value: "held-out"}}}] without {@code gate}: GrowthBook's evaluation evaluates the
 * parent, which assigns the unit and fires the tracking callback for either arm, and skips the
 * rule (continuing with the covered rules) unless the unit is held out. So every GrowthBook SDK
 * logs the exposures the analysis needs, and the held-out units are those of the former
 * {@code range} [0, f] over the same seed.
 */
final class HoldoutRules {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private HoldoutRules() {}

  /** The feature under {@link Holdout#trackingKey()} that assigns units to the holdout's arms. */
  static ObjectNode feature(Holdout h) {
    ObjectNode feature = F.objectNode();
    feature.put("defaultValue", Holdout.ARMS.get(1));
    ObjectNode rule = feature.putArray("rules").addObject();
    rule.put("id", "holdout_" + h.key());
    rule.put("key", h.trackingKey());
    if (!h.name().isEmpty()) {
      rule.put("name", h.name());
    }
    ArrayNode variations = rule.putArray("variations");
    ArrayNode meta = rule.putArray("meta");
    for (String arm : Holdout.ARMS) {
      variations.add(arm);
      meta.addObject().put("key", arm);
    }
    rule.putArray("weights").add(h.fraction()).add(1.0 - h.fraction());
    rule.put("coverage", 1.0);
    rule.put("hashAttribute", h.hashAttribute());
    rule.put("hashVersion", 2);
    rule.put("seed", h.trackingKey());
    return feature;
  }

  /** The rule put before a covered feature's rules: its default value for the held-out units. */
  static ObjectNode skipRule(Holdout h, JsonNode defaultValue) {
    ObjectNode rule = F.objectNode();
    rule.put("id", "holdout_" + h.key());
    ObjectNode parent = rule.putArray("parentConditions").addObject();
    parent.put("id", h.trackingKey());
    parent.putObject("condition").put("value", Holdout.ARMS.get(0));
    rule.set("force", defaultValue.deepCopy());
    return rule;
  }
}
