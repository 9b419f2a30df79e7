package dev.assay.benchmarks.load;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load harness for server-sent events: opens N idle {@code /sub/{clientKey}} streams (one virtual
 * thread and one socket each), then changes a flag R times through the management API and
 * measures, per client, the time from the API call to the arrival of the new payload event.
 *
 * <pre>
 * java -cp assay-benchmarks/target/benchmarks.jar dev.assay.benchmarks.load.SseLoad \
 *     http://127.0.0.1:8080 sdk-... admin-token connections rounds
 * </pre>
 *
 * Prints the connect time, and p50/p99/max change-to-client latency. Heap use of the server is
 * read separately (see {@code assay-benchmarks/load/delivery-load.sh}).
 */
public final class SseLoad {

  private SseLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: SseLoad <base-url> <client-key> <admin-token> <connections> <rounds> [hold-seconds]");
      System.exit(2);
    }
    URI base = URI.create(args[0]);
    String key = args[1];
    String token = args[2];
    int n = Integer.parseInt(args[3]);
    int rounds = Integer.parseInt(args[4]);
    int holdSeconds = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    String flag = "load-flag";
    HttpClient http = HttpClient.newHttpClient();
    long version = ensureFlag(http, base, token, flag);

    AtomicInteger generation = new AtomicInteger(0);
    AtomicLongArray arrival = new AtomicLongArray(n);
    CountDownLatch connected = new CountDownLatch(n);
    AtomicInteger failures = new AtomicInteger();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      int id = i;
      Thread.ofVirtual().start(() -> stream(base, key, id, connected, arrival, generation, failures));
    }
    connected.await();
    long connectMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("%d SSE streams open, first event received by all in %d ms (%d failed)%n", n, connectMs,
        failures.get());
    if (holdSeconds > 0) {
      System.out.printf("holding the streams idle for %d s (measure the server's heap now)%n", holdSeconds);
      Thread.sleep(holdSeconds * 1000L);
    }
    long[] all = new long[n * rounds];
    int k = 0;
    for (int r = 1; r <= rounds; r++) {
      for (int i = 0; i < n; i++) {
        arrival.set(i, 0);
      }
      generation.set(r);
      long start = System.nanoTime();
      version = update(http, base, token, flag, version, r);
      long deadline = start + 30_000_000_000L;
      int got = 0;
      while (System.nanoTime() < deadline) {
        got = 0;
        for (int i = 0; i < n; i++) {
          if (arrival.get(i) != 0) {
            got++;
          }
        }
        if (got == n) {
          break;
        }
        Thread.sleep(5);
      }
      for (int i = 0; i < n; i++) {
        long a = arrival.get(i);
        all[k++] = a == 0 ? Long.MAX_VALUE : a - start;
      }
      System.out.printf("round %d: %d/%d clients got the change%n", r, got, n);
      Thread.sleep(200);
    }
    Arrays.sort(all);
    System.out.printf("change-to-client latency over %d deliveries: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        all.length, ms(all[all.length / 2]), ms(all[(int) Math.floor(all.length * 0.99) - 1]), ms(all[all.length - 1]));
    System.exit(0);
  }

  private static double ms(long nanos) {
    return nanos == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : nanos / 1e6;
  }

  private static final Pattern VALUE = Pattern.compile("\"load-flag\":\\{\"defaultValue\":(\\d+)");

  private static void stream(URI base, String key, int id, CountDownLatch connected, AtomicLongArray arrival,
      AtomicInteger generation, AtomicInteger failures) {
    boolean counted = false;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 30_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /sub/" + key + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8), 1024);
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          long now = System.nanoTime();
          if (!counted) {
            counted = true;
            connected.countDown();
          }
          Matcher m = VALUE.matcher(line);
          if (m.find() && Integer.parseInt(m.group(1)) == 1000 + generation.get()) {
            arrival.compareAndSet(id, 0, now);
          }
        }
      }
    } catch (Exception e) {
      failures.incrementAndGet();
    } finally {
      if (!counted) {
        connected.countDown();
      }
    }
  }

  private static long ensureFlag(HttpClient http, URI base, String token, String flag) throws Exception {
    HttpResponse<String> r = send(http, base, token, "GET", "/api/v1/flags/" + flag + "?project=demo", null);
    if (r.statusCode() == 200) {
      Matcher m = Pattern.compile("\"version\":(\\d+)").matcher(r.body());
      m.find();
      return Long.parseLong(m.group(1));
    }
    r = send(http, base, token, "POST", "/api/v1/flags?project=demo",
        "{\"key\":\"" + flag + "\",\"type\":\"number\",\"defaultValue\":1000}");
    if (r.statusCode() != 201) {
      throw new IllegalStateException("cannot create the load flag: " + r.body());
    }
    return 1;
  }

  private static long update(HttpClient http, URI base, String token, String flag, long version, int round)
      throws Exception {
    HttpResponse<String> r = send(http, base, token, "PUT", "/api/v1/flags/" + flag + "?project=demo",
        "{\"type\":\"number\",\"defaultValue\":" + (1000 + round) + ",\"version\":" + version + "}");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("update failed: " + r.body());
    }
    return version + 1;
  }

  private static HttpResponse<String> send(HttpClient http, URI base, String token, String method, String path,
      String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
