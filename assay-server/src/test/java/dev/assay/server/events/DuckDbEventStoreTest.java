package dev.assay.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The embedded store on a real DuckDB file: group commit, de-duplication, deletions. */
class DuckDbEventStoreTest {
  private static final long T = 1_780_000_000_000L;
  private final Path dir;
  private final DuckDbEventStore store;

  DuckDbEventStoreTest() throws Exception {
    dir = Files.createTempDirectory("assay-events-");
    store = DuckDbEventStore.open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Event metric(String id, String unit, long ts) {
    return new Event(id, Event.Type.METRIC, ts, unit, null, null, -1, "click", 1.0, "{}");
  }

  private static Event exposure(String id, String unit, long ts) {
    return new Event(id, Event.Type.EXPOSURE, ts, unit, "id", "exp", 1, null, null, "{\"country\":\"NL\"}");
  }

  private static List<Event> batch(String prefix, int from, int to) {
    List<Event> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(i % 2 == 0 ? exposure(prefix + i, "u" + i, T) : metric(prefix + i, "u" + i, T));
    }
    return out;
  }

  @Test
  void append_manyBatchesQueuedAtOnce_eachRequestToldItsOwnDuplicates() throws Exception {
    store.append(batch("a", 0, 50)).get();
    // Batches queued without waiting share commits; every third one re-sends ids already stored
    // or sent by the batch before it.
    List<CompletableFuture<EventStore.Stored>> futures = new ArrayList<>();
    List<int[]> expected = new ArrayList<>();
    for (int b = 0; b < 300; b++) {
      List<Event> events = batch("b" + b + "-", 0, 20);
      int dups = 0;
      if (b % 3 == 1) {
        events.addAll(batch("a", 0, 10));
        dups = 10;
      } else if (b % 3 == 2) {
        events.addAll(batch("b" + (b - 1) + "-", 0, 5));
        dups = 5;
      }
      futures.add(store.append(events));
      expected.add(new int[] {20, dups});
    }
    for (int b = 0; b < futures.size(); b++) {
      EventStore.Stored s = futures.get(b).get();
      assertThat(new int[] {s.accepted(), s.duplicates()}).as("batch %d", b).containsExactly(expected.get(b));
    }
    EventSummary summary = store.summary(EventStore.Scope.ALL, 0, Long.MAX_VALUE, 0);
    assertThat(summary.exposures() + summary.metricEvents()).isEqualTo(50 + 300 * 20);
  }

  @Test
  void append_queueFull_refusedAtOnceWithRetryHint_queuedBatchesStillStored() throws Exception {
    DuckDbEventStore small = DuckDbEventStore.openUrl("jdbc:duckdb:" + dir.resolve("small.duckdb"), 2, 1000);
    try {
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      CompletableFuture<Long> busy = small.occupyWriter(release);
      CompletableFuture<EventStore.Stored> first = small.append(batch("q1-", 0, 10));
      CompletableFuture<EventStore.Stored> second = small.append(batch("q2-", 0, 10));

      org.assertj.core.api.Assertions.assertThatThrownBy(() -> small.append(batch("q3-", 0, 10)))
          .isInstanceOfSatisfying(EventStore.Overloaded.class, o -> assertThat(o.retryAfterSeconds()).isPositive())
          .hasMessageContaining("busy");
      assertThat(first).isNotDone();

      release.countDown();
      busy.get();
      assertThat(first.get().accepted() + second.get().accepted()).isEqualTo(20);
      EventSummary s = small.summary(EventStore.Scope.ALL, 0, Long.MAX_VALUE, 0);
      assertThat(s.exposures() + s.metricEvents()).isEqualTo(20);
    } finally {
      small.close();
    }
  }

  @Test
  void append_sameIdTwiceInOneBatch_storedOnce() throws Exception {
    EventStore.Stored s = store.append(List.of(metric("x", "u", T), metric("x", "u", T))).get();
    assertThat(s.accepted()).isEqualTo(1);
    assertThat(s.duplicates()).isEqualTo(1);
  }

