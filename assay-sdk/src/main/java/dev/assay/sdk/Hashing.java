package dev.assay.sdk;

/**
 * GrowthBook's deterministic hashing: FNV-1a 32-bit over UTF-16 code units, as the JavaScript
 * reference computes it with {@code charCodeAt}. Hashing code units rather than UTF-8 bytes is what
 * puts a non-ASCII id ("José", "用户") in the same bucket here as in a browser SDK.
 *
 * <p>Version 1: {@code fnv(value + seed) % 1000 / 1000}. Version 2:
 * {@code fnv(String(fnv(seed + value))) % 10000 / 10000}, which spreads better for sequential ids.
 * Neither builds the concatenated string: the hash runs over both parts in turn.
 */
final class Hashing {

  private static final int OFFSET_BASIS = 0x811c9dc5;
  private static final int PRIME = 0x01000193;

  private Hashing() {}

  /** The hash of {@code value} under {@code seed} in [0, 1), or NaN for an unknown version. */
  static double hash(String seed, String value, int version) {
    if (version == 2) {
      long inner = Integer.toUnsignedLong(fnv(fnv(OFFSET_BASIS, seed), value));
      return (Integer.toUnsignedLong(fnvDecimal(OFFSET_BASIS, inner)) % 10000) / 10000.0;
    }
    if (version == 1) {
      return (Integer.toUnsignedLong(fnv(fnv(OFFSET_BASIS, value), seed)) % 1000) / 1000.0;
    }
    return Double.NaN;
  }

  /** Continues an FNV-1a hash over the UTF-16 code units of {@code s}. */
  static int fnv(int h, String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      h ^= s.charAt(i);
      h *= PRIME;
    }
    return h;
  }

  /** Continues an FNV-1a hash over the decimal digits of a non-negative number. */
  private static int fnvDecimal(int h, long v) {
    long div = 1;
    while (div * 10 <= v) {
      div *= 10;
    }
    for (; div > 0; div /= 10) {
      h ^= '0' + (int) ((v / div) % 10);
      h *= PRIME;
    }
    return h;
  }
}
