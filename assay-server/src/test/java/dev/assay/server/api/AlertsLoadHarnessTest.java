package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.alerts.AlertOptions;
import dev.assay.testsupport.Await;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Figures for docs/performance.md ("Alerts"), run only when asked ({@code -Dassay.alertsLoad=true}):
 * the latency of queuing an alert through the API, the time from the API's answer to the local
 * receiver's arrival, and the API's latency while the receiver holds every delivery open. Prints
 * figures; asserts only that every alert arrived.
 */
@EnabledIfSystemProperty(named = "assay.alertsLoad", matches = "true")
class AlertsLoadHarnessTest {
  private static final int N = 1_000;

  @Test
  void queueAndDeliver_figures() throws Exception {
    try (AlertReceiver receiver = new AlertReceiver();
        TestServer server = new TestServer(b -> b.alerts(new AlertOptions(8, Duration.ofMillis(100),
            Duration.ofSeconds(1), Duration.ofSeconds(2), true)))) {
      assertThat(server.admin("POST", "/api/v1/alert-channels",
          "{\"key\":\"ops\",\"url\":\"" + receiver.url() + "\"}").status()).isEqualTo(201);
      for (int i = 0; i < 50; i++) { // warm-up
        server.admin("POST", "/api/v1/alert-channels/ops/test", null);
      }
      Await.until(() -> receiver.received.size() >= 50, "warm-up delivered");
      receiver.received.clear();

      Map<String, Long> answered = new HashMap<>();
      long[] api = new long[N];
      long t0 = System.nanoTime();
      for (int i = 0; i < N; i++) {
        long s = System.nanoTime();
        TestServer.Response r = server.admin("POST", "/api/v1/alert-channels/ops/test", null);
        long e = System.nanoTime();
        api[i] = e - s;
        answered.put(r.json().path("id").asText(), e);
      }
      Await.until(() -> receiver.received.size() >= N, Duration.ofMinutes(2), "all delivered");
      long total = System.nanoTime() - t0;
      long[] toReceiver = receiver.received.stream().filter(r -> answered.containsKey(r.deliveryId()))
          .mapToLong(r -> Math.max(0, r.nanos() - answered.get(r.deliveryId()))).toArray();
      assertThat(toReceiver).hasSize(N);
      print("POST /alert-channels/{key}/test (queue)", api);
      print("API answer -> receiver arrival", toReceiver);
      System.out.printf(Locale.ROOT, "alerts: %d queued and delivered in %.2f s (%.0f/s)%n", N, total / 1e9,
          N / (total / 1e9));

      // A receiver that holds every request: the API's latency while deliveries hang on it.
      receiver.hold = new CountDownLatch(1);
      server.admin("POST", "/api/v1/alert-channels/ops/test", null);
      Await.until(() -> receiver.received.size() > N, "the receiver holds a delivery");
      long[] held = new long[200];
      for (int i = 0; i < held.length; i++) {
        long s = System.nanoTime();
        server.admin("POST", "/api/v1/alert-channels/ops/test", null);
        held[i] = System.nanoTime() - s;
      }
      print("POST .../test while the receiver holds deliveries", held);
      receiver.hold.countDown();
    }
  }

  private static void print(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    System.out.printf(Locale.ROOT, "alerts: %s: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms%n", what, s.length,
        s[s.length / 2] / 1e6, s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e6,
        s[s.length - 1] / 1e6);
  }
}
