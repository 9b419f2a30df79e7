package dev.assay.server.events;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/*
 * The ids seen so far in one group of the DuckDB writer, by hash (a primitive open-addressing
 * table reused across groups, cheaper than a HashSet of strings); an equal hash is confirmed by
 * comparing the ids. Only the writer thread uses it.
 */
final class GroupIds {
  private long[] slots = new long[0];
  private String[] owners = new String[0];
  private Set<String> collided;

  GroupIds reset(int ids) {
    int size = Integer.highestOneBit(Math.max(ids, 8) * 4 - 1);
    if (slots.length < size || slots.length > 4 * size) {
      slots = new long[size];
      owners = new String[size];
    } else {
      Arrays.fill(slots, 0L);
      Arrays.fill(owners, null);
    }
    collided = null;
    return this;
  }

  /* True if this id was seen before in the group; records it otherwise (hash is never 0). */
  boolean seen(long hash, String id) {
    int mask = slots.length - 1;
    for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
      if (slots[i] == 0L) {
        slots[i] = hash;
        owners[i] = id;
        return false;
      }
      if (slots[i] == hash) {
        if (owners[i].equals(id)) {
          return true;
        }
        // Two ids with one hash: those that are not the slot's owner are checked exactly.
        if (collided == null) {
          collided = new HashSet<>();
        }
        return !collided.add(id);
      }
    }
  }
}
