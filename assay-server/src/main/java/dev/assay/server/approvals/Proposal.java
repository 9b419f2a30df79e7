package dev.assay.server.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Role;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.WriteGuard;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.Keyed;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A proposed document checked when its request opens: it binds to its record (a bad field is a
 * 400 naming it, under {@code document.}), the base version is the target's current one, and a
 * policy covers it (otherwise there is nothing to approve: write it directly).
 *
 * @param role the highest role the covering policies ask for
 */
record Proposal(ObjectNode document, List<Policy> covering, String role) {
  static Keyed bind(Kind kind, String key, long baseVersion, JsonNode document) {
    if (document == null || !document.isObject()) {
      throw DomainException.invalid("document", "must be a JSON object: the flag's or experiment's new document");
    }
    Keyed record;
    try {
      record = baseVersion == 0 ? (Keyed) ModelJson.create(ModelJson.recordClass(kind), document)
          : (Keyed) ModelJson.update(ModelJson.recordClass(kind), key, document);
    } catch (DomainException e) {
      throw e.within("document");
    }
    if (!record.key().equals(key)) {
      throw DomainException.invalid("key", "must match the document's key ('" + record.key() + "')");
    }
    return record;
  }

  static Proposal check(ConfigStore store, String project, Kind kind, String key, long baseVersion,
      JsonNode document) {
    Keyed record = bind(kind, key, baseVersion, document);
    return store.read(tx -> {
      Policies.requireProject(tx, project);
      Optional<StoredEntity> current = tx.get(kind, project, key);
      if (baseVersion == 0 && current.isPresent()) {
        throw DomainException.conflict("already_exists", kind.name().toLowerCase(java.util.Locale.ROOT) + " '" + key
            + "' exists (version " + current.get().version() + "); base the request on that version", List.of());
      }
      if (baseVersion > 0 && (current.isEmpty() || current.get().version() != baseVersion)) {
        throw DomainException.conflict("version_conflict", "'" + key + "' is " + current.map(c -> "at version "
            + c.version()).orElse("not found") + ", not at baseVersion " + baseVersion, List.of(
                new DomainException.Detail("baseVersion", current.map(c -> "current version is " + c.version())
                    .orElse("the target does not exist; use 0 to create it"))));
      }
      Optional<Object> before = current.map(c -> ModelJson.fromStored(ModelJson.recordClass(kind), c.body()));
      Object after = record instanceof Flag f && before.isPresent() ? f.withKilled(((Flag) before.get()).killed())
          : record;
      List<Policy> covering = Coverage.covering(tx, new WriteGuard.Write(kind, project, key,
          baseVersion == 0 ? "create" : "update", before, Optional.of(after)), Policies.in(tx, project));
      if (covering.isEmpty()) {
        throw DomainException.conflict("approval_not_required", "no approval policy of project '" + project
            + "' covers this change; write it directly", List.of());
      }
      String role = covering.stream().map(p -> Role.parse(p.role()).orElse(Role.ADMIN))
          .max(Comparator.naturalOrder()).orElseThrow().wireName();
      return new Proposal((ObjectNode) document.deepCopy(), covering, role);
    });
  }
}
