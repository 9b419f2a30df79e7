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

  /** The FNV state after hashing {@code seed}: precompute it once per rule for {@link #hashV2}. */
  static int seedState(String seed) {
    return fnv(OFFSET_BASIS, seed);
  }

  /** Version 2 from a precomputed {@link #seedState}: the same value as {@code hash(seed, value, 2)}. */
  static double hashV2(int seedState, String value) {
    long inner = Integer.toUnsignedLong(fnv(seedState, value));
    return (Integer.toUnsignedLong(fnvDecimal(OFFSET_BASIS, inner)) % 10000) / 10000.0;
  }

  /** Version 1 with a seed given in two parts, {@code seedHead + seedTail}, without concatenating. */
  static double hashV1(String value, String seedHead, String seedTail) {
    return (Integer.toUnsignedLong(fnv(fnv(fnv(OFFSET_BASIS, value), seedHead), seedTail)) % 1000) / 1000.0;
  }

  /** Continues an FNV-1a hash over the UTF-16 code units of {@code s}. */
  static int fnv(int h, String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      h ^= s.charAt(i);
      h *= PRIME;
    }
    return h;
  }

  /**
   * Continues an FNV-1a hash over the decimal digits of a number in [0, 2³²), without building
   * the string. The number is split once into a high part (at most 5 digits) and a low part of
   * exactly 5 digits; every digit is then a division by a constant (a multiply after JIT) that does
   * not depend on the previous one, so the digits are computed in parallel and only the FNV chain
   * itself is sequential.
   */
  static int fnvDecimal(int h, long v) {
    int hi = (int) (v / 100_000);
    int lo = (int) (v - hi * 100_000L);
    if (hi == 0) {
      return fnvDigits(h, lo, digitCount(lo));
    }
    return fnvDigits(fnvDigits(h, hi, digitCount(hi)), lo, 5);
  }

  /** The number of decimal digits of {@code x} in [0, 100000); 1 for 0. */
  private static int digitCount(int x) {
    return x >= 10_000 ? 5 : x >= 1_000 ? 4 : x >= 100 ? 3 : x >= 10 ? 2 : 1;
  }

  /** Hashes the last {@code n} (1 to 5) decimal digits of {@code x}, zero-padded, high digit first. */
  private static int fnvDigits(int h, int x, int n) {
    switch (n) {
      case 5:
        h = (h ^ ('0' + x / 10_000 % 10)) * PRIME;
        // fall through
      case 4:
        h = (h ^ ('0' + x / 1_000 % 10)) * PRIME;
        // fall through
      case 3:
        h = (h ^ ('0' + x / 100 % 10)) * PRIME;
        // fall through
      case 2:
        h = (h ^ ('0' + x / 10 % 10)) * PRIME;
        // fall through
      default:
        return (h ^ ('0' + x % 10)) * PRIME;
    }
  }
}
