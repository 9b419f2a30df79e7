package dev.assay.server.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Moves events from the Kafka topic into the warehouse: each poll's records are decoded, written
 * to the warehouse in one durable append, and only then are their offsets committed. A crash
 * between the write and the commit re-delivers those records, which the warehouse recognises by
 * event id and stores once. A failed write is retried from the last committed offsets after a
 * pause; a record that is not in the event format is logged and skipped. One thread; it never
 * throws and {@link #close} stops it after the batch in progress.
 */
public final class KafkaEventConsumer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KafkaEventConsumer.class.getName());
  /** The consumer group of the warehouse writers. */
  public static final String GROUP = "assay-events-warehouse";

  /** Called after a batch is in the warehouse and before its offsets are committed (tests, metrics). */
  @FunctionalInterface
  interface AfterWrite {
    void written(KafkaEventConsumer consumer, int events);
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final EventStore warehouse;
  private final AfterWrite afterWrite;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile boolean halted;

  KafkaEventConsumer(String bootstrapServers, String topic, EventStore warehouse, Map<String, String> clientProperties,
      AfterWrite afterWrite) {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 * 1024 * 1024));
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "assay-events-consumer");
    this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.warehouse = warehouse;
    this.afterWrite = afterWrite;
    consumer.subscribe(List.of(topic));
    this.thread = new Thread(this::run, "assay-event-consumer");
    thread.setDaemon(true);
  }

  /** Starts consuming {@code topic} into the warehouse. */
  public static KafkaEventConsumer start(String bootstrapServers, String topic, EventStore warehouse,
      Map<String, String> clientProperties) {
    return start(bootstrapServers, topic, warehouse, clientProperties, (c, n) -> { });
  }

  static KafkaEventConsumer start(String bootstrapServers, String topic, EventStore warehouse,
      Map<String, String> clientProperties, AfterWrite afterWrite) {
    KafkaEventConsumer c = new KafkaEventConsumer(bootstrapServers, topic, warehouse, clientProperties, afterWrite);
    c.thread.start();
    return c;
  }

  private void run() {
    try {
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          continue;
        }
        List<Event> events = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          first.putIfAbsent(tp, r.offset());
          next.put(tp, new OffsetAndMetadata(r.offset() + 1));
          try {
            events.addAll(EventCodec.decode(r.value()));
          } catch (IllegalArgumentException e) {
            LOG.warning("skipping record " + tp + "@" + r.offset() + ": " + e.getMessage());
          }
        }
        try {
          warehouse.append(events).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.log(Level.WARNING, "writing " + events.size() + " events to the warehouse failed; retrying", e);
          first.forEach(consumer::seek);
          Thread.sleep(1_000);
          continue;
        }
        afterWrite.written(this, events.size());
        if (halted) {
          return;
        }
        consumer.commitSync(next);
      }
    } catch (WakeupException e) {
      // close() during a poll
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "the event consumer stopped; events stay in Kafka until it runs again", e);
    } finally {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "closing the Kafka consumer", e);
      }
      stopped.countDown();
    }
  }

  /**
   * Stops at once, as a crash would: the batch just written is not committed. For tests that
   * check re-delivery; call it from {@link AfterWrite}.
   */
  void halt() {
    halted = true;
    running = false;
  }

  /** Waits until the consumer thread has ended. */
  boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops after the batch in progress and leaves the group. If the stop interrupts the offset
   * commit, the last batch is re-delivered to the next consumer and stored once.
   */
  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      stopped.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
