package dev.assay.cli;

import dev.assay.server.ServerConfig;
import dev.assay.server.events.KafkaClientSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The Kafka options of {@code assay serve}: brokers, topic, consumer, and every Kafka client
 * property from a file or {@code ASSAY_KAFKA_CLIENT_*}, {@code ASSAY_KAFKA_PRODUCER_*},
 * {@code ASSAY_KAFKA_CONSUMER_*} variables (the environment wins over the file).
 */
final class KafkaServeOptions {
  @Option(
      names = "--kafka-bootstrap-servers",
      defaultValue = "${env:ASSAY_KAFKA_BOOTSTRAP_SERVERS}",
      paramLabel = "HOST:PORT,...",
      description = "Kafka mode of the event pipeline: events are produced to a topic (acks=all) and"
          + " acknowledged after the broker; a consumer writes them into the warehouse.")
  String bootstrapServers;

  @Option(
      names = "--kafka-topic",
      defaultValue = "${env:ASSAY_KAFKA_TOPIC:-assay-events}",
      paramLabel = "TOPIC",
      description = "Kafka topic of events. Default: ${DEFAULT-VALUE}.")
  String topic;

  @Option(
      names = "--kafka-consume",
      defaultValue = "${env:ASSAY_KAFKA_CONSUME:-true}",
      arity = "1",
      paramLabel = "true|false",
      description = "Run the consumer that writes the topic into this server's warehouse."
          + " Default: ${DEFAULT-VALUE}.")
  boolean consume;

  @Option(
      names = "--kafka-properties",
      defaultValue = "${env:ASSAY_KAFKA_PROPERTIES}",
      paramLabel = "FILE",
      description = "Kafka client properties (SASL, TLS, tuning): 'producer.' and 'consumer.' keys for one"
          + " client, other keys for all. ASSAY_KAFKA_CLIENT_*, _PRODUCER_* and _CONSUMER_* variables"
          + " (SASL_JAAS_CONFIG sets sasl.jaas.config) win over the file. Secret values are never logged.")
  Path propertiesFile;

  @Option(
      names = "--kafka-group-id",
      defaultValue = "${env:ASSAY_KAFKA_GROUP_ID:-assay-events-warehouse}",
      paramLabel = "GROUP",
      description = "Consumer group of the warehouse writers; replicas with the same group share the"
          + " topic's partitions. Default: ${DEFAULT-VALUE}.")
  String groupId;

  @Option(
      names = "--kafka-partitions",
      defaultValue = "${env:ASSAY_KAFKA_PARTITIONS}",
      paramLabel = "N",
      description = "Partitions of the topic when Assay creates it (at least the number of consuming"
          + " replicas). Default: the broker's.")
  Integer partitions;

  @Option(
      names = "--kafka-replication-factor",
      defaultValue = "${env:ASSAY_KAFKA_REPLICATION_FACTOR}",
      paramLabel = "N",
      description = "Replicas of each partition when Assay creates the topic. Default: the broker's.")
  Short replicationFactor;

  /** Sets the Kafka options on the builder, if Kafka mode is on. */
  void apply(ServerConfig.Builder builder, Map<String, String> env) {
    Optional<String> brokers = Optional.ofNullable(bootstrapServers).filter(b -> !b.isBlank());
    if (brokers.isEmpty()) {
      return;
    }
    try {
      KafkaClientSettings settings = fromFile().with(KafkaClientSettings.fromEnvironment(env)).withGroupId(groupId)
          .withTopicLayout(Optional.ofNullable(partitions), Optional.ofNullable(replicationFactor));
      builder.kafka(brokers.get()).kafkaTopic(topic).kafkaConsume(consume).kafkaClient(settings);
    } catch (KafkaClientSettings.InvalidSetting e) {
      throw new CliInputException(optionOf(e.name()) + e.getMessage().substring(e.name().length()), e);
    }
  }

  private KafkaClientSettings fromFile() {
    if (propertiesFile == null) {
      return KafkaClientSettings.DEFAULT;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(propertiesFile)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new CliInputException("--kafka-properties: cannot read " + propertiesFile + ": " + e.getMessage(), e);
    }
    return KafkaClientSettings.fromProperties(p);
  }

  /* "kafkaGroupId" is the option --kafka-group-id; a property name stays as it is, after the file option. */
  private static String optionOf(String name) {
    return switch (name) {
      case "kafkaGroupId" -> "--kafka-group-id";
      case "kafkaPartitions" -> "--kafka-partitions";
      case "kafkaReplicationFactor" -> "--kafka-replication-factor";
      default -> "--kafka-properties (or ASSAY_KAFKA_*): " + name;
    };
  }
}
