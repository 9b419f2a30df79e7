package dev.assay.server.events;

import java.util.Arrays;

/**
 * The 64-bit hashes of the most recently stored event ids: the de-duplication window. Two
 * generations of open-addressing tables of primitive longs, each kept at most half full (16 to 32
 * bytes per id, a miss ends after a probe or two). New hashes go into the current generation; when
 * it holds {@code window / 2} ids it becomes the previous one and the old previous one is
 * forgotten, so the set always remembers at least the last {@code window / 2} ids and at most the
 * last {@code window}, in bounded memory.
 *
 * <p>A miss means the id is not among the recent ones (new, or re-sent after the window); a hit
 * means "probably stored" and is confirmed against the tables by the caller, so a hash collision
 * never drops an event. Not thread-safe: owned by the event writer.
 */
final class EventIdSet {
  private static final long EMPTY = 0L;
  /** Ids per generation. */
  private final int generationIds;
  private final int maxSlots;
  private long[] current;
  private int currentSize;
  private long[] previous = new long[0];
  private int previousSize;

  /** A window of {@code window} ids (at least 2), with room for {@code expected} before growing. */
  EventIdSet(int window, int expected) {
    if (window < 2) {
      throw new IllegalArgumentException("window must hold at least 2 ids, was " + window);
    }
    this.generationIds = window / 2;
    this.maxSlots = slotsFor(generationIds);
    this.current = new long[Math.min(maxSlots, slotsFor(Math.max(expected, 1024)))];
  }

  /** A well-mixed 64-bit hash of an id (FNV-1a over its chars, then MurmurHash3's finalizer). */
  static long hash(String id) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < id.length(); i++) {
      h ^= id.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h == EMPTY ? 1 : h;
  }

  /** True if an id with this hash may be among the recent ones. */
  boolean mayContain(long hash) {
    return contains(current, hash) || (previousSize > 0 && contains(previous, hash));
  }

  /** Records a stored id's hash. */
  void add(long hash) {
    if (currentSize >= generationIds) {
      rotate();
    } else if ((currentSize + 1) * 2L > current.length && current.length < maxSlots) {
      current = rehash(current, current.length * 2);
    }
    if (insert(current, hash)) {
      currentSize++;
    }
  }

  /** Ids remembered (both generations). */
  int size() {
    return currentSize + previousSize;
  }

  /** Bytes held by the tables. */
  long bytes() {
    return 8L * (current.length + previous.length);
  }

  private void rotate() {
    long[] recycled = previous.length == maxSlots ? previous : new long[maxSlots];
    Arrays.fill(recycled, EMPTY);
    previous = current;
    previousSize = currentSize;
    current = recycled;
    currentSize = 0;
  }

  private static boolean contains(long[] table, long hash) {
    int mask = table.length - 1;
    for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
      long s = table[i];
      if (s == hash) {
        return true;
      }
      if (s == EMPTY) {
        return false;
      }
    }
  }

  private static boolean insert(long[] table, long hash) {
    int mask = table.length - 1;
    for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
      long s = table[i];
      if (s == hash) {
        return false;
      }
      if (s == EMPTY) {
        table[i] = hash;
        return true;
      }
    }
  }

  private static long[] rehash(long[] table, int slots) {
    long[] bigger = new long[slots];
    for (long s : table) {
      if (s != EMPTY) {
        insert(bigger, s);
      }
    }
    return bigger;
  }

  /* A power of two at least twice the ids (so the table stays at most half full). */
  private static int slotsFor(int ids) {
    int c = Integer.highestOneBit(Math.max(ids, 8) * 2 - 1) << 1;
    return Math.max(c, 16);
  }
}
