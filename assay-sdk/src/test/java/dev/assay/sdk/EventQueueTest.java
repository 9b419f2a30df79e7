package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link EventQueue}: bounded, first in first out, nothing lost or doubled under concurrency. */
class EventQueueTest {

  @Test
  void offer_beyondCapacity_fails_untilTheConsumerFreesASlot() {
    EventQueue<String> q = new EventQueue<>(3);
    assertThat(q.offer("a")).isEqualTo(0);
    assertThat(q.offer("b")).isEqualTo(1);
    assertThat(q.offer("c")).isEqualTo(2);
    assertThat(q.offer("d")).isEqualTo(-1);
    assertThat(q.size()).isEqualTo(3);

    assertThat(q.poll()).isEqualTo("a");
    assertThat(q.offer("e")).isEqualTo(3);
    assertThat(q.offer("f")).isEqualTo(-1);

    assertThat(q.poll()).isEqualTo("b");
    assertThat(q.poll()).isEqualTo("c");
    assertThat(q.poll()).isEqualTo("e");
    assertThat(q.poll()).isNull();
    assertThat(q.size()).isZero();
    assertThat(q.offered()).isEqualTo(4);
    assertThat(q.polled()).isEqualTo(4);
  }

  @Test
  void manyLaps_capacityNotAPowerOfTwo_keepOrder() {
    EventQueue<Integer> q = new EventQueue<>(7);
    int next = 0;
    int expected = 0;
    for (int lap = 0; lap < 1000; lap++) {
      for (int i = 0; i < 5; i++) {
        assertThat(q.offer(next++)).isGreaterThanOrEqualTo(0);
      }
      for (int i = 0; i < 5; i++) {
        assertThat(q.poll()).isEqualTo(expected++);
      }
    }
    assertThat(q.poll()).isNull();
  }

  @Test
  void concurrentProducers_oneConsumer_everyAcceptedElementTakenOnceInProducerOrder() throws Exception {
    int producers = 4;
    int perProducer = 200_000;
    EventQueue<long[]> q = new EventQueue<>(1000);
    AtomicLong rejected = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    List<List<Integer>> accepted = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int producer = p;
      List<Integer> mine = new ArrayList<>();
      accepted.add(mine);
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perProducer; i++) {
          if (q.offer(new long[] {producer, i}) >= 0) {
            mine.add(i);
          } else {
            rejected.incrementAndGet();
          }
        }
      });
      t.start();
      threads.add(t);
    }
    List<List<Integer>> taken = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      taken.add(new ArrayList<>());
    }
    AtomicBoolean producing = new AtomicBoolean(true);
    Thread consumer = new Thread(() -> {
      while (true) {
        long[] e = q.poll();
        if (e != null) {
          taken.get((int) e[0]).add((int) e[1]);
        } else if (!producing.get() && q.size() == 0) {
          return;
        } else {
          Thread.onSpinWait();
        }
      }
    });
    consumer.start();
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    producing.set(false);
    consumer.join();

    long acceptedTotal = accepted.stream().mapToLong(List::size).sum();
    assertThat(acceptedTotal + rejected.get()).isEqualTo((long) producers * perProducer);
    assertThat(q.offered()).isEqualTo(acceptedTotal);
    for (int p = 0; p < producers; p++) {
      assertThat(taken.get(p)).as("producer " + p).isEqualTo(accepted.get(p));
    }
  }
}
