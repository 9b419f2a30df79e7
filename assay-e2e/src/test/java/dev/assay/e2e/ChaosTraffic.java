package dev.assay.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The steady load of {@link ReplicasChaosE2ETest}, spread by a round-robin "load balancer" over
 * the replicas in rotation: event batches ({@code POST /api/v1/events}, unique ids) from a few
 * workers, and one writer of configuration changes, alternating between raising the default of the
 * flag {@value #COUNTER} ({@code PATCH}) and creating a new flag. It records what each replica
 * acknowledged (2xx), every other answer, and every connection failure with whether the process it
 * was sent to had been killed.
 */
final class ChaosTraffic implements AutoCloseable {
  static final String COUNTER = "chaos-counter";
  static final int BATCH = 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An acknowledged configuration write: the flag, the value it set, the version the answer carried. */
  record Write(String flag, long value, long version, String replica) { }

  private final List<ChaosReplica> replicas;
  private final String sdkKey;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final AtomicInteger next = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  final ConcurrentLinkedQueue<String> acknowledgedBatches = new ConcurrentLinkedQueue<>();
  final AtomicLong eventsSent = new AtomicLong();
  final List<Write> acknowledgedWrites = new CopyOnWriteArrayList<>();
  final AtomicLong writesSent = new AtomicLong();
  /** Answers other than the 2xx expected (a 5xx, a 4xx), and connection failures to a live process. */
  final ConcurrentLinkedQueue<String> defects = new ConcurrentLinkedQueue<>();
  /** Requests to a process that was killed while they were in flight: never acknowledged, so not counted. */
  final AtomicLong failuresToKilled = new AtomicLong();

  ChaosTraffic(List<ChaosReplica> replicas, String sdkKey) {
    this.replicas = List.copyOf(replicas);
    this.sdkKey = sdkKey;
  }

  /**
   * Starts {@code workers} event workers, each sending a batch of {@value #BATCH} events every
   * {@code eventPause}, and the config writer, one write every {@code writePause}.
   */
  void start(int workers, Duration eventPause, Duration writePause) {
    long ts = System.currentTimeMillis();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      threads.add(Thread.ofPlatform().daemon().name("chaos-events-" + w).start(() -> {
        for (int n = 0; running; n++) {
          sendBatch("rc-w" + worker + "-b" + n, ts);
          LockSupport.parkNanos(eventPause.toNanos());
        }
      }));
    }
    threads.add(Thread.ofPlatform().daemon().name("chaos-config").start(() -> {
      for (long i = 1; running; i++) {
        write(i);
        LockSupport.parkNanos(writePause.toNanos());
      }
    }));
  }

  /** Acknowledged writes since the {@code from}-th, through {@code replica}. */
  long writesThrough(ChaosReplica replica, int from) {
    return acknowledgedWrites.stream().skip(from).filter(w -> w.replica().equals(replica.name)).count();
  }

  /** The last acknowledged write of {@link #COUNTER}. */
  Optional<Write> lastCounterWrite() {
    Write last = null;
    for (Write w : acknowledgedWrites) {
      if (w.flag().equals(COUNTER)) {
        last = w;
      }
    }
    return Optional.ofNullable(last);
  }

  private void sendBatch(String unit, long ts) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < BATCH; i++) {
      sb.append(i > 0 ? "," : "").append("{\"id\":\"").append(unit).append('-').append(i).append('"');
      if (i % 2 == 0) {
        sb.append(",\"type\":\"exposure\",\"experimentKey\":\"chaos\",\"variationId\":").append(i % 4 / 2);
      } else {
        sb.append(",\"type\":\"metric\",\"name\":\"chaos-purchase\",\"value\":").append(i);
      }
      sb.append(",\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(ts).append('}');
    }
    eventsSent.addAndGet(BATCH);
    send("POST", "/api/v1/events", sdkKey, null, sb.append(']').toString()).ifPresent(r -> {
      JsonNode body = r.body();
      if (body.path("accepted").asInt() + body.path("duplicates").asInt() == BATCH) {
        acknowledgedBatches.add(unit);
      } else {
        defects.add("events " + unit + " via " + r.replica() + ": 200 without all " + BATCH + " events: " + body);
      }
    });
  }

  private void write(long i) {
    writesSent.incrementAndGet();
    if (i % 2 == 0) {
      send("PATCH", "/api/v1/flags/" + COUNTER + "?project=demo", ServeProcess.ADMIN_TOKEN,
          "application/merge-patch+json", "{\"defaultValue\":" + i + "}")
          .ifPresent(r -> acknowledgedWrites.add(new Write(COUNTER, i, r.body().get("version").asLong(), r.replica())));
    } else {
      String flag = "chaos-w" + i;
      send("POST", "/api/v1/flags?project=demo", ServeProcess.ADMIN_TOKEN, "application/json",
          "{\"key\":\"" + flag + "\",\"type\":\"number\",\"defaultValue\":" + i + "}")
          .ifPresent(r -> acknowledgedWrites.add(new Write(flag, i, r.body().get("version").asLong(), r.replica())));
    }
  }

  private record Acknowledged(String replica, JsonNode body) { }

  /* Sends to the next replica in rotation; a 2xx is returned, anything else is classified and recorded. */
  private Optional<Acknowledged> send(String method, String path, String token, String contentType, String json) {
    List<ChaosReplica> live = replicas.stream().filter(ChaosReplica::inRotation).toList();
    if (live.isEmpty()) {
      defects.add(method + " " + path + ": no replica in rotation");
      return Optional.empty();
    }
    ChaosReplica target = live.get(Math.floorMod(next.getAndIncrement(), live.size()));
    ChaosReplica.Life life = target.life();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target.baseUrl() + path))
        .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + token)
        .method(method, HttpRequest.BodyPublishers.ofString(json));
    b.header("Content-Type", contentType == null ? "application/json" : contentType);
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 == 2) {
        return Optional.of(new Acknowledged(target.name, JSON.readTree(r.body())));
      }
      defects.add(method + " " + path + " via " + target + " -> " + r.statusCode() + ": " + r.body());
    } catch (IOException e) {
      if (life.killed) {
        failuresToKilled.incrementAndGet();
      } else {
        defects.add(method + " " + path + " via live " + target + ": " + e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Optional.empty();
  }

  /** Stops the load and waits for the requests in flight. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(30_000);
    }
  }
}
