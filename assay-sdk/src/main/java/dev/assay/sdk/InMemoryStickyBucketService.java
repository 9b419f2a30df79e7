package dev.assay.sdk;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link StickyBucketService} in a concurrent map: for tests, and single-process servers. */
public final class InMemoryStickyBucketService implements StickyBucketService {

  private final Map<String, StickyAssignments> docs = new ConcurrentHashMap<>();

  @Override
  public Optional<StickyAssignments> assignments(String attributeName, String attributeValue) {
    return Optional.ofNullable(docs.get(attributeName + "||" + attributeValue));
  }

  @Override
  public void save(StickyAssignments assignments) {
    docs.put(assignments.docKey(), assignments);
  }

  /** Everything stored, keyed {@code name||value}. */
  public Map<String, StickyAssignments> all() {
    return Map.copyOf(docs);
  }
}
