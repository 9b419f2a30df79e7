package dev.assay.server.api;

import dev.assay.server.delivery.CompiledPayload;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.delivery.PayloadSubscriptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /sub/{clientKey}}: server-sent events in GrowthBook's format. On connect the client
 * gets the current payload as a {@code features} event (skipped when its {@code Last-Event-ID} is
 * the current payload's ETag), then one event per change, and a comment heartbeat when idle. Each
 * connection is one virtual thread waiting on its subscription; a slow client only ever has the
 * newest payload pending, and a dead one is dropped at the first failed write.
 */
final class StreamApi {
  private static final Logger LOG = Logger.getLogger(StreamApi.class.getName());

  private final PayloadCache payloads;
  private final PayloadSubscriptions subscriptions;
  private final Duration heartbeat;
  private final Counter events;

  StreamApi(PayloadCache payloads, PayloadSubscriptions subscriptions, Duration heartbeat, MeterRegistry meters) {
    this.payloads = payloads;
    this.subscriptions = subscriptions;
    this.heartbeat = heartbeat;
    this.events = Counter.builder("assay.sse.events").description("Payload events sent to SSE clients").register(meters);
    Gauge.builder("assay.sse.connections", subscriptions, PayloadSubscriptions::openCount)
        .description("Open SSE connections").register(meters);
  }

  void routing(Routes routing) {
    routing.get("/sub/{clientKey}", this::stream);
  }

  /** The SSE event id of a payload: its ETag without quotes (content-derived). */
  static String eventId(CompiledPayload p) {
    return p.etag().replace("\"", "");
  }

  private void stream(ServerRequest req, ServerResponse res) {
    String key = req.path().pathParameters().get("clientKey");
    Optional<CompiledPayload> current = payloads.get(key);
    if (current.isEmpty()) {
      Reply r = HttpApi.error(404, "unknown_client_key", "no SDK connection with client key '"
          + (key.length() > 100 ? key.substring(0, 100) + "…" : key) + "'", List.of());
      res.status(Status.NOT_FOUND_404);
      res.header(HeaderNames.CONTENT_TYPE, r.contentType());
      res.send(r.body());
      return;
    }
    String lastId = req.headers().first(HeaderNames.create("Last-Event-ID")).orElse("");
    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    res.header(HeaderNames.create("X-Accel-Buffering"), "no");
    res.header(HeaderNames.create("Access-Control-Allow-Origin"), "*");
    try (PayloadSubscriptions.Subscription sub = subscriptions.subscribe(key);
        OutputStream out = res.outputStream()) {
      CompiledPayload last = current.get();
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // The client went away (write failed) or the server is stopping.
      LOG.log(Level.FINE, "SSE stream for " + key + " ended", e);
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
