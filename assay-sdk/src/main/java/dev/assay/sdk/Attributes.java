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
 * <p>Built per call on the hot path, so it is one small array of alternating keys and values and
 * a linear scan, not a hash map: {@code Attributes.of("id", userId, "country", country)} allocates
 * two small objects (56 bytes with three pairs). Thread-safe.
 */
public final class Attributes {

  private static final Attributes EMPTY = new Attributes(new Object[0]);

  /** Keys (always non-null strings) at even indices, each followed by its value. */
  private final @Nullable Object[] pairs;

  private Attributes(@Nullable Object[] pairs) {
    this.pairs = pairs;
  }

  public static Attributes empty() {
    return EMPTY;
  }

  public static Attributes of(String key, @Nullable Object value) {
    return new Attributes(new Object[] {Objects.requireNonNull(key, "key"), value});
  }

  public static Attributes of(String k1, @Nullable Object v1, String k2, @Nullable Object v2) {
    Objects.requireNonNull(k1, "k1");
    Objects.requireNonNull(k2, "k2");
    if (k2.equals(k1)) {
      throw duplicate(k2);
    }
    return new Attributes(new Object[] {k1, v1, k2, v2});
  }

  public static Attributes of(
      String k1, @Nullable Object v1, String k2, @Nullable Object v2, String k3, @Nullable Object v3) {
    Objects.requireNonNull(k1, "k1");
    Objects.requireNonNull(k2, "k2");
    Objects.requireNonNull(k3, "k3");
    if (k2.equals(k1)) {
      throw duplicate(k2);
    }
    if (k3.equals(k1) || k3.equals(k2)) {
      throw duplicate(k3);
    }
    return new Attributes(new Object[] {k1, v1, k2, v2, k3, v3});
  }

  private static IllegalArgumentException duplicate(String key) {
    return new IllegalArgumentException("duplicate attribute key '" + key + "'");
  }

  /** Attributes from a map (for example one parsed from JSON); the map is copied. */
  public static Attributes fromMap(Map<String, ?> map) {
    Object[] pairs = new Object[2 * map.size()];
    int i = 0;
    for (Map.Entry<String, ?> e : map.entrySet()) {
      pairs[i] = Objects.requireNonNull(e.getKey(), "attribute key");
      pairs[i + 1] = e.getValue();
      i += 2;
    }
    return new Attributes(pairs);
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
    Objects.requireNonNull(key, "key");
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i].equals(key)) {
        Object[] p = pairs.clone();
        p[i + 1] = value;
        return new Attributes(p);
      }
    }
    Object[] p = Arrays.copyOf(pairs, pairs.length + 2);
    p[pairs.length] = key;
    p[pairs.length + 1] = value;
    return new Attributes(p);
  }

  /** The attributes as an unmodifiable map, in insertion order. */
  public Map<String, @Nullable Object> asMap() {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], pairs[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }

  public int size() {
    return pairs.length / 2;
  }

  /** The raw value of a top-level attribute, or null. Hot path: no allocation. */
  @Nullable Object raw(String key) {
    Object[] p = pairs;
    // Keys are usually the same String instances (literals in the app, interned names from the
    // payload), so a pass on identity alone finds them without calling equals on the others.
    for (int i = 0; i < p.length; i += 2) {
      if (p[i] == key) {
        return p[i + 1];
      }
    }
    for (int i = 0; i < p.length; i += 2) {
      if (key.equals(p[i])) {
        return p[i + 1];
      }
    }
    return null;
  }

  boolean has(String key) {
    for (int i = 0; i < pairs.length; i += 2) {
      if (key.equals(pairs[i])) {
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
