package dev.assay.server.domain;

import static dev.assay.server.domain.Check.NAME_MAX;
import static dev.assay.server.domain.Check.TEXT_MAX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The documents clients send, bound by Jackson. Compact constructors validate every field and name
 * it on failure; absent optional fields get their defaults. Cross-entity checks (references to
 * metrics, segments, layers, environments) live in {@link ConfigService}.
 */
final class Specs {
  private Specs() {}

  static final List<String> FLAG_TYPES = List.of("boolean", "string", "number", "json");
  static final List<String> FLAG_LIFECYCLES = List.of("active", "stale", "archived");
  static final List<String> EXPERIMENT_TYPES =
      List.of("ab", "aa", "multivariate", "bandit", "holdout", "switchback");
  static final List<String> METRIC_TYPES = List.of("proportion", "mean", "sum", "count", "ratio", "quantile");
  static final List<String> DIRECTIONS = List.of("increase", "decrease");
  static final List<String> ROLES = List.of("admin", "experimenter", "analyst", "viewer");

  record ProjectSpec(String key, String name, String description) {
    ProjectSpec {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      description = Check.text("description", description, TEXT_MAX);
    }
  }

  record EnvironmentSpec(String key, String name, String description) {
    EnvironmentSpec {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      description = Check.text("description", description, TEXT_MAX);
    }
  }

  record SdkConnectionSpec(String environment, String name, Boolean encrypt) {
    SdkConnectionSpec {
      Check.key("environment", environment);
      name = Check.text("name", name, NAME_MAX);
      encrypt = encrypt != null && encrypt;
    }
  }

  record LayerSpec(String key, String name, String description) {
    LayerSpec {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      description = Check.text("description", description, TEXT_MAX);
    }
  }

  record SegmentSpec(String key, String name, String attribute, JsonNode condition, List<String> ids) {
    SegmentSpec {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      ids = Check.list("ids", ids, 100_000);
      boolean hasCondition = condition != null && !condition.isNull();
      if (hasCondition == !ids.isEmpty()) {
        throw DomainException.invalid("condition", "give exactly one of 'condition' or 'ids'");
      }
      if (!ids.isEmpty()) {
        attribute = Check.requiredText("attribute", attribute, NAME_MAX);
      } else {
        attribute = Check.text("attribute", attribute, NAME_MAX);
        Conditions.validate("condition", condition);
      }
      condition = hasCondition ? condition : NullNode.getInstance();
    }
  }

