package dev.assay.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One JDBC transaction; every SQL statement of the store lives here, in portable SQL. */
final class JdbcTransaction implements StoreTransaction {
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String ENTITY_COLUMNS =
      "kind, scope, entity_key, version, body, created_at, updated_at";
  private static final String KEY_COLUMNS =
      "id, name, role, token_hash, created_at, created_by, revoked_at, projects";
  private static final String AUDIT_COLUMNS =
      "seq, at_millis, actor, action, kind, scope, entity_key, before_json, after_json, prev_hash, hash, mac, reason";

  private final Connection c;

  JdbcTransaction(Connection c) {
    this.c = c;
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run() throws SQLException;
  }

  private static <T> T sql(SqlWork<T> work) {
    try {
      return work.run();
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }

  void lockHead() {
    sql(() -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")) {
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new StoreException("audit_head row missing: the database was not migrated");
          }
        }
      }
      return null;
    });
  }

  @Override
  public Optional<StoredEntity> get(Kind kind, String scope, String key) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT " + ENTITY_COLUMNS + " FROM entities WHERE kind = ? AND scope = ? AND entity_key = ?")) {
        ps.setString(1, kind.name());
        ps.setString(2, scope);
        ps.setString(3, key);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(entity(rs)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public List<StoredEntity> list(Kind kind, String scope) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + ENTITY_COLUMNS
          + " FROM entities WHERE kind = ? AND scope = ? ORDER BY entity_key")) {
        ps.setString(1, kind.name());
        ps.setString(2, scope);
        return entities(ps);
      }
    });
  }

  @Override
  public List<StoredEntity> listAll(Kind kind) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT " + ENTITY_COLUMNS + " FROM entities WHERE kind = ? ORDER BY scope, entity_key")) {
        ps.setString(1, kind.name());
        return entities(ps);
      }
    });
  }

  private static List<StoredEntity> entities(PreparedStatement ps) throws SQLException {
    List<StoredEntity> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(entity(rs));
      }
    }
    return out;
  }

  private static StoredEntity entity(ResultSet rs) throws SQLException {
    return new StoredEntity(
        Kind.valueOf(rs.getString(1)), rs.getString(2), rs.getString(3), rs.getLong(4),
        rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)));
  }

  @Override
  public StoredEntity insert(Kind kind, String scope, String key, String body) {
    Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO entities (" + ENTITY_COLUMNS + ") VALUES (?, ?, ?, 1, ?, ?, ?)")) {
        ps.setString(1, kind.name());
        ps.setString(2, scope);
        ps.setString(3, key);
        ps.setString(4, body);
        ps.setLong(5, now.toEpochMilli());
        ps.setLong(6, now.toEpochMilli());
        ps.executeUpdate();
      } catch (SQLException e) {
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
          throw new DuplicateKeyException(kind.name().toLowerCase(java.util.Locale.ROOT) + " '" + key
              + "' already exists" + (scope.isEmpty() ? "" : " in project '" + scope + "'"));
        }
        throw e;
      }
      return new StoredEntity(kind, scope, key, 1, body, now, now);
    });
  }

  @Override
  public StoredEntity update(Kind kind, String scope, String key, long expectedVersion, String body) {
    Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
    return sql(() -> {
      int n;
      try (PreparedStatement ps = c.prepareStatement("UPDATE entities SET body = ?, version = version + 1,"
          + " updated_at = ? WHERE kind = ? AND scope = ? AND entity_key = ? AND version = ?")) {
        ps.setString(1, body);
        ps.setLong(2, now.toEpochMilli());
        ps.setString(3, kind.name());
        ps.setString(4, scope);
        ps.setString(5, key);
        ps.setLong(6, expectedVersion);
        n = ps.executeUpdate();
      }
      if (n == 0) {
        throw staleOrMissing(kind, scope, key, expectedVersion);
      }
      return get(kind, scope, key).orElseThrow();
    });
  }

  @Override
  public void delete(Kind kind, String scope, String key, long expectedVersion) {
    sql(() -> {
      int n;
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM entities WHERE kind = ? AND scope = ? AND entity_key = ? AND version = ?")) {
        ps.setString(1, kind.name());
        ps.setString(2, scope);
        ps.setString(3, key);
        ps.setLong(4, expectedVersion);
        n = ps.executeUpdate();
      }
      if (n == 0) {
        throw staleOrMissing(kind, scope, key, expectedVersion);
      }
      if (kind == Kind.USER) {
        // A user's password and sessions go with it: a user later created with the same key starts without them.
        credentials().deletePassword(key);
        credentials().deleteSessionsOf(key);
      }
      return null;
    });
  }

  private StoreException staleOrMissing(Kind kind, String scope, String key, long expectedVersion) {
    return get(kind, scope, key)
        .<StoreException>map(e -> new VersionConflictException(kind, key, expectedVersion, e.version()))
        .orElseGet(() -> new EntityNotFoundException(kind, scope, key));
  }

  @Override
  public void insertApiKey(ApiKeyRecord key) {
    sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO api_keys (" + KEY_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, key.id());
        ps.setString(2, key.name());
        ps.setString(3, key.role());
        ps.setString(4, key.tokenHash());
        ps.setLong(5, key.createdAt().toEpochMilli());
        ps.setString(6, key.createdBy());
        if (key.revokedAt().isPresent()) {
          ps.setLong(7, key.revokedAt().get().toEpochMilli());
        } else {
          ps.setNull(7, Types.BIGINT);
        }
        if (key.projects().isEmpty()) {
          ps.setNull(8, Types.VARCHAR);
        } else {
          ps.setString(8, String.join(",", key.projects()));
        }
        ps.executeUpdate();
      } catch (SQLException e) {
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
          throw new DuplicateKeyException("an API key with this id or token already exists");
        }
        throw e;
      }
      return null;
    });
  }

  @Override
  public Optional<ApiKeyRecord> apiKeyByHash(String tokenHash) {
    return apiKeys("WHERE token_hash = ?", tokenHash).stream().findFirst();
  }

  @Override
  public Optional<ApiKeyRecord> apiKey(String id) {
    return apiKeys("WHERE id = ?", id).stream().findFirst();
  }

  @Override
  public List<ApiKeyRecord> apiKeys() {
    return apiKeys("", null);
  }

  private List<ApiKeyRecord> apiKeys(String where, String arg) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT " + KEY_COLUMNS + " FROM api_keys " + where + " ORDER BY created_at, id")) {
        if (arg != null) {
          ps.setString(1, arg);
        }
        List<ApiKeyRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long revoked = rs.getLong(7);
            Optional<Instant> revokedAt =
                rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(revoked));
            String projects = rs.getString(8);
            out.add(new ApiKeyRecord(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), Instant.ofEpochMilli(rs.getLong(5)), rs.getString(6), revokedAt,
                projects == null || projects.isEmpty() ? List.of() : List.of(projects.split(","))));
          }
        }
        return out;
      }
    });
  }

  @Override
  public boolean revokeApiKey(String id, Instant at) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
        ps.setLong(1, at.toEpochMilli());
        ps.setString(2, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  @Override
  public AuditHead auditHead() {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
          ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new StoreException("audit_head row missing: the database was not migrated");
        }
        return new AuditHead(rs.getLong(1), rs.getString(2));
      }
    });
  }

  @Override
  public void appendAudit(AuditRecord e) {
    AuditHead head = auditHead();
    if (e.seq() != head.seq() + 1 || !e.prevHash().equals(head.hash())) {
      throw new StoreException("audit entry " + e.seq() + " does not extend the chain head "
          + head.seq() + " (use a write transaction, which holds the head lock)");
    }
    sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO audit_log (" + AUDIT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setLong(1, e.seq());
        ps.setLong(2, e.at().toEpochMilli());
        ps.setString(3, e.actor());
        ps.setString(4, e.action());
        ps.setString(5, e.kind());
        ps.setString(6, e.scope());
        ps.setString(7, e.key());
        ps.setString(8, e.before().orElse(null));
        ps.setString(9, e.after().orElse(null));
        ps.setString(10, e.prevHash());
        ps.setString(11, e.hash());
        ps.setString(12, e.mac().orElse(null));
        ps.setString(13, e.reason().orElse(null));
        ps.executeUpdate();
      }
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
        ps.setLong(1, e.seq());
        ps.setString(2, e.hash());
        ps.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public List<AuditRecord> audit(AuditQuery q) {
    StringBuilder where = new StringBuilder(" WHERE seq > ?");
    List<Object> args = new ArrayList<>();
    args.add(q.afterSeq());
    q.kind().ifPresent(v -> { where.append(" AND kind = ?"); args.add(v); });
    q.key().ifPresent(v -> { where.append(" AND entity_key = ?"); args.add(v); });
    q.actor().ifPresent(v -> { where.append(" AND actor = ?"); args.add(v); });
    q.from().ifPresent(v -> { where.append(" AND at_millis >= ?"); args.add(v.toEpochMilli()); });
    q.to().ifPresent(v -> { where.append(" AND at_millis < ?"); args.add(v.toEpochMilli()); });
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT " + AUDIT_COLUMNS + " FROM audit_log" + where + " ORDER BY seq")) {
        for (int i = 0; i < args.size(); i++) {
          ps.setObject(i + 1, args.get(i));
        }
        ps.setMaxRows(q.limit());
        List<AuditRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new AuditRecord(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)),
                rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                Optional.ofNullable(rs.getString(8)), Optional.ofNullable(rs.getString(9)),
                rs.getString(10), rs.getString(11), Optional.ofNullable(rs.getString(12)),
                Optional.ofNullable(rs.getString(13))));
          }
        }
        return out;
      }
    });
  }

  @Override
  public long insertSnapshot(String project, String experimentKey, int phase, long createdAtMillis, String body,
      Optional<String> lineage) {
    return sql(() -> JdbcSnapshots.insert(c, project, experimentKey, phase, createdAtMillis, body, lineage));
  }

  @Override
  public List<StoredSnapshot> snapshots(String project, String experimentKey, int limit) {
    return sql(() -> JdbcSnapshots.newest(c, project, experimentKey, limit));
  }

  @Override
  public Optional<StoredSnapshot> snapshot(long id) {
    return sql(() -> JdbcSnapshots.byId(c, id));
  }

  @Override
  public CredentialStore credentials() {
    return new JdbcCredentialStore(c);
  }

  @Override
  public CommentStore comments() {
    return new JdbcCommentStore(c);
  }

  @Override
  public AlertStore alerts() {
    return new JdbcAlertStore(c);
  }
}
