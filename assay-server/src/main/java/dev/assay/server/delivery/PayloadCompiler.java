package dev.assay.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.store.Kind;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compiles one project's flags, experiments and segments for one environment into the
 * GrowthBook-compatible SDK payload ({@code {"features": {...}, "savedGroups": {...},
 * "dateUpdated": ...}}) that {@code assay-sdk} and GrowthBook SDKs evaluate.
 *
 * <p>The mapping (documented for users in {@code docs/payloads.md}):
 *
 * <ul>
 *   <li>A flag becomes a feature with its {@code defaultValue}. In an environment where the flag
 *       is enabled, each rule becomes a GrowthBook rule in order: a value rule becomes a
 *       {@code force} rule (with {@code coverage}, {@code hashAttribute} and the flag key as
 *       {@code seed} for a percentage rollout); a rule naming an experiment becomes an experiment
 *       rule while that experiment runs. A disabled environment, or a flag without an entry for
 *       it, serves only the default value.
 *   <li>A running experiment rule carries the variant values as {@code variations}, the current
 *       phase's weights, coverage and hash {@code seed} (so a new phase re-randomises), its
 *       targeting {@code condition} combined with the flag rule's by {@code $and}, its layer as a
 *       GrowthBook {@code namespace} [layer, start, end] (mutually exclusive experiments),
 *       {@code hashVersion} 2, and {@code key}, {@code name}, {@code phase} and {@code meta}.
 *   <li>A concluded experiment with a "ship" decision becomes a {@code force} rule to the shipped
 *       variant's value, under the experiment's targeting condition unless the decision's
 *       {@code audience} is {@code everyone}; an experiment halted by the guardrail monitor (stopped, with a
 *       {@code halted} record) becomes a {@code force} rule to control's (the first variant's)
 *       value under its targeting condition; other draft, paused, stopped, rolled-back and
 *       archived experiments produce no rule, so evaluation falls through to the next rule or
 *       the default.
 *   <li>Every experiment that runs (or was shipped) and that no flag names is also served as a
 *       feature under its own key (default: the first variant's value), unless a flag has that key.
 *   <li>A holdout puts, before the rules of each feature it covers (its flags, the flags whose
 *       rules name its experiments, and its experiments' own features), a {@code force} rule to
 *       the default value with {@code range} [0, fraction] over its own seed, so the held-out
 *       units never reach a covered rollout or experiment.
 *   <li>A killed flag (kill switch) serves only its default value in every environment; a killed
 *       experiment becomes a {@code force} rule to its control (first) variant's value, whatever
 *       its status, so everybody gets control and no exposure is logged.
 *   <li>A flag's {@code prerequisites} become a first gate rule with {@code parentConditions}: unless
 *       every parent flag evaluates to its expected value, the feature evaluates to null.
 *   <li>ID-list segments become {@code savedGroups}; a condition segment referenced by
 *       {@code $inGroup}/{@code $notInGroup} is inlined (its condition, or {@code $not} of it).
 * </ul>
 *
 * <p>Output is deterministic (features sorted by key, {@code dateUpdated} the latest change of an
 * included entity, written with millisecond precision), so identical configuration gives identical
 * bytes and the same ETag. A deletion leaves no trace in a snapshot, so {@link PayloadCache} keeps
 * {@code dateUpdated} strictly increasing whenever the content changes.
 */
public final class PayloadCompiler {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private PayloadCompiler() {}

  /** Compiles the payload of {@code environment} from a project snapshot (entity views by kind). */
  public static ObjectNode compile(Map<Kind, List<ObjectNode>> project, String environment) {
    Map<String, ObjectNode> experiments = byKey(project.get(Kind.EXPERIMENT));
    Map<String, ObjectNode> segments = byKey(project.get(Kind.SEGMENT));
    List<ObjectNode> holdouts = list(project.get(Kind.HOLDOUT));
    Instant[] latest = {Instant.EPOCH};
    TreeMap<String, ObjectNode> features = new TreeMap<>();
    java.util.Set<String> namedExperiments = new java.util.HashSet<>();

    for (ObjectNode flag : list(project.get(Kind.FLAG))) {
      String key = flag.path("key").asText();
      touch(latest, flag);
      ObjectNode feature = F.objectNode();
      feature.set("defaultValue", flag.path("defaultValue").deepCopy());
      ArrayNode rules = F.arrayNode();
      JsonNode env = flag.path("environments").path(environment);
      boolean enabled = env.isObject() && env.path("enabled").asBoolean(true) && !flag.path("killed").isObject();
      JsonNode ruleDefs = enabled ? env.path("rules") : F.arrayNode();
      int i = 0;
      for (JsonNode r : ruleDefs) {
        String ruleId = "fr_" + key + "_" + environment + "_" + i++;
        JsonNode condition = inline(r.path("condition"), segments, latest);
        String experimentKey = r.path("experiment").isTextual() ? r.path("experiment").asText() : null;
        if (experimentKey != null) {
          namedExperiments.add(experimentKey);
          ObjectNode exp = experiments.get(experimentKey);
          if (exp != null) {
            touch(latest, exp);
            ObjectNode rule = experimentRule(exp, condition, segments, ruleId, latest);
            if (rule != null) {
              rules.add(rule);
            }
          }
          continue;
        }
        ObjectNode rule = F.objectNode();
        rule.put("id", ruleId);
        if (condition != null) {
          rule.set("condition", condition);
        }
        rule.set("force", r.path("value").deepCopy());
        if (r.path("coverage").isNumber()) {
          rule.put("coverage", r.path("coverage").asDouble());
          String attr = r.path("hashAttribute").asText("");
          rule.put("hashAttribute", attr.isEmpty() ? "id" : attr);
          rule.put("seed", key);
          rule.put("hashVersion", 2);
        }
        rules.add(rule);
      }
      java.util.Set<String> experimentsOfFlag = new java.util.HashSet<>();
      for (JsonNode r : ruleDefs) {
        if (r.path("experiment").isTextual()) {
          experimentsOfFlag.add(r.path("experiment").asText());
        }
      }
      ArrayNode gate = flag.path("killed").isObject() ? F.arrayNode() : prerequisiteRule(flag);
      if (!rules.isEmpty() || !gate.isEmpty()) {
        ArrayNode withHoldouts = holdoutRules(holdouts, key, experimentsOfFlag, feature.get("defaultValue"), latest);
        withHoldouts.addAll(rules);
        gate.addAll(withHoldouts);
        feature.set("rules", gate);
      }
      features.put(key, feature);
    }

    for (ObjectNode exp : experiments.values()) {
      String key = exp.path("key").asText();
      if (namedExperiments.contains(key) || features.containsKey(key)) {
        continue;
      }
      ObjectNode rule = experimentRule(exp, null, segments, "exp_" + key, latest);
      if (rule == null) {
        continue;
      }
      touch(latest, exp);
      ObjectNode feature = F.objectNode();
      JsonNode variants = exp.path("variants");
      feature.set("defaultValue", variants.isEmpty() ? F.nullNode() : variantValue(variants.get(0)));
      ArrayNode rules = holdoutRules(holdouts, null, java.util.Set.of(key), feature.get("defaultValue"), latest);
      rules.add(rule);
      feature.set("rules", rules);
      features.put(key, feature);
    }

    ObjectNode payload = F.objectNode();
    payload.set("features", F.objectNode().setAll(features));
    ObjectNode saved = F.objectNode();
    for (ObjectNode seg : new TreeMap<>(segments).values()) {
      if (seg.path("ids").isArray() && !seg.path("ids").isEmpty()) {
        saved.set(seg.path("key").asText(), seg.path("ids").deepCopy());
        touch(latest, seg);
      }
    }
    if (!saved.isEmpty()) {
      payload.set("savedGroups", saved);
    }
    payload.put("dateUpdated", formatDate(latest[0]));
    return payload;
  }

  /**
   * The flag's prerequisites as one GrowthBook gate rule ({@code parentConditions} with
   * {@code gate: true}, each parent's condition {@code {"value": <expected>}}): when a parent does
   * not evaluate to the expected value the feature evaluates to null (source "prerequisite"), else
   * evaluation continues with the next rule. Empty when the flag has none.
   */
  private static ArrayNode prerequisiteRule(ObjectNode flag) {
    ArrayNode out = F.arrayNode();
    JsonNode prerequisites = flag.path("prerequisites");
    if (!prerequisites.isArray() || prerequisites.isEmpty()) {
      return out;
    }
    ObjectNode rule = out.addObject();
    rule.put("id", "prereq_" + flag.path("key").asText());
    ArrayNode parents = rule.putArray("parentConditions");
    for (JsonNode p : prerequisites) {
      ObjectNode parent = parents.addObject();
      parent.put("id", p.path("flag").asText());
      parent.putObject("condition").set("value", p.path("value").deepCopy());
      parent.put("gate", true);
    }
    return out;
  }

  /** Force-to-default rules of the holdouts covering a flag or any of the given experiments. */
  private static ArrayNode holdoutRules(List<ObjectNode> holdouts, String flagKey,
      java.util.Set<String> experimentKeys, JsonNode defaultValue, Instant[] latest) {
    ArrayNode out = F.arrayNode();
    for (ObjectNode h : holdouts) {
      boolean covers = false;
      for (JsonNode f : h.path("flags")) {
        covers |= f.asText().equals(flagKey);
      }
      for (JsonNode e : h.path("experiments")) {
        covers |= experimentKeys.contains(e.asText());
      }
      if (!covers) {
        continue;
      }
      touch(latest, h);
      String key = h.path("key").asText();
      ObjectNode rule = out.addObject();
      rule.put("id", "holdout_" + key);
      rule.set("force", defaultValue.deepCopy());
      rule.set("range", F.arrayNode().add(0.0).add(h.path("fraction").asDouble()));
      rule.put("hashAttribute", h.path("hashAttribute").asText("id"));
      rule.put("seed", "holdout:" + key);
      rule.put("hashVersion", 2);
    }
    return out;
  }

  /** The rule an experiment contributes now, or null when its status serves none. */
  private static ObjectNode experimentRule(
      ObjectNode exp, JsonNode flagCondition, Map<String, ObjectNode> segments, String ruleId,
      Instant[] latest) {
    String status = exp.path("status").asText();
    JsonNode variants = exp.path("variants");
    if (exp.path("killed").isObject()) {
      if (variants.isEmpty()) {
        return null;
      }
      ObjectNode rule = F.objectNode();
      rule.put("id", ruleId);
      if (flagCondition != null) {
        rule.set("condition", flagCondition);
      }
      rule.set("force", variantValue(variants.get(0)));
      return rule;
    }
    if (status.equals("concluded")) {
      JsonNode decision = exp.path("decision");
      if (!decision.path("outcome").asText().equals("ship")) {
        return null;
      }
      String shipped = decision.path("variant").asText();
      for (JsonNode v : variants) {
        if (v.path("key").asText().equals(shipped)) {
          ObjectNode rule = F.objectNode();
          rule.put("id", ruleId);
          // Shipped to the experiment's audience unless the decision says everyone (decisions
          // stored before the audience existed shipped to everyone, and keep doing so).
          boolean everyone = decision.path("audience").asText("everyone").equals("everyone");
          JsonNode condition = everyone ? flagCondition
              : and(flagCondition, inline(exp.path("condition"), segments, latest));
          if (condition != null) {
            rule.set("condition", condition);
          }
          rule.set("force", variantValue(v));
          return rule;
        }
      }
      return null;
    }
    if (status.equals("stopped") && exp.path("halted").isObject() && !variants.isEmpty()) {
      // Halted by the guardrail monitor: every unit the experiment targets gets control's value.
      ObjectNode rule = F.objectNode();
      rule.put("id", ruleId);
      JsonNode condition = and(flagCondition, inline(exp.path("condition"), segments, latest));
      if (condition != null) {
        rule.set("condition", condition);
      }
      rule.set("force", variantValue(variants.get(0)));
      return rule;
    }
    if (!status.equals("running")) {
      return null;
    }
    JsonNode phases = exp.path("phases");
    JsonNode phase = phases.isEmpty() ? null : phases.get(phases.size() - 1);
    ObjectNode rule = F.objectNode();
    rule.put("id", ruleId);
    rule.put("key", exp.path("key").asText());
    String name = exp.path("name").asText("");
    if (!name.isEmpty()) {
      rule.put("name", name);
    }
    JsonNode condition = and(flagCondition, inline(exp.path("condition"), segments, latest));
    if (condition != null) {
      rule.set("condition", condition);
    }
    ArrayNode variations = rule.putArray("variations");
    ArrayNode meta = rule.putArray("meta");
    ArrayNode weights = rule.putArray("weights");
    int i = 0;
    for (JsonNode v : variants) {
      variations.add(variantValue(v));
      ObjectNode m = meta.addObject();
      m.put("key", v.path("key").asText());
      String vName = v.path("name").asText("");
      if (!vName.isEmpty()) {
        m.put("name", vName);
      }
      JsonNode phaseWeights = phase == null ? null : phase.path("weights");
      double w = phaseWeights != null && phaseWeights.size() == variants.size()
          ? phaseWeights.get(i).asDouble()
          : v.path("weight").asDouble();
      weights.add(w);
      i++;
    }
    double coverage = phase != null && phase.path("coverage").isNumber()
        ? phase.path("coverage").asDouble()
        : exp.path("coverage").asDouble(1.0);
    rule.put("coverage", coverage);
    rule.put("hashAttribute", exp.path("hashAttribute").asText("id"));
    String fallback = exp.path("fallbackAttribute").asText("");
    if (!fallback.isEmpty()) {
      rule.put("fallbackAttribute", fallback);
    }
    rule.put("hashVersion", 2);
    if (phase != null) {
      rule.put("seed", phase.path("seed").asText());
      rule.put("phase", String.valueOf(phase.path("number").asInt()));
    } else {
      rule.put("seed", exp.path("key").asText());
    }
    String layer = exp.path("layer").asText("");
    JsonNode range = exp.path("range");
    if (!layer.isEmpty() && range.isObject()) {
      rule.set("namespace", F.arrayNode().add(layer)
          .add(range.path("start").asDouble()).add(range.path("end").asDouble()));
    }
    return rule;
  }

  private static JsonNode variantValue(JsonNode variant) {
    JsonNode value = variant.path("value");
    return value.isMissingNode() || value.isNull() ? F.textNode(variant.path("key").asText()) : value.deepCopy();
  }

  private static JsonNode and(JsonNode a, JsonNode b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return F.objectNode().set("$and", F.arrayNode().add(a).add(b));
  }

  /**
   * Copies a condition, replacing {@code {attr: {"$inGroup": seg}}} for condition segments by the
   * segment's condition ({@code $notInGroup}: its {@code $not}). ID-list segments stay as
   * {@code $inGroup}, answered from {@code savedGroups}. Null for an absent condition. Raises
   * {@code latest} to the change time of each inlined segment.
   */
  static JsonNode inline(JsonNode condition, Map<String, ObjectNode> segments, Instant[] latest) {
    if (condition == null || condition.isMissingNode() || condition.isNull()) {
      return null;
    }
    if (condition.isEmpty() && condition.isObject()) {
      return null;
    }
    return rewrite(condition, segments, 0, latest);
  }

  private static JsonNode rewrite(JsonNode node, Map<String, ObjectNode> segments, int depth,
      Instant[] latest) {
    if (depth > 64) {
      return node.deepCopy();
    }
    if (node.isArray()) {
      ArrayNode out = F.arrayNode();
      node.forEach(n -> out.add(rewrite(n, segments, depth + 1, latest)));
      return out;
    }
    if (!node.isObject()) {
      return node.deepCopy();
    }
    ObjectNode out = F.objectNode();
    List<JsonNode> inlined = new java.util.ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      JsonNode segCondition = null;
      boolean negate = false;
      if (!e.getKey().startsWith("$") && v.isObject() && v.size() == 1) {
        String op = v.fieldNames().next();
        if ((op.equals("$inGroup") || op.equals("$notInGroup")) && v.get(op).isTextual()) {
          ObjectNode seg = segments.get(v.get(op).asText());
          if (seg != null && seg.path("condition").isObject()) {
            segCondition = rewrite(seg.path("condition"), segments, depth + 1, latest);
            touch(latest, seg);
            negate = op.equals("$notInGroup");
          }
        }
      }
      if (segCondition != null) {
        inlined.add(negate ? F.objectNode().set("$not", segCondition) : segCondition);
      } else {
        out.set(e.getKey(), rewrite(v, segments, depth + 1, latest));
      }
    }
    if (inlined.isEmpty()) {
      return out;
    }
    ArrayNode all = F.arrayNode();
    if (!out.isEmpty()) {
      all.add(out);
    }
    inlined.forEach(all::add);
    return all.size() == 1 ? all.get(0) : F.objectNode().set("$and", all);
  }

  private static Map<String, ObjectNode> byKey(List<ObjectNode> entities) {
    Map<String, ObjectNode> out = new HashMap<>();
    for (ObjectNode e : list(entities)) {
      out.put(e.path("key").asText(), e);
    }
    return new TreeMap<>(out);
  }

  private static List<ObjectNode> list(List<ObjectNode> l) {
    return l == null ? List.of() : l;
  }

  /** Raises {@code latest} to the entity's {@code updatedAt} (compared as instants, not text). */
  private static void touch(Instant[] latest, ObjectNode entity) {
    String text = entity.path("updatedAt").asText("");
    if (text.isEmpty()) {
      return;
    }
    Instant t;
    try {
      t = Instant.parse(text);
    } catch (DateTimeParseException e) {
      return;
    }
    if (t.isAfter(latest[0])) {
      latest[0] = t;
    }
  }

  /**
   * Formats a {@code dateUpdated}: ISO-8601 UTC with exactly three fraction digits, as GrowthBook
   * writes it, so values of one payload compare the same as text and as instants.
   */
  static String formatDate(Instant instant) {
    return DATE.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }

  /** Parses a {@code dateUpdated} written by {@link #formatDate}. */
  static Instant parseDate(String text) {
    return Instant.parse(text);
  }
}
