package dev.assay.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.testsupport.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kafka mode against a real in-process KRaft broker: produce, consume into the warehouse, crash
 * recovery. Runs against each warehouse the consumer can write to.
 */
abstract class KafkaEventPipelineContract {
  private static final long T = 1_780_000_000_000L;
  private final String topic = "events-" + UUID.randomUUID();
  private final EventStore warehouse;
  private final List<AutoCloseable> open = new ArrayList<>();

  KafkaEventPipelineContract() throws Exception {
    warehouse = openWarehouse();
  }

  /** A fresh, empty warehouse. */
  abstract EventStore openWarehouse() throws Exception;

  /** Drops what {@link #openWarehouse} created. */
  abstract void dropWarehouse(EventStore warehouse) throws Exception;

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    dropWarehouse(warehouse);
  }

  private static List<Event> batch(int b) {
    List<Event> out = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String unit = "u" + b;
      out.add(i % 2 == 0
          ? new Event(b + "-" + i, Event.Type.EXPOSURE, T + i, unit, "id", "exp", i % 3, null, null, "{\"c\":\"NL\"}")
          : new Event(b + "-" + i, Event.Type.METRIC, T + i, unit, null, null, -1, "buy", i % 7 == 0 ? null : i * 1.5, "{}"));
    }
    return out;
  }

  private long stored() {
    EventSummary s = warehouse.summary(EventStore.Scope.ALL, 0, Long.MAX_VALUE, 0);
    return s.exposures() + s.metricEvents();
  }

  private void awaitStored(long expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (stored() < expected && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(stored()).isEqualTo(expected);
  }

  private KafkaEventStore producer() {
    KafkaEventStore p = KafkaEventStore.open(TestKafka.bootstrapServers(), topic, warehouse, KafkaClientSettings.DEFAULT);
    open.add(p);
    return p;
  }

  @Test
  void append_acknowledgedByTheBroker_consumedIntoTheWarehouseOnce() throws Exception {
    KafkaEventStore kafka = producer();
    List<CompletableFuture<EventStore.Stored>> acks = new ArrayList<>();
    for (int b = 0; b < 20; b++) {
      acks.add(kafka.append(batch(b)));
    }
    acks.add(kafka.append(batch(3))); // a client retry: produced again, stored once
    for (CompletableFuture<EventStore.Stored> ack : acks) {
      assertThat(ack.get().accepted()).isEqualTo(100);
    }
    open.add(KafkaEventConsumer.start(TestKafka.bootstrapServers(), topic, warehouse, KafkaClientSettings.DEFAULT));

    awaitStored(2_000);
    List<Event> unit = kafka.unitEvents(EventStore.Scope.ALL, "u3", 1000);
    assertThat(unit).hasSize(100);
    assertThat(unit).filteredOn(e -> e.id().equals("3-1")).singleElement()
        .satisfies(e -> assertThat(e.value()).isEqualTo(1.5));
    assertThat(unit).filteredOn(e -> e.id().equals("3-0")).singleElement()
        .satisfies(e -> assertThat(e.json()).isEqualTo("{\"c\":\"NL\"}"));
    assertThat(kafka.summary(EventStore.Scope.ALL, 0, Long.MAX_VALUE, 5).byExperiment()).hasSize(3);
    assertThat(kafka.summary(EventStore.Scope.ALL, 0, Long.MAX_VALUE, 5).latest()).hasSize(5);
    assertThat(kafka.deleteUnit(EventStore.Scope.ALL, "u3")).isEqualTo(100);
    assertThat(kafka.deleteBefore(EventStore.Scope.ALL, T + 50)).isEqualTo(19 * 50);
    assertThat(stored()).isEqualTo(19 * 50);
  }

  @Test
  void eventsOfTwoProjects_keepTheirProjectAndEnvironment_scopedReadsAndDeletions() throws Exception {
    KafkaEventStore kafka = producer();
    List<Event> events = new ArrayList<>();
    for (String project : List.of("a", "b")) {
      events.add(new Event(project + "-x", Event.Type.EXPOSURE, T, "u", "id", "exp", 0, null, null, "{}", project, "prod"));
      events.add(new Event(project + "-m", Event.Type.METRIC, T - 10, "u", null, null, -1, "buy", 2.0, "{}", project, null));
    }
    kafka.append(events).get();
    open.add(KafkaEventConsumer.start(TestKafka.bootstrapServers(), topic, warehouse, KafkaClientSettings.DEFAULT));

    awaitStored(4);
    assertThat(kafka.unitEvents(EventStore.Scope.project("a"), "u", 10)).containsExactly(events.get(1), events.get(0));
    assertThat(kafka.summary(EventStore.Scope.project("b"), 0, Long.MAX_VALUE, 10).latest())
        .extracting(Event::id).containsExactly("b-x", "b-m");
    assertThat(kafka.deleteBefore(EventStore.Scope.project("a"), T)).isEqualTo(1);
    assertThat(kafka.deleteUnit(EventStore.Scope.project("b"), "u")).isEqualTo(2);
    assertThat(kafka.unitEvents(EventStore.Scope.ALL, "u", 10)).containsExactly(events.get(0));
  }

  @Test
  void consumerStoppedAfterWriteBeforeCommit_recordsRedelivered_eachEventStoredOnce() throws Exception {
    KafkaEventStore kafka = producer();
    for (int b = 0; b < 10; b++) {
      kafka.append(batch(b)).get();
    }
    // First consumer: writes batches to the warehouse and dies right after a write, before its commit.
    AtomicInteger firstWrites = new AtomicInteger();
    KafkaEventConsumer first = KafkaEventConsumer.start(TestKafka.bootstrapServers(), topic, warehouse, KafkaClientSettings.DEFAULT,
        (c, events) -> {
          if (events > 0 && firstWrites.incrementAndGet() == 1) {
            c.halt();
          }
        });
    assertThat(first.awaitStopped(Duration.ofSeconds(60))).isTrue();
    long afterCrash = stored();
    assertThat(afterCrash).as("the crashed batch reached the warehouse").isPositive();
    for (int b = 10; b < 20; b++) {
      kafka.append(batch(b)).get();
    }

    AtomicInteger redelivered = new AtomicInteger();
    open.add(KafkaEventConsumer.start(TestKafka.bootstrapServers(), topic, warehouse, KafkaClientSettings.DEFAULT,
        (c, events) -> redelivered.addAndGet(events)));

    awaitStored(2_000);
    TestKafka.awaitConsumed(topic, KafkaEventConsumer.GROUP, Duration.ofSeconds(60));
    assertThat(stored()).as("every record consumed: nothing stored twice").isEqualTo(2_000);
    // Nothing was committed, so the second consumer read everything again, the crashed batch included.
    assertThat(redelivered.get()).isEqualTo(2_000);
    Set<String> ids = new HashSet<>();
    for (int b = 0; b < 20; b++) {
      warehouse.unitEvents(EventStore.Scope.ALL, "u" + b, 1000).forEach(e -> assertThat(ids.add(e.id())).as(e.id()).isTrue());
    }
    assertThat(ids).hasSize(2_000);
  }

  @Test
  void consumerFailsAfterAWrite_restartsWithANewClient_everyEventStoredOnce() throws Exception {
    KafkaEventStore kafka = producer();
    for (int b = 0; b < 10; b++) {
      kafka.append(batch(b)).get();
    }
    // The first batch is written, then the consumer fails as a commit refused in a rebalance does.
    AtomicInteger writes = new AtomicInteger();
    KafkaEventConsumer consumer = KafkaEventConsumer.start(TestKafka.bootstrapServers(), topic, warehouse, KafkaClientSettings.DEFAULT,
        (c, events) -> {
          if (events > 0 && writes.incrementAndGet() == 1) {
            throw new org.apache.kafka.clients.consumer.CommitFailedException();
          }
        });
    open.add(consumer);

    awaitStored(1_000);
    TestKafka.awaitConsumed(topic, KafkaEventConsumer.GROUP, Duration.ofSeconds(60));
    assertThat(stored()).as("the batch written before the failure is stored once").isEqualTo(1_000);
    KafkaEventConsumer.Status status = consumer.status();
    assertThat(status.restarts()).isEqualTo(1);
    assertThat(status.state()).isEqualTo(KafkaEventConsumer.State.RUNNING);
    assertThat(status.lastCommitMillis()).isPositive();
    assertThat(writes.get()).as("the failed batch was read again by the new client").isGreaterThan(1);
    consumer.close();
    assertThat(consumer.status().state()).isEqualTo(KafkaEventConsumer.State.STOPPED);
  }

  @Test
  void twoReplicasShareAThreePartitionTopic_oneKilledMidStream_everyAcknowledgedEventStoredOnce() throws Exception {
    String shared = "replicas-" + UUID.randomUUID();
    String group = "group-" + UUID.randomUUID();
    // Small producer batches spread records over the partitions; a short session lets the group
    // notice the killed replica in seconds (the broker's minimum session timeout is 6 s).
    KafkaClientSettings settings = KafkaClientSettings.DEFAULT.with(new KafkaClientSettings(Map.of(),
            Map.of("batch.size", "4096", "linger.ms", "0"),
            Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1000", "max.poll.interval.ms", "6000",
                "max.poll.records", "20"),
            KafkaEventConsumer.GROUP, java.util.Optional.empty(), java.util.Optional.empty()))
        .withGroupId(group).withTopicLayout(java.util.Optional.of(3), java.util.Optional.empty());
    KafkaEventStore kafka = KafkaEventStore.open(TestKafka.bootstrapServers(), shared, warehouse, settings);
    open.add(kafka);
    AtomicInteger writesOfA = new AtomicInteger();
    KafkaEventConsumer a = KafkaEventConsumer.start(TestKafka.bootstrapServers(), shared, warehouse, settings,
        (c, events) -> {
          if (events > 0 && writesOfA.incrementAndGet() == 3) {
            c.crash(); // killed after a write, before its commit, without leaving the group
          }
        });
    KafkaEventConsumer b = KafkaEventConsumer.start(TestKafka.bootstrapServers(), shared, warehouse, settings);
    open.add(a);
    open.add(b);

    long acknowledged = 0;
    for (int n = 0; n < 60; n++) {
      acknowledged += kafka.append(batch(n)).get().accepted();
    }

    awaitStored(acknowledged);
    TestKafka.awaitConsumed(shared, group, Duration.ofSeconds(90));
    assertThat(acknowledged).isEqualTo(6_000);
    assertThat(stored()).as("every acknowledged event stored exactly once").isEqualTo(6_000);
    Set<String> ids = new HashSet<>();
    for (int n = 0; n < 60; n++) {
      warehouse.unitEvents(EventStore.Scope.ALL, "u" + n, 1000).forEach(e -> assertThat(ids.add(e.id())).as(e.id()).isTrue());
    }
    assertThat(ids).hasSize(6_000);
    assertThat(writesOfA.get()).as("replica A wrote before it was killed").isEqualTo(3);
    assertThat(a.status().state()).isEqualTo(KafkaEventConsumer.State.STOPPED);
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        Map.of("bootstrap.servers", TestKafka.bootstrapServers()))) {
      var partitions = admin.describeTopics(List.of(shared)).allTopicNames().get().get(shared).partitions();
      assertThat(partitions).as("the topic was created with the configured partitions").hasSize(3);
      var ends = admin.listOffsets(partitions.stream().collect(java.util.stream.Collectors.toMap(
          p -> new org.apache.kafka.common.TopicPartition(shared, p.partition()),
          p -> org.apache.kafka.clients.admin.OffsetSpec.latest()))).all().get();
      assertThat(ends.values()).as("records went to every partition").allSatisfy(o -> assertThat(o.offset()).isPositive());
    }
  }

  @Test
  void recordNotInTheEventFormat_skipped_theRestStored() throws Exception {
    KafkaEventStore kafka = producer();
    kafka.append(batch(0)).get();
    java.util.Properties p = new java.util.Properties();
    p.put("bootstrap.servers", TestKafka.bootstrapServers());
    try (var raw = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(p,
        new org.apache.kafka.common.serialization.ByteArraySerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "not events".getBytes())).get();
    }
    kafka.append(batch(1)).get();
    open.add(KafkaEventConsumer.start(TestKafka.bootstrapServers(), topic, warehouse, KafkaClientSettings.DEFAULT));

    awaitStored(200);
  }
}
