package dev.assay.server.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka mode of the event log (ADR 0008): {@link #append} produces the events to a topic with an
 * idempotent producer ({@code acks=all}) and completes only when the broker has acknowledged
 * every record; a {@link KafkaEventConsumer} in the server moves them into the warehouse. Reads
 * and deletions go to the warehouse. Records in flight are bounded by a byte budget: past it
 * {@link #append} fails at once with {@link EventStore.Overloaded}.
 *
 * <p>The acknowledgement cannot count duplicates (they are recognised when the warehouse writes
 * them), so {@link Stored#duplicates()} is always 0 here.
 */
public final class KafkaEventStore implements EventStore {
  private static final Logger LOG = Logger.getLogger(KafkaEventStore.class.getName());
  /** Target size of one record; a request's events are split into records of about this size. */
  static final int RECORD_BYTES = 256 * 1024;
  /** Bytes of records produced but not yet acknowledged, in KiB. */
  static final int IN_FLIGHT_KIB = 32 * 1024;

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final EventStore warehouse;
  private final Semaphore inFlight = new Semaphore(IN_FLIGHT_KIB);
  private volatile boolean closed;
  private volatile Tracer tracer = TracerProvider.noop().get("");

  private KafkaEventStore(KafkaProducer<byte[], byte[]> producer, String topic, EventStore warehouse) {
    this.producer = producer;
    this.topic = topic;
    this.warehouse = warehouse;
  }

  /**
   * Connects to the brokers, creates the topic if it does not exist (with the settings' partitions
   * and replication factor, else the broker's defaults), and returns the store.
   *
   * @param warehouse where the consumer writes, and what reads and deletions use
   * @param settings extra Kafka client properties (security, tuning) and the topic's layout
   */
  public static KafkaEventStore open(String bootstrapServers, String topic, EventStore warehouse,
      KafkaClientSettings settings) {
    Objects.requireNonNull(warehouse, "warehouse");
    ensureTopic(bootstrapServers, topic, settings);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(2L * IN_FLIGHT_KIB * 1024));
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 * 1024 * 1024));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "25000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "assay-events-producer");
    p.putAll(settings.producerProperties()); // the operator's properties win over the defaults above
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    return new KafkaEventStore(producer, topic, warehouse);
  }

  private static void ensureTopic(String bootstrapServers, String topic, KafkaClientSettings settings) {
    Properties p = new Properties();
    p.putAll(settings.common());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(topic, settings.partitions(), settings.replicationFactor())))
          .all().get(30, TimeUnit.SECONDS);
      LOG.info(() -> "created the Kafka topic '" + topic + "' (" + settings.partitions().map(n -> n + " partitions")
          .orElse("the broker's default partitions") + ")");
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create the Kafka topic '" + topic + "' at " + bootstrapServers + ": "
            + e.getCause().getMessage(), e);
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer in 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the Kafka topic", e);
    }
  }

  /**
   * Records a producer span for each append ({@code assay.events produce}, ADR 0041), ended when
   * the broker acknowledged every record, and writes its W3C trace context into each record's
   * headers so the consumer's span links back to it. Default: no spans. Returns this store.
   */
  public KafkaEventStore traced(Tracer spans) {
    this.tracer = Objects.requireNonNull(spans, "spans");
    return this;
  }

  /** The topic events are produced to. */
  public String topic() {
    return topic;
  }

  @Override
  public CompletableFuture<Stored> append(List<Event> events) {
    if (closed) {
      throw new Overloaded("the event log is shutting down", 5);
    }
    if (events.isEmpty()) {
      return CompletableFuture.completedFuture(new Stored(0, 0));
    }
    List<byte[]> records = EventCodec.encode(events, RECORD_BYTES);
    long bytes = 0;
    for (byte[] r : records) {
      bytes += r.length;
    }
    int permits = (int) Math.min(IN_FLIGHT_KIB, (bytes >> 10) + 1);
    if (!inFlight.tryAcquire(permits)) {
      throw new Overloaded("the Kafka producer is busy (" + (IN_FLIGHT_KIB >> 10) + " MiB waiting for the broker)", 1);
    }
    Span span = tracer.spanBuilder("assay.events produce").setSpanKind(SpanKind.PRODUCER)
        .setAttribute(EventSpans.SYSTEM, "kafka").setAttribute(EventSpans.DESTINATION, topic)
        .setAttribute(EventSpans.BATCH_SIZE, (long) events.size())
        .setAttribute(EventSpans.RECORDS, (long) records.size()).startSpan();
    /* The record headers carry the producer span, else (tracing off) a caller's context passed through. */
    Context traced = span.getSpanContext().isValid() ? Context.current().with(span) : Context.current();
    boolean propagate = Span.fromContext(traced).getSpanContext().isValid();
    CompletableFuture<Stored> done = new CompletableFuture<>();
    done.whenComplete((stored, error) -> {
      if (error != null) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    });
    int[] pending = {records.size()};
    List<Exception> failures = new ArrayList<>(1);
    int sent = 0;
    try {
      for (byte[] r : records) {
        RecordHeaders headers = new RecordHeaders();
        if (propagate) {
          W3CTraceContextPropagator.getInstance().inject(traced, headers, EventSpans.HEADER_SETTER);
        }
        producer.send(new ProducerRecord<byte[], byte[]>(topic, null, (byte[]) null, r, headers), (metadata, error) -> {
          boolean last;
          synchronized (pending) {
            if (error != null) {
              failures.add(error);
            }
            last = --pending[0] == 0;
          }
          if (last) {
            inFlight.release(permits);
            if (failures.isEmpty()) {
              done.complete(new Stored(events.size(), 0));
            } else {
              done.completeExceptionally(new IllegalStateException("the Kafka broker did not acknowledge: "
                  + failures.get(0).getMessage(), failures.get(0)));
            }
          }
        });
        sent++;
      }
    } catch (RuntimeException e) {
      // Records already handed to the producer complete through their callbacks; the rest never will.
      LOG.log(Level.WARNING, "producing events failed", e);
      boolean last;
      synchronized (pending) {
        failures.add(e);
        pending[0] -= records.size() - sent;
        last = pending[0] == 0;
      }
      if (last) {
        inFlight.release(permits);
      }
      done.completeExceptionally(e);
    }
    return done;
  }

  @Override
  public EventSummary summary(Scope scope, long fromMillis, long toMillis, int latest) {
    return warehouse.summary(scope, fromMillis, toMillis, latest);
  }

  @Override
  public List<Event> unitEvents(Scope scope, String unitId, int limit) {
    return warehouse.unitEvents(scope, unitId, limit);
  }

  @Override
  public long deleteUnit(Scope scope, String unitId) {
    return warehouse.deleteUnit(scope, unitId);
  }

  @Override
  public long deleteBefore(Scope scope, long cutoffMillis) {
    return warehouse.deleteBefore(scope, cutoffMillis);
  }

  @Override
  public long deleteNamedBefore(Scope scope, String name, long cutoffMillis) {
    return warehouse.deleteNamedBefore(scope, name, cutoffMillis);
  }

  /** Waits for records in flight (up to 30 s) and closes the producer; the warehouse stays open. */
  @Override
  public void close() {
    closed = true;
    producer.close(java.time.Duration.ofSeconds(30));
  }
}
