package dev.assay.server.events;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * One real Kafka broker (KRaft, combined broker and controller) in this JVM, from Kafka's own
 * test kit, started on first use and stopped when the JVM exits. Tests use their own topics.
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
}
