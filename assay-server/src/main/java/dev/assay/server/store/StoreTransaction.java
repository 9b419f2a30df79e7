package dev.assay.server.store;

import java.util.List;
import java.util.Optional;

/**
 * Operations inside one store transaction. Valid only during the callback that received it; not
 * thread-safe.
 */
public interface StoreTransaction {

  Optional<StoredEntity> get(Kind kind, String scope, String key);

  /** Entities of a kind in a scope, ordered by key. */
  List<StoredEntity> list(Kind kind, String scope);

  /** Entities of a kind in every scope, ordered by scope then key. */
  List<StoredEntity> listAll(Kind kind);

  /**
   * Inserts a new entity at version 1.
   *
   * @throws DuplicateKeyException when (kind, scope, key) exists
   */
  StoredEntity insert(Kind kind, String scope, String key, String body);

  /**
   * Replaces the body if the current version is {@code expectedVersion}, and increments it.
   *
   * @throws VersionConflictException when the version is stale (nothing changes)
   * @throws EntityNotFoundException when the entity does not exist
   */
  StoredEntity update(Kind kind, String scope, String key, long expectedVersion, String body);

  /**
   * Deletes the entity if the current version is {@code expectedVersion}. Deleting a
   * {@link Kind#USER} also deletes its {@link CredentialStore} password and sessions.
   *
   * @throws VersionConflictException when the version is stale (nothing changes)
   * @throws EntityNotFoundException when the entity does not exist
   */
  void delete(Kind kind, String scope, String key, long expectedVersion);

  void insertApiKey(ApiKeyRecord key);

  Optional<ApiKeyRecord> apiKeyByHash(String tokenHash);

  Optional<ApiKeyRecord> apiKey(String id);

  List<ApiKeyRecord> apiKeys();

  /** Marks the key revoked; returns false if it does not exist or was already revoked. */
  boolean revokeApiKey(String id, java.time.Instant at);

  /** The current head of the audit chain (in a write transaction, locked until commit). */
  AuditHead auditHead();

  /**
   * Appends an entry; its {@code seq} must be head + 1 and its {@code prevHash} the head's hash.
   *
   * @throws StoreException otherwise
   */
  void appendAudit(AuditRecord entry);

  List<AuditRecord> audit(AuditQuery query);

  /**
   * Appends an analysis snapshot (JSON body) of an experiment phase, with its lineage (JSON) when
   * recorded; returns the snapshot's id.
   */
  long insertSnapshot(String project, String experimentKey, int phase, long createdAtMillis, String body,
      java.util.Optional<String> lineage);

  /** The newest {@code limit} snapshots of an experiment, newest first (without their lineage). */
  List<StoredSnapshot> snapshots(String project, String experimentKey, int limit);

  /** The snapshot with this id, with its lineage, if there is one. */
  java.util.Optional<StoredSnapshot> snapshot(long id);

  /** Passwords and browser sessions of the web UI, in this transaction. */
  CredentialStore credentials();

  /** Comments on flags and experiments, in this transaction. */
  CommentStore comments();

  /** Alert channels and the alert outbox, in this transaction. */
  AlertStore alerts();
}
