package dev.assay.server.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredSnapshot;
import java.util.List;
import java.util.Optional;

/**
 * The analysis snapshots of {@link ConfigService}: results, not configuration (neither versioned
 * nor audited). A snapshot read back carries its store id as {@code snapshotId}, the id its
 * lineage and reproduction are addressed by (ADR 0043).
 */
public final class Snapshots {
  private Snapshots() {}

  /**
   * A stored snapshot.
   *
   * @param body the snapshot, with its {@code snapshotId}
   * @param lineage what produced it, when the refresh recorded that
   */
  public record Record(long id, String experimentKey, ObjectNode body, Optional<ObjectNode> lineage) {}

  static long save(ConfigStore store, String project, String experimentKey, int phase, long now, JsonNode snapshot,
      Optional<JsonNode> lineage) {
    return store.write(tx -> tx.insertSnapshot(project, experimentKey, phase, now, snapshot.toString(),
        lineage.map(JsonNode::toString)));
  }

  static List<JsonNode> newest(ConfigStore store, String project, String experimentKey, int limit) {
    return store.read(tx -> tx.snapshots(project, experimentKey, limit)).stream()
        .map(s -> (JsonNode) withId(s)).toList();
  }

  static Record byId(ConfigStore store, String project, long id) {
    StoredSnapshot s = store.read(tx -> {
      Entities.scopeOf(tx, Kind.EXPERIMENT, project);
      return tx.snapshot(id);
    }).filter(x -> x.project().equals(project)).orElseThrow(() -> DomainException.notFound("no results snapshot "
        + id + " in project '" + project + "'"));
    return new Record(id, s.experimentKey(), withId(s), s.lineage().map(ModelJson::parse));
  }

  private static ObjectNode withId(StoredSnapshot s) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("snapshotId", s.id());
    out.setAll(ModelJson.parse(s.body()));
    return out;
  }
}
