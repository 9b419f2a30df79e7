package dev.assay.stats.vectors;

import dev.assay.stats.StatsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading the {@code input} objects of reference cases, with errors that name the field. */
final class VectorInputs {

  private VectorInputs() {}

  interface Computation {
    Map<String, Object> compute(Map<String, Object> input);
  }

  static VectorKind kind(String name, Computation computation) {
    return new VectorKind() {
      @Override
      public String kind() {
        return name;
      }

      @Override
      public Map<String, Object> compute(Map<String, Object> input) {
        return computation.compute(input);
      }
    };
  }

  static double positive(Map<String, Object> in, String field) {
    double v = number(in, field);
    if (!(v > 0)) {
      throw new StatsException("field '" + field + "' must be positive, got " + v);
    }
    return v;
  }

  static Object required(Map<String, Object> in, String field) {
    Object v = in.get(field);
    if (v == null) {
      throw new StatsException("input is missing field '" + field + "'");
    }
    return v;
  }

  static double number(Map<String, Object> in, String field) {
    return toDouble(required(in, field), field);
  }

  /** A significance level, in (0, 1). */
  static double alpha(Map<String, Object> in, String field) {
    double alpha = number(in, field);
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException(field + " must be in (0, 1), got " + alpha);
    }
    return alpha;
  }

  static double optionalNumber(Map<String, Object> in, String field, double fallback) {
    Object v = in.get(field);
    return v == null ? fallback : toDouble(v, field);
  }

  static long integer(Map<String, Object> in, String field) {
    return toLong(required(in, field), field);
  }

  static String string(Map<String, Object> in, String field) {
    Object v = required(in, field);
    if (!(v instanceof String s)) {
      throw new StatsException("field '" + field + "' must be a string, got " + v);
    }
    return s;
  }

  static List<Object> list(Map<String, Object> in, String field) {
    Object v = required(in, field);
    if (!(v instanceof List<?> l)) {
      throw new StatsException("field '" + field + "' must be an array");
    }
    return new ArrayList<>(l);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> objects(Map<String, Object> in, String field) {
    List<Map<String, Object>> out = new ArrayList<>();
    List<Object> l = list(in, field);
    for (int i = 0; i < l.size(); i++) {
      if (!(l.get(i) instanceof Map<?, ?> m)) {
        throw new StatsException("field '" + field + "[" + i + "]' must be an object");
      }
      out.add((Map<String, Object>) m);
    }
    return out;
  }

  static double[] doubles(Map<String, Object> in, String field) {
    List<Object> l = list(in, field);
    double[] out = new double[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toDouble(l.get(i), field + "[" + i + "]");
    }
    return out;
  }

  static long[] longs(Map<String, Object> in, String field) {
    return longs(required(in, field), field);
  }

  static long[] longs(Object value, String field) {
    if (!(value instanceof List<?> l)) {
      throw new StatsException("field '" + field + "' must be an array");
    }
    long[] out = new long[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toLong(l.get(i), field + "[" + i + "]");
    }
    return out;
  }

  static double toDouble(Object v, String field) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new StatsException("field '" + field + "' must be a number, got " + v);
  }

  static long toLong(Object v, String field) {
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (d != Math.rint(d) || Double.isInfinite(d)) {
        throw new StatsException("field '" + field + "' must be a whole number, got " + v);
      }
      return n.longValue();
    }
    throw new StatsException("field '" + field + "' must be a whole number, got " + v);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(Map<String, Object> in, String field) {
    Object v = required(in, field);
    if (!(v instanceof Map<?, ?> m)) {
      throw new StatsException("field '" + field + "' must be an object");
    }
    return (Map<String, Object>) m;
  }
}
