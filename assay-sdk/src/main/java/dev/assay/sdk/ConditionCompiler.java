package dev.assay.sdk;

import static dev.assay.sdk.ConditionNodes.TRUE;
import static dev.assay.sdk.Conditions.isOperatorObject;
import static dev.assay.sdk.JsSemantics.compare;
import static dev.assay.sdk.JsSemantics.jsType;
import static dev.assay.sdk.JsSemantics.paddedVersion;
import static dev.assay.sdk.JsSemantics.strictEquals;
import static dev.assay.sdk.JsSemantics.toNumber;
import static dev.assay.sdk.JsSemantics.truthy;

import dev.assay.sdk.ConditionNodes.And;
import dev.assay.sdk.ConditionNodes.Field;
import dev.assay.sdk.ConditionNodes.In;
import dev.assay.sdk.ConditionNodes.Node;
import dev.assay.sdk.ConditionNodes.Not;
import dev.assay.sdk.ConditionNodes.Or;
import dev.assay.sdk.ConditionNodes.ValueTest;
import dev.assay.sdk.JsSemantics.Cmp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Compiles one condition object into a {@link Node} tree (see {@link Conditions} for the
 * semantics). One instance per {@link Conditions#compile} call; not thread-safe.
 */
final class ConditionCompiler {
  private static final java.util.Set<String> TYPES =
      java.util.Set.of("string", "number", "boolean", "array", "object", "null", "undefined");
  private final Map<String, List<Object>> savedGroups;
  private final boolean strict;

  ConditionCompiler(Map<String, List<Object>> savedGroups, boolean strict) {
    this.savedGroups = savedGroups;
    this.strict = strict;
  }

  /* In strict mode, a problem the evaluator would answer with "no match". */
  private void require(boolean ok, String path, String reason) {
    if (strict && !ok) {
      throw new PayloadException(path, reason);
    }
  }

  /** evalCondition(obj, condition): every entry must hold. */
  Node object(Map<?, ?> condition, String path) {
    List<Node> parts = new ArrayList<>(condition.size());
    for (Map.Entry<?, ?> e : condition.entrySet()) {
      String key = String.valueOf(e.getKey());
      Object v = e.getValue();
      String p = path + "." + key;
      switch (key) {
        case "$or" -> parts.add(new Or(list(v, p)));
        case "$nor" -> parts.add(new Not(new Or(list(v, p))));
        case "$and" -> parts.add(new And(list(v, p)));
        case "$not" -> parts.add(new Not(objectOrAlways(v, p)));
        default -> {
          require(!key.startsWith("$"), p, "unknown logical operator '" + key + "'");
          parts.add(new Field(path(key), value(v, p)));
        }
      }
    }
    return parts.size() == 1 ? parts.get(0) : new And(parts.toArray(new Node[0]));
  }

  /** A dotted attribute path, its parts interned so attribute lookup matches by identity. */
  private static String[] path(String key) {
    String[] parts = key.split("\\.", -1);
    for (int i = 0; i < parts.length; i++) {
      parts[i] = parts[i].intern();
    }
    return parts;
  }

  private Node objectOrAlways(@Nullable Object v, String p) {
    if (!(v instanceof Map<?, ?> m)) {
      throw new PayloadException(p, "expected a condition object, got " + jsType(v));
    }
    return m.isEmpty() ? TRUE : object(m, p);
  }

  private Node[] list(@Nullable Object v, String p) {
    if (!(v instanceof List<?> l)) {
      throw new PayloadException(p, "expected an array of conditions, got " + jsType(v));
    }
    Node[] nodes = new Node[l.size()];
    for (int i = 0; i < l.size(); i++) {
      nodes[i] = objectOrAlways(l.get(i), p + "[" + i + "]");
    }
    return nodes;
  }

  /** evalConditionValue(condition, value). */
  ValueTest value(@Nullable Object condition, String path) {
    if (condition instanceof String s) {
      return v -> Json.jsString(v).equals(s);
    }
    if (condition instanceof Number n) {
      double d = n.doubleValue();
      return v -> toNumber(v) == d;
    }
    if (condition instanceof Boolean b) {
      boolean expected = b;
      return v -> v != null && truthy(v) == expected;
    }
    if (condition == null) {
      return v -> v == null;
    }
    if (condition instanceof Map<?, ?> m && isOperatorObject(m)) {
      List<ValueTest> ops = new ArrayList<>(m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String op = String.valueOf(e.getKey());
        ops.add(operator(op, e.getValue(), path + "." + op));
      }
      if (ops.size() == 1) {
        return ops.get(0);
      }
      ValueTest[] all = ops.toArray(new ValueTest[0]);
      return v -> {
        for (ValueTest t : all) {
          if (!t.test(v)) {
            return false;
          }
        }
        return true;
      };
    }
    String expected = Json.write(condition);
    return v -> v instanceof List || v instanceof Map ? Json.write(v).equals(expected) : false;
  }

  private ValueTest operator(String op, @Nullable Object expected, String path) {
    switch (op) {
      case "$eq":
        return v -> strictEquals(v, expected);
      case "$ne":
        return v -> !strictEquals(v, expected);
      case "$lt":
        return v -> compare(v, expected, Cmp.LT);
      case "$lte":
        return v -> compare(v, expected, Cmp.LTE);
      case "$gt":
        return v -> compare(v, expected, Cmp.GT);
      case "$gte":
        return v -> compare(v, expected, Cmp.GTE);
      case "$veq": {
        String e = paddedVersion(expected);
        return v -> paddedVersion(v).equals(e);
      }
      case "$vne": {
        String e = paddedVersion(expected);
        return v -> !paddedVersion(v).equals(e);
      }
      case "$vgt": {
        String e = paddedVersion(expected);
        return v -> paddedVersion(v).compareTo(e) > 0;
      }
      case "$vgte": {
        String e = paddedVersion(expected);
        return v -> paddedVersion(v).compareTo(e) >= 0;
      }
      case "$vlt": {
        String e = paddedVersion(expected);
        return v -> paddedVersion(v).compareTo(e) < 0;
      }
      case "$vlte": {
        String e = paddedVersion(expected);
        return v -> paddedVersion(v).compareTo(e) <= 0;
      }
      case "$exists": {
        require(expected instanceof Boolean, path, "$exists takes true or false");
        boolean want = truthy(expected);
        return v -> want == (v != null);
      }
      case "$in", "$nin", "$ini", "$nini", "$inGroup", "$notInGroup":
        return membership(op, expected, path);
      case "$elemMatch":
        return elemMatch(expected, path);
      case "$size": {
        ValueTest t = value(expected, path);
        return v -> v instanceof List<?> l && t.test((long) l.size());
      }
      case "$all", "$alli":
        return all(op, expected, path);
      case "$regex":
        require(expected instanceof String && compiles(expected, 0), path, "$regex takes a regular expression that compiles");
        return regex(expected, 0);
      case "$regexi":
        require(expected instanceof String && compiles(expected, Pattern.CASE_INSENSITIVE), path,
            "$regexi takes a regular expression that compiles");
        return regex(expected, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
      case "$not":
        return not(value(expected, path));
      case "$type": {
        require(expected instanceof String t && TYPES.contains(t), path, "$type takes one of " + new java.util.TreeSet<>(TYPES));
        String want = Json.jsString(expected);
        return v -> jsType(v).equals(want);
      }
      default:
        // The reference logs "Unknown operator" and does not match.
        require(false, path, "unknown operator '" + op + "'");
        return v -> false;
    }
  }

  /** {@code $in}, {@code $nin}, their case-insensitive forms, and saved-group membership. */
  private ValueTest membership(String op, @Nullable Object expected, String path) {
    if (op.equals("$inGroup") || op.equals("$notInGroup")) {
      require(expected instanceof String, path, op + " takes a saved group (segment) key");
      ValueTest in = new In(savedGroups.getOrDefault(Json.jsString(expected), List.of()), false);
      return op.equals("$inGroup") ? in : not(in);
    }
    if (!(expected instanceof List<?> l)) {
      require(false, path, op + " takes an array");
      return v -> false;
    }
    ValueTest in = new In(l, op.equals("$ini") || op.equals("$nini"));
    return op.equals("$in") || op.equals("$ini") ? in : not(in);
  }

  /** {@code $elemMatch}: some element of an array matches the condition. */
  private ValueTest elemMatch(@Nullable Object expected, String path) {
    Node elem;
    if (expected instanceof Map<?, ?> m && isOperatorObject(m)) {
      ValueTest t = value(m, path);
      elem = t::test;
    } else if (expected instanceof Map<?, ?> m) {
      elem = m.isEmpty() ? TRUE : object(m, path);
    } else {
      throw new PayloadException(path, "$elemMatch needs a condition object, got " + jsType(expected));
    }
    return v -> {
      if (!(v instanceof List<?> l)) {
        return false;
      }
      for (Object o : l) {
        if (elem.test(o)) {
          return true;
        }
      }
      return false;
    };
  }

  /** {@code $all} and {@code $alli}: every expected value is matched by some element of the array. */
  private ValueTest all(String op, @Nullable Object expected, String path) {
    boolean insensitive = op.equals("$alli");
    if (!(expected instanceof List<?> l)) {
      require(false, path, op + " takes an array");
      return v -> v instanceof List;
    }
    ValueTest[] each = new ValueTest[l.size()];
    for (int i = 0; i < l.size(); i++) {
      Object e = l.get(i);
      each[i] = insensitive && e instanceof String s
          ? v -> v instanceof String a && a.toLowerCase(Locale.ROOT).equals(s.toLowerCase(Locale.ROOT))
          : value(e, path + "[" + i + "]");
    }
    return v -> {
      if (!(v instanceof List<?> actual)) {
        return false;
      }
      for (ValueTest t : each) {
        boolean found = false;
        for (Object a : actual) {
          if (t.test(a)) {
            found = true;
            break;
          }
        }
        if (!found) {
          return false;
        }
      }
      return true;
    };
  }

  private static boolean compiles(@Nullable Object expected, int flags) {
    try {
      Pattern.compile(Json.jsString(expected), flags);
      return true;
    } catch (PatternSyntaxException e) {
      return false;
    }
  }

  private static ValueTest regex(@Nullable Object expected, int flags) {
    try {
      Pattern p = Pattern.compile(Json.jsString(expected), flags);
      // A missing attribute is tested as the text "null" on every call: answer it once, so the
      // common "attribute absent" case allocates no Matcher.
      boolean whenAbsent = p.matcher("null").find();
      return v -> v == null ? whenAbsent : p.matcher(Json.jsString(v)).find();
    } catch (PatternSyntaxException e) {
      // The reference catches the SyntaxError and does not match.
      return v -> false;
    }
  }

  private static ValueTest not(ValueTest t) {
    return v -> !t.test(v);
  }
}
