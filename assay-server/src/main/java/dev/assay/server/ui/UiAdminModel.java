package dev.assay.server.ui;

import dev.assay.server.api.UnmatchedEvents;
import dev.assay.server.events.EventSummary;
import java.time.Instant;
import java.util.List;

/**
 * The typed values of the catalogue, admin, events and archive pages that are not documents of
 * one form ({@link CatalogueForms} handles those).
 */
public final class UiAdminModel {
  private UiAdminModel() {}

  /**
   * The events page's live part: the summary of the window, what in it matches nothing, when it
   * was read, and the schema violations.
   *
   * @param schemaViolations metric events that broke their schema, by name and reason, counted by
   *     this server since {@code violationsSince} (whatever the window)
   */
  public record EventsLive(EventSummary summary, List<UnmatchedEvents.Exposure> unmatchedExposures,
      List<UnmatchedEvents.Name> unmatchedNames, Instant at,
      java.util.Map<dev.assay.server.events.DataContracts.Count, Long> schemaViolations, Instant violationsSince) {}
}
