package dev.assay.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaClientSettingsTest {
  private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"
      + " username=\"assay\" password=\"s3cr3t-pw\";";

  @Test
  void propertiesFile_prefixesPickTheClient_othersGoToBoth() throws Exception {
    Properties p = new Properties();
    p.load(new StringReader("""
        security.protocol=SASL_SSL
        sasl.mechanism=PLAIN
        producer.compression.type=zstd
        consumer.max.poll.records=500
        consumer.security.protocol=SSL
        """));
    KafkaClientSettings s = KafkaClientSettings.fromProperties(p);
    assertThat(s.producerProperties()).containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("compression.type", "zstd").doesNotContainKey("max.poll.records");
    assertThat(s.consumerProperties()).containsEntry("security.protocol", "SSL").containsEntry("max.poll.records", "500")
        .containsEntry("sasl.mechanism", "PLAIN");
  }

  @Test
  void environment_variablesNameProperties_andWinOverTheFile() {
    KafkaClientSettings file = new KafkaClientSettings(Map.of("sasl.mechanism", "PLAIN"), Map.of(), Map.of(),
        "g", Optional.empty(), Optional.empty());
    KafkaClientSettings env = KafkaClientSettings.fromEnvironment(Map.of(
        "ASSAY_KAFKA_CLIENT_SASL_MECHANISM", "SCRAM-SHA-512",
        "ASSAY_KAFKA_CLIENT_SASL_JAAS_CONFIG", JAAS,
        "ASSAY_KAFKA_CONSUMER_FETCH_MIN_BYTES", "1024",
        "ASSAY_KAFKA_TOPIC", "not-a-property",
        "HOME", "/root"));
    KafkaClientSettings s = file.with(env);
    assertThat(s.common()).containsOnly(Map.entry("sasl.mechanism", "SCRAM-SHA-512"), Map.entry("sasl.jaas.config", JAAS));
    assertThat(s.consumer()).containsOnly(Map.entry("fetch.min.bytes", "1024"));
    assertThat(s.groupId()).isEqualTo("g");
  }

  @Test
  void describe_hidesSecretValues() {
    KafkaClientSettings s = new KafkaClientSettings(Map.of("sasl.jaas.config", JAAS, "ssl.key.password", "kp-123",
        "ssl.truststore.location", "/etc/kafka/trust.jks"), Map.of(), Map.of("ssl.keystore.password", "ks-456"),
        "assay", Optional.of(6), Optional.of((short) 3));
    assertThat(s.describe()).doesNotContain("s3cr3t-pw", "kp-123", "ks-456")
        .contains("sasl.jaas.config=[hidden]", "ssl.truststore.location=/etc/kafka/trust.jks", "6 partitions",
            "replication factor 3");
    assertThat(s.toString()).doesNotContain("s3cr3t-pw");
  }

  @Test
  void reservedOrMalformedProperties_andBadLayout_areRejectedByName_withoutTheValue() {
    assertThatThrownBy(() -> new KafkaClientSettings(Map.of(), Map.of("acks", "1"), Map.of(), "g", Optional.empty(),
        Optional.empty())).isInstanceOf(KafkaClientSettings.InvalidSetting.class).hasMessageStartingWith("producer.acks: ");
    assertThatThrownBy(() -> new KafkaClientSettings(Map.of(), Map.of(), Map.of("enable.auto.commit", "true"), "g",
        Optional.empty(), Optional.empty())).hasMessageStartingWith("consumer.enable.auto.commit: ");
    assertThatThrownBy(() -> new KafkaClientSettings(Map.of("Bad Name", "x"), Map.of(), Map.of(), "g", Optional.empty(),
        Optional.empty())).hasMessageStartingWith("Bad Name: ");
    assertThatThrownBy(() -> KafkaClientSettings.DEFAULT.withGroupId("has space"))
        .satisfies(e -> assertThat(((KafkaClientSettings.InvalidSetting) e).name()).isEqualTo("kafkaGroupId"));
    assertThatThrownBy(() -> KafkaClientSettings.DEFAULT.withTopicLayout(Optional.of(0), Optional.empty()))
        .hasMessageStartingWith("kafkaPartitions: ");
    assertThatThrownBy(() -> KafkaClientSettings.DEFAULT.withTopicLayout(Optional.empty(), Optional.of((short) 0)))
        .hasMessageStartingWith("kafkaReplicationFactor: ");
  }
}
