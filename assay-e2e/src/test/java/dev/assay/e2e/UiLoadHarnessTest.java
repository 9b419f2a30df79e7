package dev.assay.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A load harness, not a test (it asserts nothing; timing is never asserted): a real
 * {@code assay serve --demo} with an experiment of 3 variants × 20 metrics and 60 stored
 * snapshots (60 real refreshes over events sent through the events API) and 2,000 more
 * experiments, then {@code wrk} against the results page, its plot data and the experiments list,
 * signed in. Run only when asked: {@code -Dassay.uiLoad=true}; results go to docs/performance.md.
 */
@EnabledIfSystemProperty(named = "assay.uiLoad", matches = "true")
class UiLoadHarnessTest {
  static final int METRICS = 20;
  static final int SNAPSHOTS = 60;
  static final int EXPERIMENTS = 2000;
  static final int UNITS = 3000;

  @Test
  void measure() throws Exception {
    try (ServeProcess serve = new ServeProcess()) {
      seed(serve);
      String cookie = signIn(serve);
      for (String path : List.of("/ui/experiments/load-3x20/results?project=demo",
          "/ui/experiments/load-3x20/results/plots.json?project=demo", "/ui/experiments?project=demo",
          "/ui/experiments?project=demo&q=load-exp-1999")) {
        System.out.println("=== " + path + " at 50 req/s for 15 s: " + paced(serve.baseUrl() + path, cookie, 50, 750));
        for (int connections : new int[] {1, 4}) {
          Process wrk = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d15s", "--latency", "-H",
              "Cookie: " + cookie, serve.baseUrl() + path).redirectErrorStream(true).start();
          String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          wrk.waitFor();
          System.out.println("=== " + path + " (" + connections + " connections)\n" + out);
        }
      }
    }
  }

  /*
   * Open-loop load at a fixed rate (wrk cannot pace): a request every 1/rate s on its own virtual
   * thread, whatever the earlier ones do, so a slow answer does not lower the load; the latency of
   * each answer (full body read) in sorted order gives the percentiles.
   */
  private static String paced(String url, String cookie, int rate, int requests) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie).build();
    long[] micros = new long[requests];
    int[] status = new int[requests];
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      long start = System.nanoTime();
      for (int i = 0; i < requests; i++) {
        long due = start + i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
        int n = i;
        pool.submit(() -> {
          long t = System.nanoTime();
          HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
          micros[n] = (System.nanoTime() - t) / 1000;
          status[n] = r.statusCode();
          return null;
        });
      }
    }
    long ok = java.util.Arrays.stream(status).filter(x -> x == 200).count();
    long[] sorted = micros.clone();
    java.util.Arrays.sort(sorted);
    return String.format("%d of %d answered 200; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms", ok, requests,
        sorted[requests / 2] / 1000.0, sorted[(int) (requests * 0.95)] / 1000.0, sorted[(int) (requests * 0.99)] / 1000.0,
        sorted[requests - 1] / 1000.0);
  }

  private static void seed(ServeProcess serve) throws Exception {
    long t0 = System.nanoTime();
    StringBuilder metrics = new StringBuilder();
    for (int m = 0; m < METRICS; m++) {
      boolean proportion = m % 2 == 0;
      serve.admin("POST", "/metrics", "{\"key\":\"load-m" + m + "\",\"type\":\"" + (proportion ? "proportion" : "mean")
          + "\",\"event\":\"load-e" + m + "\"}");
      if (m > 0 && m < METRICS - 2) {
        metrics.append(metrics.isEmpty() ? "" : ",").append("\"load-m").append(m).append('"');
      }
    }
    serve.admin("POST", "/experiments", "{\"key\":\"load-3x20\",\"name\":\"Load 3 x 20\",\"variants\":["
        + "{\"key\":\"a\",\"weight\":0.34,\"value\":0},{\"key\":\"b\",\"weight\":0.33,\"value\":1},"
        + "{\"key\":\"c\",\"weight\":0.33,\"value\":2}],\"metrics\":{\"primary\":\"load-m0\",\"secondary\":["
        + metrics + "],\"guardrails\":[{\"metric\":\"load-m18\"},{\"metric\":\"load-m19\"}]}}");
    serve.admin("POST", "/experiments/load-3x20/start", "{}");
    SplittableRandom random = new SplittableRandom(3);
    HttpClient http = HttpClient.newHttpClient();
    StringBuilder batch = new StringBuilder();
    String now = Instant.now().toString();
    for (int u = 0; u < UNITS; u++) {
      String unit = "load-u" + u;
      batch.append(event("{\"type\":\"exposure\",\"experimentKey\":\"load-3x20\",\"variationId\":" + (u % 3)
          + ",\"unitId\":\"" + unit + "\",\"hashAttribute\":\"id\",\"timestamp\":\"" + now + "\"}"));
      for (int m = 0; m < METRICS; m++) {
        if (random.nextDouble() < 0.3) {
          batch.append(event("{\"type\":\"metric\",\"name\":\"load-e" + m + "\",\"unitId\":\"" + unit + "\",\"value\":"
              + Math.round(random.nextDouble() * 100) + ",\"timestamp\":\"" + now + "\"}"));
        }
      }
      if (u % 200 == 199) {
        http.send(HttpRequest.newBuilder(URI.create(serve.baseUrl() + "/api/v1/events"))
            .header("Authorization", "Bearer " + serve.demoClientKey).header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(), HttpResponse.BodyHandlers.ofString());
        batch.setLength(0);
      }
    }
    for (int s = 0; s < SNAPSHOTS; s++) {
      serve.admin("POST", "/experiments/load-3x20/refresh", null);
    }
    for (int e = 0; e < EXPERIMENTS; e++) {
      serve.admin("POST", "/experiments", "{\"key\":\"load-exp-" + e + "\",\"name\":\"Load experiment " + e
          + "\",\"owner\":\"team-" + (e % 7) + "\",\"variants\":[{\"key\":\"c\",\"weight\":0.5},{\"key\":\"t\",\"weight\":0.5}],"
          + "\"metrics\":{\"primary\":\"load-m0\"}}");
    }
    System.out.printf("seeded %d metrics, %d snapshots, %d experiments in %d s%n", METRICS, SNAPSHOTS, EXPERIMENTS,
        (System.nanoTime() - t0) / 1_000_000_000L);
  }

  private static String event(String json) {
    return "{\"id\":\"" + UUID.randomUUID() + "\"," + json.substring(1) + "\n";
  }

  private static String signIn(ServeProcess serve) throws Exception {
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(serve.baseUrl() + "/ui/login")).build(),
        HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]*)\"").matcher(login.body());
    if (!m.find()) {
      throw new IllegalStateException("no sign-in form");
    }
    String loginCookie = login.headers().allValues("set-cookie").stream().map(c -> c.split(";", 2)[0])
        .reduce((a, b) -> a + "; " + b).orElse("");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(serve.baseUrl() + "/ui/login"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", loginCookie)
        .POST(HttpRequest.BodyPublishers.ofString("_csrf=" + m.group(1) + "&user=admin&password="
            + ServeProcess.ADMIN_PASSWORD.replace(" ", "+") + "&next=")).build(), HttpResponse.BodyHandlers.ofString());
    return r.headers().allValues("set-cookie").stream().map(c -> c.split(";", 2)[0])
        .filter(c -> c.startsWith("assay_session=")).findFirst().orElseThrow(() ->
            new IllegalStateException("sign-in failed: " + r.statusCode()));
  }
}
