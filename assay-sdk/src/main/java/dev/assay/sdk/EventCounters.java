package dev.assay.sdk;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link EventLogger.Stats}: written by producers (drops before queuing) and by
 * the sender thread (outcomes), read by anyone. Every event lands in exactly one of them, or is
 * still pending in the queue.
 */
final class EventCounters {
  final LongAdder delivered = new LongAdder();
  final LongAdder duplicates = new LongAdder();
  final LongAdder droppedQueueFull = new LongAdder();
  final LongAdder droppedInvalid = new LongAdder();
  final LongAdder droppedClosed = new LongAdder();
  final LongAdder rejectedByServer = new LongAdder();
  final LongAdder droppedUndeliverable = new LongAdder();
  final LongAdder batches = new LongAdder();
  final LongAdder retries = new LongAdder();

  EventLogger.Stats snapshot(EventQueue<?> queue) {
    return new EventLogger.Stats(queue.offered(), delivered.sum(), duplicates.sum(), batches.sum(), retries.sum(),
        droppedQueueFull.sum(), droppedInvalid.sum(), droppedClosed.sum(), rejectedByServer.sum(),
        droppedUndeliverable.sum(), queue.size());
  }
}
