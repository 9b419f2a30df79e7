package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.assay.server.domain.DomainException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One rule of a flag in an environment: a value (optionally for a share of units, a rollout) or
 * the experiment that decides the value.
 *
 * @param condition the targeting condition; JSON null for everyone
 * @param value the value served; JSON null for a rule naming an experiment
 * @param coverage the rollout share, when this is a percentage rollout
 * @param hashAttribute the attribute a rollout hashes; empty for {@code id}
 */
public record FlagRule(JsonNode condition, JsonNode value, Optional<Double> coverage, String hashAttribute,
    Optional<String> experiment) {
  public FlagRule(@Nullable JsonNode condition, @Nullable JsonNode value, @Nullable Optional<Double> coverage,
      @Nullable String hashAttribute, @Nullable Optional<String> experiment) {
    this.condition = condition == null ? NullNode.getInstance() : condition;
    if (!this.condition.isNull()) {
      Conditions.validate("condition", this.condition);
    }
    this.coverage = Check.optional(coverage);
    this.coverage.ifPresent(c -> Check.fraction("coverage", c, 1.0));
    this.hashAttribute = Check.text("hashAttribute", hashAttribute, NAME_MAX);
    this.experiment = Check.optionalKey("experiment", experiment);
    boolean noValue = value == null || value.isNull();
    if (this.experiment.isEmpty() && noValue) {
      throw DomainException.invalid("value", "is required unless the rule names an 'experiment'");
    }
    if (this.experiment.isPresent() && !noValue) {
      throw DomainException.invalid("value", "must be absent when the rule names an 'experiment'");
    }
    this.value = value == null ? NullNode.getInstance() : value;
  }
}
