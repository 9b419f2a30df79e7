package dev.assay.benchmarks.load;

import com.sun.net.httpserver.HttpServer;
import dev.assay.sdk.EventLogger;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * The caller's-thread CPU cost of {@link EventLogger#track}, as opposed to its wall-clock time: on
 * a machine shared with other work, wall-clock figures (JMH's {@code EventLoggerBenchmark}) include
 * the time the calling thread waits for a core, while the thread's CPU time counts only what the
 * call itself executes. Same set-up as the JMH benchmark's {@code track}: a real HTTP server (the
 * JDK's) acknowledges the batches, the logger has its default settings, and each measured burst of
 * 1,000 calls starts with an emptied queue, so every call takes the queued path.
 *
 * <pre>
 * java -cp assay-benchmarks/target/benchmarks.jar dev.assay.benchmarks.load.EventLoggerCpu [bursts]
 * </pre>
 */
public final class EventLoggerCpu {
  private EventLoggerCpu() {}

  public static void main(String[] args) throws Exception {
    int bursts = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int burst = 1000;
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/events", ex -> {
      try (ex; InputStream in = ex.getRequestBody()) {
        in.readAllBytes();
        byte[] ack = "{\"accepted\":100,\"duplicates\":0,\"rejected\":[]}".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, ack.length);
        ex.getResponseBody().write(ack);
      }
    });
    server.start();
    String[] ids = new String[4096];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "u-" + Integer.toHexString((int) (i * 2654435761L)) + "-" + i;
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[] cpu = new long[bursts];
    long[] wall = new long[bursts];
    long sink = 0;
    try (EventLogger logger = EventLogger.builder("http://127.0.0.1:" + server.getAddress().getPort(), "sdk-bench")
        .build()) {
      for (int round = 0; round < 2; round++) { // round 0 warms up
        for (int b = 0; b < bursts; b++) {
          logger.flush(Duration.ofSeconds(30));
          long c0 = threads.getCurrentThreadCpuTime();
          long w0 = System.nanoTime();
          for (int i = 0; i < burst; i++) {
            sink += logger.track("purchase", ids[(b * burst + i) & 4095], 19.99, Map.of()) ? 1 : 0;
          }
          wall[b] = System.nanoTime() - w0;
          cpu[b] = threads.getCurrentThreadCpuTime() - c0;
        }
      }
      EventLogger.Stats s = logger.stats();
      if (s.dropped() > 0) {
        throw new IllegalStateException("events were dropped: " + s);
      }
      System.out.println("queued " + sink + " events; " + s);
    } finally {
      server.stop(0);
    }
    System.out.printf("per track() call, %d bursts of %d:%n", bursts, burst);
    System.out.printf("  thread CPU time: mean %.1f ns, median %.1f ns, p90 %.1f ns%n",
        mean(cpu) / burst, pct(cpu, 0.5) / burst, pct(cpu, 0.9) / burst);
    System.out.printf("  wall-clock time: mean %.1f ns, median %.1f ns, p90 %.1f ns%n",
        mean(wall) / burst, pct(wall, 0.5) / burst, pct(wall, 0.9) / burst);
  }

  private static double mean(long[] v) {
    return Arrays.stream(v).average().orElse(0);
  }

  private static double pct(long[] v, double p) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
  }
}
