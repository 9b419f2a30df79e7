package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The durability promise of the management API against real crashes of the embedded store (H2):
 * 8 writers create flags and update them against a real {@code assay serve} process, which is
 * killed with SIGKILL mid-load several times and restarted on the same data directory. After each
 * restart every acknowledged write — each flag creation and each version — must be there with its
 * audit entry, and {@code /audit/verify} must report the chain intact.
 */
class ControlPlaneCrashE2ETest {
  private static final int KILLS = 3;
  private static final int WRITERS = 8;
  private static final int VERSIONS_PER_FLAG = 3;
  /** A round ends (with the kill) after this many acknowledged writes or this long. */
  private static final int WRITES_PER_ROUND = 300;
  private static final Duration ROUND_LIMIT = Duration.ofSeconds(4);
  /*
   * Four server starts dominate the run time; the C1 compiler alone starts a server about 2 s
   * faster on a busy machine and changes nothing about what is written when.
   */
  private static final Map<String, String> QUICK_START = Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** An acknowledged write: the flag now exists at {@code version} with default value "v{version}". */
  private record Ack(String flag, int version) {}

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS) // the load is bounded at KILLS x ROUND_LIMIT; this bounds a hang
  void sigkillMidLoad_repeatedly_everyAcknowledgedFlagVersionAndAuditEntrySurvives() throws Exception {
    long started = System.nanoTime();
    Path data = Files.createTempDirectory("assay-control-crash-");
    List<Ack> acknowledged = new ArrayList<>();
    for (int round = 1; round <= KILLS; round++) {
      ServeProcess server = new ServeProcess(data, List.of(), QUICK_START);
      try {
        assertAllPresent(server, acknowledged);
        acknowledged.addAll(loadThenKill(server, round));
      } finally {
        server.close();
      }
    }
    try (ServeProcess last = new ServeProcess(data, List.of(), QUICK_START)) {
      JsonNode verify = assertAllPresent(last, acknowledged);
      assertThat(verify.get("anchoredThrough").asLong()).as("the anchor checkpointed the chain: %s", verify)
          .isGreaterThan(acknowledged.size());
    }
    long creations = acknowledged.stream().filter(a -> a.version() == 1).count();
    System.out.printf("control-plane crash test: %d writes acknowledged (%d flag creations, %d versions), "
        + "%d SIGKILLs, 0 lost, in %d s%n", acknowledged.size(), creations, acknowledged.size() - creations, KILLS,
        Duration.ofNanos(System.nanoTime() - started).toSeconds());
    assertThat(creations).as("flags created before the kills").isGreaterThan(KILLS * 10L);
  }

  /** Runs the writers until enough writes were acknowledged, SIGKILLs the server mid-load. */
  private List<Ack> loadThenKill(ServeProcess server, int round) throws Exception {
    ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    Map<String, String> unexpected = new ConcurrentHashMap<>();
    AtomicBoolean down = new AtomicBoolean();
    AtomicInteger count = new AtomicInteger();
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      String prefix = "r" + round + "-w" + w + "-f";
      writers.add(Thread.ofVirtual().start(() -> {
        try {
          for (int n = 0; !down.get(); n++) {
            String flag = prefix + n;
            for (int v = 1; v <= VERSIONS_PER_FLAG; v++) {
              HttpResponse<String> r = v == 1
                  ? send(server, "POST", "/flags", "{\"key\":\"" + flag + "\",\"type\":\"string\",\"defaultValue\":\"v1\"}")
                  : send(server, "PUT", "/flags/" + flag,
                      "{\"key\":\"" + flag + "\",\"type\":\"string\",\"defaultValue\":\"v" + v + "\",\"version\":" + (v - 1) + "}");
              if (r.statusCode() / 100 != 2) {
                unexpected.put(flag + " v" + v, r.statusCode() + " " + r.body());
                return;
              }
              acks.add(new Ack(flag, v));
              count.incrementAndGet();
            }
          }
        } catch (IOException e) {
          // the server is gone: the write in flight was never acknowledged
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
    }
    long until = System.nanoTime() + ROUND_LIMIT.toNanos();
    while (count.get() < WRITES_PER_ROUND && System.nanoTime() < until && unexpected.isEmpty()) {
      Thread.sleep(10);
    }
    server.kill();
    down.set(true);
    for (Thread t : writers) {
      assertThat(t.join(Duration.ofSeconds(30))).as("writer ended after the kill").isTrue();
    }
    assertThat(unexpected).as("answers other than 2xx before the kill").isEmpty();
    assertThat(acks).as("writes acknowledged in round %d", round).hasSizeGreaterThan(20);
    return List.copyOf(acks);
  }

  /** Asserts every acknowledged write and its audit entry are there and the chain verifies; returns the verification. */
  private JsonNode assertAllPresent(ServeProcess server, List<Ack> acknowledged) throws Exception {
    Map<String, JsonNode> flags = new HashMap<>();
    server.admin("GET", "/flags", null).get("items").forEach(f -> flags.put(f.get("key").asText(), f));
    Set<String> audited = new HashSet<>();
    HttpResponse<String> export = send(server, "GET", "/audit/export?kind=flag&limit=1000000", null);
    assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
    for (String line : export.body().split("\n")) {
      JsonNode entry = JSON.readTree(line);
      if (entry.hasNonNull("after")) {
        audited.add(entry.get("key").asText() + "@" + entry.get("after").get("defaultValue").asText());
      }
    }
    List<Ack> lostFlag = new ArrayList<>();
    List<Ack> lostAudit = new ArrayList<>();
    for (Ack a : acknowledged) {
      JsonNode f = flags.get(a.flag());
      if (f == null || f.get("version").asInt() < a.version()) {
        lostFlag.add(a);
      }
      if (!audited.contains(a.flag() + "@v" + a.version())) {
        lostAudit.add(a);
      }
    }
    assertThat(lostFlag).as("acknowledged flag writes missing after restart (of %d)", acknowledged.size()).isEmpty();
    assertThat(lostAudit).as("acknowledged writes without their audit entry (of %d)", acknowledged.size()).isEmpty();
    JsonNode verify = server.admin("GET", "/audit/verify", null);
    assertThat(verify.get("intact").asBoolean()).as("audit verify: %s", verify).isTrue();
    return verify;
  }

  private HttpResponse<String> send(ServeProcess server, String method, String path, String json)
      throws IOException, InterruptedException {
    String sep = path.contains("?") ? "&" : "?";
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1" + path + sep + "project=demo"))
        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + ServeProcess.ADMIN_TOKEN)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
