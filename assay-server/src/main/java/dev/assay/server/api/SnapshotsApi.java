package dev.assay.server.api;

import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.SnapshotReproduction;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import java.util.List;
import java.util.Optional;

/**
 * {@code /snapshots/{id}}: a results snapshot's lineage (what produced it) and its reproduction
 * (its recorded queries run again and compared; docs/operations.md "Lineage and reproducing a
 * snapshot", ADR 0043). A snapshot's id is in its results ({@code snapshotId}).
 */
final class SnapshotsApi implements Resource {
  private final ConfigService config;
  private final Optional<ExperimentRefresh> analysis;

  SnapshotsApi(ConfigService config, Optional<ExperimentRefresh> analysis) {
    this.config = config;
    this.analysis = analysis;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/snapshots/{id}/lineage", Permission.READ,
            "What produced a results snapshot: each warehouse query's SQL, parameters, rows returned and read,"
                + " the data window, warehouse and Assay versions, settings and definition hashes",
            c -> Reply.ok(SnapshotReproduction.lineage(config, c.project(), id(c)))).withQuery("project"),
        Endpoint.action("/snapshots/{id}/reproduce", Permission.WRITE_METRICS,
            "Run a snapshot's recorded queries again and compare, per metric and variation, the recorded and"
                + " recomputed numbers (nothing is stored)", this::reproduce).withQuery("project"));
  }

  private Reply reproduce(Call c) {
    c.noFields("a reproduction (it takes no options)");
    long id = id(c);
    ExperimentRefresh refresh = analysis.orElseThrow(() -> DomainException.conflict("no_warehouse",
        "no analysis warehouse is configured: start the server with --warehouse-url", List.of()));
    return Reply.ok(refresh.reproduce(c.project(), id));
  }

  private static long id(Call c) {
    String raw = c.path("id");
    try {
      long id = Long.parseLong(raw);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw DomainException.invalid("id", "must be a snapshot id (a positive whole number, the snapshotId of the"
        + " results), was '" + (raw.length() > 40 ? raw.substring(0, 40) + "…" : raw) + "'");
  }
}
