package dev.assay.cli;

import java.math.BigDecimal;
import java.math.MathContext;

/** Numbers as a person would write them: no binary float noise (0.105, not 0.10500000000000001). */
final class Numbers {

  private static final MathContext DIGITS = new MathContext(10);

  private Numbers() {}

  /** {@code x} rounded to 10 significant digits, without trailing zeros or exponent. */
  static String plain(double x) {
    if (!Double.isFinite(x)) {
      return String.valueOf(x);
    }
    if (x == 0) {
      return "0";
    }
    return new BigDecimal(x).round(DIGITS).stripTrailingZeros().toPlainString();
  }
}
