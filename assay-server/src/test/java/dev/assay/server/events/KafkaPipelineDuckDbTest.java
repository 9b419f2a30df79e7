package dev.assay.server.events;

import java.nio.file.Files;

/** The Kafka pipeline into the embedded DuckDB warehouse. */
class KafkaPipelineDuckDbTest extends KafkaEventPipelineContract {
  KafkaPipelineDuckDbTest() throws Exception {
    super();
  }

  @Override
  EventStore openWarehouse() throws Exception {
    return DuckDbEventStore.open(Files.createTempDirectory("assay-kafka-"));
  }

  @Override
  void dropWarehouse(EventStore warehouse) {
    warehouse.close();
  }
}
