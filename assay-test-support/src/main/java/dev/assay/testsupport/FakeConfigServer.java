package dev.assay.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A config server for SDK tests that speaks the SDK side of the protocol on
 * {@code /api/features/{clientKey}}: the current payload, or a 500 while {@link #failing}; with
 * {@link #etags()} an {@code ETag} and a 304 for a matching {@code If-None-Match}; with
 * {@link #advertiseStreaming()} the {@code x-sse-support: enabled} header. Further endpoints (a
 * broken {@code /sub/{clientKey}}, say) are added with {@link #handle}. Binds 127.0.0.1 on an
 * ephemeral port. Not the Assay server: tests of the server use the real one.
 */
public final class FakeConfigServer implements AutoCloseable {
  private final HttpServer server;
  private final AtomicReference<String> payload;
  private final AtomicBoolean failing = new AtomicBoolean();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger notModified = new AtomicInteger();
  private volatile boolean etags;
  private volatile boolean streaming;

  private FakeConfigServer(String clientKey, String initialPayload) throws IOException {
    payload = new AtomicReference<>(initialPayload);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/features/" + clientKey, this::features);
    server.start();
  }

  /** Starts a server that serves {@code initialPayload} for {@code clientKey}. */
  public static FakeConfigServer start(String clientKey, String initialPayload) {
    try {
      return new FakeConfigServer(clientKey, initialPayload);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the fake config server", e);
    }
  }

  /** Sends an {@code ETag} and answers a matching {@code If-None-Match} with 304. */
  public FakeConfigServer etags() {
    etags = true;
    return this;
  }

  /** Sends {@code x-sse-support: enabled}, as the Assay server does. */
  public FakeConfigServer advertiseStreaming() {
    streaming = true;
    return this;
  }

  /** Adds an endpoint. */
  public FakeConfigServer handle(String path, HttpHandler handler) {
    server.createContext(path, handler);
    return this;
  }

  /** The payload served from now on. */
  public void payload(String json) {
    payload.set(json);
  }

  /** While set, the payload endpoint answers 500. */
  public void failing(boolean fail) {
    failing.set(fail);
  }

  /** Requests to the payload endpoint so far. */
  public int requests() {
    return requests.get();
  }

  /** 304 answers so far. */
  public int notModified() {
    return notModified.get();
  }

  /** The base URL, {@code http://127.0.0.1:port}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** A URL on which nothing listens (a port that was free a moment ago). */
  public static String deadUrl() {
    try (ServerSocket s = new ServerSocket(0)) {
      return "http://127.0.0.1:" + s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  /** Sends {@code body} with {@code status} and content type {@code type}, and closes the exchange. */
  public static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void features(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    if (failing.get()) {
      send(ex, 500, "application/json", "{\"error\":\"down\"}");
      return;
    }
    String body = payload.get();
    if (streaming) {
      ex.getResponseHeaders().set("x-sse-support", "enabled");
    }
    if (etags) {
      String etag = "\"" + Integer.toHexString(body.hashCode()) + "\"";
      ex.getResponseHeaders().set("ETag", etag);
      if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
        notModified.incrementAndGet();
        ex.sendResponseHeaders(304, -1);
        ex.close();
        return;
      }
    }
    send(ex, 200, "application/json", body);
  }
}
