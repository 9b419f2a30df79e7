package dev.assay.benchmarks.load;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in OpenTelemetry collector for load tests with tracing on: answers 200 to every OTLP/HTTP
 * export ({@code POST /v1/traces}), reads and discards the body, and counts exports and bytes;
 * {@code GET /stats} answers {@code exports bytes}. Run it in its own JVM:
 * {@code java -cp benchmarks.jar dev.assay.benchmarks.load.OtlpSink PORT}.
 */
public final class OtlpSink {
  private OtlpSink() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    AtomicLong exports = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/traces", exchange -> {
      try (exchange; InputStream body = exchange.getRequestBody()) {
        byte[] buffer = new byte[64 * 1024];
        long n = 0;
        for (int r; (r = body.read(buffer)) > 0; ) {
          n += r;
        }
        bytes.addAndGet(n);
        exports.incrementAndGet();
        exchange.sendResponseHeaders(200, -1);
      }
    });
    server.createContext("/stats", exchange -> {
      try (exchange) {
        byte[] out = (exports.get() + " " + bytes.get() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        exchange.sendResponseHeaders(200, out.length);
        exchange.getResponseBody().write(out);
      }
    });
    server.start();
    System.out.println("otlp-sink listening on 127.0.0.1:" + port);
  }
}
