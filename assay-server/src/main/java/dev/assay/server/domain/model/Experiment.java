package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;
import static dev.assay.server.domain.model.Check.TEXT_MAX;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.VariantWeights;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An experiment: its design (what a client sends) and its state (set by the server: status,
 * phases, decision, halt and kill records; a client document leaves them at their defaults).
 *
 * @param fallbackAttribute the attribute to hash when {@code hashAttribute} is missing; empty for none
 * @param condition the targeting condition; JSON null for everyone
 * @param layer the layer whose {@code range} the experiment reserves, if any (both or neither)
 * @param plannedUnits the planned sample size from a power calculation, if one was made
 * @param minimumRuntimeDays the fewest days the experiment is meant to run before a decision, if stated
 * @param targetSampleSizePerVariant the units per variant the design aims at, if stated
 * @param excludedExperiments keys of experiments whose units must not enter this one; stored and
 *     validated (they must exist when planned as code), not yet enforced in the SDK payload
 * @param bandit how the server updates a bandit's weights: set (defaults applied) exactly for type bandit
 * @param switchback the windows × regions a switchback randomizes: set (defaults applied) exactly for type switchback
 * @param phases the phases so far, oldest first; the last one is current
 */
public record Experiment(String key, String name, String hypothesis, String owner, ExperimentType type,
    String hashAttribute, String fallbackAttribute, JsonNode condition, Double coverage, List<Variant> variants,
    Optional<String> layer, Optional<Range> range, MetricRefs metrics, Optional<Long> plannedUnits,
    Optional<Integer> minimumRuntimeDays, Optional<Long> targetSampleSizePerVariant, List<String> excludedExperiments,
    Analysis analysis, @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<BanditSettings> bandit,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<SwitchbackSettings> switchback,
    ExperimentStatus status, List<Phase> phases, Optional<Decision> decision,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<Halt> halted,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<Kill> killed) implements Keyed {

  public Experiment(String key, @Nullable String name, @Nullable String hypothesis, @Nullable String owner,
      @Nullable ExperimentType type, @Nullable String hashAttribute, @Nullable String fallbackAttribute,
      @Nullable JsonNode condition, @Nullable Double coverage, @Nullable List<Variant> variants,
      @Nullable Optional<String> layer, @Nullable Optional<Range> range, @Nullable MetricRefs metrics,
      @Nullable Optional<Long> plannedUnits, @Nullable Optional<Integer> minimumRuntimeDays,
      @Nullable Optional<Long> targetSampleSizePerVariant, @Nullable List<String> excludedExperiments,
      @Nullable Analysis analysis, @Nullable Optional<BanditSettings> bandit,
      @Nullable Optional<SwitchbackSettings> switchback, @Nullable ExperimentStatus status,
      @Nullable List<Phase> phases, @Nullable Optional<Decision> decision, @Nullable Optional<Halt> halted,
      @Nullable Optional<Kill> killed) {
    this.key = Check.key("key", key);
    this.name = Check.text("name", name, NAME_MAX);
    this.hypothesis = Check.text("hypothesis", hypothesis, TEXT_MAX);
    this.owner = Check.text("owner", owner, NAME_MAX);
    this.type = type == null ? ExperimentType.AB : type;
    this.hashAttribute = hashAttribute == null ? (this.type == ExperimentType.SWITCHBACK
        ? SwitchbackSettings.UNIT_ATTRIBUTE : "id") : Check.requiredText("hashAttribute", hashAttribute, NAME_MAX);
    this.fallbackAttribute = Check.text("fallbackAttribute", fallbackAttribute, NAME_MAX);
    this.condition = condition == null ? NullNode.getInstance() : condition;
    if (!this.condition.isNull()) {
      Conditions.validate("condition", this.condition);
    }
    this.coverage = Check.fraction("coverage", coverage, 1.0);
    this.variants = variants(Check.required("variants", variants));
    this.layer = Check.optionalKey("layer", layer);
    this.range = Check.optional(range);
    if (this.layer.isPresent() && this.range.isEmpty()) {
      throw DomainException.invalid("range", "is required when 'layer' is set");
    }
    if (this.layer.isEmpty() && this.range.isPresent()) {
      throw DomainException.invalid("layer", "is required when 'range' is set");
    }
    this.metrics = metrics == null ? MetricRefs.NONE : metrics;
    this.plannedUnits = Check.optional(plannedUnits);
    this.plannedUnits.filter(p -> p < 1 || p > 1_000_000_000_000L).ifPresent(p -> {
      throw DomainException.invalid("plannedUnits", "must be a whole number of units from 1 to 10^12, was " + p);
    });
    this.minimumRuntimeDays = Check.optional(minimumRuntimeDays);
    this.minimumRuntimeDays.filter(d -> d < 1 || d > 3650).ifPresent(d -> {
      throw DomainException.invalid("minimumRuntimeDays", "must be a whole number of days from 1 to 3650, was " + d);
    });
    this.targetSampleSizePerVariant = Check.optional(targetSampleSizePerVariant);
    this.targetSampleSizePerVariant.filter(n -> n < 1 || n > 1_000_000_000_000L).ifPresent(n -> {
      throw DomainException.invalid("targetSampleSizePerVariant", "must be a whole number of units from 1 to 10^12, was "
          + n);
    });
    this.excludedExperiments = Check.list("excludedExperiments", excludedExperiments, 100);
    for (int i = 0; i < this.excludedExperiments.size(); i++) {
      String x = Check.key("excludedExperiments[" + i + "]", this.excludedExperiments.get(i));
      if (x.equals(key)) {
        throw DomainException.invalid("excludedExperiments[" + i + "]", "an experiment cannot exclude itself");
      }
    }
    this.analysis = analysis == null ? Analysis.DEFAULTS : analysis;
    this.bandit = bandit(this.type, Check.optional(bandit), this.variants.size());
    this.switchback = switchback(this.type, this.hashAttribute, this.fallbackAttribute, Check.optional(switchback));
    this.status = status == null ? ExperimentStatus.DRAFT : status;
    this.phases = phases == null ? List.of() : List.copyOf(phases);
    this.decision = Check.optional(decision);
    this.halted = Check.optional(halted);
    this.killed = Check.optional(killed);
  }

  private static List<Variant> variants(List<Variant> given) {
    List<Variant> variants = Check.list("variants", given, 100);
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
    return variants;
  }

  private static Optional<BanditSettings> bandit(ExperimentType type, Optional<BanditSettings> given, int arms) {
    if (type != ExperimentType.BANDIT) {
      if (given.isPresent()) {
        throw DomainException.invalid("bandit", "is only for experiments of type 'bandit', this one is '"
            + type.wire() + "'");
      }
      return given;
    }
    BanditSettings s = given.orElse(BanditSettings.DEFAULTS);
    if (s.minWeight() * arms >= 1) {
      throw DomainException.invalid("bandit.minWeight", "must be below 1/" + arms + " (the number of variants), was "
          + s.minWeight());
    }
    return Optional.of(s);
  }

  private static Optional<SwitchbackSettings> switchback(ExperimentType type, String hashAttribute,
      String fallbackAttribute, Optional<SwitchbackSettings> given) {
    if (type != ExperimentType.SWITCHBACK) {
      if (given.isPresent()) {
        throw DomainException.invalid("switchback", "is only for experiments of type 'switchback', this one is '"
            + type.wire() + "'");
      }
      return given;
    }
    if (!hashAttribute.equals(SwitchbackSettings.UNIT_ATTRIBUTE) || !fallbackAttribute.isEmpty()) {
      throw DomainException.invalid(hashAttribute.equals(SwitchbackSettings.UNIT_ATTRIBUTE) ? "fallbackAttribute"
          : "hashAttribute", "a switchback hashes the derived attribute '" + SwitchbackSettings.UNIT_ATTRIBUTE
          + "' (\"<region>|<window index>\") and has no fallback; leave hashAttribute and fallbackAttribute unset");
    }
    return Optional.of(given.orElse(SwitchbackSettings.DEFAULTS));
  }

  /** The current (latest) phase, if the experiment has started. */
  public Optional<Phase> currentPhase() {
    return phases.isEmpty() ? Optional.empty() : Optional.of(phases.get(phases.size() - 1));
  }

  /** Whether the experiment is running or paused (its allocation is live). */
  public boolean live() {
    return status == ExperimentStatus.RUNNING || status == ExperimentStatus.PAUSED;
  }

  /**
   * Whether another design of this experiment splits traffic the same way (variant keys and
   * weights, coverage): what a running experiment changes only in a new phase.
   */
  public boolean sameAllocation(Experiment other) {
    return allocation(this).equals(allocation(other)) && Double.compare(coverage, other.coverage) == 0;
  }

  private static List<String> allocation(Experiment e) {
    return e.variants.stream().map(v -> v.key() + "=" + v.weight()).toList();
  }

  /** The control (first) variant. */
  public Variant control() {
    return variants.get(0);
  }

  /** This experiment's design with another state (status, phases, decision, halt, kill). */
  public Experiment withState(ExperimentStatus status, List<Phase> phases, Optional<Decision> decision,
      Optional<Halt> halted, Optional<Kill> killed) {
    return new Experiment(key, name, hypothesis, owner, type, hashAttribute, fallbackAttribute, condition, coverage,
        variants, layer, range, metrics, plannedUnits, minimumRuntimeDays, targetSampleSizePerVariant, excludedExperiments,
        analysis, bandit, switchback, status, phases, decision, halted, killed);
  }

  /** This experiment with the kill switch's record set or cleared. */
  public Experiment withKilled(Optional<Kill> kill) {
    return withState(status, phases, decision, halted, kill);
  }

  /** This experiment in another status, the rest of its state unchanged. */
  public Experiment withStatus(ExperimentStatus next) {
    return withState(next, phases, decision, halted, killed);
  }
}
