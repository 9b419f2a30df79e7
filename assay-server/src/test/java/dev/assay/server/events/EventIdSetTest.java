package dev.assay.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The de-duplication window: what it remembers, what it forgets, and the memory it keeps. */
class EventIdSetTest {

  private static long h(int i) {
    return EventIdSet.hash("event-" + i);
  }

  @Test
  void remembersAtLeastTheLastHalfWindow_andForgetsOlderIds() {
    EventIdSet set = new EventIdSet(1_000, 10);
    for (int i = 0; i < 10_000; i++) {
      set.add(h(i));
    }
    // The last 500 are always remembered, whatever the generation boundaries.
    for (int i = 9_500; i < 10_000; i++) {
      assertThat(set.mayContain(h(i))).as("id %d", i).isTrue();
    }
    // Nothing older than the last 1,000 is: memory does not grow with what was stored.
    for (int i = 0; i < 9_000; i++) {
      assertThat(set.mayContain(h(i))).as("id %d", i).isFalse();
    }
    assertThat(set.size()).isBetween(500, 1_000);
  }

  @Test
  void memoryIsBoundedByTheWindow_notByTheIdsStored() {
    EventIdSet set = new EventIdSet(4_096, 1);
    long most = 0;
    for (int i = 0; i < 200_000; i++) {
      set.add(h(i));
      most = Math.max(most, set.bytes());
    }
    // Two generations of 2,048 ids, each at most half full: 2 x 4,096 slots of 8 bytes.
    assertThat(most).isEqualTo(2L * 4_096 * 8);
  }

  @Test
  void growsWithinAGeneration_withoutLosingIds() {
    EventIdSet set = new EventIdSet(1 << 20, 16);
    for (int i = 0; i < 100_000; i++) {
      set.add(h(i));
    }
    assertThat(set.size()).isEqualTo(100_000);
    for (int i = 0; i < 100_000; i++) {
      assertThat(set.mayContain(h(i))).isTrue();
    }
    assertThat(set.mayContain(EventIdSet.hash("never-added"))).isFalse();
  }

  @Test
  void sameIdTwice_countedOnce() {
    EventIdSet set = new EventIdSet(100, 10);
    set.add(h(1));
    set.add(h(1));
    assertThat(set.size()).isEqualTo(1);
  }

  @Test
  void windowBelowTwo_isRefused() {
    assertThatThrownBy(() -> new EventIdSet(1, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 2");
  }
}
