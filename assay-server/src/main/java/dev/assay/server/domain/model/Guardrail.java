package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A guardrail metric of an experiment.
 *
 * @param direction which way is better for this guardrail; empty takes the metric's own direction
 * @param threshold the tolerated degradation as a fraction of the control mean (0.05: the
 *     treatment may be up to 5% worse), the non-inferiority margin of the guardrail's test and
 *     the line the guardrail monitor halts beyond; empty tolerates no degradation
 */
public record Guardrail(String metric, Optional<Direction> direction, Optional<Double> threshold) {
  /** The largest threshold accepted: a tenfold degradation. */
  public static final double MAX_THRESHOLD = 10.0;

  public Guardrail(String metric, @Nullable Optional<Direction> direction, @Nullable Optional<Double> threshold) {
    this.metric = Check.key("metric", metric);
    this.direction = Check.optional(direction);
    this.threshold = Check.optional(threshold);
    this.threshold.filter(t -> !(t > 0 && t <= MAX_THRESHOLD)).ifPresent(t -> {
      throw DomainException.invalid("threshold", "must be a fraction of the control mean in (0, " + (int) MAX_THRESHOLD
          + "], e.g. 0.05 for at most 5% worse, was " + t);
    });
  }

  /** The direction that is better for this guardrail, given its metric's own. */
  public Direction direction(Metric metric) {
    return direction.orElse(metric.direction());
  }

  /** The tolerated degradation (0 when none is set). */
  public double margin() {
    return threshold.orElse(0.0);
  }
}
