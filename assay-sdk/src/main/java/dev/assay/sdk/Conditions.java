package dev.assay.sdk;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Compiles GrowthBook conditions into {@link Condition} trees.
 *
 * <p>The semantics are those of the JavaScript reference ({@code mongrule.ts} in the GrowthBook
 * SDK), including JavaScript's type coercions, because an SDK in another language must put the
 * same user in the same rule: a string condition compares {@code String(value)}, a number
 * condition {@code value * 1}, {@code $lt}/{@code $gt} use JavaScript's relational comparison,
 * {@code $eq} strict equality, a missing attribute reads as {@code null}. Unknown operators and
 * invalid regular expressions do not match (as in the reference) rather than failing the payload;
 * a condition whose shape is not an object, or a logical operator whose operand is not an array,
 * is rejected with the JSON path.
 */
final class Conditions {

  private Conditions() {}

  /**
   * Compiles a condition object.
   *
   * @param json the condition: a map, or null/empty for "always"
   * @param savedGroups saved groups for {@code $inGroup}/{@code $notInGroup}, by id
   * @param path where the condition sits in the payload, for error messages
   */
  static Condition compile(@Nullable Object json, Map<String, List<Object>> savedGroups, String path) {
    return compile(json, savedGroups, path, false);
  }

  /**
   * As {@link #compile(Object, Map, String)}; when {@code strict}, what the evaluator would quietly
   * treat as "no match" (an unknown operator, a regex that does not compile, an operand of the
   * wrong shape) is a {@link PayloadException} naming its path instead: the check for
   * configuration time ({@link ConditionValidator}).
   */
  static Condition compile(@Nullable Object json, Map<String, List<Object>> savedGroups, String path, boolean strict) {
    if (json == null) {
      return Condition.ALWAYS;
    }
    if (!(json instanceof Map<?, ?> map)) {
      throw new PayloadException(path, "condition must be an object, got " + typeName(json));
    }
    if (map.isEmpty()) {
      return Condition.ALWAYS;
    }
    return new ConditionCompiler(savedGroups, strict).object(map, path);
  }

  private static String typeName(@Nullable Object v) {
    return JsSemantics.jsType(v);
  }


  static boolean isOperatorObject(Map<?, ?> m) {
    for (Object k : m.keySet()) {
      String s = String.valueOf(k);
      if (s.isEmpty() || s.charAt(0) != '$') {
        return false;
      }
    }
    return true;
  }
}
