package dev.assay.sdk;

import static dev.assay.sdk.PayloadReader.array;
import static dev.assay.sdk.PayloadReader.bool;
import static dev.assay.sdk.PayloadReader.integer;
import static dev.assay.sdk.PayloadReader.number;
import static dev.assay.sdk.PayloadReader.object;
import static dev.assay.sdk.PayloadReader.range;
import static dev.assay.sdk.PayloadReader.string;

import dev.assay.sdk.Experiment.Filter;
import dev.assay.sdk.Experiment.Parent;
import dev.assay.sdk.FeatureResult.Source;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A parsed and pre-compiled SDK payload: every feature's rules with conditions compiled, ranges
 * computed, seeds and constant results prepared. Immutable; a client swaps a whole ruleset
 * atomically when a new payload arrives.
 */
final class Ruleset {

  static final Ruleset EMPTY = new Ruleset(Map.of(), Map.of(), Set.of(), "");
  /**
   * No payload loaded yet (an {@link AssayClient} still reading its cache or waiting for the
   * server): like {@link #EMPTY}, but typed getters say {@link TypedValue.Reason#NOT_READY}.
   */
  static final Ruleset PENDING = new Ruleset(Map.of(), Map.of(), Set.of(), "");

  final Map<String, FeatureDef> features;
  final Map<String, List<Object>> savedGroups;
  /** Attributes that sticky bucketing keys documents by (hash and fallback attributes of rules). */
  final Set<String> stickyAttributes;
  final String dateUpdated;

  private Ruleset(Map<String, FeatureDef> features, Map<String, List<Object>> savedGroups,
      Set<String> stickyAttributes, String dateUpdated) {
    this.features = features;
    this.savedGroups = savedGroups;
    this.stickyAttributes = stickyAttributes;
    this.dateUpdated = dateUpdated;
  }

  /**
   * Parses and compiles a payload.
   *
   * @param decryptionKey base64 AES key for {@code encryptedFeatures}/{@code encryptedSavedGroups}
   * @throws PayloadException naming the JSON path and the reason when anything is malformed
   */
  static Ruleset parse(String json, @Nullable String decryptionKey) {
    Map<String, Object> root = object(Json.parse(json), "$");
    if (root == null) {
      throw new PayloadException("$", "the payload must be a JSON object");
    }
    return compile(root, decryptionKey);
  }

  static Ruleset compile(Map<String, Object> root, @Nullable String decryptionKey) {
    Map<String, Object> featuresJson = object(root.get("features"), "$.features");
    if (root.get("encryptedFeatures") instanceof String enc) {
      featuresJson = object(Json.parse(decrypt(enc, decryptionKey, "$.encryptedFeatures")), "$.encryptedFeatures");
    }
    Map<String, Object> groupsJson = object(root.get("savedGroups"), "$.savedGroups");
    if (root.get("encryptedSavedGroups") instanceof String enc) {
      groupsJson = object(Json.parse(decrypt(enc, decryptionKey, "$.encryptedSavedGroups")), "$.encryptedSavedGroups");
    }
    Map<String, List<Object>> groups = new HashMap<>();
    if (groupsJson != null) {
      for (Map.Entry<String, Object> e : groupsJson.entrySet()) {
        List<Object> members = array(e.getValue(), "$.savedGroups." + e.getKey());
        groups.put(e.getKey(), members == null ? List.of() : members);
      }
    }
    Map<String, FeatureDef> features = new HashMap<>();
    Set<String> sticky = new LinkedHashSet<>();
    if (featuresJson != null) {
      for (Map.Entry<String, Object> e : featuresJson.entrySet()) {
        String path = "$.features." + e.getKey();
        Map<String, Object> def = object(e.getValue(), path);
        features.put(e.getKey(), FeatureDef.compile(e.getKey(), def == null ? Map.of() : def, groups, path, sticky));
      }
    }
    String updated = Objects.requireNonNullElse(string(root.get("dateUpdated"), "$.dateUpdated"), "");
    return new Ruleset(Collections.unmodifiableMap(features), Collections.unmodifiableMap(groups),
        Collections.unmodifiableSet(sticky), updated);
  }

  private static String decrypt(String encrypted, @Nullable String key, String path) {
    if (key == null || key.isEmpty()) {
      throw new PayloadException(path, "the payload is encrypted but no decryption key was configured");
    }
    return Decryption.decrypt(encrypted, key, path);
  }

  /** A compiled feature: its default and its rules in order. */
  static final class FeatureDef {
    final String key;
    final @Nullable Object defaultValue;
    final Rule[] rules;
    final FeatureResult defaultResult;

