package dev.assay.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.Audience;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.FlagEnvironment;
import dev.assay.server.domain.model.FlagRule;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.Outcome;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.Prerequisite;
import dev.assay.server.domain.model.ProjectConfig;
import dev.assay.server.domain.model.Rollout;
import dev.assay.server.domain.model.RolloutStatus;
import dev.assay.server.domain.model.Segment;
import dev.assay.server.domain.model.Variant;
import dev.assay.server.domain.model.Versioned;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Compiles one project's flags, experiments and segments for one environment into the
 * GrowthBook-compatible SDK payload ({@code {"features": {...}, "savedGroups": {...},
 * "dateUpdated": ...}}) that {@code assay-sdk} and GrowthBook SDKs evaluate.
 *
 * <p>The mapping (documented for users in {@code docs/payloads.md}):
 *
 * <ul>
 *   <li>A flag becomes a feature with its {@code defaultValue}. In an environment where the flag
 *       is enabled, each rule becomes a GrowthBook rule in order: a value rule becomes a
 *       {@code force} rule (with {@code coverage}, {@code hashAttribute} and the flag key as
 *       {@code seed} for a percentage rollout); a rule naming an experiment becomes an experiment
 *       rule while that experiment runs. A disabled environment, or a flag without an entry for
 *       it, serves only the default value.
 *   <li>A running experiment rule carries the variant values as {@code variations}, the current
 *       phase's weights, coverage and hash {@code seed} (so a new phase re-randomises), its
 *       targeting {@code condition} combined with the flag rule's by {@code $and}, its layer as a
 *       GrowthBook {@code namespace} [layer, start, end] (mutually exclusive experiments),
 *       {@code hashVersion} 2, and {@code key}, {@code name}, {@code phase} and {@code meta}.
 *   <li>A concluded experiment with a "ship" decision becomes a {@code force} rule to the shipped
 *       variant's value, under the experiment's targeting condition unless the decision's
 *       {@code audience} is {@code everyone}; an experiment halted by the guardrail monitor (stopped, with a
 *       {@code halted} record) becomes a {@code force} rule to control's (the first variant's)
 *       value under its targeting condition; other draft, paused, stopped, rolled-back and
 *       archived experiments produce no rule, so evaluation falls through to the next rule or
 *       the default.
 *   <li>Every experiment that runs (or was shipped) and that no flag names is also served as a
 *       feature under its own key (default: the first variant's value), unless a flag has that key.
 *   <li>A holdout is a feature {@code holdout:<key>} assigning units to the arms held-out and
 *       general (a tracked experiment), and puts, before the rules of each feature it covers (its
 *       flags, the flags whose rules name its experiments, and its experiments' own features), a
 *       {@code force} rule to the default value under the prerequisite "holdout:<key> is
 *       held-out", so the held-out units never reach a covered rollout or experiment
 *       ({@link HoldoutRules}, ADR 0037).
 *   <li>A killed flag (kill switch) serves only its default value in every environment; a killed
 *       experiment becomes a {@code force} rule to its control (first) variant's value, whatever
 *       its status, so everybody gets control and no exposure is logged.
 *   <li>A flag's {@code prerequisites} become a first gate rule with {@code parentConditions}: unless
 *       every parent flag evaluates to its expected value, the feature evaluates to null.
 *   <li>ID-list segments become {@code savedGroups}; a condition segment referenced by
 *       {@code $inGroup}/{@code $notInGroup} is inlined (its condition, or {@code $not} of it).
 * </ul>
 *
 * <p>Output is deterministic (features sorted by key, {@code dateUpdated} the latest change of an
 * included entity, written with millisecond precision), so identical configuration gives identical
 * bytes and the same ETag. A deletion leaves no trace in a snapshot, so {@link PayloadCache} keeps
 * {@code dateUpdated} strictly increasing whenever the content changes.
 */
public final class PayloadCompiler {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final String environment;
  private final Map<String, Versioned<Experiment>> experiments = new TreeMap<>();
  private final Map<String, Versioned<Segment>> segments = new TreeMap<>();
  private final List<Versioned<Holdout>> holdouts;
  private final Map<String, Versioned<Rollout>> rollouts = new TreeMap<>();
  private final SegmentInliner inliner;
  private Instant latest = Instant.EPOCH;

  private PayloadCompiler(ProjectConfig config, String environment) {
    this.environment = environment;
    config.experiments().forEach(e -> experiments.put(e.value().key(), e));
    config.segments().forEach(s -> segments.put(s.value().key(), s));
    this.holdouts = config.holdouts();
    config.rollouts().forEach(r -> rollouts.put(Rollout.storeKey(r.value().flag(), r.value().environment()), r));
    this.inliner = new SegmentInliner(segments);
  }

  /** Compiles the payload of {@code environment} from a project's configuration. */
  public static ObjectNode compile(ProjectConfig config, String environment) {
    return new PayloadCompiler(config, environment).compile(config.flags());
  }

  private ObjectNode compile(List<Versioned<Flag>> flags) {
    TreeMap<String, ObjectNode> features = new TreeMap<>();
    Set<String> namedExperiments = new HashSet<>();
    for (Versioned<Flag> flag : flags) {
      touch(flag);
      features.put(flag.value().key(), feature(flag.value(), namedExperiments));
    }
    for (Versioned<Experiment> exp : experiments.values()) {
      String key = exp.value().key();
      if (namedExperiments.contains(key) || features.containsKey(key)) {
        continue;
      }
      Optional<ObjectNode> rule = experimentRule(exp.value(), Optional.empty(), "exp_" + key);
      if (rule.isEmpty()) {
        continue;
      }
      touch(exp);
      ObjectNode feature = F.objectNode();
      JsonNode defaultValue = exp.value().control().served();
      feature.set("defaultValue", defaultValue);
      ArrayNode rules = holdoutRules(null, Set.of(key), defaultValue);
      rules.add(rule.get());
      feature.set("rules", rules);
      features.put(key, feature);
    }
    for (Versioned<Holdout> h : holdouts) {
      touch(h);
      features.put(h.value().trackingKey(), HoldoutRules.feature(h.value()));
    }
    ObjectNode payload = F.objectNode();
    payload.set("features", F.objectNode().setAll(features));
    ObjectNode saved = F.objectNode();
    for (Versioned<Segment> seg : segments.values()) {
      if (seg.value().isIdList()) {
        ArrayNode ids = saved.putArray(seg.value().key());
        seg.value().ids().forEach(ids::add);
        touch(seg);
      }
    }
    if (!saved.isEmpty()) {
      payload.set("savedGroups", saved);
    }
    if (inliner.latest().isAfter(latest)) {
      latest = inliner.latest();
    }
    payload.put("dateUpdated", formatDate(latest));
    return payload;
  }

  private ObjectNode feature(Flag flag, Set<String> namedExperiments) {
    String key = flag.key();
    ObjectNode feature = F.objectNode();
    JsonNode defaultValue = flag.defaultValue().deepCopy();
    feature.set("defaultValue", defaultValue);
    ArrayNode rules = F.arrayNode();
    boolean killed = flag.killed().isPresent();
    List<FlagRule> ruleDefs = flag.environment(environment).filter(env -> env.enabled() && !killed)
        .map(FlagEnvironment::rules).orElse(List.of());
    Set<String> experimentsOfFlag = new HashSet<>();
    for (int i = 0; i < ruleDefs.size(); i++) {
      FlagRule r = ruleDefs.get(i);
      String ruleId = "fr_" + key + "_" + environment + "_" + i;
      Optional<JsonNode> condition = inliner.inline(r.condition());
      if (r.experiment().isPresent()) {
        String experimentKey = r.experiment().get();
        namedExperiments.add(experimentKey);
        experimentsOfFlag.add(experimentKey);
        Versioned<Experiment> exp = experiments.get(experimentKey);
        if (exp != null) {
          touch(exp);
          Optional<ObjectNode> ramp = shippedRollout(exp.value(), key, i, condition, ruleId);
          (ramp.isPresent() ? ramp : experimentRule(exp.value(), condition, ruleId)).ifPresent(rules::add);
        }
        continue;
      }
      Versioned<Rollout> rollout = rollouts.get(Rollout.storeKey(key, environment));
      if (rollout != null && rollout.value().rule() == i) {
        touch(rollout);
        if (rollout.value().status() != RolloutStatus.COMPLETED) {
          rules.add(RolloutRules.rule(rollout.value(), condition, r.value(), r.hashAttribute(), flag.defaultValue(), ruleId));
          continue;
        }
      }
      ObjectNode rule = rules.addObject();
      rule.put("id", ruleId);
      condition.ifPresent(c -> rule.set("condition", c));
      rule.set("force", r.value().deepCopy());
      r.coverage().ifPresent(coverage -> {
        rule.put("coverage", coverage);
        rule.put("hashAttribute", r.hashAttribute().isEmpty() ? "id" : r.hashAttribute());
        rule.put("seed", key);
        rule.put("hashVersion", 2);
      });
    }
    ArrayNode gate = killed ? F.arrayNode() : prerequisiteRule(flag);
    if (!rules.isEmpty() || !gate.isEmpty()) {
      ArrayNode withHoldouts = holdoutRules(key, experimentsOfFlag, defaultValue);
      withHoldouts.addAll(rules);
      gate.addAll(withHoldouts);
      feature.set("rules", gate);
    }
    return feature;
  }

  /**
   * The flag's prerequisites as one GrowthBook gate rule ({@code parentConditions} with
   * {@code gate: true}, each parent's condition {@code {"value": <expected>}}): when a parent does
   * not evaluate to the expected value the feature evaluates to null (source "prerequisite"), else
   * evaluation continues with the next rule. Empty when the flag has none.
   */
  private static ArrayNode prerequisiteRule(Flag flag) {
    ArrayNode out = F.arrayNode();
    if (flag.prerequisites().isEmpty()) {
      return out;
    }
    ObjectNode rule = out.addObject();
    rule.put("id", "prereq_" + flag.key());
    ArrayNode parents = rule.putArray("parentConditions");
    for (Prerequisite p : flag.prerequisites()) {
      ObjectNode parent = parents.addObject();
      parent.put("id", p.flag());
      parent.putObject("condition").set("value", p.value().deepCopy());
      parent.put("gate", true);
    }
    return out;
  }

  /** Force-to-default rules of the holdouts covering a flag or any of the given experiments. */
  private ArrayNode holdoutRules(@Nullable String flagKey, Set<String> experimentKeys, JsonNode defaultValue) {
    ArrayNode out = F.arrayNode();
    for (Versioned<Holdout> v : holdouts) {
      Holdout h = v.value();
      if (!h.covers(flagKey, experimentKeys)) {
        continue;
      }
      touch(v);
      out.add(HoldoutRules.skipRule(h, defaultValue));
    }
    return out;
  }

  /** The rule an experiment contributes now, or empty when its status serves none. */
  private Optional<ObjectNode> experimentRule(Experiment exp, Optional<JsonNode> flagCondition, String ruleId) {
    if (exp.killed().isPresent()) {
      return Optional.of(forceRule(ruleId, flagCondition, exp.control().served()));
    }
    if (exp.status() == ExperimentStatus.CONCLUDED) {
      return exp.decision().filter(d -> d.outcome() == Outcome.SHIP).flatMap(d -> shipped(exp, d, flagCondition, ruleId));
    }
    if (exp.status() == ExperimentStatus.STOPPED && exp.halted().isPresent()) {
      // Halted by the guardrail monitor: every unit the experiment targets gets control's value.
      return Optional.of(forceRule(ruleId, and(flagCondition, inliner.inline(exp.condition())), exp.control().served()));
    }
    if (exp.status() != ExperimentStatus.RUNNING) {
      return Optional.empty();
    }
    return Optional.of(runningRule(exp, flagCondition, ruleId));
  }

  /*
   * A shipped experiment's rule under a rollout that has not completed (ADR 0036): the shipped
   * variant ramps from the control variant (or the plan's control) over the rollout's steps, to
   * the audience the decision ships to. Empty when no such rollout exists or the experiment is
   * not shipped (a kill, for one, is served as the kill).
   */
  private Optional<ObjectNode> shippedRollout(Experiment exp, String flagKey, int index,
      Optional<JsonNode> flagCondition, String ruleId) {
    Versioned<Rollout> rollout = rollouts.get(Rollout.storeKey(flagKey, environment));
    if (rollout == null || rollout.value().rule() != index || exp.killed().isPresent()
        || exp.status() != ExperimentStatus.CONCLUDED) {
      return Optional.empty();
    }
    Optional<Decision> ship = exp.decision().filter(d -> d.outcome() == Outcome.SHIP);
    Optional<Variant> variant = ship.flatMap(d -> exp.variants().stream()
        .filter(v -> v.key().equals(d.variant().orElse(""))).findFirst());
    if (variant.isEmpty()) {
      return Optional.empty();
    }
    touch(rollout);
    if (rollout.value().status() == RolloutStatus.COMPLETED) {
      return Optional.empty();
    }
    boolean everyone = ship.get().audience().orElse(Audience.EVERYONE) == Audience.EVERYONE;
    Optional<JsonNode> condition = everyone ? flagCondition : and(flagCondition, inliner.inline(exp.condition()));
    return Optional.of(RolloutRules.rule(rollout.value(), condition, variant.get().served(), exp.hashAttribute(),
        exp.control().served(), ruleId));
  }

  private Optional<ObjectNode> shipped(Experiment exp, Decision decision, Optional<JsonNode> flagCondition,
      String ruleId) {
    String shipped = decision.variant().orElse("");
    return exp.variants().stream().filter(v -> v.key().equals(shipped)).findFirst().map(v -> {
      // Shipped to the experiment's audience unless the decision says everyone.
      boolean everyone = decision.audience().orElse(Audience.EVERYONE) == Audience.EVERYONE;
      Optional<JsonNode> condition = everyone ? flagCondition : and(flagCondition, inliner.inline(exp.condition()));
      return forceRule(ruleId, condition, v.served());
    });
  }

  static ObjectNode forceRule(String ruleId, Optional<JsonNode> condition, JsonNode value) {
    ObjectNode rule = F.objectNode();
    rule.put("id", ruleId);
    condition.ifPresent(c -> rule.set("condition", c));
    rule.set("force", value);
    return rule;
  }

  private ObjectNode runningRule(Experiment exp, Optional<JsonNode> flagCondition, String ruleId) {
    Optional<Phase> phase = exp.currentPhase();
    ObjectNode rule = F.objectNode();
    rule.put("id", ruleId);
    rule.put("key", exp.key());
    if (!exp.name().isEmpty()) {
      rule.put("name", exp.name());
    }
    and(flagCondition, inliner.inline(exp.condition())).ifPresent(c -> rule.set("condition", c));
    ArrayNode variations = rule.putArray("variations");
    ArrayNode meta = rule.putArray("meta");
    ArrayNode weights = rule.putArray("weights");
    List<Variant> variants = exp.variants();
    Optional<List<Double>> phaseWeights = phase.map(Phase::currentWeights).filter(w -> w.size() == variants.size());
    for (int i = 0; i < variants.size(); i++) {
      Variant v = variants.get(i);
      variations.add(v.served());
      ObjectNode m = meta.addObject();
      m.put("key", v.key());
      if (!v.name().isEmpty()) {
        m.put("name", v.name());
      }
      int index = i;
      weights.add(phaseWeights.map(w -> w.get(index)).orElse(v.weight()));
    }
    rule.put("coverage", phase.map(Phase::coverage).orElse(exp.coverage()));
    rule.put("hashAttribute", exp.hashAttribute());
    if (!exp.fallbackAttribute().isEmpty()) {
      rule.put("fallbackAttribute", exp.fallbackAttribute());
    }
    // Assay's extension for cluster randomization (other SDKs ignore it): exposures per analysis unit (ADR 0039)
    exp.analysis().clusterUnit(exp.hashAttribute()).ifPresent(u -> rule.put("analysisUnit", u));
    rule.put("hashVersion", 2);
    rule.put("seed", phase.map(Phase::seed).orElse(exp.key()));
    phase.ifPresent(p -> rule.put("phase", String.valueOf(p.number())));
    if (exp.layer().isPresent() && exp.range().isPresent()) {
      rule.set("namespace", F.arrayNode().add(exp.layer().get())
          .add(exp.range().get().start()).add(exp.range().get().end()));
    }
    return rule;
  }

  private static Optional<JsonNode> and(Optional<JsonNode> a, Optional<JsonNode> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return Optional.of(F.objectNode().set("$and", F.arrayNode().add(a.get()).add(b.get())));
  }

  /** Raises {@code latest} to the entity's {@code updatedAt}. */
  private void touch(Versioned<?> entity) {
    if (entity.updatedAt().isAfter(latest)) {
      latest = entity.updatedAt();
    }
  }

  /**
   * Formats a {@code dateUpdated}: ISO-8601 UTC with exactly three fraction digits, as GrowthBook
   * writes it, so values of one payload compare the same as text and as instants.
   */
  static String formatDate(Instant instant) {
    return DATE.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }

  /** Parses a {@code dateUpdated} written by {@link #formatDate}. */
  static Instant parseDate(String text) {
    return Instant.parse(text);
  }
}
