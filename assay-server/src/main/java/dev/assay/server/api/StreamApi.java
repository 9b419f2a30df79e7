package dev.assay.server.api;

import dev.assay.server.delivery.CompiledPayload;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.delivery.PayloadSubscriptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.OutputStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code GET /sub/{clientKey}}: server-sent events in GrowthBook's format. On connect the client
 * gets the current payload as a {@code features} event (skipped when its {@code Last-Event-ID} is
 * the current payload's ETag), then one event per change, and a comment heartbeat when idle. Each
 * connection is one virtual thread waiting on its subscription; a slow client only ever has the
 * newest payload pending, and a dead one is dropped at the first failed write.
 */
final class StreamApi {
  static final String PATH = "/sub/{clientKey}";

  private final Credentials credentials;
  private final PayloadCache payloads;
  private final PayloadSubscriptions subscriptions;
  private final Duration heartbeat;
  private final Counter events;

  StreamApi(Credentials credentials, PayloadCache payloads, PayloadSubscriptions subscriptions, Duration heartbeat,
      MeterRegistry meters) {
    this.credentials = credentials;
    this.payloads = payloads;
    this.subscriptions = subscriptions;
    this.heartbeat = heartbeat;
    this.events = Counter.builder("assay.sse.events").description("Payload events sent to SSE clients").register(meters);
    Gauge.builder("assay.sse.connections", subscriptions, PayloadSubscriptions::openCount)
        .description("Open SSE connections").register(meters);
  }

  void routing(SdkEdge edge) {
    edge.route(Method.GET, PATH, this::stream, ApiErrors.internal());
  }

  /** The SSE event id of a payload: its ETag without quotes (content-derived). */
  static String eventId(CompiledPayload p) {
    return p.etag().replace("\"", "");
  }

  private Reply stream(ServerRequest req) {
    String key = req.path().pathParameters().get("clientKey");
    Optional<Credentials.Connection> connection = credentials.clientKey(key);
    if (connection.isEmpty()) {
      return FeaturesApi.unknownClientKey(key);
    }
    String lastId = req.headers().first(HeaderNames.create("Last-Event-ID")).orElse("");
    CompiledPayload current = connection.get().payload();
    return Reply.streamed("text/event-stream; charset=utf-8", out -> events(out, key, current, lastId))
        .withHeader("Cache-Control", "no-cache").withHeader("X-Accel-Buffering", "no");
  }

  /* Writes events until the subscription closes, the connection is deleted or a write fails. */
  private void events(OutputStream out, String key, CompiledPayload current, String lastId)
      throws IOException, InterruptedException {
    try (PayloadSubscriptions.Subscription sub = subscriptions.subscribe(key)) {
      // Read again once subscribed: a change in between is then either in it or in the subscription.
      CompiledPayload last = payloads.get(key).orElse(current);
      if (!eventId(last).equals(lastId)) {
        send(out, last);
      } else {
        comment(out, "resumed at " + lastId);
      }
      while (!sub.isClosed()) {
        CompiledPayload next = sub.await(heartbeat);
        if (sub.isClosed()) {
          break;
        }
        if (next != null) {
          if (!next.etag().equals(last.etag())) {
            send(out, next);
            last = next;
          }
        } else if (payloads.get(key).isEmpty()) {
          break; // the SDK connection was deleted
        } else {
          comment(out, "heartbeat");
        }
      }
    }
  }

  /** A comment line: ignored by every SSE client, but proves the connection alive. */
  private static void comment(OutputStream out, String text) throws IOException {
    out.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** A {@code features} event; the payload JSON is compact, so one data line. */
  private void send(OutputStream out, CompiledPayload p) throws IOException {
    out.write(("event: features\nid: " + eventId(p) + "\ndata: ").getBytes(StandardCharsets.UTF_8));
    out.write(p.json());
    out.write("\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
    events.increment();
  }
}
