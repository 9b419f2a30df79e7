package dev.assay.sdk;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * A bounded, lock-free queue for many producers and one consumer, on a preallocated ring: an
 * offer is one compare-and-set on the tail and two stores, allocates nothing, and fails at once
 * when the ring is full. The SDK takes no dependency for it (JCTools' {@code MpscArrayQueue} is
 * the well-known equivalent); {@link java.util.concurrent.ArrayBlockingQueue} takes a lock and
 * {@link java.util.concurrent.ConcurrentLinkedQueue} allocates a node per element and is unbounded.
 *
 * <p>The algorithm is Dmitry Vyukov's bounded MPMC queue ("Bounded MPMC queue", 1024cores.net,
 * 2010), with the consumer side simplified for a single consumer: each slot carries a sequence
 * number; a producer may fill slot {@code pos % capacity} when its sequence equals {@code pos},
 * and publishes it by setting the sequence to {@code pos + 1}; the consumer frees it for the next
 * lap by setting the sequence to {@code pos + capacity}.
 *
 * <p>{@link #offer} may be called from any thread; {@link #poll} only from one thread at a time.
 */
final class EventQueue<E> {
  private final int capacity;
  private final AtomicReferenceArray<@Nullable E> slots;
  private final AtomicLongArray sequences;
  private final AtomicLong tail = new AtomicLong();
  /** The consumer's position; written by the consumer only, read by anyone for {@link #size}. */
  private final AtomicLong head = new AtomicLong();

  EventQueue(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
    this.slots = new AtomicReferenceArray<>(capacity);
    this.sequences = new AtomicLongArray(capacity);
    for (int i = 0; i < capacity; i++) {
      sequences.set(i, i);
    }
  }

  /**
   * Adds an element unless the queue is full; never blocks.
   *
   * @return the element's position (0, 1, 2… over the queue's life), or -1 if the queue was full
   */
  long offer(E element) {
    long pos = tail.get();
    while (true) {
      int index = (int) (pos % capacity);
      long diff = sequences.getAcquire(index) - pos;
      if (diff == 0) {
        if (tail.compareAndSet(pos, pos + 1)) {
          slots.setPlain(index, element);
          sequences.setRelease(index, pos + 1); // publishes the element
          return pos;
        }
        pos = tail.get();
      } else if (diff < 0) {
        return -1; // the slot still holds the element of the previous lap: full
      } else {
        pos = tail.get(); // another producer took this position
      }
    }
  }

  /** Takes the oldest published element, or null if there is none yet. Single consumer only. */
  @Nullable E poll() {
    long pos = head.getPlain();
    int index = (int) (pos % capacity);
    if (sequences.getAcquire(index) != pos + 1) {
      return null; // empty, or the producer of this position has not published yet
    }
    E element = slots.getPlain(index);
    slots.setPlain(index, null);
    sequences.setRelease(index, pos + capacity);
    head.setRelease(pos + 1);
    return element;
  }

  /** Elements offered and not yet polled (including any being published right now). */
  int size() {
    long h = head.getAcquire();
    return (int) Math.max(0, Math.min(capacity, tail.get() - h));
  }

  /** Elements offered so far. */
  long offered() {
    return tail.get();
  }

  /** Elements polled so far. */
  long polled() {
    return head.getAcquire();
  }

  int capacity() {
    return capacity;
  }
}