  @Test
  void deleteUnit_removesOnlyThatUnitsEvents() throws Exception {
    store.append(List.of(exposure("e1", "alice", T), metric("m1", "alice", T + 1), metric("m2", "bob", T))).get();

    assertThat(store.deleteUnit(EventStore.Scope.ALL, "alice")).isEqualTo(2);

    assertThat(store.unitEvents(EventStore.Scope.ALL, "alice", 10)).isEmpty();
    assertThat(store.unitEvents(EventStore.Scope.ALL, "bob", 10)).extracting(Event::id).containsExactly("m2");
    // An erased unit's events may be sent again later (a new consent) and are stored again.
    assertThat(store.append(List.of(metric("m1", "alice", T))).get().accepted()).isEqualTo(1);
  }

  @Test
  void deleteBefore_keepsEventsAtOrAfterTheCutoff() throws Exception {
    store.append(List.of(exposure("old", "u", T - 10), metric("edge", "u", T), metric("new", "u", T + 10))).get();

    assertThat(store.deleteBefore(EventStore.Scope.ALL, T)).isEqualTo(1);

    assertThat(store.unitEvents(EventStore.Scope.ALL, "u", 10)).extracting(Event::id).containsExactly("edge", "new");
  }

  @Test
  void events_surviveReopen() throws Exception {
    store.append(batch("p", 0, 100)).get();
    store.close();
    DuckDbEventStore again = DuckDbEventStore.open(dir);
    try {
      EventSummary s = again.summary(EventStore.Scope.ALL, 0, Long.MAX_VALUE, 0);
      assertThat(s.exposures() + s.metricEvents()).isEqualTo(100);
      assertThat(again.append(batch("p", 0, 100)).get().duplicates()).isEqualTo(100);
    } finally {
      again.close();
    }
  }

  @Test
  void reopenWithASmallWindow_remembersTheNewestIds_andTheWindowIsWhatBoundsDeduplication() throws Exception {
    // 400 events in four batches (half exposures, half metric events), then a window of 200 ids:
    // at startup the last 50 of each table of each part are loaded.
    for (int b = 0; b < 4; b++) {
      store.append(batch("w", b * 100, b * 100 + 100)).get();
    }
    store.close();
    DuckDbEventStore small = DuckDbEventStore.open(dir, 200);
    try {
      assertThat(small.append(batch("w", 300, 400)).get().duplicates()).as("the newest 100 ids").isEqualTo(100);
      // The documented limit: an id re-sent after it left the window is stored again.
      EventStore.Stored old = small.append(batch("w", 0, 10)).get();
      assertThat(new int[] {old.accepted(), old.duplicates()}).containsExactly(10, 0);
    } finally {
      small.close();
    }
  }

