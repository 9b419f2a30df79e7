package dev.assay.sdk;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Typed reads from parsed JSON with errors that name the JSON path. */
final class PayloadReader {

  private PayloadReader() {}

  @SuppressWarnings("unchecked")
  static @Nullable Map<String, Object> object(@Nullable Object v, String path) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map)) {
      throw new PayloadException(path, "expected an object, got " + JsSemantics.jsType(v));
    }
    return (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  static @Nullable List<Object> array(@Nullable Object v, String path) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof List)) {
      throw new PayloadException(path, "expected an array, got " + JsSemantics.jsType(v));
    }
    return (List<Object>) v;
  }

  static @Nullable String string(@Nullable Object v, String path) {
    if (v == null) {
      return null;
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number n) {
      return Json.jsNumber(n);
    }
    throw new PayloadException(path, "expected a string, got " + JsSemantics.jsType(v));
  }

  /** A number, or NaN when absent. */
  static double number(@Nullable Object v, String path) {
    if (v == null) {
      return Double.NaN;
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (Double.isInfinite(d)) {
        throw new PayloadException(path, "number out of range");
      }
      return d;
    }
    throw new PayloadException(path, "expected a number, got " + JsSemantics.jsType(v));
  }

  static int integer(@Nullable Object v, int absent, String path) {
    double d = number(v, path);
    if (Double.isNaN(d)) {
      return absent;
    }
    if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
      throw new PayloadException(path, "expected an integer, got " + Json.jsNumber(d));
    }
    return (int) d;
  }

  static boolean bool(@Nullable Object v, boolean absent, String path) {
    if (v == null) {
      return absent;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new PayloadException(path, "expected true or false, got " + JsSemantics.jsType(v));
  }

  static BucketRange range(@Nullable Object v, String path) {
    List<Object> l = array(v, path);
    if (l == null || l.size() != 2) {
      throw new PayloadException(path, "a range must be [start, end]");
    }
    double start = number(l.get(0), path + "[0]");
    double end = number(l.get(1), path + "[1]");
    try {
      return new BucketRange(start, end);
    } catch (IllegalArgumentException e) {
      throw new PayloadException(path, String.valueOf(e.getMessage()), e);
    }
  }

  static BucketRange @Nullable [] ranges(@Nullable Object v, String path) {
    List<Object> l = array(v, path);
    if (l == null) {
      return null;
    }
    BucketRange[] out = new BucketRange[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = range(l.get(i), path + "[" + i + "]");
    }
    return out;
  }
}
