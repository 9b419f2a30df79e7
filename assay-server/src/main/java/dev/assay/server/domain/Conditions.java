package dev.assay.server.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Structural validation of targeting conditions in the GrowthBook condition language (MongoDB-style
 * operators; see the GrowthBook SDK specification, "Condition evaluation"). The SDK evaluates them;
 * the server only rejects what the SDK would be unable to evaluate: unknown operators, operators
 * with the wrong operand shape and regexes that do not compile.
 */
final class Conditions {
  private static final Set<String> LOGICAL = Set.of("$and", "$or", "$nor", "$not");
  private static final Set<String> COMPARISON = Set.of("$eq", "$ne", "$lt", "$lte", "$gt", "$gte",
      "$veq", "$vne", "$vlt", "$vlte", "$vgt", "$vgte", "$exists", "$type", "$size", "$regex",
      "$in", "$nin", "$all", "$elemMatch", "$not", "$inGroup", "$notInGroup");
  private static final Set<String> ARRAY_OPERAND = Set.of("$in", "$nin", "$all");
  private static final Set<String> TYPES =
      Set.of("string", "number", "boolean", "array", "object", "null", "undefined");
  private static final int MAX_DEPTH = 32;

  private Conditions() {}

  /** Validates a condition; throws naming the field path of the first problem. */
  static void validate(String field, JsonNode condition) {
    condition(field, condition, 0);
  }

  /** The saved-group (segment) keys a valid condition refers to through $inGroup/$notInGroup. */
  static Set<String> segmentRefs(JsonNode condition) {
    Set<String> out = new TreeSet<>();
    collect(condition, out);
    return out;
  }

  private static void collect(JsonNode node, Set<String> out) {
    if (node == null) {
      return;
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if ((e.getKey().equals("$inGroup") || e.getKey().equals("$notInGroup")) && e.getValue().isTextual()) {
          out.add(e.getValue().asText());
        } else {
          collect(e.getValue(), out);
        }
      }
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }

  private static void condition(String path, JsonNode node, int depth) {
    if (depth > MAX_DEPTH) {
      throw DomainException.invalid(path, "is nested more than " + MAX_DEPTH + " levels deep");
    }
    if (!node.isObject()) {
      throw DomainException.invalid(path, "must be a JSON object");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String sub = path + "." + key;
      if (key.startsWith("$")) {
        if (!LOGICAL.contains(key)) {
          throw DomainException.invalid(sub, "unknown logical operator '" + key + "'");
        }
        if (key.equals("$not")) {
          condition(sub, e.getValue(), depth + 1);
        } else {
          if (!e.getValue().isArray()) {
            throw DomainException.invalid(sub, key + " takes an array of conditions");
          }
          for (int i = 0; i < e.getValue().size(); i++) {
            condition(sub + "[" + i + "]", e.getValue().get(i), depth + 1);
          }
        }
      } else {
        value(sub, e.getValue(), depth + 1);
      }
    }
  }

  private static void value(String path, JsonNode node, int depth) {
    if (depth > MAX_DEPTH) {
      throw DomainException.invalid(path, "is nested more than " + MAX_DEPTH + " levels deep");
    }
    if (!node.isObject() || node.isEmpty() || !node.fieldNames().next().startsWith("$")) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String op = e.getKey();
      JsonNode operand = e.getValue();
      String sub = path + "." + op;
      if (!COMPARISON.contains(op)) {
        throw DomainException.invalid(sub, "unknown operator '" + op + "'");
      }
      if (ARRAY_OPERAND.contains(op) && !operand.isArray()) {
        throw DomainException.invalid(sub, op + " takes an array");
      }
      switch (op) {
        case "$regex" -> {
          if (!operand.isTextual()) {
            throw DomainException.invalid(sub, "$regex takes a string");
          }
          try {
            Pattern.compile(operand.asText());
          } catch (PatternSyntaxException ex) {
            throw DomainException.invalid(sub, "regular expression does not compile: " + ex.getDescription());
          }
        }
        case "$exists" -> {
          if (!operand.isBoolean()) {
            throw DomainException.invalid(sub, "$exists takes true or false");
          }
        }
        case "$type" -> {
          if (!operand.isTextual() || !TYPES.contains(operand.asText())) {
            throw DomainException.invalid(sub, "$type takes one of " + new TreeSet<>(TYPES));
          }
        }
        case "$inGroup", "$notInGroup" -> {
          if (!operand.isTextual()) {
            throw DomainException.invalid(sub, op + " takes a segment key");
          }
        }
        case "$elemMatch" -> {
          if (!operand.isObject()) {
            throw DomainException.invalid(sub, "$elemMatch takes a condition object");
          }
        }
        case "$not", "$size" -> value(sub, operand, depth + 1);
        default -> { }
      }
    }
  }
}
