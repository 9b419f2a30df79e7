package dev.assay.sdk;

import dev.assay.sdk.Experiment.Filter;
import dev.assay.sdk.Experiment.Parent;
import dev.assay.sdk.FeatureResult.Source;
import dev.assay.sdk.Ruleset.FeatureDef;
import dev.assay.sdk.Ruleset.Rule;
import dev.assay.sdk.StickyBucketService.StickyAssignments;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The evaluation engine: GrowthBook's {@code evalFeature} and {@code run}, step for step, over a
 * compiled {@link Ruleset}. Stateless per call apart from the exposure de-duplication set;
 * thread-safe.
 *
 * <p>Two modes. With {@code detail} the engine builds full results (bucket, hash value, the
 * experiment result) as {@link ExperimentClient#evaluate} returns them and exposure logging needs
 * them. Without it — the typed getters with no listener — it returns results prepared at compile
 * time, so a flag evaluation allocates nothing beyond the caller's attributes.
 */
final class Engine {

  /** Client-wide settings; immutable. */
  record Settings(
      Map<String, Integer> forcedVariations,
      boolean enabled,
      boolean qaMode,
      @Nullable StickyBucketService stickyBuckets,
      ExposureListener listener) {

    static final Settings DEFAULT = new Settings(Map.of(), true, false, null, ExposureListener.NONE);

    boolean tracking() {
      return listener != ExposureListener.NONE;
    }
  }

  /** Per-call state, created only when a call needs it (prerequisites, sticky bucketing). */
  static final class Call {
    final Set<String> stack = new HashSet<>();
    @Nullable Map<String, StickyAssignments> stickyDocs;
  }

  private static final int MAX_EXPOSURE_KEYS = 100_000;

  private final Ruleset ruleset;
  private final Settings settings;
  private final Set<ExposureKey> exposed;

  Engine(Ruleset ruleset, Settings settings, Set<ExposureKey> exposed) {
    this.ruleset = ruleset;
    this.settings = settings;
    this.exposed = exposed;
  }

  static Set<ExposureKey> newExposureSet() {
    return ConcurrentHashMap.newKeySet();
  }

  Ruleset ruleset() {
    return ruleset;
  }

  FeatureResult evalFeature(String id, Attributes attrs, boolean detail, @Nullable Call call) {
    if (call != null) {
      if (!call.stack.add(id)) {
        return new FeatureResult(id, null, Source.CYCLIC_PREREQUISITE, "", null, null);
      }
      try {
        return evalFeatureRules(id, attrs, detail, call);
      } finally {
        call.stack.remove(id);
      }
    }
    return evalFeatureRules(id, attrs, detail, null);
  }

  private FeatureResult evalFeatureRules(String id, Attributes attrs, boolean detail, @Nullable Call call) {
    FeatureDef feature = ruleset.features.get(id);
    if (feature == null) {
      return new FeatureResult(id, null, Source.UNKNOWN_FEATURE, "", null, null);
    }
    rules:
    for (Rule rule : feature.rules) {
      if (rule.parents != null) {
        if (call == null) {
          call = newCall(id);
        }
        for (Parent parent : rule.parents) {
          FeatureResult parentResult = evalFeature(parent.id(), attrs, false, call);
          if (parentResult.source() == Source.CYCLIC_PREREQUISITE) {
            return new FeatureResult(id, null, Source.CYCLIC_PREREQUISITE, "", null, null);
          }
          if (!parent.condition().matches(Attributes.of("value", parentResult.rawValue()))) {
            if (parent.gate()) {
              return new FeatureResult(id, null, Source.PREREQUISITE, "", null, null);
            }
            continue rules;
          }
        }
      }
      if (rule.filters != null && isFilteredOut(rule.filters, attrs)) {
        continue;
      }
      FeatureResult forceResult = rule.forceResult; // set exactly when the rule forces a value
      if (forceResult != null) {
        if (rule.condition != null && !rule.condition.matches(attrs)) {
          continue;
        }
        String fallback = stickyOn(rule.disableStickyBucketing) ? rule.fallbackAttribute : null;
        if (!isIncludedInRollout(attrs, rule.seed, rule.seedState, rule.hashAttribute, fallback, rule.range, rule.coverage,
            rule.hashVersion)) {
          continue;
        }
        if (!rule.tracks.isEmpty() && settings.tracking()) {
          for (Map<String, Object> t : rule.tracks) {
            trackFromPayload(t);
          }
        }
        return forceResult;
      }
      Experiment exp = rule.experiment;
      if (exp == null) {
        continue;
      }
      // Exposure tracking alone needs no detailed result here: run() builds one only for a new exposure.
      boolean needDetail = detail || stickyOn(exp.disableStickyBucketing);
      if (needDetail && call == null && stickyOn(exp.disableStickyBucketing)) {
        call = newCall(id);
      }
      ExperimentResult res = run(exp, id, attrs, needDetail, call);
      if (res.inExperiment() && !res.passthrough()) {
        FeatureResult[] lite = rule.liteResults; // set exactly when the rule runs an experiment
        if (!detail && lite != null) {
          return lite[res.variationId()];
        }
        return new FeatureResult(id, res.rawValue(), Source.EXPERIMENT, rule.id, exp, res);
      }
    }
    return feature.defaultResult;
  }

  /**
   * The per-call state for a top-level evaluation: with a sticky-bucket service, the unit's stored
   * assignments are read once up front (GrowthBook's refreshStickyBuckets); otherwise none.
   */
  @Nullable Call callFor(Attributes attrs) {
    if (settings.stickyBuckets == null) {
      return null;
    }
    Call c = new Call();
    stickyDocs(attrs, c);
    return c;
  }

  private static Call newCall(String id) {
    Call c = new Call();
    c.stack.add(id);
    return c;
  }

  private boolean stickyOn(boolean disabledHere) {
    return settings.stickyBuckets != null && !disabledHere;
  }

  // ---------------------------------------------------------------------------------------------
  // run(experiment)

  ExperimentResult run(Experiment exp, @Nullable String featureId, Attributes attrs, boolean detail,
      @Nullable Call call) {
    int numVariations = exp.variations.length;
    boolean sticky = stickyOn(exp.disableStickyBucketing);
    String fallback = sticky ? exp.fallbackAttribute : null;
    // 1. fewer than two variations, 2. client disabled
    if (numVariations < 2 || !settings.enabled) {
      return notIn(exp, featureId, attrs, fallback, detail);
    }
    // 3. forced by the client's configuration
    Integer forced = settings.forcedVariations.isEmpty() ? null : settings.forcedVariations.get(exp.key);
    if (forced != null) {
      return exp.result(forced, true, false, hashAttributeUsed(attrs, exp.hashAttribute, fallback),
          hashValueOf(attrs, exp.hashAttribute, fallback), Double.NaN, featureId, false);
    }
    // 4. draft or inactive
    if ("draft".equals(exp.status) || !exp.active) {
      return notIn(exp, featureId, attrs, fallback, detail);
    }
    // 5. the unit's hash attribute
    String hashAttr = hashAttributeUsed(attrs, exp.hashAttribute, fallback);
    String hashValue = hashValueOf(attrs, exp.hashAttribute, fallback);
    if (hashValue.isEmpty()) {
      return notIn(exp, featureId, attrs, fallback, detail);
    }
    int assigned = -1;
    boolean foundSticky = false;
    boolean versionBlocked = false;
    if (sticky) {
      if (call == null) {
        call = new Call();
      }
      int[] sv = stickyVariation(exp, attrs, call);
      assigned = sv[0];
      foundSticky = assigned >= 0;
      versionBlocked = sv[1] == 1;
    }
    if (!foundSticky) {
      // 6. filters, or namespace
      if (exp.filters != null) {
        if (isFilteredOut(exp.filters, attrs)) {
          return notIn(exp, featureId, attrs, fallback, detail);
        }
      } else if (exp.namespace != null && !Bucketing.inNamespace(hashValue, exp.namespace)) {
        return notIn(exp, featureId, attrs, fallback, detail);
      }
      // 8. targeting condition
      if (exp.condition != null && !exp.condition.matches(attrs)) {
        return notIn(exp, featureId, attrs, fallback, detail);
      }
      // 8.05 prerequisites
      if (exp.parents != null) {
        Call c = call != null ? call : new Call();
        for (Parent parent : exp.parents) {
          FeatureResult parentResult = evalFeature(parent.id(), attrs, false, c);
          if (parentResult.source() == Source.CYCLIC_PREREQUISITE
              || !parent.condition().matches(Attributes.of("value", parentResult.rawValue()))) {
            return notIn(exp, featureId, attrs, fallback, detail);
          }
        }
      }
    }
    // 9. bucket and variation
    double n = exp.hashVersion == 2 ? Hashing.hashV2(exp.seedState, hashValue)
        : Hashing.hash(exp.seed, hashValue, exp.hashVersion);
    if (Double.isNaN(n)) {
      return notIn(exp, featureId, attrs, fallback, detail);
    }
    if (!foundSticky) {
      assigned = Bucketing.chooseVariation(n, exp.ranges);
    }
    // 9.5 a blocked sticky-bucket version unenrolls the unit
    if (versionBlocked) {
      return exp.result(-1, false, false, hashAttr, hashValue, Double.NaN, featureId, true);
    }
    // 10. not in any range
    if (assigned < 0) {
      return notIn(exp, featureId, attrs, fallback, detail);
    }
    // 11. forced by the experiment itself
    if (exp.hasForce) {
      return exp.result(exp.force, true, false, hashAttr, hashValue, Double.NaN, featureId, false);
    }
    // 12. QA mode, 12.5 stopped
    if (settings.qaMode || "stopped".equals(exp.status)) {
      return notIn(exp, featureId, attrs, fallback, detail);
    }
    // 13. in the experiment
    if (!detail && !sticky) {
      if (settings.tracking() && firstExposure(hashAttr, hashValue, exp.key, assigned)) {
        report(exp, exp.result(assigned, true, true, hashAttr, hashValue, n, featureId, false));
      }
      return exp.liteResults[assigned];
    }
    ExperimentResult result = exp.result(assigned, true, true, hashAttr, hashValue, n, featureId, foundSticky);
    if (sticky && call != null) { // a sticky run always has a call (set above)
      saveSticky(exp, hashAttr, hashValue, result.key(), call);
    }
    track(exp, result);
    return result;
  }

  private static ExperimentResult notIn(Experiment exp, @Nullable String featureId, Attributes attrs,
      @Nullable String fallback, boolean detail) {
    if (!detail) {
      return exp.liteNotIn;
    }
    return exp.result(-1, false, false, hashAttributeUsed(attrs, exp.hashAttribute, fallback),
        hashValueOf(attrs, exp.hashAttribute, fallback), Double.NaN, featureId, false);
  }

  // ---------------------------------------------------------------------------------------------
  // Hash attribute, rollout, filters

  /** GrowthBook's getHashAttribute: the attribute's value if truthy, else the fallback's. */
  static String hashValueOf(Attributes attrs, String attribute, @Nullable String fallback) {
    Object v = attrs.raw(attribute);
    if (v instanceof String s && (fallback == null || !s.isEmpty())) {
      return s; // the common case: a string id is its own String(); "" is falsy and stays ""
    }
    if (!Conditions.truthy(v) && fallback != null) {
      v = attrs.raw(fallback);
    }
    return Conditions.truthy(v) ? Json.jsString(v) : "";
  }

  static String hashAttributeUsed(Attributes attrs, String attribute, @Nullable String fallback) {
    if (fallback != null && !Conditions.truthy(attrs.raw(attribute)) && Conditions.truthy(attrs.raw(fallback))) {
      return fallback;
    }
    return attribute;
  }

  private static boolean isIncludedInRollout(Attributes attrs, String seed, int seedState, String hashAttribute,
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

  private static boolean isFilteredOut(Filter[] filters, Attributes attrs) {
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

  // ---------------------------------------------------------------------------------------------
  // Sticky bucketing

  private Map<String, StickyAssignments> stickyDocs(Attributes attrs, Call call) {
    if (call.stickyDocs == null) {
      Map<String, String> keys = new LinkedHashMap<>();
      for (String attr : ruleset.stickyAttributes) {
        keys.put(attr, hashValueOf(attrs, attr, null));
      }
      StickyBucketService store = settings.stickyBuckets;
      call.stickyDocs = store == null ? new HashMap<>() : new HashMap<>(store.allAssignments(keys));
    }
    return call.stickyDocs;
  }

  /** Returns {variation or -1, 1 if the version is blocked}. */
  private int[] stickyVariation(Experiment exp, Attributes attrs, Call call) {
    Map<String, StickyAssignments> docs = stickyDocs(attrs, call);
    Map<String, String> merged = new HashMap<>();
    String hashAttr = exp.hashAttribute;
    String hashKey = hashAttr + "||" + hashValueOf(attrs, hashAttr, null);
    String fbAttr = exp.fallbackAttribute == null ? "id" : exp.fallbackAttribute;
    String fbValue = hashValueOf(attrs, fbAttr, null);
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

  private void saveSticky(Experiment exp, String hashAttr, String hashValue, String variationKey, Call call) {
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
    StickyBucketService store = settings.stickyBuckets;
    try {
      if (store != null) {
        store.save(doc);
      }
    } catch (RuntimeException e) {
      // A failing store must not break evaluation; the unit keeps this call's assignment.
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Exposure tracking

  /** What makes an exposure a repeat: the same unit, experiment and variation. */
  record ExposureKey(String hashAttribute, String hashValue, String experimentKey, int variationId) {}

  private void track(Experiment exp, ExperimentResult result) {
    if (settings.tracking()
        && firstExposure(result.hashAttribute(), result.hashValue(), exp.key, result.variationId())) {
      report(exp, result);
    }
  }

  /** Records an exposure; false when this unit already saw this variation of this experiment. */
  private boolean firstExposure(String hashAttribute, String hashValue, String experimentKey, int variationId) {
    if (!exposed.add(new ExposureKey(hashAttribute, hashValue, experimentKey, variationId))) {
      return false;
    }
    if (exposed.size() > MAX_EXPOSURE_KEYS) {
      exposed.clear(); // bounded memory: at worst an exposure is reported twice
    }
    return true;
  }

  private void report(Experiment exp, ExperimentResult result) {
    try {
      settings.listener.onExposure(exp, result);
    } catch (RuntimeException e) {
      // The host's listener must never break evaluation.
    }
  }

  @SuppressWarnings("unchecked")
  private void trackFromPayload(Map<String, Object> track) {
    try {
      if (!(track.get("experiment") instanceof Map<?, ?> e) || !(track.get("result") instanceof Map<?, ?> r)) {
        return;
      }
      Experiment exp = Experiment.compile((Map<String, Object>) e, "", null, ruleset.savedGroups, "$.tracks");
      Map<String, Object> res = (Map<String, Object>) r;
      int variationId = (int) Conditions.toNumber(res.get("variationId"));
      ExperimentResult result = exp.result(variationId, Conditions.truthy(res.get("inExperiment")),
          Conditions.truthy(res.get("hashUsed")), String.valueOf(res.getOrDefault("hashAttribute", "id")),
          Json.jsString(res.getOrDefault("hashValue", "")), Double.NaN, null, false);
      track(exp, result);
    } catch (RuntimeException ignored) {
      // A malformed track entry is skipped; it cannot change the feature's value.
    }
  }
}
