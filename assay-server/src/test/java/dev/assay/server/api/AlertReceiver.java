package dev.assay.server.api;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real webhook receiver on 127.0.0.1 (JDK HttpServer): records every request and answers with
 * {@link #status}; while {@link #hold} is closed it keeps each request open first.
 */
final class AlertReceiver implements AutoCloseable {
  /** One request as it arrived; {@code nanos} is {@link System#nanoTime()} on arrival. */
  record Received(String deliveryId, String idempotencyKey, String type, String signature, String body, long nanos) {}

  final List<Received> received = new CopyOnWriteArrayList<>();
  final AtomicInteger status = new AtomicInteger(200);
  volatile CountDownLatch hold = new CountDownLatch(0);
  private final HttpServer server;

  AlertReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext("/hook", exchange -> {
      try (exchange) {
        long arrived = System.nanoTime();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        var h = exchange.getRequestHeaders();
        received.add(new Received(h.getFirst("Assay-Delivery-Id"), h.getFirst("Idempotency-Key"),
            h.getFirst("Assay-Alert-Type"), h.getFirst("Assay-Signature"), body, arrived));
        try {
          hold.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.sendResponseHeaders(status.get(), -1);
      }
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  List<Received> of(String type) {
    return received.stream().filter(r -> type.equals(r.type())).toList();
  }

  @Override
  public void close() {
    hold.countDown();
    server.stop(0);
  }
}
