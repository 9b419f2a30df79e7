package dev.assay.openfeature;

import dev.assay.sdk.Attributes;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.ImmutableStructure;
import dev.openfeature.sdk.Structure;
import dev.openfeature.sdk.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Conversions between OpenFeature's {@link Value}/{@link Structure} and the plain Java values
 * (JSON-like: String, Number, Boolean, List, Map, null) the Assay SDK works with.
 */
final class Values {

  /** The attribute Assay hashes by default, which the OpenFeature targeting key becomes. */
  static final String ID = "id";

  private Values() {}

  /**
   * The unit's attributes for an evaluation context: every attribute as a plain Java value, and the
   * targeting key as {@code id} unless the context sets {@code id} itself. The {@code targetingKey}
   * entry is not copied under its own name.
   */
  static Attributes attributes(@Nullable EvaluationContext context) {
    if (context == null) {
      return Attributes.empty();
    }
    Map<String, @Nullable Object> map = new LinkedHashMap<>();
    for (Map.Entry<String, Value> e : context.asUnmodifiableMap().entrySet()) {
      if (EvaluationContext.TARGETING_KEY.equals(e.getKey())) {
        continue;
      }
      map.put(e.getKey(), toJava(e.getValue()));
    }
    String targetingKey = context.getTargetingKey();
    if (targetingKey != null && !targetingKey.isEmpty() && map.get(ID) == null) {
      map.put(ID, targetingKey);
    }
    return map.isEmpty() ? Attributes.empty() : Attributes.fromMap(map);
  }

  /** A structure's fields as plain Java values. */
  static Map<String, Object> toJava(@Nullable Structure structure) {
    Map<String, Object> map = new LinkedHashMap<>();
    if (structure == null) {
      return map;
    }
    for (Map.Entry<String, Value> e : structure.asUnmodifiableMap().entrySet()) {
      map.put(e.getKey(), toJava(e.getValue()));
    }
    return map;
  }

  /** An OpenFeature value as a plain Java value; an instant becomes its ISO-8601 string. */
  static @Nullable Object toJava(@Nullable Value value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isStructure()) {
      return toJava(value.asStructure());
    }
    if (value.isList()) {
      List<@Nullable Object> list = new ArrayList<>();
      for (Value v : value.asList()) {
        list.add(toJava(v));
      }
      return list;
    }
    if (value.isInstant()) {
      return value.asInstant().toString();
    }
    return value.asObject();
  }

  /**
   * A plain Java value as an OpenFeature value. Integral numbers that fit an {@code int} become
   * integers, every other number a double (OpenFeature has no wider type).
   *
   * @throws IllegalArgumentException for a type JSON cannot hold
   */
  static Value toValue(@Nullable Object o) {
    if (o == null) {
      return new Value();
    }
    if (o instanceof Boolean b) {
      return new Value(b);
    }
    if (o instanceof String s) {
      return new Value(s);
    }
    if (o instanceof Number n) {
      Integer i = toInteger(n);
      return i != null ? new Value(i) : new Value(n.doubleValue());
    }
    if (o instanceof Map<?, ?> m) {
      Map<String, Value> fields = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        fields.put(String.valueOf(e.getKey()), toValue(e.getValue()));
      }
      return new Value(new ImmutableStructure(fields));
    }
    if (o instanceof List<?> l) {
      List<Value> values = new ArrayList<>(l.size());
      for (Object v : l) {
        values.add(toValue(v));
      }
      return new Value(values);
    }
    throw new IllegalArgumentException("cannot convert a " + o.getClass().getName() + " to an OpenFeature value");
  }

  /** The number as an int when it is integral and in range, else null. */
  static @Nullable Integer toInteger(Number n) {
    if (n instanceof Integer i) {
      return i;
    }
    if (n instanceof Long || n instanceof Short || n instanceof Byte || n instanceof BigInteger) {
      long l = n.longValue();
      boolean exact = !(n instanceof BigInteger b) || b.bitLength() < 64;
      return exact && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE ? (int) l : null;
    }
    double d = n instanceof BigDecimal bd ? bd.doubleValue() : n.doubleValue();
    if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
      return (int) d;
    }
    return null;
  }

  /** The JSON type name of a value, for type-mismatch messages. */
  static String jsonType(@Nullable Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof Boolean) {
      return "boolean";
    }
    if (o instanceof String) {
      return "string";
    }
    if (o instanceof Number) {
      return toInteger((Number) o) != null ? "integer" : "number";
    }
    if (o instanceof Map) {
      return "object";
    }
    if (o instanceof List) {
      return "array";
    }
    return o.getClass().getSimpleName();
  }
}
