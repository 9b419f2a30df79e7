package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The lower-case JSON name of a model enum constant ({@code BENJAMINI_HOCHBERG} is written
 * {@code benjamini_hochberg}), and the one way such a name is read back: an unknown name is a
 * field error listing the allowed ones.
 */
final class WireName {
  private WireName() {}

  static String of(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT);
  }

  static List<String> all(Enum<?>[] constants) {
    return Arrays.stream(constants).map(WireName::of).toList();
  }

  /* The field is named by the JSON path where Jackson met the value (DomainException#within). */
  static <E extends Enum<E>> E parse(E[] constants, String text) {
    for (E e : constants) {
      if (of(e).equals(text)) {
        return e;
      }
    }
    throw DomainException.invalid("", "must be one of " + all(constants) + ", was '" + text + "'");
  }
}
