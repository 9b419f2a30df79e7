package dev.assay.sdk;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Which features a new payload changed, for {@link ConfigChangeListener}s. */
final class PayloadDiff {

  private PayloadDiff() {}

  /**
   * Keys of features added, removed or changed between two payloads; for encrypted payloads,
   * which cannot be compared feature by feature, every key of either.
   */
  static Set<String> changedFeatures(@Nullable String previous, String next, Set<String> previousKeys,
      Set<String> nextKeys) {
    Map<String, Object> before = featuresOf(previous);
    Map<String, Object> after = featuresOf(next);
    Set<String> changed = new HashSet<>();
    if (before == null || after == null) {
      changed.addAll(previousKeys);
      changed.addAll(nextKeys);
      return changed;
    }
    for (Map.Entry<String, Object> e : after.entrySet()) {
      if (!Objects.equals(before.get(e.getKey()), e.getValue())) {
        changed.add(e.getKey());
      }
    }
    for (String k : before.keySet()) {
      if (!after.containsKey(k)) {
        changed.add(k);
      }
    }
    return changed;
  }

  @SuppressWarnings("unchecked")
  private static @Nullable Map<String, Object> featuresOf(@Nullable String payload) {
    if (payload == null) {
      return Map.of();
    }
    Object doc = Json.parse(payload);
    if (!(doc instanceof Map<?, ?> m) || m.containsKey("encryptedFeatures")) {
      return null;
    }
    Object f = m.get("features");
    return f instanceof Map<?, ?> fm ? (Map<String, Object>) fm : Map.of();
  }
}
