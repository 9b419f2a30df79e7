package dev.assay.server.events;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The embedded event store: DuckDB files in the data directory, written by one thread with group
 * commit. Requests queue their batches (bounded); the writer takes every batch waiting, drops the
 * events whose id is already stored (the de-duplication window: an in-memory set of the hashes of
 * the most recent ids, rebuilt from the tables at startup, with an exact look-up in the tables on
 * a hash hit), appends the new ones with DuckDB's Appender, commits once for all of them, and
 * only then completes their futures.
 *
 * <p>The events live in two parts, {@code events.duckdb} and {@code events-1.duckdb} (attached
 * as {@code events_1}), each with the tables {@code exposures_data} and {@code metric_events_data};
 * the views {@code exposures} and {@code metric_events} in {@code events.duckdb} are their union,
 * hold each event id once and are what the analysis reads ({@code WarehouseSchema.assayDefault()}).
 * The writer appends to one part; when that part's write-ahead log has grown past
 * {@link #SWITCH_WAL_BYTES} it switches to the other and a background thread checkpoints the one
 * it left. A DuckDB checkpoint blocks the commits of its own database only, so acknowledgements no
 * longer wait for checkpoints (ADR 0007, revision 3).
 *
 * <p>This class owns the queue, the writer thread and its group commit, the deletions and the
 * reads; the tables and their migrations are {@link DuckDbEventSchema}'s, the part switching and
 * checkpoints {@link DuckDbEventParts}', the de-duplication {@link DuckDbDeduplication}'s.
 */
public final class DuckDbEventStore implements EventStore {
  private static final Logger LOG = Logger.getLogger(DuckDbEventStore.class.getName());

  /** Batches waiting for the writer; when full, requests are refused with a retry hint. */
  static final int QUEUE_BATCHES = 2_000;
  /** Most events one commit takes (several requests). */
  static final int GROUP_EVENTS = 50_000;
  /** WAL size of the part being written past which the writer switches parts. */
  static final long SWITCH_WAL_BYTES = 64L << 20;
  /**
   * DuckDB's own checkpoint threshold, a safety net only: should background checkpoints keep
   * failing, a part's commit checkpoints it (blocking) once its WAL reaches this size.
   */
  static final String CHECKPOINT_THRESHOLD = "1GB";
  private static final List<String> TABLES = DuckDbEventSchema.TABLES;
  private static final String DATA = DuckDbEventSchema.DATA;

  /** A request's events, with their id hashes computed on the request's thread (not the writer's). */
  record Pending(List<Event> events, long[] hashes, CompletableFuture<Stored> done, Context context) {}

  /** Work on the write connection other than appends (deletions), run by the writer between groups. */
  private record Task(SqlWork work, CompletableFuture<Long> done) {}

  @FunctionalInterface
  private interface SqlWork {
    long run(Connection c) throws SQLException;
  }

  private final String url;
  private final DuckDBConnection writer;
  /** The part being written, and the checkpoints of the one left behind. */
  private final DuckDbEventParts parts;
  private final BlockingQueue<Pending> queue;
  private final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
  private final Thread thread;
  /** Which events of a group are new (only the writer thread uses it). */
  private final DuckDbDeduplication dedup;
  private volatile boolean closed;
  private volatile Tracer tracer = TracerProvider.noop().get("");

  private DuckDbEventStore(String url, DuckDBConnection writer, int queueBatches, EventIdSet ids, String[] parts,
      Path[] wals, int active, long switchWalBytes) {
    this.url = url;
    this.parts = new DuckDbEventParts(writer, parts, wals, active, switchWalBytes, () -> closed);
    this.queue = new ArrayBlockingQueue<>(queueBatches);
    this.writer = writer;
    this.dedup = new DuckDbDeduplication(writer, ids);
    this.thread = new Thread(this::run, "assay-event-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Largest de-duplication window, in ids (two generations of 2^27 slots: 2 GiB). */
  public static final int MAX_DEDUP_WINDOW = 1 << 27;

  /**
   * The default de-duplication window: the largest power of two of ids whose tables (16 bytes per
   * id at a power of two) fit in a quarter of the maximum heap, between 2^20 and 2^26 ids (16.7
   * million with a 1 GiB heap, 256 MiB).
   */
  public static int defaultDedupWindow() {
    long ids = Runtime.getRuntime().maxMemory() / 4 / 16;
    return Integer.highestOneBit((int) Math.max(1 << 20, Math.min(ids, 1 << 26)));
  }

  /** Opens (creating if needed) {@code events.duckdb} in the data directory. */
  public static DuckDbEventStore open(Path dataDir) {
    return open(dataDir, defaultDedupWindow());
  }

  /**
   * Opens (creating if needed) {@code events.duckdb} in the data directory; a re-sent event is
   * recognised while its id is among the last {@code dedupWindow / 2} to {@code dedupWindow} ids
   * stored.
   */
  public static DuckDbEventStore open(Path dataDir, int dedupWindow) {
    // The switch size can be lowered for tests of crashes amid switches (-Dassay.events.switch-wal-bytes).
    long switchBytes = Math.max(1, Long.getLong("assay.events.switch-wal-bytes", SWITCH_WAL_BYTES));
    return openUrl("jdbc:duckdb:" + dataDir.toAbsolutePath().resolve("events.duckdb"), QUEUE_BATCHES, dedupWindow,
        switchBytes);
  }

  /** The JDBC URL of the event file. */
  public String jdbcUrl() {
    return url;
  }

  /**
   * A new connection to the same database (DuckDB allows one database instance per file and
   * process, so readers such as the analysis share the writer's instance).
   */
  public Connection connect() throws SQLException {
    return writer.duplicate();
  }

  static DuckDbEventStore openUrl(String url) {
    return openUrl(url, QUEUE_BATCHES, defaultDedupWindow());
  }

  static DuckDbEventStore openUrl(String url, int queueBatches, int dedupWindow) {
    return openUrl(url, queueBatches, dedupWindow, SWITCH_WAL_BYTES);
  }

  static DuckDbEventStore openUrl(String url, int queueBatches, int dedupWindow, long switchWalBytes) {
    if (dedupWindow < 2 || dedupWindow > MAX_DEDUP_WINDOW) {
      throw new IllegalArgumentException("the de-duplication window must be 2 to " + MAX_DEDUP_WINDOW + " ids, was "
          + dedupWindow);
    }
    if (!url.startsWith("jdbc:duckdb:") || url.length() == "jdbc:duckdb:".length() || url.contains(":memory:")) {
      throw new IllegalArgumentException("the event store needs a DuckDB file, was " + url);
    }
    Path file = Path.of(url.substring("jdbc:duckdb:".length())).toAbsolutePath();
    String name = file.getFileName().toString();
    String stem = name.endsWith(".duckdb") ? name.substring(0, name.length() - ".duckdb".length()) : name;
    Path second = file.resolveSibling(stem + "-1.duckdb");
    Path[] wals = DuckDbEventParts.wals(file, second);
    int active = DuckDbEventParts.resumed(wals);
    try {
      DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection(url);
      String[] parts;
      try (Statement st = c.createStatement()) {
        st.execute("SET checkpoint_threshold = '" + CHECKPOINT_THRESHOLD + "'");
        parts = DuckDbEventSchema.create(st, second.toString());
      }
      EventIdSet ids = DuckDbEventSchema.loadIds(c, parts, active, dedupWindow);
      c.setAutoCommit(false);
      return new DuckDbEventStore(url, c, queueBatches, ids, parts, wals, active, switchWalBytes);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open the event store " + url + ": " + e.getMessage(), e);
    }
  }

  @Override
  public CompletableFuture<Stored> append(List<Event> events) {
    CompletableFuture<Stored> done = new CompletableFuture<>();
    if (closed) {
      done.completeExceptionally(new Overloaded("the event store is shutting down", 5));
      return done;
    }
    if (events.isEmpty()) {
      done.complete(new Stored(0, 0));
      return done;
    }
    long[] hashes = new long[events.size()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = EventIdSet.hash(events.get(i).id());
    }
    if (!queue.offer(new Pending(events, hashes, done, Context.current()))) {
      throw new Overloaded("the event store is busy (" + queue.size() + " batches waiting)", 1);
    }
    return done;
  }

  private void run() {
    List<Pending> group = new ArrayList<>();
    while (!closed || !queue.isEmpty() || !tasks.isEmpty()) {
      try {
        Task task;
        while ((task = tasks.poll()) != null) {
          runTask(task);
        }
        Pending first = queue.poll(20, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        int events = first.events().size();
        Pending next;
        while (events < GROUP_EVENTS && (next = queue.poll()) != null) {
          group.add(next);
          events += next.events().size();
        }
        write(group);
        parts.switchIfDue();
      } catch (InterruptedException e) {
        if (closed) {
          break;
        }
      } finally {
        group.clear();
      }
    }
  }

  /** Records a span per group commit ({@code assay.events commit}, ADR 0041; EventSpans#commit). Returns this. */
  public DuckDbEventStore traced(Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  private void write(List<Pending> group) {
    Span span = EventSpans.commit(tracer, group.stream().map(Pending::context).toList(),
        group.stream().mapToInt(p -> p.events().size()).sum());
    try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
      write(group, span);
    } finally {
      span.end();
    }
  }

  private void write(List<Pending> group, Span span) {
    try {
      byte[] state = dedup.classify(group);
      int[] accepted = new int[group.size()];
      try (DuckDBAppender ex = writer.createAppender(parts.active(), DuckDBConnection.DEFAULT_SCHEMA, "exposures" + DATA);
          DuckDBAppender me = writer.createAppender(parts.active(), DuckDBConnection.DEFAULT_SCHEMA,
              "metric_events" + DATA)) {
        int k = 0;
        for (int g = 0; g < group.size(); g++) {
          for (Event e : group.get(g).events()) {
            if (state[k++] == DuckDbDeduplication.NEW) {
              DuckDbEventSchema.append(ex, me, e);
              accepted[g]++;
            }
          }
        }
      }
      dedup.record(group, state);
      writer.commit();
      span.setAttribute(EventSpans.ACCEPTED, java.util.Arrays.stream(accepted).sum());
      for (int g = 0; g < group.size(); g++) {
        Pending p = group.get(g);
        p.done().complete(new Stored(accepted[g], p.events().size() - accepted[g]));
      }
    } catch (SQLException | RuntimeException | Error e) {
      // Any failure, even running out of memory, fails this group only: the writer thread lives on.
      LOG.log(Level.SEVERE, "writing " + group.size() + " event batches failed; they were not acknowledged", e);
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      try {
        writer.rollback();
      } catch (SQLException ignored) {
        // the connection is broken; the next write fails too and is reported the same way
      }
      for (Pending p : group) {
        p.done().completeExceptionally(new IllegalStateException("the event store could not write: " + e.getMessage(), e));
      }
    }
  }

  int switches() {
    return parts.switches();
  }

  private void runTask(Task task) {
    try {
      long n = task.work().run(writer);
      writer.commit();
      task.done().complete(n);
    } catch (SQLException | RuntimeException | Error e) {
      try {
        writer.rollback();
      } catch (SQLException ignored) {
        // reported below
      }
      task.done().completeExceptionally(new IllegalStateException("the event store could not delete: " + e.getMessage(), e));
    }
  }

  private long onWriter(SqlWork work) {
    if (closed) {
      throw new IllegalStateException("the event store is closed");
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    tasks.add(new Task(work, done));
    try {
      return done.get(5, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while deleting events", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(e.getCause() == null ? e.getMessage() : e.getCause().getMessage(), e);
    }
  }

  /**
   * Occupies the writer until {@code release} opens (tests of backpressure); returns once the
   * writer is occupied.
   */
  CompletableFuture<Long> occupyWriter(java.util.concurrent.CountDownLatch release) throws InterruptedException {
    CompletableFuture<Long> done = new CompletableFuture<>();
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    tasks.add(new Task(c -> {
      started.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 0;
    }, done));
    started.await();
    return done;
  }

  @Override
  public long deleteUnit(Scope scope, String unitId) {
    return deleteWhere("unit_id = ?", unitId, scope);
  }

  @Override
  public long deleteBefore(Scope scope, long cutoffMillis) {
    return deleteWhere("ts < ?", cutoffMillis, scope);
  }

  @Override
  public long deleteNamedBefore(Scope scope, String name, long cutoffMillis) {
    boolean exposures = name.equals(EXPOSURES);
    return onWriter(c -> {
      long n = 0;
      for (String part : parts.all()) {
        String sql = exposures
            ? "DELETE FROM " + DuckDbEventSchema.q(part, "exposures") + " WHERE ts < ?" + scope.and()
            : "DELETE FROM " + DuckDbEventSchema.q(part, "metric_events") + " WHERE ts < ? AND name = ?" + scope.and();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          ps.setLong(1, cutoffMillis);
          int i = 2;
          if (!exposures) {
            ps.setString(i++, name);
          }
          scope.bind(ps, i);
          n += ps.executeUpdate();
        }
        c.commit();
      }
      return n;
    });
  }

  /* Deletes the rows matching a one-parameter condition in the scope from every table of both parts. */
  private long deleteWhere(String condition, Object value, Scope scope) {
    return onWriter(c -> {
      long n = 0;
      for (String part : parts.all()) {
        for (String table : TABLES) {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + DuckDbEventSchema.q(part, table) + " WHERE " + condition
              + scope.and())) {
            ps.setObject(1, value);
            scope.bind(ps, 2);
            n += ps.executeUpdate();
          }
        }
        // A DuckDB transaction writes to one database: each part is committed on its own.
        c.commit();
      }
      return n;
    });
  }

  /* Both tables as one listing; %s is the condition on each (written twice). */
  private static final String LISTING = "SELECT * FROM (SELECT id, 'exposure' AS t, ts, unit_id, hash_attribute,"
      + " experiment_key, variation_id, NULL AS name, NULL AS value, attributes AS j, project, environment"
      + " FROM exposures WHERE %1$s UNION ALL SELECT id, 'metric', ts, unit_id, NULL, NULL, -1, name, value, properties,"
      + " project, environment FROM metric_events WHERE %1$s)";

  @Override
  public List<Event> unitEvents(Scope scope, String unitId, int limit) {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
        String.format(LISTING, "unit_id = ?" + scope.and()) + " ORDER BY ts, id LIMIT ?")) {
      ps.setString(1, unitId);
      int i = scope.bind(ps, 2);
      ps.setString(i, unitId);
      i = scope.bind(ps, i + 1);
      ps.setInt(i, limit);
      return EventReads.events(ps);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the events of a unit: " + e.getMessage(), e);
    }
  }

  @Override
  public EventSummary summary(Scope scope, long fromMillis, long toMillis, int latest) {
    try (Connection c = connect()) {
      return EventReads.summary(c, String.format(LISTING, "ts >= ? AND ts < ?" + scope.and())
          + " ORDER BY ts DESC, id LIMIT ?", scope, fromMillis, toMillis, latest);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the event summary: " + e.getMessage(), e);
    }
  }

  /** Stops taking batches, writes those waiting, and closes the file. */
  @Override
  public void close() {
    closed = true;
    try {
      thread.join(30_000);
      parts.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      writer.close();
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "closing the event store", e);
    }
  }
}
