package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.events.EventSummary;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What in an event summary matches nothing configured: exposures of an experiment or variation
 * that does not exist, and metric event names that no metric reads. These are the usual
 * instrumentation mistakes (a typo in a key, a variation index past the last variant), so the
 * summary counts them instead of leaving the user to wonder why results stay empty.
 */
public final class UnmatchedEvents {
  /** Exposures of an experiment or variation that does not exist, with the reason. */
  public record Exposure(String experimentKey, int variationId, long exposures, String reason) {}

  /** Metric events of a name no metric reads, with the reason. */
  public record Name(String name, long events, String reason) {}

  private final Map<String, Integer> variantsByExperiment = new HashMap<>();
  private final Set<String> metricEvents = new HashSet<>();

  /** The experiments and metric event names of one project, or of every project when empty. */
  public UnmatchedEvents(ConfigService config, Optional<String> project) {
    Set<String> existing = new HashSet<>();
    config.list(Kind.PROJECT, ConfigService.DEFAULT_PROJECT).forEach(p -> existing.add(p.path("key").asText()));
    // Events stored under a project that does not exist match nothing.
    List<String> projects = project.map(List::of).orElse(List.copyOf(existing));
    for (String p : projects) {
      if (!existing.contains(p)) {
        continue;
      }
      for (JsonNode e : config.list(Kind.EXPERIMENT, p)) {
        variantsByExperiment.merge(e.path("key").asText(), e.path("variants").size(), Math::max);
      }
      for (JsonNode m : config.list(Kind.METRIC, p)) {
        if (m.path("event").isTextual()) {
          metricEvents.add(m.path("event").asText());
        }
      }
    }
  }

  /** The exposure rows of the summary that match no experiment or variation. */
  public List<Exposure> exposures(EventSummary s) {
    List<Exposure> out = new ArrayList<>();
    for (EventSummary.ExperimentCount e : s.byExperiment()) {
      Integer variants = variantsByExperiment.get(e.experimentKey());
      String reason = variants == null ? "no experiment '" + e.experimentKey() + "'"
          : e.variationId() >= variants ? "experiment '" + e.experimentKey() + "' has variations 0 to " + (variants - 1)
          : null;
      if (reason != null) {
        out.add(new Exposure(e.experimentKey(), e.variationId(), e.exposures(), reason));
      }
    }
    return out;
  }

  /** The metric event names of the summary that no metric reads. */
  public List<Name> names(EventSummary s) {
    List<Name> out = new ArrayList<>();
    for (EventSummary.NameCount n : s.byName()) {
      if (!metricEvents.contains(n.name())) {
        out.add(new Name(n.name(), n.events(), "no metric reads event '" + n.name()
            + "' (SQL-defined metrics are not matched by name)"));
      }
    }
    return out;
  }

  /** Adds {@code unmatched} to a summary: counts, and the unmatched rows with the reason. */
  void describe(EventSummary s, ObjectNode summary) {
    ObjectNode out = summary.putObject("unmatched");
    long exposures = 0;
    ArrayNode experiments = out.putArray("byExperiment");
    for (Exposure e : exposures(s)) {
      exposures += e.exposures();
      experiments.addObject().put("experimentKey", e.experimentKey()).put("variationId", e.variationId())
          .put("exposures", e.exposures()).put("reason", e.reason());
    }
    long events = 0;
    ArrayNode names = out.putArray("byName");
    for (Name n : names(s)) {
      events += n.events();
      names.addObject().put("name", n.name()).put("events", n.events()).put("reason", n.reason());
    }
    out.put("exposures", exposures);
    out.put("metricEvents", events);
  }
}
