package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;
import static dev.assay.server.domain.model.Check.TEXT_MAX;

import dev.assay.server.domain.DomainException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A share of units kept out of some flags and experiments (they get the flags' default values)
 * to measure the long-term effect of everything shipped behind them.
 *
 * <p>The SDK payload serves membership as a tracked two-arm experiment {@link #trackingKey()}
 * (held-out, general) that the covered features name as a prerequisite (ADR 0037), so both arms
 * log exposures and the analysis compares them on {@code metrics}.
 *
 * @param fraction the held-out share of units, in (0, 0.5]
 * @param metrics what the analysis compares (a primary and secondaries; no guardrails)
 */
public record Holdout(String key, String name, String description, Double fraction,
    String hashAttribute, List<String> flags, List<String> experiments, MetricRefs metrics) implements Keyed {
  /** The arms of the tracking experiment, in variation order. */
  public static final List<String> ARMS = List.of("held-out", "general");

  /** As below, without metrics. */
  public Holdout(String key, @Nullable String name, @Nullable String description, @Nullable Double fraction,
      @Nullable String hashAttribute, @Nullable List<String> flags, @Nullable List<String> experiments) {
    this(key, name, description, fraction, hashAttribute, flags, experiments, null);
  }

  public Holdout(String key, @Nullable String name, @Nullable String description, @Nullable Double fraction,
      @Nullable String hashAttribute, @Nullable List<String> flags, @Nullable List<String> experiments,
      @Nullable MetricRefs metrics) {
    this.key = Check.key("key", key);
    this.name = Check.text("name", name, NAME_MAX);
    this.description = Check.text("description", description, TEXT_MAX);
    this.fraction = Check.required("fraction", fraction);
    if (!(this.fraction > 0 && this.fraction <= 0.5)) {
      throw DomainException.invalid("fraction", "must be in (0, 0.5], was " + fraction);
    }
    this.hashAttribute = hashAttribute == null ? "id" : Check.requiredText("hashAttribute", hashAttribute, NAME_MAX);
    this.flags = Check.list("flags", flags, 1000);
    this.experiments = Check.list("experiments", experiments, 1000);
    for (int i = 0; i < this.flags.size(); i++) {
      Check.key("flags[" + i + "]", this.flags.get(i));
    }
    for (int i = 0; i < this.experiments.size(); i++) {
      Check.key("experiments[" + i + "]", this.experiments.get(i));
    }
    if (this.flags.isEmpty() && this.experiments.isEmpty()) {
      throw DomainException.invalid("flags", "a holdout needs at least one flag or experiment");
    }
    this.metrics = metrics == null ? MetricRefs.NONE : metrics;
    if (!this.metrics.guardrails().isEmpty()) {
      throw DomainException.invalid("metrics.guardrails", "a holdout has no guardrails: name its metrics as "
          + "metrics.primary and metrics.secondary");
    }
    if (this.metrics.primary().isEmpty() && !this.metrics.secondary().isEmpty()) {
      throw DomainException.invalid("metrics.primary", "a holdout with metrics needs a primary metric");
    }
  }

  /**
   * The experiment key of the holdout's membership in the payload and in exposure events
   * ({@code holdout:<key>}; no flag or experiment key has a colon, so it cannot collide).
   */
  public String trackingKey() {
    return "holdout:" + key;
  }

  /** Whether the holdout covers this flag or any of these experiments. */
  public boolean covers(@Nullable String flag, java.util.Set<String> experimentKeys) {
    return (flag != null && flags.contains(flag)) || experiments.stream().anyMatch(experimentKeys::contains);
  }
}
