package dev.assay.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The SQL of {@link CommentStore} (table of migration V6), on one transaction's connection. */
final class JdbcCommentStore implements CommentStore {
  private final Connection c;

  JdbcCommentStore(Connection c) {
    this.c = c;
  }

  @Override
  public void insert(Comment comment) {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO comments"
        + " (id, project, kind, entity_key, author, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      ps.setLong(1, comment.id());
      ps.setString(2, comment.project());
      ps.setString(3, comment.kind());
      ps.setString(4, comment.entityKey());
      ps.setString(5, comment.author());
      ps.setLong(6, comment.at().toEpochMilli());
      ps.setString(7, comment.text());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }

  @Override
  public List<Comment> list(String project, String kind, String entityKey, int limit) {
    try (PreparedStatement ps = c.prepareStatement("SELECT id, project, kind, entity_key, author, created_at, body"
        + " FROM comments WHERE kind = ? AND project = ? AND entity_key = ? ORDER BY id LIMIT ?")) {
      ps.setString(1, kind);
      ps.setString(2, project);
      ps.setString(3, entityKey);
      ps.setInt(4, limit);
      List<Comment> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Comment(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              Instant.ofEpochMilli(rs.getLong(6)), rs.getString(7)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }
}
