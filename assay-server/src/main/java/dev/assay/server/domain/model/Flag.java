package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;
import static dev.assay.server.domain.model.Check.TEXT_MAX;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.domain.DomainException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A feature flag: its type and default value, per-environment rules, prerequisites, and the
 * kill switch's record when it is killed (set by the server, never by a client document).
 *
 * @param environments the flag's settings by environment key; an environment without an entry
 *     serves only the default value
 */
public record Flag(String key, FlagType type, JsonNode defaultValue, String description, String owner,
    List<String> tags, FlagLifecycle lifecycle, Map<String, FlagEnvironment> environments,
    List<Prerequisite> prerequisites, @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<Kill> killed) implements Keyed {
  public Flag(String key, @Nullable FlagType type, @Nullable JsonNode defaultValue, @Nullable String description,
      @Nullable String owner, @Nullable List<String> tags, @Nullable FlagLifecycle lifecycle,
      @Nullable Map<String, FlagEnvironment> environments, @Nullable List<Prerequisite> prerequisites,
      @Nullable Optional<Kill> killed) {
    this.key = Check.key("key", key);
    this.type = Check.required("type", type);
    this.defaultValue = Check.required("defaultValue", defaultValue);
    this.type.check("defaultValue", this.defaultValue);
    this.description = Check.text("description", description, TEXT_MAX);
    this.owner = Check.text("owner", owner, NAME_MAX);
    this.tags = Check.list("tags", tags, 50);
    for (int i = 0; i < this.tags.size(); i++) {
      Check.text("tags[" + i + "]", this.tags.get(i), 64);
    }
    this.lifecycle = lifecycle == null ? FlagLifecycle.ACTIVE : lifecycle;
    this.environments = environments(this.type, environments);
    this.prerequisites = prerequisites(this.key, prerequisites);
    this.killed = Check.optional(killed);
  }

  /** This flag with the kill switch's record set or cleared. */
  public Flag withKilled(Optional<Kill> kill) {
    return new Flag(key, type, defaultValue, description, owner, tags, lifecycle, environments, prerequisites, kill);
  }

  /** The flag's settings in an environment, if it has any there. */
  public Optional<FlagEnvironment> environment(String environment) {
    return Optional.ofNullable(environments.get(environment));
  }

  private static Map<String, FlagEnvironment> environments(FlagType type,
      @Nullable Map<String, FlagEnvironment> environments) {
    if (environments == null) {
      return Map.of();
    }
    for (Map.Entry<String, FlagEnvironment> e : environments.entrySet()) {
      Check.key("environments", e.getKey());
      FlagEnvironment env = Check.required("environments." + e.getKey(), e.getValue());
      List<FlagRule> rules = env.rules();
      for (int i = 0; i < rules.size(); i++) {
        if (!rules.get(i).value().isNull()) {
          type.check("environments." + e.getKey() + ".rules[" + i + "].value", rules.get(i).value());
        }
      }
    }
    return Map.copyOf(new TreeMap<>(environments));
  }

  private static List<Prerequisite> prerequisites(String key, @Nullable List<Prerequisite> prerequisites) {
    List<Prerequisite> out = Check.list("prerequisites", prerequisites, 20);
    Set<String> parents = new HashSet<>();
    for (int i = 0; i < out.size(); i++) {
      String parent = out.get(i).flag();
      if (parent.equals(key)) {
        throw DomainException.invalid("prerequisites[" + i + "].flag", "a flag cannot be its own prerequisite");
      }
      if (!parents.add(parent)) {
        throw DomainException.invalid("prerequisites[" + i + "].flag", "flag '" + parent + "' is listed twice");
      }
    }
    return out;
  }
}
