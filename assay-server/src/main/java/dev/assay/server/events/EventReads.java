package dev.assay.server.events;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads shared by the event warehouses (DuckDB and PostgreSQL): both keep the same
 * {@code exposures} and {@code metric_events} tables, so the summary counts and the mapping of a
 * listing row to an {@link Event} are written once here.
 */
final class EventReads {
  private EventReads() {}

  /**
   * The event summary over {@code [from, to)} in the scope.
   *
   * @param newestSql the dialect's listing of both tables, newest first, with parameters
   *     (from, to, [project,] from, to, [project,] limit) in that order (see {@link EventStore.Scope#and})
   */
  static EventSummary summary(Connection c, String newestSql, EventStore.Scope scope, long from, long to, int latest)
      throws SQLException {
    String where = " WHERE ts >= ? AND ts < ?" + scope.and();
    long exposures = count(c, "SELECT COUNT(*) FROM exposures" + where, scope, from, to);
    long metrics = count(c, "SELECT COUNT(*) FROM metric_events" + where, scope, from, to);
    List<EventSummary.NameCount> byName = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT name, COUNT(*) FROM metric_events" + where
        + " GROUP BY name ORDER BY 2 DESC, 1 LIMIT 100")) {
      bind(ps, 1, scope, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byName.add(new EventSummary.NameCount(rs.getString(1), rs.getLong(2)));
        }
      }
    }
    List<EventSummary.ExperimentCount> byExp = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT experiment_key, variation_id, COUNT(*), COUNT(DISTINCT unit_id)"
        + " FROM exposures" + where + " GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 200")) {
      bind(ps, 1, scope, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byExp.add(new EventSummary.ExperimentCount(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4)));
        }
      }
    }
    List<EventSummary.FlaggedCount> flagged = new ArrayList<>();
    String flaggedWhere = where + " AND flag IS NOT NULL";
    try (PreparedStatement ps = c.prepareStatement("SELECT 'exposure', experiment_key, flag, COUNT(*) FROM exposures"
        + flaggedWhere + " GROUP BY 2, 3 UNION ALL SELECT 'metric', name, flag, COUNT(*) FROM metric_events"
        + flaggedWhere + " GROUP BY 2, 3 ORDER BY 4 DESC, 1, 2, 3 LIMIT 200")) {
      bind(ps, bind(ps, 1, scope, from, to), scope, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          flagged.add(new EventSummary.FlaggedCount(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
        }
      }
    }
    List<Event> newest;
    try (PreparedStatement ps = c.prepareStatement(newestSql)) {
      int i = bind(ps, 1, scope, from, to);
      i = bind(ps, i, scope, from, to);
      ps.setInt(i, latest);
      newest = events(ps);
    }
    return new EventSummary(exposures, metrics, byName, byExp, newest, flagged);
  }

  private static int bind(PreparedStatement ps, int index, EventStore.Scope scope, long from, long to)
      throws SQLException {
    ps.setLong(index, from);
    ps.setLong(index + 1, to);
    return scope.bind(ps, index + 2);
  }

  /**
   * Runs a listing whose columns are (id, type, ts, unit_id, hash_attribute, experiment_key,
   * variation_id, name, value, attributes or properties, project, environment) and maps each row
   * to an event.
   */
  static List<Event> events(PreparedStatement ps) throws SQLException {
    List<Event> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        double v = rs.getDouble(9);
        Double value = rs.wasNull() ? null : v;
        out.add(new Event(rs.getString(1), "exposure".equals(rs.getString(2)) ? Event.Type.EXPOSURE : Event.Type.METRIC,
            rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getInt(7), rs.getString(8), value,
            rs.getString(10), rs.getString(11), rs.getString(12)));
      }
    }
    return out;
  }

  private static long count(Connection c, String sql, EventStore.Scope scope, long from, long to) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, 1, scope, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
