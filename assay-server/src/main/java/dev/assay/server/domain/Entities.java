package dev.assay.server.domain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.store.DuplicateKeyException;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import dev.assay.server.store.VersionConflictException;
import java.util.List;
import java.util.Locale;

/** Store access shared by the configuration services, inside their transactions. */
final class Entities {
  private Entities() {}

  static boolean scoped(Kind kind) {
    return kind != Kind.PROJECT && kind != Kind.USER;
  }

  static String noun(Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /** The store scope of a kind in a project; not found when the project does not exist. */
  static String scopeOf(StoreTransaction tx, Kind kind, String project) {
    if (!scoped(kind)) {
      return "";
    }
    if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
    return project;
  }

  static StoredEntity require(StoreTransaction tx, Kind kind, String scope, String key) {
    return tx.get(kind, scope, key).orElseThrow(() -> DomainException.notFound(noun(kind) + " '" + key
        + "' not found" + (scope.isEmpty() ? "" : " in project '" + scope + "'")));
  }

  /** The record of a stored entity. */
  static <T> T read(Class<T> type, StoredEntity e) {
    return ModelJson.fromStored(type, e.body());
  }

  static StoredEntity insert(StoreTransaction tx, Kind kind, String scope, String key, Object record) {
    ObjectNode doc = ModelJson.toTree(record);
    try {
      return tx.insert(kind, scope, key, doc.toString());
    } catch (DuplicateKeyException e) {
      throw DomainException.conflict("already_exists", e.getMessage(),
          List.of(new DomainException.Detail("key", "already exists")));
    }
  }

  static StoredEntity update(StoreTransaction tx, Kind kind, String scope, StoredEntity current, Object record) {
    return tx.update(kind, scope, current.key(), current.version(), ModelJson.toTree(record).toString());
  }

  static void checkVersion(Kind kind, String key, long version, StoredEntity current) {
    if (current.version() != version) {
      throw DomainException.conflict("version_conflict",
          new VersionConflictException(kind, key, version, current.version()).getMessage(),
          List.of(new DomainException.Detail("version", "current version is " + current.version())));
    }
  }
}
