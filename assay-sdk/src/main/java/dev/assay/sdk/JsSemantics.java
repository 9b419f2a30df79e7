package dev.assay.sdk;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * JavaScript's value semantics on JSON values, as the GrowthBook reference SDK applies them:
 * strict equality, truthiness, {@code typeof}, {@code Number(v)}, relational comparison, and the
 * padded form of version strings. Pure functions; allocation-free on the common paths.
 */
final class JsSemantics {

  private JsSemantics() {}

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

  enum Cmp {
    LT,
    LTE,
    GT,
    GTE
  }

  /** JavaScript's relational comparison: strings compare as strings, anything else as numbers. */
  static boolean compare(@Nullable Object a, @Nullable Object b, Cmp cmp) {
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