  @Test
  void writesAlternateBetweenTheTwoParts_readersSeeBoth_idsStayUniqueAcrossParts() throws Exception {
    String url = "jdbc:duckdb:" + dir.resolve("parts.duckdb");
    // Switch parts once a part's write-ahead log passes 64 KiB: many switches and checkpoints.
    DuckDbEventStore parts = DuckDbEventStore.openUrl(url, 100, 1_000_000, 64 << 10);
    try {
      for (int b = 0; b < 60; b++) {
        assertThat(parts.append(batch("s" + b + "-", 0, 200)).get().accepted()).isEqualTo(200);
      }
      assertThat(parts.switches()).isGreaterThanOrEqualTo(2);
      // Ids from batches written to either part are recognised (one set, confirmed over both parts).
      EventStore.Stored again = parts.append(batch("s0-", 0, 200)).get();
      assertThat(again.duplicates()).isEqualTo(200);
      EventSummary s = parts.summary(EventStore.Scope.ALL, 0, Long.MAX_VALUE, 0);
      assertThat(s.exposures() + s.metricEvents()).isEqualTo(12_000);
      try (java.sql.Connection c = parts.connect(); java.sql.Statement st = c.createStatement();
          java.sql.ResultSet rs = st.executeQuery("SELECT (SELECT COUNT(*) FROM parts.main.exposures_data) > 0,"
              + " (SELECT COUNT(*) FROM parts_1.main.exposures_data) > 0,"
              + " (SELECT COUNT(*) - COUNT(DISTINCT id) FROM (SELECT id FROM exposures UNION ALL SELECT id FROM metric_events))")) {
        rs.next();
        assertThat(new Object[] {rs.getBoolean(1), rs.getBoolean(2), rs.getLong(3)}).containsExactly(true, true, 0L);
      }
      // Erasure reaches both parts: unit u1 has one event in each of the 60 batches.
      assertThat(parts.deleteUnit(EventStore.Scope.ALL, "u1")).isEqualTo(60);
    } finally {
      parts.close();
    }
    DuckDbEventStore reopened = DuckDbEventStore.openUrl(url, 100, 1_000_000, 64 << 10);
    try {
      EventSummary s = reopened.summary(EventStore.Scope.ALL, 0, Long.MAX_VALUE, 0);
      assertThat(s.exposures() + s.metricEvents()).isEqualTo(12_000 - 60);
      assertThat(reopened.append(batch("s59-", 0, 200)).get().duplicates()).isEqualTo(199);
    } finally {
      reopened.close();
    }
  }

  @Test
  void groupIds_sameHashDifferentIds_eachRecognisedExactly() {
    GroupIds g = new GroupIds().reset(10);
    // A forced hash collision: three different ids with hash 42.
    assertThat(g.seen(42, "x")).isFalse();
    assertThat(g.seen(42, "y")).isFalse();
    assertThat(g.seen(42, "z")).isFalse();
    assertThat(g.seen(42, "y")).isTrue();
    assertThat(g.seen(42, "x")).isTrue();
    assertThat(g.seen(42, "z")).isTrue();
    assertThat(g.seen(7, "w")).isFalse();
    // A new group forgets the last one.
    g.reset(10);
    assertThat(g.seen(42, "x")).isFalse();
    assertThat(g.seen(7, "w")).isFalse();
  }

  @Test
  void windowOutsideItsRange_isRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DuckDbEventStore.open(dir, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("de-duplication window");
  }

