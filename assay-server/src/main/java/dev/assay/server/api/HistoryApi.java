package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.VersionHistory;
import dev.assay.server.store.Kind;
import java.util.List;

/**
 * The history endpoints of flags and experiments: {@code GET .../{key}/history} (versions newest
 * first with actor, time, reason and a field-level diff; {@code ?limit=&before=}), {@code GET
 * .../{key}/versions/{n}} (the entity at version n) and {@code POST .../{key}/versions/{n}/restore}
 * ({@code ?version=} of the current; the design of version n as a new version, audited,
 * recompiled and pushed like any write). See docs/api.md, "History and rollback".
 */
final class HistoryApi {
  private HistoryApi() {}

  static List<Endpoint> endpoints(ConfigService config, Kind kind, String collection) {
    String noun = kind == Kind.FLAG ? "flag" : "experiment";
    String[] restoreQuery = kind == Kind.EXPERIMENT
        ? new String[] {"project", "version", "newPhase", "reason"} : new String[] {"project", "version", "reason"};
    return List.of(
        Endpoint.get(collection + "/{key}/history", Permission.READ,
            "Version history of the " + noun + ", newest first: actor, time, reason and the field-level diff"
                + " against the previous version (?limit=, ?before=N for versions older than N)",
            c -> Reply.ok(config.history().history(kind, c.project(), c.path("key"),
                c.positive("limit").map(n -> (int) Math.min(n, Integer.MAX_VALUE)).orElse(VersionHistory.DEFAULT_LIMIT),
                c.positive("before"))))
            .withQuery("project", "limit", "before"),
        Endpoint.get(collection + "/{key}/versions/{n}", Permission.READ,
            "The " + noun + " as it was at version n",
            c -> Reply.ok(config.history().version(kind, c.project(), c.path("key"), number(c))))
            .withQuery("project"),
        Endpoint.action(collection + "/{key}/versions/{n}/restore", Permission.WRITE_CONFIG,
            "Restore the design of version n as a new version (?version= of the current"
                + (kind == Kind.EXPERIMENT ? "; ?newPhase=true when it changes a live experiment's allocation" : "")
                + "; ?reason=)",
            c -> {
              c.noFields("restore");
              return Reply.ok(config.restore(kind, c.project(), c.path("key"), number(c), c.version(),
                  kind == Kind.EXPERIMENT && c.flag("newPhase"), c.actor(), c.reason()));
            })
            .withQuery(restoreQuery));
  }

  private static long number(Call c) {
    return c.positive("n").orElseThrow();
  }
}
