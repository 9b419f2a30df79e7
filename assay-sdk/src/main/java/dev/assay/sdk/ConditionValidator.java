package dev.assay.sdk;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Checks a targeting condition at configuration time with the evaluator's own compiler, so a
 * server or a build step accepts exactly the conditions this SDK evaluates (every operator of the
 * GrowthBook condition language, {@code $ini}, {@code $regexi}, {@code $alli} included). Where the
 * evaluator would quietly answer "no match" — an unknown operator, a regex that does not compile,
 * an operand of the wrong shape — the check fails naming the path.
 */
public final class ConditionValidator {
  /** The deepest nesting of objects and arrays a condition may have. */
  public static final int MAX_DEPTH = 32;

  private ConditionValidator() {}

  /**
   * Validates a condition given as JSON (an object; {@code {}} means "always").
   *
   * @param conditionJson the condition
   * @param path the name of the condition in error messages, e.g. {@code condition} or
   *     {@code environments.production.rules[0].condition}
   * @throws PayloadException naming the path of the first problem ({@link PayloadException#jsonPath()})
   */
  public static void validate(String conditionJson, String path) {
    Object json = Json.parse(conditionJson);
    if (!(json instanceof Map)) {
      throw new PayloadException(path, "must be a JSON object");
    }
    depth(json, path, 0);
    Conditions.compile(json, Map.of(), path, true);
  }

  private static void depth(@Nullable Object node, String path, int depth) {
    if (depth > MAX_DEPTH) {
      throw new PayloadException(path, "is nested more than " + MAX_DEPTH + " levels deep");
    }
    if (node instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        depth(e.getValue(), path + "." + e.getKey(), depth + 1);
      }
    } else if (node instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        depth(l.get(i), path + "[" + i + "]", depth + 1);
      }
    }
  }
}
