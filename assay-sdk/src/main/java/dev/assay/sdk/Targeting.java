package dev.assay.sdk;

import dev.assay.sdk.Experiment.Filter;
import org.jspecify.annotations.Nullable;

/**
 * Who a rule or an experiment may reach: the unit's hash value (GrowthBook's getHashAttribute, with
 * the fallback attribute), rollout coverage and ranges, and hash filters. Pure functions.
 */
final class Targeting {

  private Targeting() {}


  /** GrowthBook's getHashAttribute: the attribute's value if truthy, else the fallback's. */
  static String hashValueOf(Attributes attrs, String attribute, @Nullable String fallback) {
    Object v = attrs.raw(attribute);
    if (v instanceof String s && (fallback == null || !s.isEmpty())) {
      return s; // the common case: a string id is its own String(); "" is falsy and stays ""
    }
    if (!JsSemantics.truthy(v) && fallback != null) {
      v = attrs.raw(fallback);
    }
    return JsSemantics.truthy(v) ? Json.jsString(v) : "";
  }

  static String hashAttributeUsed(Attributes attrs, String attribute, @Nullable String fallback) {
    if (fallback != null && !JsSemantics.truthy(attrs.raw(attribute)) && JsSemantics.truthy(attrs.raw(fallback))) {
      return fallback;
    }
    return attribute;
  }

  static boolean isIncludedInRollout(Attributes attrs, String seed, int seedState, String hashAttribute,
      @Nullable String fallback, @Nullable BucketRange range, double coverage, int hashVersion) {
    if (range == null && Double.isNaN(coverage)) {
      return true;
    }
    if (range == null && coverage == 0) {
      return false;
    }
    String hashValue = hashValueOf(attrs, hashAttribute, fallback);
    if (hashValue.isEmpty()) {
      return false;
    }
    double n = hashVersion == 2 ? Hashing.hashV2(seedState, hashValue) : Hashing.hash(seed, hashValue, hashVersion);
    if (Double.isNaN(n)) {
      return false;
    }
    if (range != null) {
      return range.contains(n);
    }
    return n <= coverage;
  }

  static boolean isFilteredOut(Filter[] filters, Attributes attrs) {
    for (Filter f : filters) {
      String hashValue = hashValueOf(attrs, f.attribute(), null);
      if (hashValue.isEmpty()) {
        return true;
      }
      double n = Hashing.hash(f.seed(), hashValue, f.hashVersion());
      if (Double.isNaN(n)) {
        return true;
      }
      boolean inAny = false;
      for (BucketRange r : f.ranges()) {
        if (r.contains(n)) {
          inAny = true;
          break;
        }
      }
      if (!inAny) {
        return true;
      }
    }
    return false;
  }
}
