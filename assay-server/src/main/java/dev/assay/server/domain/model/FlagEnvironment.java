package dev.assay.server.domain.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** A flag's settings in one environment: whether it is on (default) and its rules, in order. */
public record FlagEnvironment(Boolean enabled, List<FlagRule> rules) {
  public FlagEnvironment(@Nullable Boolean enabled, @Nullable List<FlagRule> rules) {
    this.enabled = enabled == null || enabled;
    this.rules = Check.list("rules", rules, 200);
  }
}
