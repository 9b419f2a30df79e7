package dev.assay.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** The SQL of {@link CredentialStore} (tables of migration V5), on one transaction's connection. */
final class JdbcCredentialStore implements CredentialStore {
  private final Connection c;

  JdbcCredentialStore(Connection c) {
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

  @Override
  public Optional<String> passwordHash(String userKey) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT password_hash FROM user_credentials WHERE user_key = ?")) {
        ps.setString(1, userKey);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public void setPasswordHash(String userKey, String hash, Instant at) {
    sql(() -> {
      int updated;
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE user_credentials SET password_hash = ?, updated_at = ? WHERE user_key = ?")) {
        ps.setString(1, hash);
        ps.setLong(2, at.toEpochMilli());
        ps.setString(3, userKey);
        updated = ps.executeUpdate();
      }
      if (updated == 0) {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO user_credentials (user_key, password_hash, updated_at) VALUES (?, ?, ?)")) {
          ps.setString(1, userKey);
          ps.setString(2, hash);
          ps.setLong(3, at.toEpochMilli());
          ps.executeUpdate();
        }
      }
      return null;
    });
  }

  @Override
  public boolean deletePassword(String userKey) {
    return update("DELETE FROM user_credentials WHERE user_key = ?", userKey) > 0;
  }

  @Override
  public void insertSession(Session s) {
    sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO ui_sessions (id_hash, user_key, created_at, last_seen_at) VALUES (?, ?, ?, ?)")) {
        ps.setString(1, s.idHash());
        ps.setString(2, s.userKey());
        ps.setLong(3, s.createdAt().toEpochMilli());
        ps.setLong(4, s.lastSeenAt().toEpochMilli());
        ps.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Optional<Session> session(String idHash) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id_hash, user_key, created_at, last_seen_at FROM ui_sessions WHERE id_hash = ?")) {
        ps.setString(1, idHash);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(new Session(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                  Instant.ofEpochMilli(rs.getLong(4))))
              : Optional.empty();
        }
      }
    });
  }

  @Override
  public void touchSession(String idHash, Instant at) {
    sql(() -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE ui_sessions SET last_seen_at = ? WHERE id_hash = ?")) {
        ps.setLong(1, at.toEpochMilli());
        ps.setString(2, idHash);
        return ps.executeUpdate();
      }
    });
  }

  @Override
  public boolean deleteSession(String idHash) {
    return update("DELETE FROM ui_sessions WHERE id_hash = ?", idHash) > 0;
  }

  @Override
  public int deleteSessionsOf(String userKey) {
    return update("DELETE FROM ui_sessions WHERE user_key = ?", userKey);
  }

  @Override
  public int deleteSessionsIdleSince(Instant before) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM ui_sessions WHERE last_seen_at < ?")) {
        ps.setLong(1, before.toEpochMilli());
        return ps.executeUpdate();
      }
    });
  }

  private int update(String statement, String arg) {
    return sql(() -> {
      try (PreparedStatement ps = c.prepareStatement(statement)) {
        ps.setString(1, arg);
        return ps.executeUpdate();
      }
    });
  }
}
