package dev.assay.sdk;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The attributes of the unit being evaluated (user id, country, app version, …): an immutable,
 * cheap-to-build context. Values are strings, numbers, booleans, lists, maps or null, as in JSON.
 *
 * <p>Built per call on the hot path, so it is two small arrays and a linear scan, not a hash map:
 * {@code Attributes.of("id", userId, "country", country)} allocates three small objects.
 * Thread-safe.
 */
public final class Attributes {

  private static final Attributes EMPTY = new Attributes(new String[0], new Object[0]);

  private final String[] keys;
  private final @Nullable Object[] values;

  private Attributes(String[] keys, @Nullable Object[] values) {
    this.keys = keys;
    this.values = values;
  }

  public static Attributes empty() {
    return EMPTY;
  }

  public static Attributes of(String key, @Nullable Object value) {
    return new Attributes(new String[] {Objects.requireNonNull(key, "key")}, new Object[] {value});
  }

  public static Attributes of(String k1, @Nullable Object v1, String k2, @Nullable Object v2) {
    return new Attributes(new String[] {Objects.requireNonNull(k1, "k1"), distinct(k2, k1)}, new Object[] {v1, v2});
  }

  public static Attributes of(
      String k1, @Nullable Object v1, String k2, @Nullable Object v2, String k3, @Nullable Object v3) {
    return new Attributes(
        new String[] {Objects.requireNonNull(k1, "k1"), distinct(k2, k1), distinct(k3, k1, k2)},
        new Object[] {v1, v2, v3});
  }

  private static String distinct(String key, String... earlier) {
    Objects.requireNonNull(key, "key");
    for (String e : earlier) {
      if (e.equals(key)) {
        throw new IllegalArgumentException("duplicate attribute key '" + key + "'");
      }
    }
    return key;
  }

  /** Attributes from a map (for example one parsed from JSON); the map is copied. */
  public static Attributes fromMap(Map<String, ?> map) {
    String[] keys = new String[map.size()];
    Object[] values = new Object[map.size()];
    int i = 0;
    for (Map.Entry<String, ?> e : map.entrySet()) {
      keys[i] = Objects.requireNonNull(e.getKey(), "attribute key");
      values[i] = e.getValue();
      i++;
    }
    return new Attributes(keys, values);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The value of a top-level attribute, or empty when it is absent or null. */
  public Optional<Object> value(String key) {
    return Optional.ofNullable(raw(key));
  }

  /** A copy with {@code key} set to {@code value}. */
  public Attributes with(String key, @Nullable Object value) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].equals(key)) {
        Object[] v = values.clone();
        v[i] = value;
        return new Attributes(keys, v);
      }
    }
    String[] k = Arrays.copyOf(keys, keys.length + 1);
    Object[] v = Arrays.copyOf(values, values.length + 1);
    k[keys.length] = key;
    v[keys.length] = value;
    return new Attributes(k, v);
  }

  /** The attributes as an unmodifiable map, in insertion order. */
  public Map<String, @Nullable Object> asMap() {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keys.length; i++) {
      m.put(keys[i], values[i]);
    }
    return Collections.unmodifiableMap(m);
  }

  public int size() {
    return keys.length;
  }

  /** The raw value of a top-level attribute, or null. Hot path: no allocation. */
  @Nullable Object raw(String key) {
    String[] k = keys;
    for (int i = 0; i < k.length; i++) {
      if (k[i] == key || k[i].equals(key)) {
        return values[i];
      }
    }
    return null;
  }

  boolean has(String key) {
    for (String k : keys) {
      if (k.equals(key)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Attributes a && asMap().equals(a.asMap());
  }

  @Override
  public int hashCode() {
    return asMap().hashCode();
  }

  @Override
  public String toString() {
    return Json.write(asMap());
  }

  /** Builds attributes one at a time; the last value put for a key wins. */
  public static final class Builder {
    private final Map<String, @Nullable Object> map = new LinkedHashMap<>();

    private Builder() {}

    public Builder put(String key, @Nullable Object value) {
      map.put(Objects.requireNonNull(key, "key"), value);
      return this;
    }

    public Attributes build() {
      return fromMap(map);
    }
  }
}
