package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.ConditionValidator;
import dev.assay.sdk.PayloadException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Targeting conditions in the GrowthBook condition language. They are validated by the SDK's own
 * compiler in strict mode ({@link ConditionValidator}), so the API accepts exactly the conditions
 * the SDK evaluates (one condition language, no second operator list here), and rejects what the
 * SDK would quietly treat as "no match": unknown operators, regexes that do not compile, operands
 * of the wrong shape, nesting deeper than {@value ConditionValidator#MAX_DEPTH} levels.
 */
public final class Conditions {
  private Conditions() {}

  /** Validates a condition; throws naming the field path of the first problem. */
  public static void validate(String field, JsonNode condition) {
    try {
      ConditionValidator.validate(condition.toString(), field);
    } catch (PayloadException e) {
      String prefix = "at " + e.jsonPath() + ": ";
      String message = String.valueOf(e.getMessage());
      String reason = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
      throw DomainException.invalid(e.jsonPath(), reason);
    }
  }

  /** The saved-group (segment) keys a valid condition refers to through $inGroup/$notInGroup. */
  public static Set<String> segmentRefs(JsonNode condition) {
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
}