  @Test
  void fileWithThePrimaryKeySchema_isMigrated_idsStayDeduplicated() throws Exception {
    Path old = Files.createTempDirectory("assay-events-old-");
    String url = "jdbc:duckdb:" + old.resolve("events.duckdb");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url); java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE exposures (id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, experiment_key VARCHAR NOT NULL,"
          + " variation_id INTEGER NOT NULL, ts BIGINT NOT NULL, hash_attribute VARCHAR, attributes VARCHAR)");
      st.execute("CREATE TABLE metric_events (id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, name VARCHAR NOT NULL,"
          + " ts BIGINT NOT NULL, value DOUBLE, properties VARCHAR)");
      st.execute("INSERT INTO exposures VALUES ('x1', 'u', 'exp', 0, " + T + ", 'id', '{}')");
      st.execute("INSERT INTO metric_events VALUES ('m1', 'u', 'buy', " + T + ", 2.5, '{}')");
    }
    DuckDbEventStore migrated = DuckDbEventStore.open(old);
    try {
      EventStore.Stored s = migrated.append(List.of(exposure("x1", "u", T), metric("m1", "u", T), metric("m2", "u", T),
          metric("m2", "u", T))).get();
      assertThat(new int[] {s.accepted(), s.duplicates()}).containsExactly(1, 3);
      try (java.sql.Connection c = migrated.connect(); java.sql.Statement st = c.createStatement();
          java.sql.ResultSet rs = st.executeQuery("SELECT (SELECT COUNT(*) FROM duckdb_constraints()"
              + " WHERE constraint_type = 'PRIMARY KEY'), (SELECT COUNT(*) FROM exposures),"
              + " (SELECT COUNT(*) FROM metric_events), (SELECT COUNT(DISTINCT id) FROM metric_events)")) {
        rs.next();
        assertThat(new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)}).containsExactly(0, 1, 2, 2);
      }
    } finally {
      migrated.close();
    }
  }

  @Test
  void fileWrittenBeforeEventsWereTagged_isMigrated_oldEventsCountInTheDefaultProject() throws Exception {
    Path old = Files.createTempDirectory("assay-events-untagged-");
    String url = "jdbc:duckdb:" + old.resolve("events.duckdb");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url); java.sql.Statement st = c.createStatement()) {
      // The schema of ADR 0007 revision 3: two parts, no project or environment columns.
      st.execute("ATTACH '" + old.resolve("events-1.duckdb") + "' AS events_1");
      for (String part : List.of("events", "events_1")) {
        st.execute("CREATE TABLE " + part + ".main.exposures_data (id VARCHAR NOT NULL, unit_id VARCHAR NOT NULL,"
            + " experiment_key VARCHAR NOT NULL, variation_id INTEGER NOT NULL, ts BIGINT NOT NULL, hash_attribute VARCHAR,"
            + " attributes VARCHAR)");
        st.execute("CREATE TABLE " + part + ".main.metric_events_data (id VARCHAR NOT NULL, unit_id VARCHAR NOT NULL,"
            + " name VARCHAR NOT NULL, ts BIGINT NOT NULL, value DOUBLE, properties VARCHAR)");
      }
      st.execute("INSERT INTO events.main.exposures_data VALUES ('x1', 'u', 'exp', 0, " + T + ", 'id', '{}')");
      st.execute("INSERT INTO events_1.main.metric_events_data VALUES ('m1', 'u', 'buy', " + T + ", 2.5, '{}')");
    }
    DuckDbEventStore migrated = DuckDbEventStore.open(old);
    try {
      Event tagged = new Event("m2", Event.Type.METRIC, T + 1, "u", null, null, -1, "buy", 1.0, "{}", "shop", "staging");
      assertThat(migrated.append(List.of(tagged, metric("m1", "u", T))).get().accepted()).isEqualTo(1);
      assertThat(migrated.unitEvents(EventStore.Scope.project("default"), "u", 10))
          .extracting(Event::id, Event::project, Event::environment)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("m1", "default", null),
              org.assertj.core.groups.Tuple.tuple("x1", "default", null));
      assertThat(migrated.unitEvents(EventStore.Scope.project("shop"), "u", 10)).containsExactly(tagged);
      assertThat(migrated.summary(EventStore.Scope.project("shop"), 0, Long.MAX_VALUE, 0).metricEvents()).isEqualTo(1);
    } finally {
      migrated.close();
    }
    // Reopening an already migrated file changes nothing.
    DuckDbEventStore again = DuckDbEventStore.open(old);
    try {
      assertThat(again.unitEvents(EventStore.Scope.ALL, "u", 10)).hasSize(3);
    } finally {
      again.close();
    }
  }

  @Test
  void readsAndDeletions_inAProjectsScope_leaveOtherProjectsEventsAlone() throws Exception {
    List<Event> events = new ArrayList<>();
    for (String project : List.of("a", "b")) {
      events.add(new Event(project + "-x", Event.Type.EXPOSURE, T, "u", "id", "exp", 0, null, null, "{}", project, "prod"));
      events.add(new Event(project + "-old", Event.Type.METRIC, T - 1000, "u", null, null, -1, "buy", 1.0, "{}", project,
          "prod"));
    }
    store.append(events).get();
    assertThat(store.summary(EventStore.Scope.project("a"), 0, Long.MAX_VALUE, 10).latest())
        .extracting(Event::id).containsExactly("a-x", "a-old");
    assertThat(store.deleteBefore(EventStore.Scope.project("a"), T)).isEqualTo(1);
    assertThat(store.deleteUnit(EventStore.Scope.project("b"), "u")).isEqualTo(2);
    assertThat(store.unitEvents(EventStore.Scope.ALL, "u", 10)).extracting(Event::id).containsExactly("a-x");
  }
}