  /**
   * A metric of the catalogue. Its source is a built-in event ({@code event}, optionally with a
   * {@code valueProperty} and property {@code filters}) or {@code sql} over the warehouse (a query
   * returning unit_id, timestamp and value); a ratio metric names its {@code numerator} and
   * {@code denominator} metrics instead.
   */
  record MetricSpec(String key, String name, String type, String event, String valueProperty,
      Map<String, JsonNode> filters, String sql, String numerator, String denominator, Double quantile,
      String direction, Double conversionWindowHours, Double capping, Double cappingPercentile,
      Integer cupedLookbackDays, Integer minimumSample) {
    MetricSpec {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      Check.required("type", type);
      type = Check.oneOf("type", type, "proportion", METRIC_TYPES);
      boolean ratio = type.equals("ratio");
      if (ratio) {
        Check.key("numerator", numerator);
        Check.key("denominator", denominator);
        if (numerator.equals(key) || denominator.equals(key)) {
          throw DomainException.invalid("numerator", "a ratio metric cannot use itself");
        }
        if (event != null || sql != null) {
          throw DomainException.invalid("event", "a ratio metric takes numerator and denominator metrics, not an event or sql");
        }
      } else {
        if (numerator != null || denominator != null) {
          throw DomainException.invalid("numerator", "only a ratio metric has a numerator and denominator");
        }
        if ((event == null) == (sql == null)) {
          throw DomainException.invalid("event", "give exactly one source: 'event' (a tracked event name) or 'sql'");
        }
        if (event != null) {
          event = Check.requiredText("event", event, NAME_MAX);
        } else {
          sql = Check.requiredText("sql", sql, 20_000);
          MetricSql.check("sql", sql);
        }
      }
      valueProperty = valueProperty == null ? "value" : Check.requiredText("valueProperty", valueProperty, NAME_MAX);
      filters = filters == null ? Map.of() : Map.copyOf(filters);
      if (filters.size() > 20) {
        throw DomainException.invalid("filters", "at most 20 property filters, got " + filters.size());
      }
      for (Map.Entry<String, JsonNode> f : filters.entrySet()) {
        Check.requiredText("filters", f.getKey(), NAME_MAX);
        if (f.getValue() == null || !f.getValue().isValueNode()) {
          throw DomainException.invalid("filters." + f.getKey(), "must be a string, number or boolean to compare with");
        }
      }
      if (type.equals("quantile")) {
        Check.required("quantile", quantile);
        if (!(quantile > 0 && quantile < 1)) {
          throw DomainException.invalid("quantile", "must be in (0, 1), e.g. 0.9 for p90, was " + quantile);
        }
      } else if (quantile != null) {
        throw DomainException.invalid("quantile", "only a quantile metric has a quantile");
      }
      direction = Check.oneOf("direction", direction, "increase", DIRECTIONS);
      if (conversionWindowHours != null && !(conversionWindowHours > 0 && conversionWindowHours <= 24 * 365)) {
        throw DomainException.invalid("conversionWindowHours", "must be in (0, 8760], was " + conversionWindowHours);
      }
      if (capping != null && !(capping > 0)) {
        throw DomainException.invalid("capping", "must be positive, was " + capping);
      }
      if (cappingPercentile != null && !(cappingPercentile > 0 && cappingPercentile < 1)) {
        throw DomainException.invalid("cappingPercentile", "must be in (0, 1), e.g. 0.999, was " + cappingPercentile);
      }
      if (capping != null && cappingPercentile != null) {
        throw DomainException.invalid("capping", "give an absolute 'capping' or a 'cappingPercentile', not both");
      }
      cupedLookbackDays = cupedLookbackDays == null ? 14 : cupedLookbackDays;
      if (cupedLookbackDays < 0 || cupedLookbackDays > 365) {
        throw DomainException.invalid("cupedLookbackDays", "must be between 0 (no CUPED) and 365, was " + cupedLookbackDays);
      }
      minimumSample = minimumSample == null ? 100 : minimumSample;
      if (minimumSample < 0) {
        throw DomainException.invalid("minimumSample", "must not be negative, was " + minimumSample);
      }
    }
  }

  /**
   * A share of units kept out of some flags and experiments (they get the flags' default values)
   * to measure the long-term effect of everything shipped behind them.
   */
  record HoldoutSpec(String key, String name, String description, Double fraction,
      String hashAttribute, List<String> flags, List<String> experiments) {
    HoldoutSpec {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      description = Check.text("description", description, TEXT_MAX);
      Check.required("fraction", fraction);
      if (!(fraction > 0 && fraction <= 0.5)) {
        throw DomainException.invalid("fraction", "must be in (0, 0.5], was " + fraction);
      }
      hashAttribute = hashAttribute == null ? "id" : Check.requiredText("hashAttribute", hashAttribute, NAME_MAX);
      flags = Check.list("flags", flags, 1000);
      experiments = Check.list("experiments", experiments, 1000);
      for (int i = 0; i < flags.size(); i++) {
        Check.key("flags[" + i + "]", flags.get(i));
      }
      for (int i = 0; i < experiments.size(); i++) {
        Check.key("experiments[" + i + "]", experiments.get(i));
      }
      if (flags.isEmpty() && experiments.isEmpty()) {
        throw DomainException.invalid("flags", "a holdout needs at least one flag or experiment");
      }
    }
  }

