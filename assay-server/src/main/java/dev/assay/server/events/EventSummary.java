package dev.assay.server.events;

import java.util.List;

/**
 * What arrived in a time range, so a user can see that instrumentation works.
 *
 * @param exposures exposure count
 * @param metricEvents metric event count
 * @param byName metric events per name
 * @param byExperiment exposures per experiment and variation
 * @param latest the newest events (newest first)
 * @param flagged the events stored with a flag (ADR 0042: excluded from analysis) by type, name
 *     (an exposure's experiment key, a metric event's name) and reason, most first; they are also
 *     in the counts above
 */
public record EventSummary(long exposures, long metricEvents, List<NameCount> byName,
    List<ExperimentCount> byExperiment, List<Event> latest, List<FlaggedCount> flagged) {

  public EventSummary {
    byName = List.copyOf(byName);
    byExperiment = List.copyOf(byExperiment);
    latest = List.copyOf(latest);
    flagged = List.copyOf(flagged);
  }

  /** Flagged events of one type ({@code exposure} or {@code metric}), name and {@link Flags} reason. */
  public record FlaggedCount(String type, String name, String reason, long events) {}

  /** The flagged events of every name, per reason (most first, then by reason). */
  public java.util.Map<String, Long> flaggedByReason() {
    java.util.Map<String, Long> totals = new java.util.HashMap<>();
    flagged.forEach(f -> totals.merge(f.reason(), f.events(), Long::sum));
    java.util.Map<String, Long> sorted = new java.util.LinkedHashMap<>();
    totals.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()
        .thenComparing(java.util.Map.Entry.comparingByKey())).forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  public record NameCount(String name, long events) {}

  public record ExperimentCount(String experimentKey, int variationId, long exposures, long units) {}
}
