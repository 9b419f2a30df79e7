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
 */
public record EventSummary(long exposures, long metricEvents, List<NameCount> byName,
    List<ExperimentCount> byExperiment, List<Event> latest) {

  public record NameCount(String name, long events) {}

  public record ExperimentCount(String experimentKey, int variationId, long exposures, long units) {}
}
