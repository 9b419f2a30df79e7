package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a switchback experiment randomizes time windows × regions instead of users (docs/designs.md,
 * ADR 0038): the SDK hashes the derived attribute {@value #UNIT_ATTRIBUTE} = {@code
 * "<region>|<window index>"}, window index = ⌊(t − start) / windowSeconds⌋, so every unit of a region
 * gets the same arm for a whole window; the analysis drops events in the first {@code burnInSeconds}
 * of each window (carry-over from the window before) and clusters by window × region.
 *
 * @param windowSeconds the length of a window, 60 to 604,800 (7 days) seconds (default 3600)
 * @param regionAttribute the attribute naming a unit's region (default {@code region})
 * @param burnInSeconds seconds after each window boundary whose events the analysis drops, from 0 to
 *     below {@code windowSeconds} (default 0)
 * @param start where window 0 begins (ISO-8601 instant); absent: the Unix epoch, so one-hour windows
 *     start on the hour (UTC)
 */
public record SwitchbackSettings(Long windowSeconds, String regionAttribute, Long burnInSeconds,
    Optional<String> start) {
  /** The derived attribute every SDK computes and hashes. */
  public static final String UNIT_ATTRIBUTE = "switchback_unit";
  /** All defaults. */
  public static final SwitchbackSettings DEFAULTS = new SwitchbackSettings(null, null, null, null);

  public SwitchbackSettings(@Nullable Long windowSeconds, @Nullable String regionAttribute,
      @Nullable Long burnInSeconds, @Nullable Optional<String> start) {
    this.windowSeconds = windowSeconds == null ? 3600 : windowSeconds;
    if (this.windowSeconds < 60 || this.windowSeconds > 604_800L) {
      throw DomainException.invalid("switchback.windowSeconds",
          "must be a whole number of seconds from 60 to 604800 (7 days), e.g. 3600, was " + windowSeconds);
    }
    this.regionAttribute = regionAttribute == null ? "region"
        : Check.requiredText("switchback.regionAttribute", regionAttribute, Check.NAME_MAX);
    this.burnInSeconds = burnInSeconds == null ? 0 : burnInSeconds;
    if (this.burnInSeconds < 0 || this.burnInSeconds >= this.windowSeconds) {
      throw DomainException.invalid("switchback.burnInSeconds", "must be a whole number of seconds from 0 to below"
          + " windowSeconds (" + this.windowSeconds + "), was " + burnInSeconds);
    }
    this.start = Check.optional(start);
    this.start.ifPresent(SwitchbackSettings::parse);
  }

  private static long parse(String text) {
    try {
      long ms = Instant.parse(text).toEpochMilli();
      if (ms < 0 || ms > Instant.parse("2100-01-01T00:00:00Z").toEpochMilli()) {
        throw DomainException.invalid("switchback.start", "must be between 1970 and 2100, was '" + text + "'");
      }
      return ms;
    } catch (DateTimeParseException e) {
      throw DomainException.invalid("switchback.start", "must be an ISO-8601 instant such as"
          + " '2026-01-15T00:00:00Z', was '" + text + "'");
    }
  }

  /** Where window 0 begins, epoch ms (0 when no start is set). */
  public long originMillis() {
    return start.map(SwitchbackSettings::parse).orElse(0L);
  }
}
