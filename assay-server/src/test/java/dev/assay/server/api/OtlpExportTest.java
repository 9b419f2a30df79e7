package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With {@code otelEndpoint} set, spans reach an OTLP/HTTP collector (here a local receiver that
 * records what is POSTed to {@code /v1/traces}) as protobuf over the JDK's HTTP client.
 */
class OtlpExportTest {
  private static final String TRACE_ID = "a3ce929d0e0e47364bf92f3577b34da6";

  private record Export(String path, String contentType, byte[] body) {}

  @Test
  void otelEndpoint_requestSpanIsPostedToTheCollectorAsProtobuf() throws Exception {
    LinkedBlockingQueue<Export> received = new LinkedBlockingQueue<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/", exchange -> {
      try (exchange) {
        received.add(new Export(exchange.getRequestURI().getPath(),
            exchange.getRequestHeaders().getFirst("Content-Type"), exchange.getRequestBody().readAllBytes()));
        exchange.sendResponseHeaders(200, -1);
      }
    });
    collector.start();
    String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();
    try (TestServer server = new TestServer(b -> b.otelEndpoint(endpoint).otelServiceName("assay-test"))) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.port() + "/health/live"))
          .header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);

      // The protobuf holds the trace id as 16 raw bytes, the span name and service name as UTF-8.
      String traceId = new String(HexFormat.of().parseHex(TRACE_ID), StandardCharsets.ISO_8859_1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      Export export;
      do { // the compilation of the payloads at start is exported too, maybe first
        export = received.poll(1, TimeUnit.SECONDS);
      } while ((export == null || !new String(export.body(), StandardCharsets.ISO_8859_1).contains(traceId))
          && System.nanoTime() < deadline);
      assertThat(export).as("the collector received the request's span").isNotNull();
      assertThat(export.path()).isEqualTo("/v1/traces");
      assertThat(export.contentType()).isEqualTo("application/x-protobuf");
      assertThat(new String(export.body(), StandardCharsets.ISO_8859_1)).contains(traceId)
          .contains("GET /health/live").contains("assay-test");
    } finally {
      collector.stop(0);
    }
  }
}
