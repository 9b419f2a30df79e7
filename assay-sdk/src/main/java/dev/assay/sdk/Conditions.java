package dev.assay.sdk;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
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
    return new Compiler(savedGroups, strict).object(map, path);
  }

  private static String typeName(@Nullable Object v) {
    return jsType(v);
  }

  // ---------------------------------------------------------------------------------------------
  // Compilation

  private static final class Compiler {
    private static final java.util.Set<String> TYPES =
        java.util.Set.of("string", "number", "boolean", "array", "object", "null", "undefined");
    private final Map<String, List<Object>> savedGroups;
    private final boolean strict;

    Compiler(Map<String, List<Object>> savedGroups, boolean strict) {
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
        case "$in":
          if (!(expected instanceof List<?> l)) {
            require(false, path, "$in takes an array");
            return v -> false;
          }
          return new In(l, false);
        case "$nin":
          if (!(expected instanceof List<?> l)) {
            require(false, path, "$nin takes an array");
            return v -> false;
          }
          return not(new In(l, false));
        case "$ini":
          if (!(expected instanceof List<?> l)) {
            require(false, path, "$ini takes an array");
            return v -> false;
          }
          return new In(l, true);
        case "$nini":
          if (!(expected instanceof List<?> l)) {
            require(false, path, "$nini takes an array");
            return v -> false;
          }
          return not(new In(l, true));
        case "$inGroup":
          require(expected instanceof String, path, "$inGroup takes a saved group (segment) key");
          return new In(savedGroups.getOrDefault(Json.jsString(expected), List.of()), false);
        case "$notInGroup":
          require(expected instanceof String, path, "$notInGroup takes a saved group (segment) key");
          return not(new In(savedGroups.getOrDefault(Json.jsString(expected), List.of()), false));
        case "$regex":
          require(expected instanceof String && compiles(expected, 0), path, "$regex takes a regular expression that compiles");
          return regex(expected, 0);
        case "$regexi":
          require(expected instanceof String && compiles(expected, Pattern.CASE_INSENSITIVE), path,
              "$regexi takes a regular expression that compiles");
          return regex(expected, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        case "$elemMatch": {
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
        case "$size": {
          ValueTest t = value(expected, path);
          return v -> v instanceof List<?> l && t.test((long) l.size());
        }
        case "$all":
        case "$alli": {
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

  static boolean isOperatorObject(Map<?, ?> m) {
    for (Object k : m.keySet()) {
      String s = String.valueOf(k);
      if (s.isEmpty() || s.charAt(0) != '$') {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  @FunctionalInterface
  interface ValueTest {
    boolean test(@Nullable Object value);
  }

  /** A node of the compiled tree; also usable directly as a {@link Condition}. */
  @FunctionalInterface
  interface Node extends Condition {
    @Override
    boolean test(@Nullable Object root);

    @Override
    default boolean matches(Attributes attributes) {
      return test(attributes);
    }
  }

  private static final Node TRUE = root -> true;

  private record And(Node[] parts) implements Node {
    @Override
    public boolean test(@Nullable Object root) {
      for (Node n : parts) {
        if (!n.test(root)) {
          return false;
        }
      }
      return true;
    }
  }

  private record Or(Node[] parts) implements Node {
    @Override
    public boolean test(@Nullable Object root) {
      if (parts.length == 0) {
        return true;
      }
      for (Node n : parts) {
        if (n.test(root)) {
          return true;
        }
      }
      return false;
    }
  }

  private record Not(Node inner) implements Node {
    @Override
    public boolean test(@Nullable Object root) {
      return !inner.test(root);
    }
  }

  private record Field(String[] path, ValueTest test) implements Node {
    @Override
    public boolean test(@Nullable Object root) {
      return test.test(resolve(root, path));
    }
  }

  /** GrowthBook's getPath: walks a dotted path; anything missing reads as null. */
  static @Nullable Object resolve(@Nullable Object root, String[] path) {
    Object current = root;
    for (String part : path) {
      if (current instanceof Attributes a) {
        current = a.raw(part);
      } else if (current instanceof Map<?, ?> m) {
        current = m.get(part);
      } else if (current instanceof List<?> l) {
        int i = index(part);
        current = i >= 0 && i < l.size() ? l.get(i) : null;
      } else {
        return null;
      }
      if (current == null) {
        return null;
      }
    }
    return current;
  }

  private static int index(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    return Integer.parseInt(s);
  }

  /** {@code $in} and friends: precomputed as a hash set when every candidate is a string. */
  private static final class In implements ValueTest {
    private final List<?> candidates;
    private final @Nullable Set<String> strings;
    private final boolean insensitive;

    In(List<?> candidates, boolean insensitive) {
      this.insensitive = insensitive;
      List<Object> copy = new ArrayList<>(candidates.size());
      Set<String> s = new HashSet<>();
      boolean allStrings = true;
      for (Object c : candidates) {
        if (insensitive && c instanceof String str) {
          c = str.toLowerCase(Locale.ROOT);
        }
        copy.add(c);
        if (c instanceof String str) {
          s.add(str);
        } else {
          allStrings = false;
        }
      }
      this.candidates = copy;
      this.strings = allStrings ? s : null;
    }

    @Override
    public boolean test(@Nullable Object actual) {
      if (actual instanceof List<?> l) {
        for (Object el : l) {
          if (contains(el)) {
            return true;
          }
        }
        return false;
      }
      return contains(actual);
    }

    private boolean contains(@Nullable Object v) {
      if (insensitive && v instanceof String s) {
        v = s.toLowerCase(Locale.ROOT);
      }
      if (strings != null) {
        return v instanceof String s && strings.contains(s);
      }
      for (Object c : candidates) {
        if (strictEquals(v, c)) {
          return true;
        }
      }
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // JavaScript semantics

  /** JavaScript's {@code ===} on JSON values (objects and arrays are never equal: no identity here). */
  static boolean strictEquals(@Nullable Object a, @Nullable Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    if (a instanceof String || a instanceof Boolean) {
      return a.equals(b);
    }
    return a == b;
  }

  /** JavaScript truthiness. */
  static boolean truthy(@Nullable Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      return d != 0 && !Double.isNaN(d);
    }
    return true;
  }

  /** JavaScript's {@code typeof}, with "null" and "array" as GrowthBook's getType reports them. */
  static String jsType(@Nullable Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String) {
      return "string";
    }
    if (v instanceof Number) {
      return "number";
    }
    if (v instanceof Boolean) {
      return "boolean";
    }
    if (v instanceof List) {
      return "array";
    }
    return "object";
  }

  /** JavaScript's {@code Number(v)}. */
  static double toNumber(@Nullable Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (v instanceof String s) {
      return stringToNumber(s);
    }
    if (v instanceof List) {
      return stringToNumber(Json.jsString(v));
    }
    return Double.NaN;
  }

  private static double stringToNumber(String s) {
    String t = s.strip();
    if (t.isEmpty()) {
      return 0;
    }
    switch (t) {
      case "Infinity", "+Infinity":
        return Double.POSITIVE_INFINITY;
      case "-Infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    try {
      if (t.length() > 2 && t.charAt(0) == '0' && (t.charAt(1) == 'x' || t.charAt(1) == 'X')) {
        return Long.parseLong(t.substring(2), 16);
      }
      char last = t.charAt(t.length() - 1);
      if (!Character.isDigit(last) && last != '.') {
        return Double.NaN; // rejects Java-only forms such as "1d", "1f", "NaN"
      }
      return Double.parseDouble(t);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private enum Cmp {
    LT,
    LTE,
    GT,
    GTE
  }

  /** JavaScript's relational comparison: strings compare as strings, anything else as numbers. */
  private static boolean compare(@Nullable Object a, @Nullable Object b, Cmp cmp) {
    Object pa = toPrimitive(a);
    Object pb = toPrimitive(b);
    if (pa instanceof String x && pb instanceof String y) {
      int c = x.compareTo(y);
      return switch (cmp) {
        case LT -> c < 0;
        case LTE -> c <= 0;
        case GT -> c > 0;
        case GTE -> c >= 0;
      };
    }
    double x = toNumber(pa);
    double y = toNumber(pb);
    return switch (cmp) {
      case LT -> x < y;
      case LTE -> x <= y;
      case GT -> x > y;
      case GTE -> x >= y;
    };
  }

  private static @Nullable Object toPrimitive(@Nullable Object v) {
    if (v instanceof List || v instanceof Map) {
      return Json.jsString(v);
    }
    return v;
  }

  /**
   * GrowthBook's paddedVersionString: drops a leading "v" and build metadata, splits on "." and
   * "-", appends "~" to a bare x.y.z (so a release sorts after its pre-releases) and left-pads
   * numeric parts to five characters, so that string order is version order.
   */
  static String paddedVersion(@Nullable Object input) {
    String s;
    if (input instanceof Number n) {
      s = Json.jsNumber(n);
    } else if (input instanceof String str && !str.isEmpty()) {
      s = str;
    } else {
      s = "0";
    }
    // Evaluated on every call for the attribute's side: one builder, no regex, no part strings.
    int from = s.startsWith("v") ? 1 : 0;
    int plus = s.indexOf('+', from);
    int end = plus >= 0 ? plus : s.length();
    StringBuilder out = new StringBuilder(end - from + 16);
    int parts = 0;
    int start = from;
    for (int i = from; i <= end; i++) {
      if (i == end || s.charAt(i) == '-' || s.charAt(i) == '.') {
        if (parts > 0) {
          out.append('-');
        }
        if (i > start && isDigits(s, start, i)) {
          for (int pad = i - start; pad < 5; pad++) {
            out.append(' ');
          }
        }
        out.append(s, start, i);
        parts++;
        start = i + 1;
      }
    }
    if (parts == 3) {
      out.append("-~");
    }
    return out.toString();
  }

  private static boolean isDigits(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
