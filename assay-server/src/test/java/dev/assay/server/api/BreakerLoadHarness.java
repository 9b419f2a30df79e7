package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The circuit breaker under load (opt-in, figures in docs/performance.md): senders post
 * operational signals to a real server at a paced rate ({@code assay.harness.rate}, default
 * 100,000 events/s) for a healthy stretch, then treatment's error rate goes from 1% to 10%; a
 * watcher polls the SDK payload every 10 ms. Prints the rates reached and breach-to-kill: from
 * building the first bad batch to the payload serving control. Run with
 * {@code -Dtest=BreakerLoadHarness -Dassay.harness=breakers}.
 */
@EnabledIfSystemProperty(named = "assay.harness", matches = "breakers")
class BreakerLoadHarness {
  private static final int BATCH = 1000;

  @Test
  void regressionUnderLoad_breachToKill() throws Exception {
    long rate = Long.getLong("assay.harness.rate", 100_000);
    int senders = Integer.getInteger("assay.harness.senders", 4);
    long healthySeconds = Long.getLong("assay.harness.healthy", 10);
    try (TestServer t = new TestServer()) {
      String clientKey = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .json().get("key").asText();
      t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}");
      t.admin("POST", "/api/v1/experiments", """
          {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
           "metrics":{"primary":"purchase"}}""");
      t.admin("POST", "/api/v1/flags", """
          {"key":"checkout-flow","type":"string","defaultValue":"old",
           "environments":{"production":{"enabled":true,"rules":[{"experiment":"checkout"}]}}}""");
      assertThat(t.admin("POST", "/api/v1/experiments/checkout/start", "{}").status()).isEqualTo(200);
      assertThat(t.admin("PUT", "/api/v1/experiments/checkout/breaker", "{\"errorRateMargin\":0.02}").status())
          .isEqualTo(200);

      URI events = URI.create("http://127.0.0.1:" + t.port() + "/api/v1/events");
      AtomicBoolean regression = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong sent = new AtomicLong();
      AtomicLong accepted = new AtomicLong();
      AtomicLong firstBad = new AtomicLong();
      long startNanos = System.nanoTime();
      long nanosPerBatch = 1_000_000_000L * BATCH / rate;
      AtomicLong schedule = new AtomicLong(startNanos);
      List<Thread> threads = new ArrayList<>();
      for (int s = 0; s < senders; s++) {
        int seed = s;
        threads.add(Thread.ofPlatform().start(() -> send(events, clientKey, seed, schedule, nanosPerBatch, regression,
            stop, sent, accepted, firstBad)));
      }
      Thread.sleep(healthySeconds * 1000); // the healthy stretch is traffic, not a wait for an outcome
      long healthySent = sent.get();
      double healthyRate = healthySent / ((System.nanoTime() - startNanos) / 1e9);
      long regressionStart = System.nanoTime();
      regression.set(true);
      HttpClient http = HttpClient.newHttpClient();
      long killedAt = 0;
      while (System.nanoTime() - regressionStart < 30_000_000_000L) {
        String payload = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + "/api/features/"
            + clientKey)).build(), HttpResponse.BodyHandlers.ofString()).body();
        ExperimentClient sdk = ExperimentClient.builder().payload(payload).build();
        boolean control = IntStream.range(0, 100).allMatch(i -> sdk.evaluate("checkout-flow",
            Attributes.of("id", "u" + i)).value().orElse("").equals("old"));
        if (control) {
          killedAt = System.nanoTime();
          break;
        }
        Thread.sleep(10); // the watcher's polling interval
      }
      stop.set(true);
      for (Thread th : threads) {
        th.join();
      }
      double regressionRate = (sent.get() - healthySent) / ((System.nanoTime() - regressionStart) / 1e9);
      System.out.printf("breaker harness: target %d events/s, %d senders; healthy %.0f events/s over %d s;"
          + " during the regression %.0f events/s; accepted %d of %d sent%n", rate, senders, healthyRate, healthySeconds,
          regressionRate, accepted.get(), sent.get());
      assertThat(killedAt).as("the payload served control within 30 s").isPositive();
      System.out.printf("breaker harness: breach-to-kill %.0f ms (first bad batch built to payload serving control)%n",
          (killedAt - firstBad.get()) / 1e6);
      System.out.println(t.admin("GET", "/api/v1/experiments/checkout/breaker", null).body());
    }
  }

  private static void send(URI events, String clientKey, int seed, AtomicLong schedule, long nanosPerBatch,
      AtomicBoolean regression, AtomicBoolean stop, AtomicLong sent, AtomicLong accepted, AtomicLong firstBad) {
    HttpClient http = HttpClient.newHttpClient();
    SplittableRandom random = new SplittableRandom(seed);
    long serial = 0;
    while (!stop.get()) {
      long slot = schedule.getAndAdd(nanosPerBatch);
      long wait = slot - System.nanoTime();
      if (wait > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait); // pacing to the target rate
      }
      boolean bad = regression.get();
      if (bad) {
        firstBad.compareAndSet(0, System.nanoTime());
      }
      StringBuilder b = new StringBuilder(BATCH * 180);
      long now = System.currentTimeMillis();
      int n = 0;
      while (n < BATCH) {
        int v = n & 1;
        String tag = ",\"properties\":{\"experimentKey\":\"checkout\",\"variationId\":" + v + "}}\n";
        boolean error = random.nextDouble() < (v == 1 && bad ? 0.10 : 0.01);
        b.append("{\"id\":\"h").append(seed).append('-').append(serial++).append("\",\"type\":\"metric\",\"name\":\"")
            .append(error ? "$error" : "$latency_ms").append("\",\"unitId\":\"u").append(random.nextInt(1_000_000))
            .append("\",\"timestamp\":").append(now);
        if (!error) {
          b.append(",\"value\":").append(20 + random.nextInt(200));
        }
        b.append(tag);
        n++;
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(events).header("Authorization", "Bearer " + clientKey)
            .header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofString(b.toString(), StandardCharsets.UTF_8)).build(),
            HttpResponse.BodyHandlers.ofString());
        sent.addAndGet(BATCH);
        if (r.statusCode() == 200) {
          accepted.addAndGet(BATCH);
        }
      } catch (java.io.IOException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
