package dev.assay.sdk;

import static dev.assay.sdk.PayloadReader.array;
import static dev.assay.sdk.PayloadReader.bool;
import static dev.assay.sdk.PayloadReader.integer;
import static dev.assay.sdk.PayloadReader.number;
import static dev.assay.sdk.PayloadReader.object;
import static dev.assay.sdk.PayloadReader.ranges;
import static dev.assay.sdk.PayloadReader.string;

import dev.assay.sdk.Bucketing.Namespace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An experiment definition in the GrowthBook shape: key, variations, weights, coverage, targeting,
 * hashing settings. Immutable and compiled: its condition, ranges and seed are prepared once.
 *
 * <p>Create one with {@link #builder(String, List)} or {@link #fromJson(String)}; experiments that
 * come from feature rules are created by the ruleset.
 */
public final class Experiment {

  final String key;
  final Object[] variations;
  final double @Nullable [] weights;
  final double coverage; // NaN when not set
  final BucketRange @Nullable [] explicitRanges;
  final BucketRange[] ranges;
  final String hashAttribute;
  final @Nullable String fallbackAttribute;
  /**
   * Assay's extension (ignored by other GrowthBook SDKs): the attribute naming the unit the
   * metrics are measured on when it differs from {@link #hashAttribute} (cluster randomization);
   * exposures then carry that unit's id and the cluster in their attributes (ADR 0039).
   */
  final @Nullable String analysisUnit;
  final int hashVersion;
  final String seed;
  /** FNV state of {@link #seed} for version-2 hashing. */
  final int seedState;
  final @Nullable Namespace namespace;
  final Meta[] meta;
  final Filter @Nullable [] filters;
  final @Nullable Condition condition;
  final Parent @Nullable [] parents;
  final @Nullable String name;
  final @Nullable String phase;
  final boolean active;
  final @Nullable String status;
  final int force; // Integer.MIN_VALUE when not set
  final boolean hasForce;
  final boolean disableStickyBucketing;
  final int bucketVersion;
  final int minBucketVersion;
  final Map<String, Object> definition;

  /** Results without per-unit fields, one per variation, for the allocation-free typed getters. */
  final ExperimentResult[] liteResults;
  final ExperimentResult liteNotIn;

  record Meta(@Nullable String key, @Nullable String name, boolean passthrough) {}

  record Filter(String seed, BucketRange[] ranges, int hashVersion, String attribute) {}

  record Parent(String id, Condition condition, boolean gate) {}

  private Experiment(Map<String, Object> def, String defaultKey, @Nullable String featureId,
      Map<String, List<Object>> savedGroups, String path) {
    this.definition = Collections.unmodifiableMap(def);
    String k = string(def.get("key"), path + ".key");
    this.key = k == null || k.isEmpty() ? defaultKey : k;
    List<Object> vars = array(def.get("variations"), path + ".variations");
    if (vars == null) {
      throw new PayloadException(path + ".variations", "an experiment needs variations");
    }
    this.variations = vars.toArray();
    List<Object> w = array(def.get("weights"), path + ".weights");
    if (w != null) {
      double[] ws = new double[w.size()];
      for (int i = 0; i < ws.length; i++) {
        ws[i] = number(w.get(i), path + ".weights[" + i + "]");
        if (Double.isNaN(ws[i]) || ws[i] < 0) {
          throw new PayloadException(path + ".weights[" + i + "]", "a weight must be a number >= 0");
        }
      }
      this.weights = ws;
    } else {
      this.weights = null;
    }
    this.coverage = number(def.get("coverage"), path + ".coverage");
    this.explicitRanges = ranges(def.get("ranges"), path + ".ranges");
    this.ranges = explicitRanges != null
        ? explicitRanges
        : Bucketing.ranges(variations.length, Double.isNaN(coverage) ? 1 : coverage, weights);
    String ha = string(def.get("hashAttribute"), path + ".hashAttribute");
    // Interned, so that looking the attribute up matches the caller's key by identity.
    this.hashAttribute = ha == null || ha.isEmpty() ? "id" : ha.intern();
    String fa = string(def.get("fallbackAttribute"), path + ".fallbackAttribute");
    this.fallbackAttribute = fa == null || fa.isEmpty() ? null : fa.intern();
    String au = string(def.get("analysisUnit"), path + ".analysisUnit");
    this.analysisUnit = au == null || au.isEmpty() ? null : au.intern();
    int hv = integer(def.get("hashVersion"), 1, path + ".hashVersion");
    this.hashVersion = hv == 0 ? 1 : hv;
    String s = string(def.get("seed"), path + ".seed");
    this.seed = s == null || s.isEmpty() ? key : s;
    this.seedState = Hashing.seedState(this.seed);
    this.namespace = namespace(def.get("namespace"), path + ".namespace");
    this.meta = meta(def.get("meta"), path + ".meta");
    this.filters = filters(def.get("filters"), path + ".filters");
    Object cond = def.get("condition");
    this.condition = cond == null ? null : Conditions.compile(cond, savedGroups, path + ".condition");
    this.parents = parents(def.get("parentConditions"), savedGroups, path + ".parentConditions");
    this.name = string(def.get("name"), path + ".name");
    this.phase = string(def.get("phase"), path + ".phase");
    this.active = bool(def.get("active"), true, path + ".active");
    this.status = string(def.get("status"), path + ".status");
    this.hasForce = def.containsKey("force");
    this.force = hasForce ? integer(def.get("force"), -1, path + ".force") : Integer.MIN_VALUE;
    this.disableStickyBucketing = bool(def.get("disableStickyBucketing"), false, path + ".disableStickyBucketing");
    this.bucketVersion = integer(def.get("bucketVersion"), 0, path + ".bucketVersion");
    this.minBucketVersion = integer(def.get("minBucketVersion"), 0, path + ".minBucketVersion");
    this.liteResults = new ExperimentResult[variations.length];
    for (int i = 0; i < variations.length; i++) {
      liteResults[i] = result(i, true, true, hashAttribute, "", Double.NaN, featureId, false);
    }
    this.liteNotIn = result(-1, false, false, hashAttribute, "", Double.NaN, featureId, false);
  }

  static Experiment compile(Map<String, Object> def, String defaultKey, @Nullable String featureId,
      Map<String, List<Object>> savedGroups, String path) {
    return new Experiment(def, defaultKey, featureId, savedGroups, path);
  }

  /**
   * An experiment from its JSON definition (the GrowthBook experiment shape).
   *
   * @throws PayloadException naming the field when the definition is malformed
   */
  public static Experiment fromJson(String json) {
    Map<String, Object> def = object(Json.parse(json), "$");
    if (def == null) {
      throw new PayloadException("$", "expected an experiment object");
    }
    return compile(def, "", null, Map.of(), "$");
  }

  public static Builder builder(String key, List<?> variations) {
    return new Builder(key, variations);
  }

  public String key() {
    return key;
  }

  public List<Object> variations() {
    return Collections.unmodifiableList(Arrays.asList(variations));
  }

  public String hashAttribute() {
    return hashAttribute;
  }

  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  public Optional<String> phase() {
    return Optional.ofNullable(phase);
  }

  /** The definition as given (JSON-shaped maps and lists). */
  public Map<String, Object> definition() {
    return definition;
  }

  @Override
  public String toString() {
    return "Experiment" + Json.write(definition);
  }

  /** A result for variation {@code index} (or "not in experiment" when out of range). */
  ExperimentResult result(int index, boolean inExperiment, boolean hashUsed, String hashAttr, String hashValue,
      double bucket, @Nullable String featureId, boolean stickyBucketUsed) {
    boolean in = inExperiment;
    int i = index;
    if (i < 0 || i >= variations.length) {
      i = 0;
      in = false;
    }
    Meta m = i < meta.length ? meta[i] : null;
    String vkey = m != null && m.key() != null && !m.key().isEmpty() ? m.key() : Integer.toString(i);
    return new ExperimentResult(vkey, i, variations.length == 0 ? null : variations[i], in, hashUsed,
        hashAttr, hashValue, bucket, featureId, stickyBucketUsed, m == null ? null : m.name(),
        m != null && m.passthrough());
  }

  private static @Nullable Namespace namespace(@Nullable Object v, String path) {
    List<Object> l = array(v, path);
    if (l == null) {
      return null;
    }
    if (l.size() != 3) {
      throw new PayloadException(path, "a namespace must be [id, start, end]");
    }
    return new Namespace(Objects.requireNonNullElse(string(l.get(0), path + "[0]"), ""),
        number(l.get(1), path + "[1]"), number(l.get(2), path + "[2]"));
  }

  private static Meta[] meta(@Nullable Object v, String path) {
    List<Object> l = array(v, path);
    if (l == null) {
      return new Meta[0];
    }
    Meta[] out = new Meta[l.size()];
    for (int i = 0; i < out.length; i++) {
      String p = path + "[" + i + "]";
      Map<String, Object> m = object(l.get(i), p);
      if (m == null) {
        out[i] = new Meta(null, null, false);
        continue;
      }
      out[i] = new Meta(string(m.get("key"), p + ".key"), string(m.get("name"), p + ".name"),
          JsSemantics.truthy(m.get("passthrough")));
    }
    return out;
  }

  static Filter @Nullable [] filters(@Nullable Object v, String path) {
    List<Object> l = array(v, path);
    if (l == null) {
      return null;
    }
    Filter[] out = new Filter[l.size()];
    for (int i = 0; i < out.length; i++) {
      String p = path + "[" + i + "]";
      Map<String, Object> m = object(l.get(i), p);
      if (m == null) {
        throw new PayloadException(p, "a filter must be an object");
      }
      BucketRange[] r = ranges(m.get("ranges"), p + ".ranges");
      String attr = string(m.get("attribute"), p + ".attribute");
      out[i] = new Filter(Objects.requireNonNullElse(string(m.get("seed"), p + ".seed"), ""),
          r == null ? new BucketRange[0] : r, integer(m.get("hashVersion"), 2, p + ".hashVersion"),
          attr == null || attr.isEmpty() ? "id" : attr.intern());
    }
    return out;
  }

  static Parent @Nullable [] parents(@Nullable Object v, Map<String, List<Object>> savedGroups, String path) {
    List<Object> l = array(v, path);
    if (l == null) {
      return null;
    }
    Parent[] out = new Parent[l.size()];
    for (int i = 0; i < out.length; i++) {
      String p = path + "[" + i + "]";
      Map<String, Object> m = object(l.get(i), p);
      if (m == null) {
        throw new PayloadException(p, "a prerequisite must be an object");
      }
      String id = string(m.get("id"), p + ".id");
      if (id == null) {
        throw new PayloadException(p + ".id", "a prerequisite needs the id of its parent feature");
      }
      out[i] = new Parent(id, Conditions.compile(m.get("condition"), savedGroups, p + ".condition"),
          bool(m.get("gate"), false, p + ".gate"));
    }
    return out;
  }

  /** Builds an experiment from code. Unset fields take the GrowthBook defaults. */
  public static final class Builder {
    private final Map<String, Object> def = new LinkedHashMap<>();

    private Builder(String key, List<?> variations) {
      def.put("key", Objects.requireNonNull(key, "key"));
      def.put("variations", new ArrayList<>(variations));
    }

    public Builder weights(double... weights) {
      List<Object> w = new ArrayList<>();
      for (double x : weights) {
        w.add(x);
      }
      def.put("weights", w);
      return this;
    }

    public Builder coverage(double coverage) {
      def.put("coverage", coverage);
      return this;
    }

    public Builder hashAttribute(String attribute) {
      def.put("hashAttribute", attribute);
      return this;
    }

    public Builder fallbackAttribute(String attribute) {
      def.put("fallbackAttribute", attribute);
      return this;
    }

    public Builder hashVersion(int version) {
      def.put("hashVersion", (long) version);
      return this;
    }

    public Builder seed(String seed) {
      def.put("seed", seed);
      return this;
    }

    /** A targeting condition in the GrowthBook condition language, as JSON. */
    public Builder condition(String conditionJson) {
      def.put("condition", Json.parse(conditionJson));
      return this;
    }

    public Builder name(String name) {
      def.put("name", name);
      return this;
    }

    public Builder active(boolean active) {
      def.put("active", active);
      return this;
    }

    /** @throws PayloadException naming the field when a setting is invalid */
    public Experiment build() {
      return compile(new LinkedHashMap<>(def), "", null, Map.of(), "$");
    }
  }
}
