package dev.assay.server.events;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The de-duplication of the DuckDB event writer: which events of a group are new. An event is a
 * duplicate when its id came earlier in the group, or when the set of recent id hashes has its
 * hash and an exact look-up in the tables (one scan per group, through the temporary
 * {@code probe_ids} table) finds it. Used by the writer thread only.
 */
final class DuckDbDeduplication {
  static final byte NEW = 0;
  static final byte DUPLICATE = 1;
  private static final byte SUSPECT = 2;

  private final DuckDBConnection writer;
  /** Hashes of every id stored (recent ones: the de-duplication window). */
  private final EventIdSet ids;
  /** The ids of the group being written. */
  private final GroupIds groupIds = new GroupIds();

  DuckDbDeduplication(DuckDBConnection writer, EventIdSet ids) {
    this.writer = writer;
    this.ids = ids;
  }

  /**
   * The state ({@link #NEW} or {@link #DUPLICATE}) of every event of the group, in order. A look-up
   * in the tables commits the probe (it writes to the temporary database, and a DuckDB transaction
   * writes to one database), so call it before appending.
   */
  byte[] classify(List<DuckDbEventStore.Pending> group) throws SQLException {
    int total = 0;
    for (DuckDbEventStore.Pending p : group) {
      total += p.events().size();
    }
    byte[] state = new byte[total];
    List<String> suspects = new ArrayList<>();
    GroupIds inGroup = groupIds.reset(total);
    int k = 0;
    for (DuckDbEventStore.Pending p : group) {
      List<Event> events = p.events();
      for (int i = 0; i < events.size(); i++) {
        long h = p.hashes()[i];
        if (inGroup.seen(h, events.get(i).id())) {
          state[k] = DUPLICATE;
        } else if (ids.mayContain(h)) {
          state[k] = SUSPECT;
          suspects.add(events.get(i).id());
        }
        k++;
      }
    }
    if (suspects.isEmpty()) {
      return state;
    }
    Set<String> stored = storedAmong(suspects);
    writer.commit();
    k = 0;
    for (DuckDbEventStore.Pending p : group) {
      for (Event e : p.events()) {
        if (state[k] == SUSPECT) {
          state[k] = stored.contains(e.id()) ? DUPLICATE : NEW;
        }
        k++;
      }
    }
    return state;
  }

  /*
   * Records the hashes of the new events. Called before the commit: if the commit fails, a re-send
   * finds the hash, is confirmed against the tables and stored, so no event is lost and none is
   * stored twice.
   */
  void record(List<DuckDbEventStore.Pending> group, byte[] state) {
    int k = 0;
    for (DuckDbEventStore.Pending p : group) {
      for (long h : p.hashes()) {
        if (state[k++] == NEW) {
          ids.add(h);
        }
      }
    }
  }

  /* Which of these ids (whose hash is in the set) are really stored: one scan of each table. */
  private Set<String> storedAmong(List<String> candidates) throws SQLException {
    try (DuckDBAppender probe = writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "probe_ids")) {
      for (String id : candidates) {
        probe.beginRow().append(id).endRow();
      }
    }
    Set<String> found = new HashSet<>();
    try (Statement st = writer.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT id FROM exposures WHERE id IN (SELECT id FROM probe_ids)"
          + " UNION SELECT id FROM metric_events WHERE id IN (SELECT id FROM probe_ids)")) {
        while (rs.next()) {
          found.add(rs.getString(1));
        }
      }
      st.execute("DELETE FROM probe_ids");
    }
    return found;
  }
}
