package dev.assay.benchmarks.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ingestion load harness: W workers post batches of 100 events (half exposures, half metric
 * events, ids unique across runs) to {@code POST /api/v1/events} for D seconds, at full speed or at a target
 * rate, and report acknowledged events per second and the acknowledgement latency percentiles.
 *
 * <pre>
 * java -cp assay-benchmarks/target/benchmarks.jar dev.assay.benchmarks.load.EventLoad \
 *     http://127.0.0.1:8080 sdk-... workers seconds [events-per-second]
 * </pre>
 */
public final class EventLoad {
  private EventLoad() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0] + "/api/v1/events");
    String key = args[1];
    int workers = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    double targetRate = args.length > 4 ? Double.parseDouble(args[4]) : 0;
    HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor())
        .connectTimeout(Duration.ofSeconds(5)).build();
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong duplicated = new AtomicLong();
    AtomicLong sequence = new AtomicLong();
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    double perWorkerInterval = targetRate > 0 ? workers * 100 / targetRate * 1e9 : 0;
    Thread[] threads = new Thread[workers];
    for (int w = 0; w < workers; w++) {
      int worker = w;
      threads[w] = Thread.ofVirtual().start(() -> {
        long next = System.nanoTime() + (long) (perWorkerInterval * worker / Math.max(1, workers));
        while (System.nanoTime() < end) {
          if (perWorkerInterval > 0) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
              try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
              } catch (InterruptedException e) {
                return;
              }
            }
            next += (long) perWorkerInterval;
          }
          String body = batch(sequence.getAndAdd(100));
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url)
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
              acked.addAndGet(100);
              if (!r.body().contains("\"duplicates\":0")) {
                duplicated.incrementAndGet();
              }
              latencies.add(System.nanoTime() - t0);
            } else {
              failed.incrementAndGet();
            }
          } catch (Exception e) {
            failed.incrementAndGet();
          }
        }
      });
    }
    for (Thread t : threads) {
      t.join();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("%d workers%s: %,d events acknowledged in %.1f s = %,.0f events/s; %d failed requests%n", workers,
        targetRate > 0 ? String.format(" at a target of %,.0f events/s", targetRate) : "", acked.get(), secs,
        acked.get() / secs, failed.get());
    if (duplicated.get() > 0) {
      System.out.printf("WARNING: %d requests reported duplicates (ids already stored)%n", duplicated.get());
    }
    if (l.length > 0) {
      System.out.printf("ack latency per 100-event request: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
          l[l.length / 2] / 1e6, l[(int) Math.max(0, Math.ceil(l.length * 0.99) - 1)] / 1e6, l[l.length - 1] / 1e6);
    }
    System.exit(0);
  }

  /* Ids are unique across runs against the same server (a later run must not re-send ids). */
  private static final String RUN = Long.toString(System.currentTimeMillis(), 36) + "-";

  private static String batch(long first) {
    StringBuilder sb = new StringBuilder(100 * 160).append('[');
    long ts = System.currentTimeMillis();
    for (int i = 0; i < 100; i++) {
      long n = first + i;
      if (i > 0) {
        sb.append(',');
      }
      if (i % 2 == 0) {
        sb.append("{\"id\":\"e").append(RUN).append(n).append("\",\"type\":\"exposure\",\"experimentKey\":\"load\",\"variationId\":")
            .append(n % 2).append(",\"unitId\":\"u").append(n % 1_000_000).append("\",\"timestamp\":").append(ts).append('}');
      } else {
        sb.append("{\"id\":\"m").append(RUN).append(n).append("\",\"type\":\"metric\",\"name\":\"purchase\",\"unitId\":\"u")
            .append(n % 1_000_000).append("\",\"value\":").append(n % 100).append(",\"timestamp\":").append(ts).append('}');
      }
    }
    return sb.append(']').toString();
  }
}
