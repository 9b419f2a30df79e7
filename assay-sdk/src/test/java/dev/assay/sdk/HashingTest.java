package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The allocation-free pieces of {@link Hashing} against the plain string formulas they replace:
 * GrowthBook's v2 is {@code fnv(String(fnv(seed + value))) % 10000 / 10000} and v1 is
 * {@code fnv(value + seed) % 1000 / 1000}.
 */
class HashingTest {

  private static final int OFFSET_BASIS = 0x811c9dc5;

  @ParameterizedTest(name = "{0}")
  @ValueSource(longs = {0, 1, 9, 10, 11, 99, 100, 999, 1_000, 9_999, 10_000, 99_999, 100_000, 100_001,
      109_999, 999_999, 1_000_000, 1_000_009, 9_999_999, 10_000_000, 99_999_999, 100_000_000, 999_999_999,
      1_000_000_000, 1_000_050_000, 4_294_900_000L, 4_294_967_295L})
  void fnvDecimal_edgeValues_equalsHashOfDecimalString(long v) {
    assertThat(Hashing.fnvDecimal(OFFSET_BASIS, v)).isEqualTo(Hashing.fnv(OFFSET_BASIS, Long.toString(v)));
  }

  @Test
  void fnvDecimal_randomValuesOfEveryLength_equalsHashOfDecimalString() {
    SplittableRandom rnd = new SplittableRandom(20261123);
    for (int i = 0; i < 200_000; i++) {
      int digits = 1 + rnd.nextInt(10);
      long bound = digits == 10 ? 1L << 32 : (long) Math.pow(10, digits);
      long v = rnd.nextLong(bound);
      int h = rnd.nextInt();
      assertThat(Hashing.fnvDecimal(h, v)).as("v=%d", v).isEqualTo(Hashing.fnv(h, Long.toString(v)));
    }
  }

  @Test
  void hashV2FromSeedState_equalsStringFormula() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      String seed = "seed-" + Integer.toHexString(rnd.nextInt());
      String value = "user-" + rnd.nextLong();
      long inner = Integer.toUnsignedLong(Hashing.fnv(OFFSET_BASIS, seed + value));
      double expected = (Integer.toUnsignedLong(Hashing.fnv(OFFSET_BASIS, Long.toString(inner))) % 10000) / 10000.0;

      assertThat(Hashing.hash(seed, value, 2)).isEqualTo(expected);
      assertThat(Hashing.hashV2(Hashing.seedState(seed), value)).isEqualTo(expected);
    }
  }

  @Test
  void hashV1WithSplitSeed_equalsStringFormula() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int i = 0; i < 20_000; i++) {
      String ns = "ns-" + rnd.nextInt(1000);
      String value = "user-" + rnd.nextLong();
      double expected = (Integer.toUnsignedLong(Hashing.fnv(OFFSET_BASIS, value + "__" + ns)) % 1000) / 1000.0;

      assertThat(Hashing.hash("__" + ns, value, 1)).isEqualTo(expected);
      assertThat(Hashing.hashV1(value, "__", ns)).isEqualTo(expected);
    }
  }

  @Test
  void hash_unknownVersion_isNaN() {
    assertThat(Hashing.hash("s", "v", 3)).isNaN();
    assertThat(Hashing.hash("s", "v", 0)).isNaN();
  }
}
