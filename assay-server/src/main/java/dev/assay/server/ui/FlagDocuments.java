package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Json;
import dev.assay.server.ui.UiModel.Flag;
import dev.assay.server.ui.UiModel.FlagInput;
import dev.assay.server.ui.UiModel.RuleInput;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Flag documents to {@link UiModel} values and form input to flag documents (part of the
 * {@link UiDomain} adapter). Only the conversion of typed text is checked here ("is not a
 * number"), naming the field by its path in the document; every rule about flags is the
 * domain's, which sees the document next.
 */
final class FlagDocuments {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private FlagDocuments() {}

  static Flag flag(JsonNode f) {
    List<UiModel.FlagEnvironment> envs = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = f.path("environments").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      List<UiModel.Rule> rules = new ArrayList<>();
      e.getValue().path("rules").forEach(r -> rules.add(rule(r)));
      envs.add(new UiModel.FlagEnvironment(e.getKey(), e.getValue().path("enabled").asBoolean(true), rules));
    }
    List<UiModel.Prerequisite> prereqs = new ArrayList<>();
    f.path("prerequisites").forEach(p -> prereqs.add(new UiModel.Prerequisite(p.path("flag").asText(),
        p.path("value").toString())));
    JsonNode killed = f.path("killed");
    return new Flag(f.path("key").asText(), f.path("version").asLong(), f.path("type").asText(),
        UiDomain.text(f.get("defaultValue")), f.path("description").asText(), f.path("owner").asText(),
        UiDomain.strings(f.path("tags")), f.path("lifecycle").asText("active"), killed.isObject(),
        killed.path("reason").asText(), envs, prereqs, Instant.parse(f.path("updatedAt").asText()));
  }

  private static UiModel.Rule rule(JsonNode r) {
    String condition = r.path("condition").isNull() || r.path("condition").isMissingNode() ? ""
        : r.get("condition").toString();
    String experiment = r.path("experiment").asText("");
    boolean rollout = r.hasNonNull("coverage");
    String kind = !experiment.isEmpty() ? "experiment" : rollout ? "rollout" : "force";
    return new UiModel.Rule(kind, condition, UiDomain.text(r.get("value")), r.path("coverage").asDouble(1.0),
        r.path("hashAttribute").asText(""), experiment);
  }

  /** Writes the settings fields of the form into the document (create: also the key). */
  static ObjectNode settings(ObjectNode doc, FlagInput in) {
    if (!doc.has("key")) {
      doc.put("key", in.key());
    }
    String type = in.type().isEmpty() ? "boolean" : in.type();
    doc.put("type", type);
    doc.set("defaultValue", typed("defaultValue", type, in.defaultValue()));
    doc.put("description", in.description());
    doc.put("owner", in.owner());
    ArrayNode tags = doc.putArray("tags");
    for (String t : in.tags().split(",")) {
      if (!t.isBlank()) {
        tags.add(t.strip());
      }
    }
    doc.put("lifecycle", in.lifecycle().isEmpty() ? "active" : in.lifecycle());
    return doc;
  }

  /** One environment's document from the rules of its form; field paths as the domain names them. */
  static ObjectNode environment(String env, String type, boolean enabled, List<RuleInput> rules) {
    ObjectNode out = NODES.objectNode();
    out.put("enabled", enabled);
    ArrayNode list = out.putArray("rules");
    for (int i = 0; i < rules.size(); i++) {
      RuleInput in = rules.get(i);
      String at = "environments." + env + ".rules[" + i + "].";
      ObjectNode r = list.addObject();
      JsonNode condition = condition(at, in);
      if (condition != null) {
        r.set("condition", condition);
      }
      if (in.kind().equals("experiment")) {
        r.put("experiment", in.value());
        continue;
      }
      r.set("value", typed(at + "value", type, in.value()));
      if (in.kind().equals("rollout")) {
        r.put("coverage", percent(at + "coverage", in.coverage()));
        if (!in.hashAttribute().isBlank()) {
          r.put("hashAttribute", in.hashAttribute());
        }
      }
    }
    return out;
  }

  /** Operators the condition builder offers; anything else is written as JSON. */
  static final List<String> OPERATORS = List.of("$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$regex");

  /*
   * The rule's condition: the JSON typed, else the one the builder composes from an attribute
   * test and a segment ({"attr": {"$op": operand}}, {"id": {"$inGroup": "segment"}}, both under $and).
   */
  private static JsonNode condition(String at, RuleInput in) {
    if (!in.condition().isBlank()) {
      return jsonValue(at + "condition", in.condition());
    }
    List<JsonNode> parts = new ArrayList<>();
    if (!in.attribute().isBlank()) {
      if (!OPERATORS.contains(in.operator())) {
        throw DomainException.invalid(at + "operator", "must be one of " + OPERATORS);
      }
      JsonNode operand = in.operator().equals("$in") || in.operator().equals("$nin")
          ? list(in.operand()) : scalar(in.operand(), in.operator().equals("$regex"));
      ObjectNode test = NODES.objectNode();
      test.putObject(in.attribute().strip()).set(in.operator(), operand);
      parts.add(test);
    }
    if (!in.segment().isBlank()) {
      ObjectNode group = NODES.objectNode();
      group.putObject("id").put("$inGroup", in.segment());
      parts.add(group);
    }
    if (parts.isEmpty()) {
      return null;
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    ObjectNode and = NODES.objectNode();
    and.putArray("$and").addAll(parts);
    return and;
  }

  /* A comma-separated list of values. */
  private static JsonNode list(String text) {
    ArrayNode a = NODES.arrayNode();
    for (String s : text.split(",")) {
      if (!s.isBlank()) {
        a.add(scalar(s, false));
      }
    }
    return a;
  }

  /* A number or boolean when the text is one, else the text. */
  private static JsonNode scalar(String text, boolean asText) {
    String t = text.strip();
    if (!asText && (t.equals("true") || t.equals("false"))) {
      return NODES.booleanNode(t.equals("true"));
    }
    if (!asText && t.matches("-?[0-9]+(\\.[0-9]+)?")) {
      return NODES.numberNode(new BigDecimal(t));
    }
    return NODES.textNode(t);
  }

  private static double percent(String field, String text) {
    try {
      double p = Double.parseDouble(text.strip());
      if (!(p >= 0 && p <= 100)) {
        throw new NumberFormatException();
      }
      return BigDecimal.valueOf(p).movePointLeft(2).doubleValue();
    } catch (NumberFormatException e) {
      throw DomainException.invalid(field, "must be a percentage from 0 to 100, was '" + text + "'");
    }
  }

  /** The text of a form input as a value of the flag's type. */
  static JsonNode typed(String field, String type, String text) {
    String t = text.strip();
    switch (type) {
      case "boolean" -> {
        if (!t.equals("true") && !t.equals("false")) {
          throw DomainException.invalid(field, "must be true or false for a boolean flag");
        }
        return NODES.booleanNode(t.equals("true"));
      }
      case "number" -> {
        try {
          return NODES.numberNode(new BigDecimal(t));
        } catch (NumberFormatException e) {
          throw DomainException.invalid(field, "must be a number for a number flag, was '" + text + "'");
        }
      }
      case "string" -> {
        return NODES.textNode(text);
      }
      default -> {
        return jsonValue(field, text);
      }
    }
  }

  /** Parses JSON typed in a form; an error names the field. */
  static JsonNode jsonValue(String field, String text) {
    if (text.isBlank()) {
      throw DomainException.invalid(field, "is required");
    }
    try {
      return Json.parse(text.getBytes(StandardCharsets.UTF_8));
    } catch (DomainException e) {
      throw DomainException.invalid(field, "is not valid JSON");
    }
  }
}
