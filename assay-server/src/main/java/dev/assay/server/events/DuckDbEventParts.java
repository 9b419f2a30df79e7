package dev.assay.server.events;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.duckdb.DuckDBConnection;

/**
 * Which of the DuckDB event store's two parts is written, and the background checkpoints of the
 * part left behind (ADR 0007, revision 3). The part being written is read and switched by the
 * writer thread only; checkpoints run on one daemon thread of their own, on their own connection,
 * and never overlap (a switch waits until the previous checkpoint is done).
 */
final class DuckDbEventParts {
  private static final Logger LOG = Logger.getLogger(DuckDbEventParts.class.getName());

  private final DuckDBConnection writer;
  private final String[] parts;
  private final Path[] wals;
  private final long switchWalBytes;
  private final BooleanSupplier closed;
  private final ExecutorService checkpointer;
  private volatile Future<?> checkpoint = CompletableFuture.completedFuture(null);
  private int active;
  /** Times the writer switched parts (tests). */
  private volatile int switches;

  /**
   * @param writer the write connection (checkpoints run on duplicates of it)
   * @param parts the catalogs of the two parts
   * @param wals the write-ahead log files of the two parts
   * @param active the part written first
   * @param closed true once the store is closing (a refused checkpoint is then not retried)
   */
  DuckDbEventParts(DuckDBConnection writer, String[] parts, Path[] wals, int active, long switchWalBytes,
      BooleanSupplier closed) {
    this.writer = writer;
    this.parts = parts.clone();
    this.wals = wals.clone();
    this.active = active;
    this.switchWalBytes = switchWalBytes;
    this.closed = closed;
    this.checkpointer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "assay-event-checkpoint");
      t.setDaemon(true);
      return t;
    });
  }

  /** The write-ahead logs of a first part's file and its second part's file. */
  static Path[] wals(Path first, Path second) {
    return new Path[] {Path.of(first + ".wal"), Path.of(second + ".wal")};
  }

  /*
   * The part written last before a crash still has a write-ahead log (checkpointed parts have
   * none); writing resumes there, and its ids are the newest.
   */
  static int resumed(Path[] wals) {
    return size(wals[1]) > size(wals[0]) ? 1 : 0;
  }

  /** The catalog of the part being written. */
  String active() {
    return parts[active];
  }

  /** The catalogs of both parts. */
  List<String> all() {
    return List.of(parts);
  }

  int switches() {
    return switches;
  }

  /*
   * Once the part being written has a large write-ahead log and the other part's checkpoint is
   * done, writes go to the other part and the one left is checkpointed in the background.
   */
  void switchIfDue() {
    if (size(wals[active]) < switchWalBytes || !checkpoint.isDone()) {
      return;
    }
    String left = parts[active];
    active = 1 - active;
    switches++;
    checkpoint = checkpointer.submit(() -> checkpoint(left));
  }

  /* Checkpoints a part; a checkpoint fails while a reader's transaction uses it, so it is retried. */
  private void checkpoint(String part) {
    try (Connection c = writer.duplicate(); Statement st = c.createStatement()) {
      for (int attempt = 1; ; attempt++) {
        try {
          // After a few refusals, FORCE waits for the readers instead of failing.
          st.execute((attempt > 10 ? "FORCE CHECKPOINT \"" : "CHECKPOINT \"") + part + "\"");
          return;
        } catch (SQLException e) {
          if (closed.getAsBoolean() || attempt > 20) {
            LOG.log(Level.WARNING, "checkpoint of event part " + part + " failed (its log keeps growing): " + e.getMessage());
            return;
          }
          Thread.sleep(500);
        }
      }
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "checkpoint of event part " + part + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lets a running checkpoint finish (at most a minute) and stops the checkpoint thread. */
  void close() throws InterruptedException {
    checkpointer.shutdown();
    checkpointer.awaitTermination(60, TimeUnit.SECONDS);
  }

  private static long size(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
