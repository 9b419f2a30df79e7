package dev.assay.sdk;

import static dev.assay.sdk.JsSemantics.strictEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The nodes of a compiled condition tree ({@link ConditionCompiler} builds them). Immutable. */
final class ConditionNodes {

  private ConditionNodes() {}

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

  static final Node TRUE = root -> true;

  record And(Node[] parts) implements Node {
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

  record Or(Node[] parts) implements Node {
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

  record Not(Node inner) implements Node {
    @Override
    public boolean test(@Nullable Object root) {
      return !inner.test(root);
    }
  }

  record Field(String[] path, ValueTest test) implements Node {
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
  static final class In implements ValueTest {
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
}
