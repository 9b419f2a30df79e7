package dev.assay.server.analysis;

import dev.assay.server.domain.DomainException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads analysis runs on: a few platform threads of its own, never the request threads.
 *
 * <p>Why platform threads: a warehouse query is a long native call (DuckDB's JNI, a JDBC socket
 * read), and a virtual thread in a native call pins its carrier; with a carrier per core, two
 * heavy queries on request threads stalled every request of the server. Here they block only
 * this pool, and the request thread waiting for them unmounts.
 *
 * <p>Admission is immediate: at most {@link AnalysisLimits#concurrent} refreshes run at once, and
 * {@link AnalysisLimits#perProject} per project; one more is refused with a 429 {@code
 * analysis_busy} and a {@code Retry-After}, nothing queues. Thread-safe.
 */
public final class AnalysisExecutor implements AutoCloseable {
  private final AnalysisLimits limits;
  private final AtomicInteger running = new AtomicInteger();
  private final Map<String, AtomicInteger> perProject = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor pool;

  public AnalysisExecutor(AnalysisLimits limits) {
    this.limits = limits;
    AtomicInteger n = new AtomicInteger();
    // Admission bounds the work in flight to the pool size, so the queue never holds more than that.
    this.pool = new ThreadPoolExecutor(limits.concurrent(), limits.concurrent(), 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "assay-analysis-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
  }

  public AnalysisLimits limits() {
    return limits;
  }

  /** A place to run one refresh, held until its work ends (or {@link Slot#release} if it never starts). */
  public final class Slot {
    private final String project;
    private boolean released;

    private Slot(String project) {
      this.project = project;
    }

    /** Runs the work on the analysis pool and waits for it; its exception is rethrown here. */
    public <T> T call(Supplier<T> work) {
      try {
        return submit(work).join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw e;
      }
    }

    /** Runs the work on the analysis pool in the background. */
    public <T> CompletableFuture<T> submit(Supplier<T> work) {
      try {
        return CompletableFuture.supplyAsync(() -> {
          try {
            return work.get();
          } finally {
            release();
          }
        }, pool);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        release();
        throw DomainException.busy("analysis_busy", "the analysis is shutting down", retryAfter());
      }
    }

    /** Gives the place back without running anything. */
    public synchronized void release() {
      if (!released) {
        released = true;
        running.decrementAndGet();
        perProject.get(project).decrementAndGet();
      }
    }
  }

  /**
   * Takes a place for a refresh in this project, or throws a 429 {@link DomainException} ({@code
   * analysis_busy}) when the server or the project is at its limit.
   */
  public Slot admit(String project) {
    if (running.incrementAndGet() > limits.concurrent()) {
      running.decrementAndGet();
      throw DomainException.busy("analysis_busy", limits.concurrent() + " refreshes are running on this server"
          + " (the limit); retry after " + retryAfter() + " s", retryAfter());
    }
    AtomicInteger mine = perProject.computeIfAbsent(project, k -> new AtomicInteger());
    if (mine.incrementAndGet() > limits.perProject()) {
      mine.decrementAndGet();
      running.decrementAndGet();
      throw DomainException.busy("analysis_busy", limits.perProject() + " refresh(es) of project '" + project
          + "' are running (the limit per project); retry after " + retryAfter() + " s", retryAfter());
    }
    return new Slot(project);
  }

  /** Refreshes running now (tests, metrics). */
  public int running() {
    return running.get();
  }

  private int retryAfter() {
    return (int) Math.min(60, Math.max(1, limits.queryTimeout().toSeconds()));
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
