package dev.assay.server.ui;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The typed values pages show, made by {@link UiDomain} from the domain's documents. Templates
 * and page classes see only these, so a change of the domain model touches the adapter alone.
 */
public final class UiModel {
  private UiModel() {}

  public record Environment(String key, String name, String description) {}

  public record SdkConnection(String clientKey, String environment, String name, Optional<String> encryptionKey,
      boolean hasServerKey) {}

  /** A flag in the list; {@code stale}: marked stale, or not changed for {@value UiDomain#STALE_DAYS} days. */
  public record FlagRow(String key, String type, String defaultValue, String description, String owner, List<String> tags,
      String lifecycle, boolean stale, boolean killed, Instant updatedAt) {}

  /** A rule of one environment: a force rule (no coverage), a percentage rollout, or an experiment's. */
  public record Rule(String kind, String condition, String value, double coverage, String hashAttribute, String experiment) {
    public int percent() {
      return (int) Math.round(coverage * 100);
    }
  }

  public record FlagEnvironment(String key, boolean enabled, List<Rule> rules) {}

  public record Prerequisite(String flag, String value) {}

  public record Flag(String key, long version, String type, String defaultValue, String description, String owner,
      List<String> tags, String lifecycle, boolean killed, String killReason, List<FlagEnvironment> environments,
      List<Prerequisite> prerequisites, Instant updatedAt) {}

  /** What a flag form sends; values are the text typed, converted by the flag's type. */
  public record FlagInput(String key, String type, String defaultValue, String description, String owner, String tags,
      String lifecycle) {}

  /** One rule as a form sends it. */
  public record RuleInput(String kind, String condition, String value, String coverage, String hashAttribute,
      String attribute, String operator, String operand, String segment) {}

  /**
   * One version of a flag or experiment: number, when, who, how, why (empty when not given), and
   * the JSON Pointer paths of the fields it changed.
   */
  public record HistoryEntry(long version, Instant at, String actor, String action, String reason,
      List<String> changed) {
    public HistoryEntry {
      changed = List.copyOf(changed);
    }
  }

  /** What the SDK engine returned for a unit in the preview. */
  public record Preview(String clientKey, String value, String source, String ruleId) {}

  public record Segment(String key, String name) {}

  /** Everything the flag page shows besides the flag. */
  public record FlagContext(List<Environment> environments, List<Segment> segments, List<String> otherFlags,
      List<HistoryEntry> history, Map<String, String> sdkConnectionByEnvironment) {}
}
