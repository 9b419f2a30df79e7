package dev.assay.server.safety;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.FlagEnvironment;
import dev.assay.server.domain.model.FlagRule;
import dev.assay.server.domain.model.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The stale-flag rule (docs/safety.md, Alerts): a flag is stale when it is not killed, has not been
 * changed for at least {@code days} days (its stored {@code updatedAt}), and serves one value to
 * everyone in every environment of its project. An environment serves one value when it has no
 * entry for the flag or is disabled (the default value), or when its rules, in order, reach an
 * first rule is unconditional (no condition) and either a full rollout (no coverage, or
 * coverage 1) or names an experiment that is concluded or archived (its decision serves one
 * value); with no rules, the default value. The values of all environments must be equal, except that a rule of
 * a concluded experiment matches any value (the server does not resolve its decided variation
 * here). Evaluation counts are not kept by the server, so "not evaluated" is not part of the rule.
 */
public final class StaleFlags {
  private StaleFlags() {}

  /** A stale flag and why. */
  public record Stale(String key, long version, Instant updatedAt, long daysUnchanged, String reason) {}

  /**
   * @param environments the keys of the project's environments
   * @param experimentStatus the status of an experiment of the project by key
   * @return the flag with the reason when it is stale
   */
  public static Optional<Stale> judge(Versioned<Flag> flag, Set<String> environments,
      Map<String, ExperimentStatus> experimentStatus, Instant now, int days) {
    Flag f = flag.value();
    long unchanged = Duration.between(flag.updatedAt(), now).toDays();
    if (f.killed().isPresent() || unchanged < days) {
      return Optional.empty();
    }
    Set<JsonNode> values = new LinkedHashSet<>();
    boolean decided = false;
    for (String env : environments) {
      FlagEnvironment e = f.environments().get(env);
      if (e == null || !e.enabled()) {
        values.add(f.defaultValue());
        continue;
      }
      Optional<JsonNode> served = servedToEveryone(e, f.defaultValue(), experimentStatus);
      if (served.isEmpty()) {
        return Optional.empty();
      }
      if (served.get().isMissingNode()) {
        decided = true;
      } else {
        values.add(served.get());
      }
    }
    if (values.size() > 1) {
      return Optional.empty();
    }
    String value = values.isEmpty() ? "a concluded experiment's decision" : "the value " + values.iterator().next();
    String reason = "unchanged for " + unchanged + " days (at least " + days + ") and serving " + value
        + " to everyone in every environment" + (decided && !values.isEmpty() ? " (or a concluded experiment's decision)" : "");
    return Optional.of(new Stale(f.key(), flag.version(), flag.updatedAt(), unchanged, reason));
  }

  /**
   * The one value an enabled environment serves to everyone: a JSON value, a missing node for a
   * concluded experiment's decision, or empty when units may get different values.
   */
  static Optional<JsonNode> servedToEveryone(FlagEnvironment env, JsonNode defaultValue,
      Map<String, ExperimentStatus> experimentStatus) {
    for (FlagRule r : env.rules()) {
      if (r.experiment().isPresent()) {
        ExperimentStatus s = experimentStatus.get(r.experiment().get());
        if (s != ExperimentStatus.CONCLUDED && s != ExperimentStatus.ARCHIVED) {
          return Optional.empty();
        }
        if (!r.condition().isNull()) {
          return Optional.empty();
        }
        return Optional.of(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
      }
      boolean full = r.coverage().map(c -> c >= 1.0).orElse(true);
      if (!r.condition().isNull() || !full) {
        return Optional.empty();
      }
      return Optional.of(r.value());
    }
    return Optional.of(defaultValue);
  }
}
