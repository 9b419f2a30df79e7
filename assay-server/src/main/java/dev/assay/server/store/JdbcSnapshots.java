package dev.assay.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The SQL of the analysis snapshots (table of migrations V2 and V10), on one transaction's connection. */
final class JdbcSnapshots {
  private static final String COLUMNS = "id, project, experiment_key, phase, created_at, body";

  private JdbcSnapshots() {}

  static long insert(Connection c, String project, String experimentKey, int phase, long createdAtMillis,
      String body, Optional<String> lineage) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO analysis_snapshots"
        + " (project, experiment_key, phase, created_at, body, lineage) VALUES (?, ?, ?, ?, ?, ?)",
        Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, project);
      ps.setString(2, experimentKey);
      ps.setInt(3, phase);
      ps.setLong(4, createdAtMillis);
      ps.setString(5, body);
      ps.setString(6, lineage.orElse(null));
      ps.executeUpdate();
      try (ResultSet keys = ps.getGeneratedKeys()) {
        if (!keys.next()) {
          throw new SQLException("the store returned no id for the snapshot");
        }
        // PostgreSQL returns every column (id first), H2 the identity column
        return keys.getLong(1);
      }
    }
  }

  static List<StoredSnapshot> newest(Connection c, String project, String experimentKey, int limit)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM analysis_snapshots"
        + " WHERE project = ? AND experiment_key = ? ORDER BY created_at DESC, id DESC")) {
      ps.setString(1, project);
      ps.setString(2, experimentKey);
      ps.setMaxRows(limit);
      List<StoredSnapshot> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs, Optional.empty()));
        }
      }
      return out;
    }
  }

  static Optional<StoredSnapshot> byId(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", lineage FROM analysis_snapshots"
        + " WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs, Optional.ofNullable(rs.getString(7)))) : Optional.empty();
      }
    }
  }

  private static StoredSnapshot read(ResultSet rs, Optional<String> lineage) throws SQLException {
    return new StoredSnapshot(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5),
        rs.getString(6), lineage);
  }
}
