package dev.assay.sdk;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The assignment unit of a switchback experiment: a region during a time window. A switchback
 * hashes the derived attribute {@value #UNIT_ATTRIBUTE} = {@code "<region>|<window index>"} with
 * window index = ⌊(t − origin) / window⌋ (t and origin in epoch milliseconds, integer floor
 * division), so every unit of a region gets the same variation for a whole window and another
 * draw in the next. Any GrowthBook SDK gets the same variation by setting that attribute with the
 * same formula (docs/designs.md, ADR 0038). Immutable and thread-safe.
 *
 * <pre>{@code
 * Switchback market = Switchback.of(Duration.ofHours(1), "region", Instant.EPOCH);
 * client.evaluate("pricing", market.attributes(Attributes.of("id", user, "region", "north"), clock.instant()));
 * }</pre>
 */
public final class Switchback {
  /** The attribute a switchback experiment hashes. */
  public static final String UNIT_ATTRIBUTE = "switchback_unit";

  private final long windowMillis;
  private final String regionAttribute;
  private final long originMillis;

  private Switchback(long windowMillis, String regionAttribute, long originMillis) {
    this.windowMillis = windowMillis;
    this.regionAttribute = regionAttribute;
    this.originMillis = originMillis;
  }

  /**
   * A switchback schedule as its experiment defines it ({@code switchback.windowSeconds},
   * {@code regionAttribute}, {@code start}; no start means {@link Instant#EPOCH}).
   *
   * @throws IllegalArgumentException if the window is shorter than one second or the attribute is empty
   */
  public static Switchback of(Duration window, String regionAttribute, Instant origin) {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(origin, "origin");
    if (window.toMillis() < 1000) {
      throw new IllegalArgumentException("window must be at least one second, was " + window);
    }
    if (regionAttribute == null || regionAttribute.isEmpty()) {
      throw new IllegalArgumentException("regionAttribute must not be empty");
    }
    return new Switchback(window.toMillis(), regionAttribute, origin.toEpochMilli());
  }

  /** The index of the window holding {@code at}: ⌊(at − origin) / window⌋ (negative before the origin). */
  public long window(Instant at) {
    return Math.floorDiv(at.toEpochMilli() - originMillis, windowMillis);
  }

  /** The unit of {@code region} at {@code at}: {@code "<region>|<window index>"}. */
  public String unit(String region, Instant at) {
    return region + "|" + window(at);
  }

  /**
   * {@code attributes} with {@value #UNIT_ATTRIBUTE} set for the instant {@code at}, when the
   * region attribute holds a string; otherwise the attributes unchanged (the experiment then skips
   * the unit and the flag serves its default).
   */
  public Attributes attributes(Attributes attributes, Instant at) {
    return attributes.value(regionAttribute)
        .filter(String.class::isInstance)
        .map(region -> attributes.with(UNIT_ATTRIBUTE, unit((String) region, at)))
        .orElse(attributes);
  }
}