  /** A person; {@code projects} limits their role to those projects (empty: every project). */
  record UserSpec(String key, String name, String email, String role, List<String> projects) {
    UserSpec {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      email = Check.text("email", email, NAME_MAX);
      Check.required("role", role);
      role = Check.oneOf("role", role, "viewer", ROLES);
      projects = Check.list("projects", projects, 100);
      for (int i = 0; i < projects.size(); i++) {
        Check.key("projects[" + i + "]", projects.get(i));
        if (projects.subList(0, i).contains(projects.get(i))) {
          throw DomainException.invalid("projects[" + i + "]", "project '" + projects.get(i) + "' is listed twice");
        }
      }
    }
  }

  record FlagRule(JsonNode condition, JsonNode value, Double coverage, String hashAttribute,
      String experiment) {
    FlagRule {
      condition = condition == null ? NullNode.getInstance() : condition;
      if (!condition.isNull()) {
        Conditions.validate("condition", condition);
      }
      Check.fraction("coverage", coverage, 1.0);
      hashAttribute = Check.text("hashAttribute", hashAttribute, NAME_MAX);
      Check.optionalKey("experiment", experiment);
      if (experiment == null && (value == null || value.isNull())) {
        throw DomainException.invalid("value", "is required unless the rule names an 'experiment'");
      }
      if (experiment != null && value != null && !value.isNull()) {
        throw DomainException.invalid("value", "must be absent when the rule names an 'experiment'");
      }
      value = value == null ? NullNode.getInstance() : value;
    }
  }

  record FlagEnvironment(Boolean enabled, List<FlagRule> rules) {
    FlagEnvironment {
      enabled = enabled == null ? Boolean.TRUE : enabled;
      rules = Check.list("rules", rules, 200);
    }
  }

  /**
   * Another flag that must evaluate to {@code value} for this flag to apply; otherwise this flag
   * evaluates to nothing (the caller's default), in every environment.
   */
  record Prerequisite(String flag, JsonNode value) {
    Prerequisite {
      Check.key("flag", flag);
      if (value == null || value.isNull()) {
        throw DomainException.invalid("value", "is required: the value the prerequisite flag must evaluate to");
      }
    }
  }

  record FlagSpec(String key, String type, JsonNode defaultValue, String description, String owner,
      List<String> tags, String lifecycle, Map<String, FlagEnvironment> environments,
      List<Prerequisite> prerequisites) {
    FlagSpec {
      Check.key("key", key);
      Check.required("type", type);
      type = Check.oneOf("type", type, "boolean", FLAG_TYPES);
      Check.required("defaultValue", defaultValue);
      checkValueType("defaultValue", type, defaultValue);
      description = Check.text("description", description, TEXT_MAX);
      owner = Check.text("owner", owner, NAME_MAX);
      tags = Check.list("tags", tags, 50);
      for (int i = 0; i < tags.size(); i++) {
        Check.text("tags[" + i + "]", tags.get(i), 64);
      }
      lifecycle = Check.oneOf("lifecycle", lifecycle, "active", FLAG_LIFECYCLES);
      environments = environments == null ? Map.of() : new LinkedHashMap<>(environments);
      for (Map.Entry<String, FlagEnvironment> e : environments.entrySet()) {
        Check.key("environments", e.getKey());
        Check.required("environments." + e.getKey(), e.getValue());
        List<FlagRule> rules = e.getValue().rules();
        for (int i = 0; i < rules.size(); i++) {
          if (!rules.get(i).value().isNull()) {
            checkValueType("environments." + e.getKey() + ".rules[" + i + "].value", type, rules.get(i).value());
          }
        }
      }
      environments = Map.copyOf(environments);
      prerequisites = Check.list("prerequisites", prerequisites, 20);
      Set<String> parents = new HashSet<>();
      for (int i = 0; i < prerequisites.size(); i++) {
        String parent = prerequisites.get(i).flag();
        if (parent.equals(key)) {
          throw DomainException.invalid("prerequisites[" + i + "].flag", "a flag cannot be its own prerequisite");
        }
        if (!parents.add(parent)) {
          throw DomainException.invalid("prerequisites[" + i + "].flag", "flag '" + parent + "' is listed twice");
        }
      }
    }
  }