    private FeatureDef(String key, @Nullable Object defaultValue, Rule[] rules) {
      this.key = key;
      this.defaultValue = defaultValue;
      this.rules = rules;
      this.defaultResult = new FeatureResult(key, defaultValue, Source.DEFAULT_VALUE, "", null, null);
    }

    static FeatureDef compile(String key, Map<String, Object> def, Map<String, List<Object>> groups,
        String path, Set<String> sticky) {
      List<Object> rulesJson = array(def.get("rules"), path + ".rules");
      List<Rule> rules = new ArrayList<>();
      if (rulesJson != null) {
        for (int i = 0; i < rulesJson.size(); i++) {
          String p = path + ".rules[" + i + "]";
          Map<String, Object> r = object(rulesJson.get(i), p);
          if (r != null) {
            rules.add(new Rule(key, r, groups, p, sticky));
          }
        }
      }
      return new FeatureDef(key, def.get("defaultValue"), rules.toArray(new Rule[0]));
    }
  }

  /** A compiled feature rule: force (targeting/rollout) or experiment. */
  static final class Rule {
    final String id;
    final Parent @Nullable [] parents;
    final Filter @Nullable [] filters;
    final @Nullable Condition condition;
    final boolean isForce;
    final @Nullable Object force;
    final String seed;
    /** FNV state of {@link #seed}, so version-2 hashing does not rehash the seed per call. */
    final int seedState;
    final String hashAttribute;
    final @Nullable String fallbackAttribute;
    final boolean disableStickyBucketing;
    final @Nullable BucketRange range;
    final double coverage; // NaN when not set
    final int hashVersion;
    final @Nullable Experiment experiment;
    final @Nullable FeatureResult forceResult;
    /** Per variation: the feature result without per-unit details, for the typed getters. */
    final FeatureResult @Nullable [] liteResults;
    final List<Map<String, Object>> tracks;

    Rule(String featureKey, Map<String, Object> r, Map<String, List<Object>> groups, String path,
        Set<String> sticky) {
      this.id = Objects.requireNonNullElse(string(r.get("id"), path + ".id"), "");
      this.parents = Experiment.parents(r.get("parentConditions"), groups, path + ".parentConditions");
      this.filters = Experiment.filters(r.get("filters"), path + ".filters");
      Object cond = r.get("condition");
      this.condition = cond == null ? null : Conditions.compile(cond, groups, path + ".condition");
      this.isForce = r.containsKey("force");
      this.force = r.get("force");
      String s = string(r.get("seed"), path + ".seed");
      this.seed = s == null || s.isEmpty() ? featureKey : s;
      this.seedState = Hashing.seedState(this.seed);
      String ha = string(r.get("hashAttribute"), path + ".hashAttribute");
      // Interned, so that looking the attribute up matches the caller's key by identity.
      this.hashAttribute = ha == null || ha.isEmpty() ? "id" : ha.intern();
      String fa = string(r.get("fallbackAttribute"), path + ".fallbackAttribute");
      this.fallbackAttribute = fa == null || fa.isEmpty() ? null : fa.intern();
      this.disableStickyBucketing = bool(r.get("disableStickyBucketing"), false, path + ".disableStickyBucketing");
      this.range = r.get("range") == null ? null : range(r.get("range"), path + ".range");
      this.coverage = number(r.get("coverage"), path + ".coverage");
      int hv = integer(r.get("hashVersion"), 1, path + ".hashVersion");
      this.hashVersion = hv == 0 ? 1 : hv;
      this.tracks = tracks(r.get("tracks"), path + ".tracks");
      if (!isForce && r.get("variations") != null) {
        Map<String, Object> exp = new LinkedHashMap<>(r);
        exp.remove("id");
        exp.remove("tracks");
        this.experiment = Experiment.compile(exp, featureKey, featureKey, groups, path);
        FeatureResult[] lite = new FeatureResult[experiment.variations.length];
        for (int i = 0; i < lite.length; i++) {
          lite[i] = new FeatureResult(featureKey, experiment.variations[i], Source.EXPERIMENT, id, experiment,
              null);
        }
        this.liteResults = lite;
        sticky.add(experiment.hashAttribute);
        if (experiment.fallbackAttribute != null) {
          sticky.add(experiment.fallbackAttribute);
        }
      } else {
        this.experiment = null;
        this.liteResults = null;
      }
      this.forceResult = isForce ? new FeatureResult(featureKey, force, Source.FORCE, id, null, null) : null;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> tracks(@Nullable Object v, String path) {
      List<Object> l = array(v, path);
      if (l == null) {
        return List.of();
      }
      List<Map<String, Object>> out = new ArrayList<>();
      for (int i = 0; i < l.size(); i++) {
        Map<String, Object> t = object(l.get(i), path + "[" + i + "]");
        if (t != null) {
          out.add(t);
        }
      }
      return List.copyOf(out);
    }
  }
}
