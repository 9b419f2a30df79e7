package dev.assay.testsupport;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * One real Kafka broker (KRaft, combined broker and controller) in this JVM, from Kafka's own
 * test kit, started on first use and stopped when the JVM exits. Tests use their own topics.
 * Kafka's test kit and client are {@code provided} dependencies of this module: a module that
 * calls this class declares them itself (assay-server and assay-e2e do).
 */
public final class TestKafka {
  private static KafkaClusterTestKit cluster;

  private TestKafka() {}

  /** The bootstrap servers of the broker, starting it if needed. */
  public static synchronized String bootstrapServers() {
    if (cluster == null) {
      try {
        // A broker fault (for example while it stops in the shutdown hook, racing the rest of the
        // JVM's exit) must not halt the test JVM with a non-zero code: Kafka's own tests do the same.
        org.apache.kafka.common.utils.Exit.setExitProcedure((code, message) -> {});
        org.apache.kafka.common.utils.Exit.setHaltProcedure((code, message) -> {});
        KafkaClusterTestKit c = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
            .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .build();
        c.format();
        c.startup();
        c.waitForReadyBrokers();
        cluster = c;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            c.close();
          } catch (Exception ignored) {
            // the JVM is exiting
          }
        }, "test-kafka-stop"));
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the test Kafka broker: " + e, e);
      }
    }
    return cluster.bootstrapServers();
  }

  /**
   * Waits until the consumer {@code group} (the warehouse consumer's) has committed, on every partition of the topic, the
   * topic's end offset. The consumer commits only after the warehouse write, so from then on
   * everything in the topic is in the warehouse and nothing more will arrive: the positive signal
   * before asserting exactly-once, instead of sleeping and hoping the consumer was done.
   */
  public static void awaitConsumed(String topic, String group, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      String lag = "unknown";
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
            .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get();
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long behind = 0;
        for (TopicPartition tp : latest.keySet()) {
          OffsetAndMetadata c = committed.get(tp);
          behind += ends.get(tp).offset() - (c == null ? 0 : c.offset());
        }
        if (behind <= 0) {
          return;
        }
        lag = behind + " records";
        Thread.sleep(50);
      }
      throw new AssertionError("the consumer of " + topic + " is still behind after " + timeout + ": " + lag);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("cannot read the offsets of " + topic, e);
    }
  }
}
