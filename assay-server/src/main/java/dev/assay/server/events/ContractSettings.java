package dev.assay.server.events;

import dev.assay.server.domain.DomainException;
import java.util.List;
import java.util.Objects;

/**
 * A project's data-quality settings (ADR 0042): how ingestion treats an event that breaks its
 * schema, and the rules that flag data the analysis excludes.
 *
 * @param mode {@code warn}: store the event and count the violation; {@code enforce}: reject it
 * @param flagging whether the flagging rules apply (off by default: turning them on changes which
 *     events the analysis reads, so a project opts in)
 * @param clockSkewPastSeconds an event whose time is more than this before its receipt is flagged
 * @param clockSkewFutureSeconds an event whose time is more than this after its receipt is flagged
 * @param botUserAgents a batch whose User-Agent contains one of these (case-insensitive) is flagged
 * @param maxEventsPerUnitPerMinute a unit sending more events than this in a minute (on one server)
 *     has the excess flagged as a bot; 0 turns the rule off
 */
public record ContractSettings(Mode mode, boolean flagging, long clockSkewPastSeconds, long clockSkewFutureSeconds,
    List<String> botUserAgents, int maxEventsPerUnitPerMinute, String updatedBy, String updatedAt) {
  /** The defaults of a project that never set its own. */
  public static final ContractSettings DEFAULTS = new ContractSettings(Mode.WARN, false, 24 * 3600, 5 * 60,
      List.of("bot", "crawler", "spider", "headlesschrome"), 0, "", "");
  /** Most user-agent substrings. */
  public static final int MAX_BOT_AGENTS = 100;

  public ContractSettings {
    Objects.requireNonNull(mode, "mode");
    botUserAgents = botUserAgents.stream().map(s -> s.toLowerCase(java.util.Locale.ROOT)).distinct().toList();
    if (clockSkewPastSeconds < 1) {
      throw DomainException.invalid("clockSkewPastSeconds", "must be at least 1, was " + clockSkewPastSeconds);
    }
    if (clockSkewFutureSeconds < 1) {
      throw DomainException.invalid("clockSkewFutureSeconds", "must be at least 1, was " + clockSkewFutureSeconds);
    }
    if (maxEventsPerUnitPerMinute < 0) {
      throw DomainException.invalid("maxEventsPerUnitPerMinute", "must be 0 (off) or more, was "
          + maxEventsPerUnitPerMinute);
    }
    if (botUserAgents.size() > MAX_BOT_AGENTS) {
      throw DomainException.invalid("botUserAgents", "at most " + MAX_BOT_AGENTS + " substrings");
    }
    for (String s : botUserAgents) {
      if (s.isEmpty() || s.length() > 200) {
        throw DomainException.invalid("botUserAgents", "each substring must be 1 to 200 characters");
      }
    }
  }

  /** What ingestion does with an event that breaks its schema. */
  public enum Mode { WARN, ENFORCE }
}
