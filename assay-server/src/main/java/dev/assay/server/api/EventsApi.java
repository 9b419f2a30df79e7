package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.Event;
import dev.assay.server.events.EventGovernance;
import dev.assay.server.events.EventParser;
import dev.assay.server.events.EventStore;
import dev.assay.server.events.EventSummary;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The management endpoints over stored events ({@code /api/v1/events/...}): a unit's events and
 * their erasure (data-subject requests), retention on demand, and the summary of recent events.
 * Ingestion ({@code POST /api/v1/events}) is {@link EventIngestion}.
 */
final class EventsApi implements Resource {
  private final EventStore store;
  private final EventGovernance governance;
  private final ConfigService config;
  private final dev.assay.server.events.DataContracts contracts;

  EventsApi(EventStore store, EventGovernance governance, ConfigService config,
      dev.assay.server.events.DataContracts contracts) {
    this.contracts = contracts;
    this.store = store;
    this.governance = governance;
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/events/units/{key}", Permission.ADMIN,
        "A unit's stored events, oldest first (?limit=, default 1000), for a data-subject access request; those of"
            + " ?project= (every project without it: unscoped keys only)", c -> {
          int limit = limit(c, 1000, 10_000);
          List<Event> found = governance.unitEvents(scope(c), unitId(c), limit);
          if (found.isEmpty() && limit > 0) {
            throw DomainException.notFound("no events are stored for this unit");
          }
          ObjectNode o = JsonNodeFactory.instance.objectNode();
          ArrayNode list = o.putArray("events");
          found.forEach(e -> event(list.addObject(), e));
          return Reply.ok(o);
        }).withQuery("project", "limit"),
        Endpoint.get("/events/units/{key}/export", Permission.ADMIN,
            "Data-subject access export: everything stored for a unit (exposures, metric events; the server keeps no"
                + " other per-unit state), audited without the raw id; of ?project= only when given", c -> {
              EventGovernance.Export x = governance.export(scope(c), unitId(c), c.actor());
              if (x.events().isEmpty()) {
                throw DomainException.notFound("no events are stored for this unit (the request is recorded in the audit log)");
              }
              ObjectNode o = JsonNodeFactory.instance.objectNode();
              o.put("unitReference", x.unitReference());
              scope(c).project().ifPresentOrElse(p -> o.put("project", p), () -> o.putNull("project"));
              ArrayNode exposures = o.putArray("exposures");
              ArrayNode metrics = o.putArray("metricEvents");
              x.events().forEach(e -> event((e.type() == Event.Type.EXPOSURE ? exposures : metrics).addObject(), e));
              o.putArray("state");
              o.put("truncated", x.truncated());
              return Reply.ok(o);
            }).withQuery("project"),
        Endpoint.delete("/events/units/{key}", Permission.ADMIN,
            "Erases every stored event of a unit"
                + " (audited without the raw id); of ?project= only when given", c -> {
              EventGovernance.Erasure erased = governance.erase(scope(c), unitId(c), c.actor());
              if (erased.deleted() == 0) {
                throw DomainException.notFound("no events are stored for this unit (the request is recorded in the audit log)");
              }
              ObjectNode o = JsonNodeFactory.instance.objectNode();
              o.put("deleted", erased.deleted());
              o.put("unitReference", erased.unitReference());
              return Reply.ok(o);
            }).withQuery("project"),
        Endpoint.action("/events/retention", Permission.ADMIN,
            "Deletes events older than the"
                + " configured retention period, and events of a type older than its project's retention per event"
                + " type, now (audited); of ?project= only when given", this::retention).withQuery("project"),
        Endpoint.get("/events/summary", Permission.READ,
        "Event counts by type, name and experiment/variation in [from, to) and the newest events, of ?project= (every"
            + " project without it: unscoped keys only); the response states the window and project", c -> {
          long to = c.query("to").map(v -> time("to", v)).orElse(System.currentTimeMillis() + 1);
          long from = c.query("from").map(v -> time("from", v)).orElse(to - 24 * 3_600_000L);
          int limit = limit(c, 20, 1000);
          if (from >= to) {
            throw DomainException.invalid("from", "must be before 'to'");
          }
          EventStore.Scope scope = scope(c);
          EventSummary found = store.summary(scope, from, to, limit);
          ObjectNode summary = summary(found, scope, from, to);
          new UnmatchedEvents(config, scope.project()).describe(found, summary);
          violations(summary, scope);
          return Reply.ok(summary);
        }).withQuery("project", "from", "to", "limit"));
  }

  /* POST /events/retention: the global period (if configured), then each retention per event type. */
  private Reply retention(Call c) {
    c.noFields("applying retention");
    EventStore.Scope scope = scope(c);
    if (governance.retentionDays().isEmpty() && governance.typeRetentionIn(scope).isEmpty()) {
      throw DomainException.conflict("retention_not_configured", "no event retention period is configured (assay"
          + " serve --event-retention-days, or retentionDays per event type in PUT /api/v1/privacy)", List.of());
    }
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    scope.project().ifPresentOrElse(p -> o.put("project", p), () -> o.putNull("project"));
    long deleted = 0;
    if (governance.retentionDays().isPresent()) {
      EventGovernance.RetentionRun run = governance.applyRetention(scope, c.actor());
      o.put("retentionDays", run.retentionDays());
      o.put("cutoff", run.cutoff().toString());
      deleted += run.deleted();
    } else {
      o.putNull("retentionDays");
      o.putNull("cutoff");
    }
    ArrayNode byType = o.putArray("byType");
    for (EventGovernance.TypeRetentionRun run : governance.applyTypeRetention(scope, c.actor())) {
      byType.addObject().put("project", run.project()).put("eventType", run.eventType())
          .put("retentionDays", run.retentionDays()).put("cutoff", run.cutoff().toString()).put("deleted", run.deleted());
      deleted += run.deleted();
    }
    o.put("deleted", deleted);
    return Reply.ok(o);
  }

  /*
   * The events a management call covers: those of ?project=, or every project's without it (which
   * ProjectScope allows unscoped keys only).
   */
  private static EventStore.Scope scope(Call c) {
    return c.query("project").map(EventStore.Scope::project).orElse(EventStore.Scope.ALL);
  }

  private static String unitId(Call c) {
    String unit = c.path("key");
    if (unit == null || unit.isEmpty() || unit.length() > EventParser.MAX_STRING) {
      throw DomainException.invalid("unitId", "must be 1 to " + EventParser.MAX_STRING + " characters");
    }
    return unit;
  }

  private static int limit(Call c, int otherwise, int max) {
    int limit = c.query("limit").map(v -> {
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        return -1;
      }
    }).orElse(otherwise);
    if (limit < 0 || limit > max) {
      throw DomainException.invalid("limit", "must be a whole number between 0 and " + max);
    }
    return limit;
  }

  private static void event(ObjectNode n, Event e) {
    n.put("id", e.id()).put("type", e.type() == Event.Type.EXPOSURE ? "exposure" : "metric")
        .put("timestamp", Instant.ofEpochMilli(e.timestampMillis()).toString()).put("unitId", e.unitId())
        .put("project", e.project()).put("environment", e.environment());
    if (e.type() == Event.Type.EXPOSURE) {
      n.put("experimentKey", e.experimentKey()).put("variationId", e.variationId());
    } else {
      n.put("name", e.name());
      if (e.value() != null) {
        n.put("value", e.value());
      }
    }
    if (e.json() != null) {
      n.set(e.type() == Event.Type.EXPOSURE ? "attributes" : "properties",
          dev.assay.server.domain.Json.parse(e.json().getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static long time(String field, String v) {
    try {
      return v.chars().allMatch(Character::isDigit) ? Long.parseLong(v) : Instant.parse(v).toEpochMilli();
    } catch (NumberFormatException | DateTimeParseException e) {
      throw DomainException.invalid(field, "must be an ISO-8601 instant or epoch milliseconds, was '" + v + "'");
    }
  }

  /*
   * Schema violations by event name and reason (ADR 0042): counted at ingestion by this server
   * since it started (not by the window), so the object states since when.
   */
  private void violations(ObjectNode summary, EventStore.Scope scope) {
    ObjectNode v = summary.putObject("schemaViolations");
    v.put("since", contracts.since().toString());
    ArrayNode items = v.putArray("items");
    contracts.violations(scope.project()).forEach((k, n) ->
        items.addObject().put("name", k.name()).put("reason", k.reason()).put("events", n));
  }

  private static ObjectNode summary(EventSummary s, EventStore.Scope scope, long from, long to) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("from", Instant.ofEpochMilli(from).toString());
    o.put("to", Instant.ofEpochMilli(to).toString());
    scope.project().ifPresentOrElse(p -> o.put("project", p), () -> o.putNull("project"));
    o.put("exposures", s.exposures());
    o.put("metricEvents", s.metricEvents());
    ArrayNode names = o.putArray("byName");
    s.byName().forEach(n -> names.addObject().put("name", n.name()).put("events", n.events()));
    ArrayNode exps = o.putArray("byExperiment");
    s.byExperiment().forEach(e -> exps.addObject().put("experimentKey", e.experimentKey())
        .put("variationId", e.variationId()).put("exposures", e.exposures()).put("units", e.units()));
    // Flagged at ingestion (ADR 0042), excluded from analysis: per reason, and per name and reason.
    ObjectNode flagged = o.putObject("flagged");
    flagged.put("events", s.flaggedByReason().values().stream().mapToLong(Long::longValue).sum());
    ArrayNode reasons = flagged.putArray("byReason");
    s.flaggedByReason().forEach((reason, n) -> reasons.addObject().put("reason", reason).put("events", n));
    ArrayNode flaggedNames = flagged.putArray("byName");
    s.flagged().forEach(f -> flaggedNames.addObject().put("type", f.type()).put("name", f.name())
        .put("reason", f.reason()).put("events", f.events()));
    ArrayNode latest = o.putArray("latest");
    s.latest().forEach(e -> event(latest.addObject(), e));
    return o;
  }
}
