package dev.assay.server;

import dev.assay.server.events.DuckDbEventStore;
import dev.assay.server.events.KafkaClientSettings;
import dev.assay.server.events.EventPrivacy;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The event pipeline's options of a {@link ServerConfig}, validated the same way: a bad value is an
 * {@link InvalidOption} naming the builder option ({@code eventDedupWindow}, {@code kafkaTopic}, ...).
 *
 * @param hmacKey pseudonymises unit ids with HMAC-SHA256 under this key (at least
 *     {@value EventPrivacy#MIN_KEY_LENGTH} characters)
 * @param attributeAllowList keeps only these attribute and property names
 * @param retentionDays deletes events older than this many days, at least 1
 * @param retentionInterval how often retention runs
 * @param dedupWindow the embedded store's de-duplication window in ids, 2 to {@link DuckDbEventStore#MAX_DEDUP_WINDOW}
 * @param kafkaBootstrapServers Kafka mode: the brokers, {@code host:port[,host:port...]}
 * @param kafkaTopic the topic of events in Kafka mode
 * @param kafkaConsume whether this server runs the consumer that writes the topic into the warehouse
 * @param kafkaClient Kafka client properties, the consumer group and a new topic's partitions and replication
 */
public record EventOptions(Optional<String> hmacKey, Optional<Set<String>> attributeAllowList,
    Optional<Integer> retentionDays, Duration retentionInterval, int dedupWindow,
    Optional<String> kafkaBootstrapServers, String kafkaTopic, boolean kafkaConsume,
    KafkaClientSettings kafkaClient) {
  public EventOptions {
    hmacKey.filter(k -> k.length() < EventPrivacy.MIN_KEY_LENGTH).ifPresent(k -> {
      throw new InvalidOption("eventHmacKey", "the key must be at least " + EventPrivacy.MIN_KEY_LENGTH + " characters");
    });
    attributeAllowList = attributeAllowList.map(Set::copyOf);
    attributeAllowList.filter(s -> s.stream().anyMatch(String::isBlank)).ifPresent(s -> {
      throw new InvalidOption("eventAttributeAllowList", "names must not be empty");
    });
    retentionDays.filter(d -> d < 1).ifPresent(d -> {
      throw new InvalidOption("eventRetentionDays", "must be at least 1, was " + d);
    });
    ServerConfig.positive("eventRetentionInterval", retentionInterval);
    if (dedupWindow < 2 || dedupWindow > DuckDbEventStore.MAX_DEDUP_WINDOW) {
      throw new InvalidOption("eventDedupWindow", "must be 2 to " + DuckDbEventStore.MAX_DEDUP_WINDOW
          + " ids, was " + dedupWindow);
    }
    kafkaBootstrapServers.filter(b -> !b.matches("[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*")).ifPresent(b -> {
      throw new InvalidOption("kafkaBootstrapServers", "must be host:port[,host:port...], was '" + b + "'");
    });
    if (kafkaTopic == null || !kafkaTopic.matches("[A-Za-z0-9._-]{1,249}")) {
      throw new InvalidOption("kafkaTopic", "1-249 of letters, digits, '.', '_' and '-', was '" + kafkaTopic + "'");
    }
  }

  /** Whether events go through Kafka (ADR 0008). */
  public boolean kafkaMode() {
    return kafkaBootstrapServers.isPresent();
  }
}
