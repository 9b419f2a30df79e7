package dev.assay.sdk;

import dev.assay.sdk.StickyBucketService.StickyAssignments;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GrowthBook's sticky bucketing over a {@link StickyBucketService}: the unit's stored assignments
 * are read once per top-level call (into {@link Engine.Call}), a stored variation wins over
 * hashing, a bucket version below the experiment's minimum unenrolls the unit, and a new
 * assignment is saved. A failing service never breaks evaluation.
 */
final class StickyBucketing {

  private StickyBucketing() {}


  static Map<String, StickyAssignments> docs(Ruleset ruleset, StickyBucketService service, Attributes attrs,
      Engine.Call call) {
    if (call.stickyDocs == null) {
      Map<String, String> keys = new LinkedHashMap<>();
      for (String attr : ruleset.stickyAttributes) {
        keys.put(attr, Targeting.hashValueOf(attrs, attr, null));
      }
      call.stickyDocs = new HashMap<>(service.allAssignments(keys));
    }
    return call.stickyDocs;
  }

  /** Returns {variation or -1, 1 if the version is blocked}. */
  static int[] variation(Ruleset ruleset, StickyBucketService service, Experiment exp, Attributes attrs,
      Engine.Call call) {
    Map<String, StickyAssignments> docs = docs(ruleset, service, attrs, call);
    Map<String, String> merged = new HashMap<>();
    String hashAttr = exp.hashAttribute;
    String hashKey = hashAttr + "||" + Targeting.hashValueOf(attrs, hashAttr, null);
    String fbAttr = exp.fallbackAttribute == null ? "id" : exp.fallbackAttribute;
    String fbValue = Targeting.hashValueOf(attrs, fbAttr, null);
    if (!fbValue.isEmpty()) {
      StickyAssignments fb = docs.get(fbAttr + "||" + fbValue);
      if (fb != null) {
        merged.putAll(fb.assignments());
      }
    }
    StickyAssignments main = docs.get(hashKey);
    if (main != null) {
      merged.putAll(main.assignments());
    }
    for (int i = 0; i < exp.minBucketVersion; i++) {
      if (merged.containsKey(exp.key + "__" + i)) {
        return new int[] {-1, 1};
      }
    }
    String variationKey = merged.get(exp.key + "__" + exp.bucketVersion);
    if (variationKey == null) {
      return new int[] {-1, 0};
    }
    for (int i = 0; i < exp.meta.length; i++) {
      if (variationKey.equals(exp.meta[i].key())) {
        return new int[] {i, 0};
      }
    }
    return new int[] {-1, 0};
  }

  static void save(StickyBucketService service, Experiment exp, String hashAttr, String hashValue,
      String variationKey, Engine.Call call) {
    Map<String, StickyAssignments> docs = call.stickyDocs;
    if (docs == null) {
      return;
    }
    String docKey = hashAttr + "||" + hashValue;
    StickyAssignments existing = docs.get(docKey);
    Map<String, String> assignments = new LinkedHashMap<>();
    if (existing != null) {
      assignments.putAll(existing.assignments());
    }
    String expKey = exp.key + "__" + exp.bucketVersion;
    if (variationKey.equals(assignments.get(expKey))) {
      return;
    }
    assignments.put(expKey, variationKey);
    StickyAssignments doc = new StickyAssignments(hashAttr, hashValue, assignments);
    docs.put(docKey, doc);
    try {
      service.save(doc);
    } catch (RuntimeException e) {
      // A failing store must not break evaluation; the unit keeps this call's assignment.
    }
  }
}
