package dev.assay.server.events;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Events in a PostgreSQL warehouse: the tables {@code exposures} and {@code metric_events} the
 * analysis reads (created if missing, in the connection's schema), with the event id as primary
 * key and {@code INSERT … ON CONFLICT DO NOTHING}, so re-delivered events are stored once even
 * when several servers' consumers write at the same time. The Kafka consumer's target when the
 * server's warehouse is PostgreSQL (ADR 0008). {@link #append} writes in the caller's thread, in
 * one transaction, and its future is complete when it returns. Thread-safe (one connection,
 * serialized; reconnects after a failure).
 */
public final class PostgresEventWarehouse implements EventStore {
  private static final io.opentelemetry.api.common.AttributeKey<String> DB_SYSTEM =
      io.opentelemetry.api.common.AttributeKey.stringKey("db.system.name");
  private static final io.opentelemetry.api.common.AttributeKey<Long> DUPLICATES =
      io.opentelemetry.api.common.AttributeKey.longKey("assay.events.duplicates");

  /**
   * The covering indexes the analysis reads through (docs/performance.md, "PostgreSQL covering indexes"):
   * the units of an experiment phase come from {@code exposures_analysis} and each unit's metric
   * events from {@code metric_events_analysis}, both index-only (the included columns are every
   * column those queries read or filter on), so neither scan touches the table's heap pages.
   */
  public static final List<String> ANALYSIS_INDEXES = List.of(
      "CREATE INDEX IF NOT EXISTS exposures_analysis ON exposures (experiment_key, unit_id)"
          + " INCLUDE (variation_id, ts, project, flag)",
      "CREATE INDEX IF NOT EXISTS metric_events_analysis ON metric_events (unit_id, name, ts)"
          + " INCLUDE (value, project, flag)");

  private final String url;
  private Connection connection;
  private volatile io.opentelemetry.api.trace.Tracer tracer = io.opentelemetry.api.trace.TracerProvider.noop().get("");

  private PostgresEventWarehouse(String url) {
    this.url = url;
  }

  /**
   * Connects and creates the tables if they do not exist. Unit ids, experiment keys and event
   * names compare byte-wise ({@code COLLATE "C"}): the analysis groups, sorts and joins on them,
   * and a linguistic collation costs several times more per comparison for no use here. (Tables
   * created before keep their collation; see docs/operations.md.)
   */
  public static PostgresEventWarehouse open(String jdbcUrl) {
    PostgresEventWarehouse w = new PostgresEventWarehouse(jdbcUrl);
    try {
      Connection c = w.connection();
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS exposures (id VARCHAR(256) PRIMARY KEY,"
            + " unit_id VARCHAR(256) COLLATE \"C\" NOT NULL, experiment_key VARCHAR(256) COLLATE \"C\" NOT NULL, variation_id INTEGER NOT NULL, ts BIGINT NOT NULL,"
            + " hash_attribute VARCHAR(256), attributes TEXT)");
        st.execute("CREATE TABLE IF NOT EXISTS metric_events (id VARCHAR(256) PRIMARY KEY,"
            + " unit_id VARCHAR(256) COLLATE \"C\" NOT NULL, name VARCHAR(256) COLLATE \"C\" NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION, properties TEXT)");
        // Tables created before events were tagged get the columns; their events count in the
        // default project (the one a request without a project means) and have no environment.
        for (String table : List.of("exposures", "metric_events")) {
          st.execute("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS project VARCHAR(256) NOT NULL DEFAULT '"
              + dev.assay.server.domain.ConfigService.DEFAULT_PROJECT + "'");
          st.execute("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS environment VARCHAR(256)");
          st.execute("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS flag VARCHAR(64)"); // ADR 0042
        }
        st.execute("CREATE INDEX IF NOT EXISTS exposures_unit ON exposures (unit_id)");
        for (String ddl : ANALYSIS_INDEXES) {
          st.execute(ddl);
        }
        // metric_events_analysis leads with unit_id: the single-column index only cost writes
        st.execute("DROP INDEX IF EXISTS metric_events_unit");
      }
      c.commit();
      return w;
    } catch (SQLException e) {
      w.close();
      throw new IllegalStateException("cannot prepare the PostgreSQL event warehouse: " + e.getMessage(), e);
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = DriverManager.getConnection(url);
      connection.setAutoCommit(false);
    }
    return connection;
  }

  /**
   * Records each batch insert as a span {@code assay.warehouse write} (a child of the current span,
   * the consumer's poll: {@code db.system.name} postgresql, the batch size, the rows inserted and
   * the duplicates skipped; status error when the write failed). Default: no spans. Returns this.
   */
  public PostgresEventWarehouse traced(io.opentelemetry.api.trace.Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  @Override
  public synchronized CompletableFuture<Stored> append(List<Event> events) {
    if (events.isEmpty()) {
      return CompletableFuture.completedFuture(new Stored(0, 0));
    }
    io.opentelemetry.api.trace.Span span = tracer.spanBuilder("assay.warehouse write")
        .setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT).setAttribute(DB_SYSTEM, "postgresql")
        .setAttribute(EventSpans.BATCH_SIZE, (long) events.size()).startSpan();
    try {
      CompletableFuture<Stored> done = insert(events);
      done.whenComplete((stored, failure) -> {
        if (failure != null) {
          span.recordException(failure);
          span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, failure.getMessage());
        } else {
          span.setAttribute(EventSpans.ACCEPTED, (long) stored.accepted()).setAttribute(DUPLICATES,
              (long) stored.duplicates());
        }
      });
      return done;
    } finally {
      span.end();
    }
  }

  private CompletableFuture<Stored> insert(List<Event> events) {
    try {
      Connection c = connection();
      int inserted = 0;
      try (PreparedStatement ex = c.prepareStatement("INSERT INTO exposures (id, unit_id, experiment_key, variation_id, ts,"
              + " hash_attribute, attributes, project, environment, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT (id) DO NOTHING");
          PreparedStatement me = c.prepareStatement("INSERT INTO metric_events (id, unit_id, name, ts, value, properties,"
              + " project, environment, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
        for (Event e : events) {
          if (e.type() == Event.Type.EXPOSURE) {
            ex.setString(1, e.id());
            ex.setString(2, e.unitId());
            ex.setString(3, e.experimentKey());
            ex.setInt(4, e.variationId());
            ex.setLong(5, e.timestampMillis());
            ex.setString(6, e.hashAttribute());
            ex.setString(7, e.json());
            ex.setString(8, e.project());
            ex.setString(9, e.environment());
            ex.setString(10, e.flag());
            ex.addBatch();
          } else {
            me.setString(1, e.id());
            me.setString(2, e.unitId());
            me.setString(3, e.name());
            me.setLong(4, e.timestampMillis());
            if (e.value() == null) {
              me.setNull(5, Types.DOUBLE);
            } else {
              me.setDouble(5, e.value());
            }
            me.setString(6, e.json());
            me.setString(7, e.project());
            me.setString(8, e.environment());
            me.setString(9, e.flag());
            me.addBatch();
          }
        }
        inserted += inserted(ex.executeBatch());
        inserted += inserted(me.executeBatch());
      }
      c.commit();
      return CompletableFuture.completedFuture(new Stored(inserted, events.size() - inserted));
    } catch (SQLException | RuntimeException e) {
      discardConnection();
      return CompletableFuture.failedFuture(new IllegalStateException(
          "the PostgreSQL event warehouse could not write: " + e.getMessage(), e));
    }
  }

  /* Rows inserted; a driver that reports no counts (rewritten batches) counts every row. */
  private static int inserted(int[] counts) {
    int n = 0;
    for (int c : counts) {
      n += c == Statement.SUCCESS_NO_INFO ? 1 : Math.max(0, c);
    }
    return n;
  }

  private void discardConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // already broken
      }
      connection = null;
    }
  }

  @Override
  public synchronized EventSummary summary(Scope scope, long fromMillis, long toMillis, int latest) {
    try {
      Connection c = connection();
      String where = "ts >= ? AND ts < ?" + scope.and();
      EventSummary summary = EventReads.summary(c,
          union(where) + " WHERE " + where + ") e ORDER BY ts DESC, id LIMIT ?", scope, fromMillis, toMillis, latest);
      c.commit();
      return summary;
    } catch (SQLException e) {
      discardConnection();
      throw new IllegalStateException("cannot read the event summary: " + e.getMessage(), e);
    }
  }

  /* Both tables as one, for listings; the caller appends the metric_events WHERE clause. */
  private static final String UNION = "SELECT * FROM (SELECT id, 'exposure' AS t, ts, unit_id, hash_attribute,"
      + " experiment_key, variation_id, NULL::varchar AS name, NULL::double precision AS value, attributes AS j,"
      + " project, environment FROM exposures WHERE %s UNION ALL SELECT id, 'metric', ts, unit_id, NULL, NULL, -1, name,"
      + " value, properties, project, environment FROM metric_events";

  private static String union(String where) {
    return String.format(UNION, where);
  }

  @Override
  public synchronized List<Event> unitEvents(Scope scope, String unitId, int limit) {
    try {
      Connection c = connection();
      List<Event> out;
      String where = "unit_id = ?" + scope.and();
      try (PreparedStatement ps = c.prepareStatement(union(where) + " WHERE " + where + ") e ORDER BY ts, id LIMIT ?")) {
        ps.setString(1, unitId);
        int i = scope.bind(ps, 2);
        ps.setString(i, unitId);
        i = scope.bind(ps, i + 1);
        ps.setInt(i, limit);
        out = EventReads.events(ps);
      }
      c.commit();
      return out;
    } catch (SQLException e) {
      discardConnection();
      throw new IllegalStateException("cannot read the events of a unit: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized long deleteUnit(Scope scope, String unitId) {
    return delete("unit_id = ?" + scope.and(), ps -> scope.bind(ps, bindString(ps, unitId)));
  }

  @Override
  public synchronized long deleteBefore(Scope scope, long cutoffMillis) {
    return delete("ts < ?" + scope.and(), ps -> {
      ps.setLong(1, cutoffMillis);
      scope.bind(ps, 2);
    });
  }

  @Override
  public synchronized long deleteNamedBefore(Scope scope, String name, long cutoffMillis) {
    boolean exposures = name.equals(EXPOSURES);
    try {
      Connection c = connection();
      String sql = exposures ? "DELETE FROM exposures WHERE ts < ?" + scope.and()
          : "DELETE FROM metric_events WHERE ts < ? AND name = ?" + scope.and();
      long n;
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setLong(1, cutoffMillis);
        int i = 2;
        if (!exposures) {
          ps.setString(i++, name);
        }
        scope.bind(ps, i);
        n = ps.executeUpdate();
      }
      c.commit();
      return n;
    } catch (SQLException e) {
      discardConnection();
      throw new IllegalStateException("cannot delete events: " + e.getMessage(), e);
    }
  }

  private static int bindString(PreparedStatement ps, String value) throws SQLException {
    ps.setString(1, value);
    return 2;
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private long delete(String where, Binder binder) {
    try {
      Connection c = connection();
      long n = 0;
      for (String table : List.of("exposures", "metric_events")) {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE " + where)) {
          binder.bind(ps);
          n += ps.executeUpdate();
        }
      }
      c.commit();
      return n;
    } catch (SQLException e) {
      discardConnection();
      throw new IllegalStateException("cannot delete events: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    discardConnection();
  }
}
