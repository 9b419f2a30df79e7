package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One factor of a factorial experiment (docs/designs.md "Factorial tests", ADR 0040): a key and
 * its levels, the first level the baseline that main effects and interactions are measured from.
 *
 * @param key the factor's name, e.g. {@code color}; the key of the cell values the SDK serves
 * @param levels 2 to {@value #MAX_LEVELS} distinct level keys, baseline first
 */
public record Factor(String key, List<String> levels) {
  /** The most levels a factor may have. */
  public static final int MAX_LEVELS = 4;

  public Factor(String key, @Nullable List<String> levels) {
    this.key = Check.key("key", key);
    this.levels = Check.list("levels", Check.required("levels", levels), MAX_LEVELS);
    if (this.levels.size() < 2) {
      throw DomainException.invalid("levels", "needs 2 to " + MAX_LEVELS + " levels (baseline first), has "
          + this.levels.size());
    }
    Set<String> seen = new HashSet<>();
    for (int j = 0; j < this.levels.size(); j++) {
      String level = Check.key("levels[" + j + "]", this.levels.get(j));
      if (!seen.add(level)) {
        throw DomainException.invalid("levels[" + j + "]", "duplicate level '" + level + "'; levels must be unique");
      }
    }
  }
}
