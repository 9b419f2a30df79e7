package dev.assay.server.events;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.duckdb.DuckDBAppender;

/**
 * The tables and views of the DuckDB event store (see {@link DuckDbEventStore}): each of the two
 * parts has {@code exposures_data} and {@code metric_events_data}; the views {@code exposures} and
 * {@code metric_events} are their union. Creates them, migrates files written by older versions,
 * and reads the newest ids back at startup. Called on the opening thread only.
 */
final class DuckDbEventSchema {
  /** Tables of each part, and the views over both parts with the names readers use. */
  static final List<String> TABLES = List.of("exposures", "metric_events");
  /** Suffix of a part's table behind the view of the same name. */
  static final String DATA = "_data";

  private DuckDbEventSchema() {}

  /**
   * Attaches the second part, creates (or migrates) the tables of both parts and the views over
   * them, and the writer's temporary probe table.
   *
   * @return the catalogs of the two parts
   */
  static String[] create(Statement st, String secondFile) throws SQLException {
    String[] parts = new String[2];
    try (ResultSet rs = st.executeQuery("SELECT current_database()")) {
      rs.next();
      parts[0] = rs.getString(1);
    }
    parts[1] = parts[0] + "_1";
    st.execute("ATTACH IF NOT EXISTS '" + secondFile.replace("'", "''") + "' AS \"" + parts[1] + "\"");
    // Files written before ADR 0007's revision 3 keep their tables in the first part.
    for (String table : TABLES) {
      dropPrimaryKey(st, table);
      if (isTable(st, parts[0], table)) {
        st.execute("ALTER TABLE " + table + " RENAME TO " + table + DATA);
      }
    }
    for (String part : parts) {
      // No primary key: checking it row by row was the ingestion bottleneck (ADR 0007); the
      // writer keeps ids unique itself.
      st.execute("CREATE TABLE IF NOT EXISTS " + q(part, "exposures") + " (id VARCHAR NOT NULL,"
          + " unit_id VARCHAR NOT NULL, experiment_key VARCHAR NOT NULL, variation_id INTEGER NOT NULL,"
          + " ts BIGINT NOT NULL, hash_attribute VARCHAR, attributes VARCHAR)");
      st.execute("CREATE TABLE IF NOT EXISTS " + q(part, "metric_events") + " (id VARCHAR NOT NULL,"
          + " unit_id VARCHAR NOT NULL, name VARCHAR NOT NULL, ts BIGINT NOT NULL, value DOUBLE, properties VARCHAR)");
      addSourceColumns(st, part);
    }
    for (String table : TABLES) {
      st.execute("CREATE OR REPLACE VIEW " + table + " AS SELECT * FROM " + q(parts[0], table)
          + " UNION ALL SELECT * FROM " + q(parts[1], table));
    }
    st.execute("CREATE TEMP TABLE probe_ids (id VARCHAR)");
    return parts;
  }

  /* A part's table, fully qualified. */
  static String q(String part, String table) {
    return "\"" + part + "\".main." + table + DATA;
  }

  /*
   * The hashes of the most recent ids, read once at startup: the last quarter window of each table
   * of each part, in the order they were appended (row ids grow with appends), the part written
   * last at the end, so that its ids are the ones the set keeps longest.
   */
  static EventIdSet loadIds(Connection c, String[] parts, int active, int window) throws SQLException {
    long quarter = Math.max(1, window / 4);
    // Starts small and grows with the ids loaded: a fresh store (and every test server) needs no
    // 16 MB table up front.
    EventIdSet set = new EventIdSet(window, Math.min(window, 1 << 12));
    try (Statement st = c.createStatement()) {
      for (String part : List.of(parts[1 - active], parts[active])) {
        for (String table : TABLES) {
          try (ResultSet rs = st.executeQuery("SELECT id FROM " + q(part, table) + " WHERE rowid > (SELECT MAX(rowid) FROM "
              + q(part, table) + ") - " + quarter + " ORDER BY rowid")) {
            while (rs.next()) {
              set.add(EventIdSet.hash(rs.getString(1)));
            }
          }
        }
      }
    }
    return set;
  }

  /*
   * Every event carries the project and environment of the key that sent it (the last two columns,
   * in this order, for new and old files alike). Files written before events were tagged get the
   * columns here; their events are counted in the default project, the one every request without
   * a project means, and have no environment.
   */
  private static void addSourceColumns(Statement st, String part) throws SQLException {
    for (String table : TABLES) {
      st.execute("ALTER TABLE " + q(part, table) + " ADD COLUMN IF NOT EXISTS project VARCHAR DEFAULT '"
          + dev.assay.server.domain.ConfigService.DEFAULT_PROJECT + "'");
      st.execute("ALTER TABLE " + q(part, table) + " ADD COLUMN IF NOT EXISTS environment VARCHAR");
      // Why the event is excluded from analysis, null when it is not (ADR 0042); after environment.
      st.execute("ALTER TABLE " + q(part, table) + " ADD COLUMN IF NOT EXISTS flag VARCHAR");
    }
  }

  private static boolean isTable(Statement st, String catalog, String table) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM duckdb_tables() WHERE database_name = '" + catalog
        + "' AND schema_name = 'main' AND table_name = '" + table + "'")) {
      rs.next();
      return rs.getLong(1) > 0;
    }
  }

  /*
   * Files written before ADR 0007's revision declared the id as primary key; DuckDB cannot drop a
   * constraint, so such a table is copied once into one without it.
   */
  private static void dropPrimaryKey(Statement st, String table) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM duckdb_constraints() WHERE table_name = '" + table
        + "' AND constraint_type = 'PRIMARY KEY' AND database_name = current_database()")) {
      rs.next();
      if (rs.getLong(1) == 0) {
        return;
      }
    }
    st.execute("BEGIN TRANSACTION");
    st.execute("CREATE TABLE " + table + "_nopk AS SELECT * FROM " + table);
    st.execute("DROP TABLE " + table);
    st.execute("ALTER TABLE " + table + "_nopk RENAME TO " + table);
    st.execute("COMMIT");
  }

  /** Appends one event to its table's appender (exposures or metric events), the writer's row order. */
  static void append(DuckDBAppender ex, DuckDBAppender me, Event e) throws SQLException {
    if (e.type() == Event.Type.EXPOSURE) {
      ex.beginRow().append(e.id()).append(e.unitId()).append(e.experimentKey()).append(e.variationId())
          .append(e.timestampMillis()).append(e.hashAttribute()).append(e.json()).append(e.project())
          .append(e.environment()).append(e.flag()).endRow();
    } else {
      me.beginRow().append(e.id()).append(e.unitId()).append(e.name()).append(e.timestampMillis());
      if (e.value() == null) {
        me.appendNull();
      } else {
        me.append(e.value().doubleValue());
      }
      me.append(e.json()).append(e.project()).append(e.environment()).append(e.flag()).endRow();
    }
  }
}