  static void checkValueType(String field, String type, JsonNode value) {
    boolean ok = switch (type) {
      case "boolean" -> value.isBoolean();
      case "string" -> value.isTextual();
      case "number" -> value.isNumber();
      default -> !value.isNull();
    };
    if (!ok) {
      throw DomainException.invalid(field, "must be a " + type + " value for a " + type + " flag");
    }
  }

  record Variant(String key, String name, Double weight, JsonNode value) {
    Variant {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      Check.required("weight", weight);
      Check.fraction("weight", weight, 0);
      value = value == null ? NullNode.getInstance() : value;
    }
  }

  record Range(Double start, Double end) {
    Range {
      Check.required("start", start);
      Check.required("end", end);
      Check.fraction("start", start, 0);
      Check.fraction("end", end, 1);
      if (!(start < end)) {
        throw DomainException.invalid("end", "must be greater than start (" + start + "), was " + end);
      }
    }

    boolean overlaps(Range o) {
      return start < o.end && o.start < end;
    }
  }

  /**
   * A guardrail metric of an experiment.
   *
   * @param direction which way is better for this guardrail ({@code increase} or {@code decrease});
   *     null takes the metric's own direction
   * @param threshold the tolerated degradation as a fraction of the control mean (0.05: the
   *     treatment may be up to 5% worse), the non-inferiority margin of the guardrail's test and
   *     the line the guardrail monitor halts beyond; null tolerates no degradation
   */
  record Guardrail(String metric, String direction, Double threshold) {
    /** The largest threshold accepted: a tenfold degradation. */
    static final double MAX_THRESHOLD = 10.0;

    Guardrail {
      Check.key("metric", metric);
      direction = direction == null ? null : Check.oneOf("direction", direction, null, DIRECTIONS);
      if (threshold != null && !(threshold > 0 && threshold <= MAX_THRESHOLD)) {
        throw DomainException.invalid("threshold", "must be a fraction of the control mean in (0, " + (int) MAX_THRESHOLD
            + "], e.g. 0.05 for at most 5% worse, was " + threshold);
      }
    }
  }

  record MetricRefs(String primary, List<String> secondary, List<Guardrail> guardrails) {
    MetricRefs {
      Check.optionalKey("primary", primary);
      secondary = Check.list("secondary", secondary, 50);
      for (int i = 0; i < secondary.size(); i++) {
        Check.key("secondary[" + i + "]", secondary.get(i));
      }
      guardrails = Check.list("guardrails", guardrails, 50);
    }

    List<String> all() {
      var out = new java.util.ArrayList<String>();
      if (primary != null) {
        out.add(primary);
      }
      out.addAll(secondary);
      guardrails.forEach(g -> out.add(g.metric()));
      return out;
    }
  }

