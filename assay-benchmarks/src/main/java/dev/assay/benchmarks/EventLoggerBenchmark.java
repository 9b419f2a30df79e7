package dev.assay.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.EventLogger;
import dev.assay.sdk.Experiment;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost on the caller's thread of the SDK's {@link EventLogger}: what {@code track} and an
 * exposure cost the application. A real HTTP server (the JDK's, answering each batch with the
 * Assay acknowledgement) receives the batches, so the sender thread runs as in production,
 * gzip and all, competing for the same cores.
 *
 * <ul>
 *   <li>{@code track}, {@code trackWithProperties}, {@code exposure}: events that are queued. Each
 *       invocation enqueues 1,000 events into an emptied queue (a {@code flush} between
 *       invocations, not measured), so every measured call takes the queued path; the trial fails
 *       if any was dropped.
 *   <li>{@code track2Threads}: {@code track} from two threads at once into one logger.
 *   <li>{@code trackQueueFull}: the server never answers, so the queue stays full and every call
 *       takes the drop path (count and return).
 *   <li>{@code trackNoSender}: 100,000 {@code track} calls into an empty queue with room for them,
 *       while the sender is stuck on a server that never answers: the queued path with no consumer
 *       competing for the cores or the queue's cache lines (single shot per iteration).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class EventLoggerBenchmark {

  static final int BURST = 1000;
  /** The loggers closed on a server that never answers would warn about each abandoned batch. */
  private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("dev.assay.sdk");

  static {
    QUIET.setLevel(java.util.logging.Level.SEVERE);
  }
  private static final int UNITS = 4096;

  /** A sink for {@code POST /api/v1/events}; {@code hold} makes it never answer. */
  static HttpServer sink(boolean hold) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      CountDownLatch never = new CountDownLatch(1);
      server.createContext("/api/v1/events", ex -> {
        try (ex; InputStream in = ex.getRequestBody()) {
          in.readAllBytes();
          if (hold) {
            never.await();
          }
          byte[] ack = "{\"accepted\":100,\"duplicates\":0,\"rejected\":[]}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, ack.length);
          ex.getResponseBody().write(ack);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      server.setExecutor(Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "event-sink");
        t.setDaemon(true);
        return t;
      }));
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String[] units() {
    String[] ids = new String[UNITS];
    for (int i = 0; i < UNITS; i++) {
      ids[i] = "u-" + Integer.toHexString((int) (i * 2654435761L)) + "-" + i;
    }
    return ids;
  }

  /** A logger whose queue is emptied before each measured burst of 1,000 events. */
  @State(Scope.Benchmark)
  public static class Draining {
    HttpServer server;
    EventLogger logger;
    final String[] ids = units();
    final Map<String, Object> properties = Map.of("currency", "EUR", "plan", "pro");
    final List<Experiment> experiments = new ArrayList<>();
    final List<ExperimentResult> results = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() {
      server = sink(false);
      logger = EventLogger.builder("http://127.0.0.1:" + server.getAddress().getPort(), "sdk-bench")
          .queueCapacity(10_000).batchSize(100).build();
      // Real exposures, as an ExperimentClient reports them to its listener.
      ExperimentClient client = ExperimentClient.builder()
          .payload("{\"features\":{\"f\":{\"defaultValue\":0,\"rules\":[{\"key\":\"exp\",\"variations\":[0,1,2]}]}}}")
          .onExposure((e, r) -> {
            experiments.add(e);
            results.add(r);
          })
          .build();
      for (String id : ids) {
        client.getLong("f", Attributes.of("id", id), -1);
      }
      if (results.size() != UNITS) {
        throw new IllegalStateException("expected " + UNITS + " exposures, got " + results.size());
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      logger.close();
      server.stop(0);
      EventLogger.Stats s = logger.stats();
      System.out.println("\nlogger stats: " + s);
      if (s.droppedQueueFull() > 0 || s.droppedUndeliverable() > 0) {
        throw new IllegalStateException("events were dropped, so not every call took the queued path: " + s);
      }
    }
  }

  /** Empties the shared logger's queue before each of this thread's measured bursts. */
  @State(Scope.Thread)
  public static class Drained {
    @Setup(Level.Invocation)
    public void drain(Draining s) {
      if (!s.logger.flush(Duration.ofSeconds(30))) {
        throw new IllegalStateException("the logger did not drain: " + s.logger.stats());
      }
    }
  }

  /** A logger whose server never answers: its queue is full from the first iteration on. */
  @State(Scope.Benchmark)
  public static class Full {
    HttpServer server;
    EventLogger logger;
    final String[] ids = units();

    @Setup(Level.Trial)
    public void setUp() {
      server = sink(true);
      logger = EventLogger.builder("http://127.0.0.1:" + server.getAddress().getPort(), "sdk-bench")
          .queueCapacity(10_000).requestTimeout(Duration.ofHours(1)).closeTimeout(Duration.ofMillis(100)).build();
      for (int i = 0; i < 20_000; i++) {
        logger.track("fill", ids[i % UNITS]);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      logger.close();
      server.stop(0);
      System.out.println("\nlogger stats: " + logger.stats());
    }
  }

  /** A fresh logger per iteration, with room for all its events, whose sender is stuck. */
  @State(Scope.Benchmark)
  public static class Stalled {
    static final int EVENTS = 100_000;
    HttpServer server;
    EventLogger logger;
    final String[] ids = units();

    @Setup(Level.Trial)
    public void start() {
      server = sink(true);
    }

    @Setup(Level.Iteration)
    public void setUp() {
      logger = EventLogger.builder("http://127.0.0.1:" + server.getAddress().getPort(), "sdk-bench")
          .queueCapacity(EVENTS + 10_000).batchSize(10_000).requestTimeout(Duration.ofHours(1))
          .closeTimeout(Duration.ofMillis(1)).build();
      logger.track("first", "u"); // the sender takes it at the interval and then waits forever
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
      EventLogger.Stats s = logger.stats();
      logger.close();
      if (s.droppedQueueFull() > 0) {
        throw new IllegalStateException("events were dropped, so not every call took the queued path: " + s);
      }
    }

    @TearDown(Level.Trial)
    public void stop() {
      server.stop(0);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OperationsPerInvocation(Stalled.EVENTS)
  @Warmup(iterations = 20, batchSize = 1)
  @Measurement(iterations = 50, batchSize = 1)
  public void trackNoSender(Stalled s, Blackhole bh) {
    String[] ids = s.ids;
    EventLogger logger = s.logger;
    for (int i = 0; i < Stalled.EVENTS; i++) {
      bh.consume(logger.track("purchase", ids[i & (UNITS - 1)], 19.99, Map.of()));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void track(Draining s, Drained d, Blackhole bh) {
    String[] ids = s.ids;
    for (int i = 0; i < BURST; i++) {
      bh.consume(s.logger.track("purchase", ids[i & (UNITS - 1)], 19.99, Map.of()));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void trackWithProperties(Draining s, Drained d, Blackhole bh) {
    String[] ids = s.ids;
    for (int i = 0; i < BURST; i++) {
      bh.consume(s.logger.track("purchase", ids[i & (UNITS - 1)], 19.99, s.properties));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void exposure(Draining s, Drained d) {
    for (int i = 0; i < BURST; i++) {
      int k = i & (UNITS - 1);
      s.logger.onExposure(s.experiments.get(k), s.results.get(k));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  @Threads(2)
  public void track2Threads(Draining s, Drained d, Blackhole bh) {
    String[] ids = s.ids;
    for (int i = 0; i < BURST; i++) {
      bh.consume(s.logger.track("purchase", ids[i & (UNITS - 1)], 19.99, Map.of()));
    }
  }

  @Benchmark
  public boolean trackQueueFull(Full s) {
    return s.logger.track("purchase", s.ids[0], 19.99, Map.of());
  }
}
