package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.events.KafkaEventConsumer;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@code GET /health/ready} reports. The server is ready while its store answers; in Kafka
 * mode it also shows the consumer that moves events into the warehouse — its state, lag, last
 * commit and restarts — without making readiness depend on it: while the consumer restarts, the API
 * still accepts events into Kafka and serves flags, so taking the replica out of its load balancer
 * would only stop those too (alert on {@code assay_events_consumer_up} instead).
 *
 * @param storeUp whether the config store answers
 * @param consumer this replica's Kafka consumer's status, when it runs one
 */
public record Readiness(boolean storeUp, Optional<KafkaEventConsumer.Status> consumer) {

  /** The response body: {@code status}, and {@code checks} with the store and the consumer. */
  ObjectNode json() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("status", storeUp ? "UP" : "DOWN");
    ObjectNode checks = o.putObject("checks");
    checks.put("store", storeUp ? "UP" : "DOWN");
    consumer.ifPresent(s -> {
      ObjectNode c = checks.putObject("eventConsumer");
      c.put("state", s.state().name());
      c.put("lag", s.lag());
      if (s.lastCommitMillis() > 0) {
        c.put("lastCommit", Instant.ofEpochMilli(s.lastCommitMillis()).toString());
      } else {
        c.putNull("lastCommit");
      }
      c.put("restarts", s.restarts());
    });
    return o;
  }
}