  record ExperimentSpec(String key, String name, String hypothesis, String owner, String type,
      String hashAttribute, String fallbackAttribute, JsonNode condition, Double coverage,
      List<Variant> variants, String layer, Range range, MetricRefs metrics, Long plannedUnits,
      AnalysisSpec analysis) {
    ExperimentSpec {
      Check.key("key", key);
      name = Check.text("name", name, NAME_MAX);
      hypothesis = Check.text("hypothesis", hypothesis, TEXT_MAX);
      owner = Check.text("owner", owner, NAME_MAX);
      type = Check.oneOf("type", type, "ab", EXPERIMENT_TYPES);
      hashAttribute = hashAttribute == null ? "id" : Check.requiredText("hashAttribute", hashAttribute, NAME_MAX);
      fallbackAttribute = Check.text("fallbackAttribute", fallbackAttribute, NAME_MAX);
      condition = condition == null ? NullNode.getInstance() : condition;
      if (!condition.isNull()) {
        Conditions.validate("condition", condition);
      }
      coverage = Check.fraction("coverage", coverage, 1.0);
      Check.required("variants", variants);
      variants = Check.list("variants", variants, 100);
      if (variants.size() < 2) {
        throw DomainException.invalid("variants", "needs at least 2 variants, has " + variants.size());
      }
      Set<String> seen = new HashSet<>();
      double[] weights = new double[variants.size()];
      for (int i = 0; i < variants.size(); i++) {
        if (!seen.add(variants.get(i).key())) {
          throw DomainException.invalid("variants[" + i + "].key",
              "duplicate variant key '" + variants.get(i).key() + "'; variant keys must be unique");
        }
        weights[i] = variants.get(i).weight();
      }
      VariantWeights.sumProblem(weights).ifPresent(p -> {
        throw DomainException.invalid("variants", p);
      });
      Check.optionalKey("layer", layer);
      if (layer != null && range == null) {
        throw DomainException.invalid("range", "is required when 'layer' is set");
      }
      if (layer == null && range != null) {
        throw DomainException.invalid("layer", "is required when 'range' is set");
      }
      metrics = metrics == null ? new MetricRefs(null, List.of(), List.of()) : metrics;
      if (plannedUnits != null && (plannedUnits < 1 || plannedUnits > 1_000_000_000_000L)) {
        throw DomainException.invalid("plannedUnits", "must be a whole number of units from 1 to 10^12, was "
            + plannedUnits);
      }
      analysis = analysis == null ? new AnalysisSpec(null, null, null, null, null, null) : analysis;
    }
  }

  /**
   * How an experiment's results are computed (defaults: frequentist, α = 0.05, always-valid
   * sequential intervals, CUPED, Benjamini–Hochberg over goal and secondary metrics, and the
   * guardrail monitor may halt it: {@code autoHalt}).
   */
  record AnalysisSpec(String engine, Double alpha, Boolean sequential, Boolean cuped, String correction,
      Boolean autoHalt) {
    static final List<String> ENGINES = List.of("frequentist", "bayesian");
    static final List<String> CORRECTIONS = List.of("benjamini_hochberg", "holm", "bonferroni", "none");

    AnalysisSpec {
      engine = Check.oneOf("analysis.engine", engine, "frequentist", ENGINES);
      if (alpha != null && !(alpha > 0 && alpha <= 0.5)) {
        throw DomainException.invalid("analysis.alpha", "must be in (0, 0.5], e.g. 0.05, was " + alpha);
      }
      alpha = alpha == null ? 0.05 : alpha;
      sequential = sequential == null || sequential;
      cuped = cuped == null || cuped;
      correction = Check.oneOf("analysis.correction", correction, "benjamini_hochberg", CORRECTIONS);
      autoHalt = autoHalt == null || autoHalt;
    }
  }

  record Phase(int number, String seed, long startedAt, double coverage, List<Double> weights) {}

  /**
   * How an experiment ended. A "ship" decision serves the chosen variant to the experiment's
   * audience (its targeting condition) by default, so units outside the audience keep what they
   * had; {@code audience: "everyone"} ships it to every unit the flag rule reaches.
   */
  record Decision(String outcome, String variant, String writeUp, String audience) {
    static final List<String> OUTCOMES = List.of("ship", "rollback", "inconclusive");
    static final List<String> AUDIENCES = List.of("experiment", "everyone");

    Decision {
      Check.required("outcome", outcome);
      outcome = Check.oneOf("outcome", outcome, "inconclusive", OUTCOMES);
      writeUp = Check.text("writeUp", writeUp, TEXT_MAX);
      if (outcome.equals("ship")) {
        Check.key("variant", variant);
        audience = Check.oneOf("audience", audience, "experiment", AUDIENCES);
      } else if (variant != null) {
        throw DomainException.invalid("variant", "only a 'ship' decision names a variant");
      } else if (audience != null) {
        throw DomainException.invalid("audience", "only a 'ship' decision has an audience");
      }
    }
  }
}
