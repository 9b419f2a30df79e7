package dev.assay.server.events;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
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
 * pause; a record that is not in the event format is logged and skipped. Any other failure (a
 * commit refused during a rebalance, a broker or authorisation error) closes the Kafka client and
 * starts a new one after a backoff that doubles from 1 s to 30 s, so the thread never dies while
 * the server runs; {@link #status} tells its state, lag, last commit and restarts (exported as
 * metrics). One thread; {@link #close} stops it after the batch in progress.
 */
public final class KafkaEventConsumer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KafkaEventConsumer.class.getName());
  /** The consumer group of the warehouse writers. */
  public static final String GROUP = "assay-events-warehouse";
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** Called after a batch is in the warehouse and before its offsets are committed (tests, metrics). */
  @FunctionalInterface
  interface AfterWrite {
    void written(KafkaEventConsumer consumer, int events);
  }

  /** What the consumer thread is doing. */
  public enum State {
    /** Polling the topic and writing the warehouse. */
    RUNNING,
    /** Waiting to start a new Kafka client after a failure. */
    RESTARTING,
    /** Stopped by {@link #close}. */
    STOPPED
  }

  /**
   * The consumer's state for metrics and health.
   *
   * @param lag records in the assigned partitions not yet consumed, after the last poll (-1 before one)
   * @param lastCommitMillis epoch ms of the last offset commit, 0 before the first
   * @param restarts Kafka clients started after a failure
   */
  public record Status(State state, long lag, long lastCommitMillis, long restarts) { }

  private final Properties properties;
  private final String topic;
  private final EventStore warehouse;
  private final AfterWrite afterWrite;
  private final Thread thread;
  private volatile Tracer tracer = TracerProvider.noop().get("");
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Object pause = new Object();
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile boolean running = true;
  private volatile boolean halted;
  private volatile State state = State.RUNNING;
  private volatile long lag = -1;
  private volatile long lastCommitMillis;
  private volatile long restarts;
  private volatile int partitions;
  private volatile boolean crashed;

  KafkaEventConsumer(String bootstrapServers, String topic, EventStore warehouse, KafkaClientSettings settings,
      AfterWrite afterWrite) {
    Properties p = new Properties();
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 * 1024 * 1024));
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "assay-events-consumer");
    p.putAll(settings.consumerProperties()); // the operator's properties win over the defaults above
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    this.properties = p;
    this.topic = topic;
    this.warehouse = warehouse;
    this.afterWrite = afterWrite;
    this.consumer = newClient();
    this.thread = new Thread(this::run, "assay-event-consumer");
    thread.setDaemon(true);
  }

  private KafkaConsumer<byte[], byte[]> newClient() {
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        // Offsets are committed after each batch's write; nothing is pending between polls.
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        partitions = c.assignment().size();
        if (partitions == 0) {
          LOG.warning("this replica's event consumer got no partition of '" + topic + "': the topic has fewer"
              + " partitions than the group '" + properties.getProperty(ConsumerConfig.GROUP_ID_CONFIG)
              + "' has consumers, so this one idles (create the topic with more partitions)");
        }
      }
    });
    return c;
  }

  /** Starts consuming {@code topic} into the warehouse. */
  public static KafkaEventConsumer start(String bootstrapServers, String topic, EventStore warehouse,
      KafkaClientSettings settings) {
    return start(bootstrapServers, topic, warehouse, settings, (c, n) -> { });
  }

  static KafkaEventConsumer start(String bootstrapServers, String topic, EventStore warehouse,
      KafkaClientSettings settings, AfterWrite afterWrite) {
    KafkaEventConsumer c = new KafkaEventConsumer(bootstrapServers, topic, warehouse, settings, afterWrite);
    c.thread.start();
    return c;
  }

  /**
   * Records a consumer span for each poll written to the warehouse ({@code assay.events consume},
   * ADR 0041): the child of the first record's producer context (its {@code traceparent} header),
   * linked to the others'; the warehouse commit is its child. Default: no spans. Returns this consumer.
   */
  public KafkaEventConsumer traced(Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  /** The consumer's state, lag, last commit and restarts. */
  public Status status() {
    return new Status(state, lag, lastCommitMillis, restarts);
  }

  /**
   * Exports the status as {@code assay_events_consumer_lag}, {@code assay_events_consumer_up} (1
   * while running), {@code assay_events_consumer_last_commit_timestamp_seconds} and
   * {@code assay_events_consumer_restarts_total}.
   */
  public KafkaEventConsumer bindTo(MeterRegistry meters) {
    Gauge.builder("assay.events.consumer.lag", this, c -> c.lag)
        .description("Records in the topic's assigned partitions not yet in the warehouse").register(meters);
    Gauge.builder("assay.events.consumer.up", this, c -> c.state == State.RUNNING ? 1 : 0)
        .description("1 while the event consumer runs; 0 while it restarts after a failure or is stopped")
        .register(meters);
    Gauge.builder("assay.events.consumer.last.commit.timestamp", this, c -> c.lastCommitMillis / 1000.0)
        .baseUnit("seconds").description("Epoch seconds of the consumer's last offset commit (0: none yet)")
        .register(meters);
    Gauge.builder("assay.events.consumer.partitions", this, c -> c.partitions)
        .description("Partitions of the topic assigned to this replica's consumer").register(meters);
    FunctionCounter.builder("assay.events.consumer.restarts", this, c -> c.restarts)
        .description("Kafka consumers started again after a failure").register(meters);
    return this;
  }

  /* Runs clients one after another: a failed one is closed and replaced after a growing backoff. */
  private void run() {
    Duration backoff = FIRST_BACKOFF;
    try {
      while (running) {
        try {
          state = State.RUNNING;
          if (consume()) {
            backoff = FIRST_BACKOFF;
          }
          if (!running) {
            break;
          }
        } catch (WakeupException e) {
          if (!running) {
            break;
          }
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "the event consumer failed; restarting in " + backoff.toSeconds()
              + " s (events stay in Kafka meanwhile): " + e, e);
        }
        if (crashed) {
          break;
        }
        closeClient();
        if (!running) {
          break;
        }
        state = State.RESTARTING;
        synchronized (pause) {
          pause.wait(backoff.toMillis());
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        if (running) {
          consumer = newClient();
          restarts++;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!crashed) {
        closeClient();
      }
      state = State.STOPPED;
      stopped.countDown();
    }
  }

  /** Polls until stopped; returns whether any batch was committed. Throws what the client throws. */
  private boolean consume() throws InterruptedException {
    boolean committed = false;
    while (running) {
      ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
      updateLag();
      if (records.isEmpty()) {
        continue;
      }
      List<Event> events = new ArrayList<>();
      List<Context> producers = new ArrayList<>();
      Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
      Map<TopicPartition, Long> first = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        first.putIfAbsent(tp, r.offset());
        next.put(tp, new OffsetAndMetadata(r.offset() + 1));
        if (r.headers().lastHeader("traceparent") != null && producers.size() <= EventSpans.MAX_LINKS) {
          producers.add(W3CTraceContextPropagator.getInstance().extract(Context.root(), r.headers(),
              EventSpans.HEADER_GETTER));
        }
        try {
          events.addAll(EventCodec.decode(r.value()));
        } catch (IllegalArgumentException e) {
          LOG.warning("skipping record " + tp + "@" + r.offset() + ": " + e.getMessage());
        }
      }
      Span span = EventSpans.linked(tracer.spanBuilder("assay.events consume").setSpanKind(SpanKind.CONSUMER),
          producers).setAttribute(EventSpans.SYSTEM, "kafka").setAttribute(EventSpans.DESTINATION, topic)
          .setAttribute(EventSpans.RECORDS, (long) records.count())
          .setAttribute(EventSpans.BATCH_SIZE, (long) events.size()).startSpan();
      try (Scope ignored = span.makeCurrent()) {
        warehouse.append(events).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        span.recordException(e);
        span.setStatus(StatusCode.ERROR);
        if (e instanceof InterruptedException ie) {
          throw ie;
        }
        LOG.log(Level.WARNING, "writing " + events.size() + " events to the warehouse failed; retrying", e);
        first.forEach(consumer::seek);
        Thread.sleep(1_000);
        continue;
      } finally {
        span.end();
      }
      afterWrite.written(this, events.size());
      if (halted) {
        running = false;
        return committed;
      }
      consumer.commitSync(next);
      lastCommitMillis = System.currentTimeMillis();
      committed = true;
    }
    return committed;
  }

  private void updateLag() {
    long sum = 0;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) {
        sum += l.getAsLong();
      }
    }
    lag = sum;
  }

  private void closeClient() {
    try {
      consumer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "closing the Kafka consumer", e);
    }
  }

  /**
   * Stops at once, as a crash would: the batch just written is not committed. For tests that
   * check re-delivery; call it from {@link AfterWrite}.
   */
  void halt() {
    halted = true;
  }

  /**
   * Stops at once without leaving the group or closing the connection, as a killed process would:
   * the group reassigns this consumer's partitions only after its session times out. For tests;
   * call it from {@link AfterWrite}.
   */
  void crash() {
    crashed = true;
    halted = true;
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
    synchronized (pause) {
      pause.notifyAll();
    }
    consumer.wakeup();
    try {
      stopped.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (crashed) {
      closeClient(); // what the process's death would have released
    }
  }
}
