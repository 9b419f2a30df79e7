package dev.assay.sdk;

import java.util.Map;
import java.util.Optional;

/**
 * Persists variation assignments so a unit keeps its variation when an experiment's weights or
 * targeting change (GrowthBook's sticky bucketing). Implementations must be thread-safe; the
 * client calls them during evaluation, so they should answer from memory.
 */
public interface StickyBucketService {

  /** The assignments stored for one attribute value, e.g. ("id", "user-42"). */
  Optional<StickyAssignments> assignments(String attributeName, String attributeValue);

  /** Stores (replaces) the assignments of one attribute value. */
  void save(StickyAssignments assignments);

  /**
   * The stored assignments for several attributes at once, keyed {@code name||value}. The default
   * asks {@link #assignments} for each.
   */
  default Map<String, StickyAssignments> allAssignments(Map<String, String> attributes) {
    Map<String, StickyAssignments> out = new java.util.LinkedHashMap<>();
    attributes.forEach((name, value) ->
        assignments(name, value).ifPresent(a -> out.put(a.docKey(), a)));
    return out;
  }

  /**
   * The stored assignments of one attribute value: experiment key with bucket version
   * ({@code key__version}) to variation key.
   */
  record StickyAssignments(String attributeName, String attributeValue, Map<String, String> assignments) {
    public StickyAssignments {
      assignments = Map.copyOf(assignments);
    }

    /** {@code attributeName||attributeValue}, as GrowthBook keys these documents. */
    public String docKey() {
      return attributeName + "||" + attributeValue;
    }
  }
}
