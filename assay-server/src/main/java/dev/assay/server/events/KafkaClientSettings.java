package dev.assay.server.events;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How Assay's Kafka clients are set up beyond the brokers and the topic: any Kafka client property
 * (security: SASL, TLS; tuning), for both clients or only the producer or the consumer, the
 * consumer group, and the partitions and replication factor of a topic Assay creates. Properties
 * come from a file ({@link #fromProperties}: {@code producer.x} and {@code consumer.x} keys for one
 * client, others for both) or the environment ({@link #fromEnvironment}). Values of secret
 * properties never appear in {@link #describe} or in an error.
 *
 * @param common properties of every client (the producer, the consumer, the admin client that creates the topic)
 * @param producer properties of the producer only; they win over {@code common}
 * @param consumer properties of the consumer only; they win over {@code common}
 * @param groupId the consumer group of the warehouse writers: every replica with the same group shares the partitions
 * @param partitions partitions of the topic if Assay creates it (else the broker's default)
 * @param replicationFactor replicas of each partition if Assay creates the topic (else the broker's default)
 */
public record KafkaClientSettings(Map<String, String> common, Map<String, String> producer,
    Map<String, String> consumer, String groupId, Optional<Integer> partitions, Optional<Short> replicationFactor) {
  /* Set by Assay for exactly-once storage and its own wire format; an override would break that. */
  private static final Set<String> RESERVED = Set.of("bootstrap.servers", "group.id", "enable.auto.commit",
      "enable.idempotence", "acks", "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
      "isolation.level", "transactional.id");
  private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|jaas|token|credential|\\.key$|key\\.pem|apikey).*");
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*([.-][a-z0-9]+)*");
  private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._-]{1,249}");

  /** No extra properties, the default group, broker defaults for a new topic. */
  public static final KafkaClientSettings DEFAULT = new KafkaClientSettings(Map.of(), Map.of(), Map.of(),
      KafkaEventConsumer.GROUP, Optional.empty(), Optional.empty());

  /** Thrown for a bad setting; the message names the property or option and never shows a secret. */
  public static final class InvalidSetting extends IllegalArgumentException {
    private final String name;

    InvalidSetting(String name, String message) {
      super(name + ": " + message);
      this.name = name;
    }

    /** The property or option that is wrong. */
    public String name() {
      return name;
    }
  }

  public KafkaClientSettings {
    common = checked("", common);
    producer = checked("producer.", producer);
    consumer = checked("consumer.", consumer);
    if (groupId == null || !GROUP.matcher(groupId).matches()) {
      throw new InvalidSetting("kafkaGroupId", "1-249 of letters, digits, '.', '_' and '-', was '" + groupId + "'");
    }
    partitions.filter(n -> n < 1 || n > 10_000).ifPresent(n -> {
      throw new InvalidSetting("kafkaPartitions", "must be 1 to 10000, was " + n);
    });
    replicationFactor.filter(n -> n < 1).ifPresent(n -> {
      throw new InvalidSetting("kafkaReplicationFactor", "must be at least 1, was " + n);
    });
  }

  private static Map<String, String> checked(String prefix, Map<String, String> props) {
    Map<String, String> out = new TreeMap<>();
    props.forEach((k, v) -> {
      String key = k.trim();
      if (!NAME.matcher(key).matches()) {
        throw new InvalidSetting(prefix + k, "not a Kafka property name (lower-case words joined by '.')");
      }
      if (RESERVED.contains(key)) {
        throw new InvalidSetting(prefix + key, "is set by Assay (exactly-once storage, its record format); use the"
            + " bootstrap-servers, topic and group-id options instead where they apply");
      }
      if (v == null) {
        throw new InvalidSetting(prefix + key, "has no value");
      }
      out.put(key, v);
    });
    return Map.copyOf(out);
  }

  /** These settings with another consumer group. */
  public KafkaClientSettings withGroupId(String group) {
    return new KafkaClientSettings(common, producer, consumer, group, partitions, replicationFactor);
  }

  /** These settings with the partitions and replication factor of a topic Assay creates. */
  public KafkaClientSettings withTopicLayout(Optional<Integer> topicPartitions, Optional<Short> replicas) {
    return new KafkaClientSettings(common, producer, consumer, groupId, topicPartitions, replicas);
  }

  /** These settings with more properties; the new ones win. */
  public KafkaClientSettings with(KafkaClientSettings more) {
    return new KafkaClientSettings(merged(common, more.common), merged(producer, more.producer),
        merged(consumer, more.consumer), groupId, partitions, replicationFactor);
  }

  private static Map<String, String> merged(Map<String, String> a, Map<String, String> b) {
    Map<String, String> m = new LinkedHashMap<>(a);
    m.putAll(b);
    return m;
  }

  /** Reads a properties file's entries: {@code producer.}/{@code consumer.} keys for one client, others for all. */
  public static KafkaClientSettings fromProperties(Properties file) {
    Map<String, String> common = new TreeMap<>();
    Map<String, String> producer = new TreeMap<>();
    Map<String, String> consumer = new TreeMap<>();
    for (String key : file.stringPropertyNames()) {
      String value = file.getProperty(key);
      if (key.startsWith("producer.")) {
        producer.put(key.substring("producer.".length()), value);
      } else if (key.startsWith("consumer.")) {
        consumer.put(key.substring("consumer.".length()), value);
      } else {
        common.put(key, value);
      }
    }
    return new KafkaClientSettings(common, producer, consumer, KafkaEventConsumer.GROUP, Optional.empty(), Optional.empty());
  }

  /**
   * Reads {@code ASSAY_KAFKA_CLIENT_*} (every client), {@code ASSAY_KAFKA_PRODUCER_*} and
   * {@code ASSAY_KAFKA_CONSUMER_*} variables; the rest of the name, lower-cased with '_' as '.', is
   * the property: {@code ASSAY_KAFKA_CLIENT_SASL_JAAS_CONFIG} sets {@code sasl.jaas.config}.
   */
  public static KafkaClientSettings fromEnvironment(Map<String, String> env) {
    Map<String, String> common = new TreeMap<>();
    Map<String, String> producer = new TreeMap<>();
    Map<String, String> consumer = new TreeMap<>();
    env.forEach((name, value) -> {
      if (name.startsWith("ASSAY_KAFKA_CLIENT_")) {
        common.put(property(name, "ASSAY_KAFKA_CLIENT_"), value);
      } else if (name.startsWith("ASSAY_KAFKA_PRODUCER_")) {
        producer.put(property(name, "ASSAY_KAFKA_PRODUCER_"), value);
      } else if (name.startsWith("ASSAY_KAFKA_CONSUMER_")) {
        consumer.put(property(name, "ASSAY_KAFKA_CONSUMER_"), value);
      }
    });
    return new KafkaClientSettings(common, producer, consumer, KafkaEventConsumer.GROUP, Optional.empty(), Optional.empty());
  }

  private static String property(String variable, String prefix) {
    return variable.substring(prefix.length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
  }

  /** The producer's properties: common ones, then producer-only ones. */
  Map<String, String> producerProperties() {
    return merged(common, producer);
  }

  /** The consumer's properties: common ones, then consumer-only ones. */
  Map<String, String> consumerProperties() {
    return merged(common, consumer);
  }

  /** Whether a property's value is secret (passwords, JAAS configs, keys): never logged. */
  static boolean secret(String property) {
    return SECRET.matcher(property).matches();
  }

  /** The settings for a log line, with secret values hidden. */
  public String describe() {
    return "group " + groupId + partitions.map(n -> ", " + n + " partitions").orElse("")
        + replicationFactor.map(n -> ", replication factor " + n).orElse("")
        + ", client " + masked(common) + ", producer " + masked(producer) + ", consumer " + masked(consumer);
  }

  private static Map<String, String> masked(Map<String, String> props) {
    Map<String, String> m = new TreeMap<>();
    props.forEach((k, v) -> m.put(k, secret(k) ? "[hidden]" : v));
    return m;
  }

  @Override
  public String toString() {
    return "KafkaClientSettings[" + describe() + "]";
  }
}
