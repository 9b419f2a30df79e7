package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.assay.server.domain.DomainException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How an experiment's results are computed (defaults: frequentist, α = {@value #DEFAULT_ALPHA},
 * always-valid sequential intervals, CUPED, Benjamini–Hochberg over goal and secondary metrics,
 * and the guardrail monitor may halt it: {@code autoHalt}).
 *
 * @param unit the attribute naming the unit the metrics are measured on (e.g. {@code id}, a user),
 *     when it differs from the experiment's {@code hashAttribute} (e.g. {@code company}): a cluster
 *     randomization, analysed at the randomization unit (ratio of cluster sums, delta method); empty
 *     when metrics are measured on the randomization unit itself (docs/designs.md, ADR 0039)
 * @param trigger an event name: the analysis counts only units that sent it at or after their first
 *     exposure (triggered analysis), and reports the triggered share and the effect diluted to
 *     every exposed unit; empty for all exposed units
 * @param stratify an exposure attribute known at assignment (e.g. a plan tier): the results also
 *     report the post-stratified estimate over its levels, which removes the variance between
 *     them; empty for none
 */
public record Analysis(Engine engine, Double alpha, Boolean sequential, Boolean cuped, Correction correction,
    Boolean autoHalt, @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> unit,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> trigger,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> stratify) {
  /** The significance level of an experiment that sets none: the one place α's default is written. */
  public static final double DEFAULT_ALPHA = 0.05;
  /** All defaults. */
  public static final Analysis DEFAULTS = new Analysis(null, null, null, null, null, null, null, null, null);

  public Analysis(@Nullable Engine engine, @Nullable Double alpha, @Nullable Boolean sequential,
      @Nullable Boolean cuped, @Nullable Correction correction, @Nullable Boolean autoHalt,
      @Nullable Optional<String> unit, @Nullable Optional<String> trigger, @Nullable Optional<String> stratify) {
    this.engine = engine == null ? Engine.FREQUENTIST : engine;
    if (alpha != null && !(alpha > 0 && alpha <= 0.5)) {
      throw DomainException.invalid("alpha", "must be in (0, 0.5], e.g. 0.05, was " + alpha);
    }
    this.alpha = alpha == null ? DEFAULT_ALPHA : alpha;
    this.sequential = sequential == null || sequential;
    this.cuped = cuped == null || cuped;
    this.correction = correction == null ? Correction.BENJAMINI_HOCHBERG : correction;
    this.autoHalt = autoHalt == null || autoHalt;
    this.unit = Check.optional(unit).map(u -> Check.requiredText("unit", u, NAME_MAX));
    this.trigger = Check.optional(trigger).map(t -> Check.requiredText("trigger", t, NAME_MAX));
    this.stratify = Check.optional(stratify).map(t -> Check.requiredText("stratify", t, NAME_MAX));
  }

  /** The analysis settings of a cluster-randomized experiment hashed by {@code hashAttribute}, if it is one. */
  public Optional<String> clusterUnit(String hashAttribute) {
    return unit.filter(u -> !u.equals(hashAttribute));
  }
}
