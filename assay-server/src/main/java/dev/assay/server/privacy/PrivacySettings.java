package dev.assay.server.privacy;

import dev.assay.server.domain.DomainException;
import dev.assay.server.events.EventStore;
import dev.assay.server.events.IngestRules;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A project's privacy settings. Every field has a default (today's behaviour), so a project that
 * never set them reads {@link #DEFAULTS}; the constructor validates each field and names it.
 *
 * @param consent what happens to an event sent without {@code "consent": true}: keep, strip or drop
 * @param redactions attribute or property name to its rule: {@code hash}, {@code truncate:N}, {@code drop}
 * @param retentionDays event name (or {@value EventStore#EXPOSURES}) to the days its events are kept
 * @param minCellUnits k: a breakdown cell with fewer units than this is suppressed (default 10)
 * @param epsilonBudget the ε each experiment may spend on differentially private exports (default 1)
 * @param clipBounds per metric, the declared range its per-unit values are clipped to for a DP export
 */
public record PrivacySettings(IngestRules.WithoutConsent consent, Map<String, String> redactions,
    Map<String, Integer> retentionDays, int minCellUnits, double epsilonBudget, Map<String, ClipBound> clipBounds) {
  /** The default k of small-cell suppression. */
  public static final int DEFAULT_MIN_CELL_UNITS = 10;
  /** The default ε budget per experiment. */
  public static final double DEFAULT_EPSILON_BUDGET = 1.0;
  /** Most entries in each map. */
  public static final int MAX_ENTRIES = 200;
  /** Longest truncation length, and longest name. */
  public static final int MAX_LENGTH = 256;
  /** The settings of a project that set none: keep everything, as before. */
  public static final PrivacySettings DEFAULTS = new PrivacySettings(IngestRules.WithoutConsent.KEEP, Map.of(),
      Map.of(), DEFAULT_MIN_CELL_UNITS, DEFAULT_EPSILON_BUDGET, Map.of());
  private static final Pattern TRUNCATE = Pattern.compile("truncate:(\\d{1,6})");

  /** The range [lo, hi] a metric's per-unit values are clipped to (lo &lt; hi, both finite). */
  public record ClipBound(double lo, double hi) {
    public ClipBound {
      if (!Double.isFinite(lo) || !Double.isFinite(hi) || Math.abs(lo) > 1e15 || Math.abs(hi) > 1e15) {
        throw new IllegalArgumentException("lo and hi must be finite numbers within ±1e15");
      }
      if (!(lo < hi)) {
        throw new IllegalArgumentException("lo must be below hi, was [" + lo + ", " + hi + "]");
      }
    }

    /** The width hi − lo: how far one unit's clipped value can move. */
    public double width() {
      return hi - lo;
    }

    /** The largest |value| in the range: how far one unit's clipped value is from zero at most. */
    public double magnitude() {
      return Math.max(Math.abs(lo), Math.abs(hi));
    }
  }

  public PrivacySettings {
    consent = consent == null ? IngestRules.WithoutConsent.KEEP : consent;
    redactions = sorted(redactions, "redactions");
    retentionDays = sorted(retentionDays, "retentionDays");
    clipBounds = sorted(clipBounds, "clipBounds");
    redactions.forEach((name, rule) -> redaction("redactions." + name, rule));
    retentionDays.forEach((name, days) -> {
      if (days == null || days < 1 || days > 36_500) {
        throw DomainException.invalid("retentionDays." + name, "must be a whole number of days from 1 to 36500, was " + days);
      }
    });
    clipBounds.forEach((name, b) -> Objects.requireNonNull(b, "clipBounds." + name));
    if (minCellUnits < 1 || minCellUnits > 1_000_000) {
      throw DomainException.invalid("minCellUnits", "must be a whole number from 1 to 1000000, was " + minCellUnits);
    }
    if (!(epsilonBudget > 0) || epsilonBudget > 100) {
      throw DomainException.invalid("epsilonBudget", "must be above 0 and at most 100, was " + epsilonBudget);
    }
  }

  /** The compiled redaction of each named field. */
  public Map<String, IngestRules.Redaction> compiledRedactions() {
    Map<String, IngestRules.Redaction> out = new LinkedHashMap<>();
    redactions.forEach((name, rule) -> out.put(name, redaction("redactions." + name, rule)));
    return out;
  }

  /** Parses one rule: {@code hash}, {@code drop} or {@code truncate:N}; the field is named on failure. */
  static IngestRules.Redaction redaction(String field, String rule) {
    if (rule == null) {
      throw DomainException.invalid(field, "must be hash, drop or truncate:N");
    }
    if (rule.equals("hash")) {
      return new IngestRules.Redaction(IngestRules.Action.HASH, 0);
    }
    if (rule.equals("drop")) {
      return new IngestRules.Redaction(IngestRules.Action.DROP, 0);
    }
    Matcher m = TRUNCATE.matcher(rule);
    if (m.matches() && Integer.parseInt(m.group(1)) <= MAX_LENGTH) {
      return new IngestRules.Redaction(IngestRules.Action.TRUNCATE, Integer.parseInt(m.group(1)));
    }
    throw DomainException.invalid(field, "must be hash, drop or truncate:N with N from 0 to " + MAX_LENGTH
        + ", was '" + rule + "'");
  }

  private static <V> Map<String, V> sorted(Map<String, V> in, String field) {
    if (in == null) {
      return Map.of();
    }
    if (in.size() > MAX_ENTRIES) {
      throw DomainException.invalid(field, "at most " + MAX_ENTRIES + " entries, was " + in.size());
    }
    for (String name : in.keySet()) {
      if (name == null || name.isBlank() || name.length() > MAX_LENGTH) {
        throw DomainException.invalid(field, "names must be 1 to " + MAX_LENGTH + " characters, not blank");
      }
    }
    return Collections.unmodifiableMap(new TreeMap<>(in));
  }
}
