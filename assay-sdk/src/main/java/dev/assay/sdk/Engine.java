package dev.assay.sdk;

import static dev.assay.sdk.Targeting.hashAttributeUsed;
import static dev.assay.sdk.Targeting.hashValueOf;
import static dev.assay.sdk.Targeting.isFilteredOut;
import static dev.assay.sdk.Targeting.isIncludedInRollout;

import dev.assay.sdk.Experiment.Parent;
import dev.assay.sdk.FeatureResult.Source;
import dev.assay.sdk.Ruleset.FeatureDef;
import dev.assay.sdk.Ruleset.Rule;
import dev.assay.sdk.StickyBucketService.StickyAssignments;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
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
      if (rule.isForce) {
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
        FeatureResult forced = rule.forceResult;
        if (forced != null) {
          return forced;
        }
        continue;
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
    StickyBucketService service = settings.stickyBuckets;
    if (service == null) {
      return null;
    }
    Call c = new Call();
    StickyBucketing.docs(ruleset, service, attrs, c);
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
      int[] sv = StickyBucketing.variation(ruleset, Objects.requireNonNull(settings.stickyBuckets), exp, attrs, call);
      assigned = sv[0];
      foundSticky = assigned >= 0;
      versionBlocked = sv[1] == 1;
    }
    if (!foundSticky && !eligible(exp, attrs, hashValue, call)) {
      return notIn(exp, featureId, attrs, fallback, detail);
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
    String unit = analysisUnit(exp, attrs, hashAttr);
    if (!detail && !sticky) {
      trackLite(exp, assigned, hashAttr, hashValue, n, featureId, unit);
      return exp.liteResults[assigned];
    }
    ExperimentResult result = exp.result(assigned, true, true, hashAttr, hashValue, n, featureId, foundSticky);
    if (sticky) {
      StickyBucketing.save(Objects.requireNonNull(settings.stickyBuckets), exp, hashAttr, hashValue, result.key(),
          Objects.requireNonNull(call));
    }
    track(exp, result.withUnit(unit));
    return result;
  }

  /* Tracks the exposure of the allocation-free path (the result is built only when it is reported). */
  private void trackLite(Experiment exp, int assigned, String hashAttr, String hashValue, double n,
      @Nullable String featureId, @Nullable String unit) {
    if (settings.tracking() && firstExposure(unit == null ? hashAttr : UNIT_KEY,
        unit == null ? hashValue : unit, exp.key, assigned)) {
      report(exp, exp.result(assigned, true, true, hashAttr, hashValue, n, featureId, false).withUnit(unit));
    }
  }

  /*
   * In a cluster randomization (the payload's analysisUnit differs from the attribute hashed),
   * the id of the unit measured inside the cluster: an exposure is then logged, and de-duplicated,
   * per that unit (ADR 0039). Null when not clustered or when the unit has no such attribute.
   */
  private static @Nullable String analysisUnit(Experiment exp, Attributes attrs, String hashAttr) {
    if (exp.analysisUnit == null || exp.analysisUnit.equals(hashAttr)) {
      return null;
    }
    String v = hashValueOf(attrs, exp.analysisUnit, null);
    return v.isEmpty() ? null : v;
  }

  private static ExperimentResult notIn(Experiment exp, @Nullable String featureId, Attributes attrs,
      @Nullable String fallback, boolean detail) {
    if (!detail) {
      return exp.liteNotIn;
    }
    return exp.result(-1, false, false, hashAttributeUsed(attrs, exp.hashAttribute, fallback),
        hashValueOf(attrs, exp.hashAttribute, fallback), Double.NaN, featureId, false);
  }

  /** Steps 6 to 8.05 of GrowthBook's run: filters or namespace, the targeting condition, prerequisites. */
  private boolean eligible(Experiment exp, Attributes attrs, String hashValue, @Nullable Call call) {
    if (exp.filters != null) {
      if (isFilteredOut(exp.filters, attrs)) {
        return false;
      }
    } else if (exp.namespace != null && !Bucketing.inNamespace(hashValue, exp.namespace)) {
      return false;
    }
    if (exp.condition != null && !exp.condition.matches(attrs)) {
      return false;
    }
    if (exp.parents != null) {
      Call c = call != null ? call : new Call();
      for (Parent parent : exp.parents) {
        FeatureResult parentResult = evalFeature(parent.id(), attrs, false, c);
        if (parentResult.source() == Source.CYCLIC_PREREQUISITE
            || !parent.condition().matches(Attributes.of("value", parentResult.rawValue()))) {
          return false;
        }
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Exposure tracking

  /** The attribute of an exposure key that is an analysis unit inside a cluster (no attribute name can be it). */
  private static final String UNIT_KEY = "\u0000unit";

  /** What makes an exposure a repeat: the same unit, experiment and variation. */
  record ExposureKey(String hashAttribute, String hashValue, String experimentKey, int variationId) {}

  private void track(Experiment exp, ExperimentResult result) {
    String unit = result.unitValue;
    if (settings.tracking() && firstExposure(unit == null ? result.hashAttribute() : UNIT_KEY,
        unit == null ? result.hashValue() : unit, exp.key, result.variationId())) {
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
      int variationId = (int) JsSemantics.toNumber(res.get("variationId"));
      ExperimentResult result = exp.result(variationId, JsSemantics.truthy(res.get("inExperiment")),
          JsSemantics.truthy(res.get("hashUsed")), String.valueOf(res.getOrDefault("hashAttribute", "id")),
          Json.jsString(res.getOrDefault("hashValue", "")), Double.NaN, null, false);
      track(exp, result);
    } catch (RuntimeException ignored) {
      // A malformed track entry is skipped; it cannot change the feature's value.
    }
  }
}
