package dev.assay.server.events;

/**
 * The 64-bit hashes of the stored event ids, in an open-addressing table of primitive longs (16 to
 * 32 bytes per stored event: the table is kept at most half full, so a miss ends after a probe or
 * two). A miss proves an id is new; a hit means "probably stored" and is
 * confirmed against the tables by the caller, so a hash collision never drops an event. Not
 * thread-safe: owned by the event writer.
 */
final class EventIdSet {
  private static final long EMPTY = 0L;
  private long[] slots;
  private int size;

  EventIdSet(int expected) {
    slots = new long[capacityFor(Math.max(expected, 1024))];
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

  /** True if an id with this hash may be stored. */
  boolean mayContain(long hash) {
    int mask = slots.length - 1;
    for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
      long s = slots[i];
      if (s == hash) {
        return true;
      }
      if (s == EMPTY) {
        return false;
      }
    }
  }

  /** Records a stored id's hash. */
  void add(long hash) {
    if ((size + 1) * 2L > slots.length) {
      grow();
    }
    if (insert(slots, hash)) {
      size++;
    }
  }

  int size() {
    return size;
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

  private void grow() {
    long[] bigger = new long[slots.length * 2];
    for (long s : slots) {
      if (s != EMPTY) {
        insert(bigger, s);
      }
    }
    slots = bigger;
  }

  private static int capacityFor(int expected) {
    int c = Integer.highestOneBit(expected * 4 - 1) << 1;
    return Math.max(c, 16);
  }
}
