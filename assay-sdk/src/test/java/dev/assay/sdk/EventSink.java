package dev.assay.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * A real HTTP server (the JDK's) standing in for {@code POST /api/v1/events}: it records every
 * request and answers from a script (by default 200 with the server's acknowledgement shape:
 * {@code {"accepted":n,"duplicates":0,"rejected":[]}}).
 */
final class EventSink implements AutoCloseable {

  /** One scripted answer; {@code body} null means the acknowledgement of the whole batch. */
  record Answer(int status, Map<String, String> headers, String body) {
    static Answer ok() {
      return new Answer(200, Map.of(), null);
    }

    static Answer status(int status, String retryAfter) {
      return new Answer(status, retryAfter == null ? Map.of() : Map.of("Retry-After", retryAfter),
          "{\"error\":{\"code\":\"overloaded\",\"message\":\"busy\"}}");
    }
  }

  /** One request as received. */
  record Request(long atNanos, Map<String, List<String>> headers, byte[] rawBody, JsonNode events) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final BlockingQueue<Answer> script = new LinkedBlockingQueue<>();
  private final HttpServer server;
  /** When set, each request waits on it before answering (a slow server). */
  volatile CountDownLatch hold;
  final CountDownLatch firstRequest = new CountDownLatch(1);

  EventSink() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/events", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers the next requests in this order, then 200s. */
  void then(Answer... answers) {
    script.addAll(List.of(answers));
  }

  /** All events received, in order, across requests. */
  List<JsonNode> events() {
    return requests.stream().flatMap(r -> {
      List<JsonNode> l = new java.util.ArrayList<>();
      r.events().forEach(l::add);
      return l.stream();
    }).toList();
  }

  List<Integer> batchSizes() {
    return requests.stream().map(r -> r.events().size()).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] raw = ex.getRequestBody().readAllBytes();
      String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
      byte[] body = raw;
      if ("gzip".equals(encoding)) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
          body = in.readAllBytes();
        }
      }
      JsonNode events = JSON.readTree(body);
      requests.add(new Request(System.nanoTime(), Map.copyOf(ex.getRequestHeaders()), raw, events));
      firstRequest.countDown();
      CountDownLatch h = hold;
      if (h != null) {
        try {
          h.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Answer a = script.poll();
      if (a == null) {
        a = Answer.ok();
      }
      String reply = a.body() != null ? a.body()
          : "{\"accepted\":" + events.size() + ",\"duplicates\":0,\"rejected\":[]}";
      a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.getResponseHeaders().add("Content-Type", "application/json");
      byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(a.status(), bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    CountDownLatch h = hold;
    if (h != null) {
      h.countDown();
    }
    server.stop(0);
  }
}
