package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Field checks shared by the model records; each failure names the field. Inputs may be null
 * (an absent JSON field); outputs never are.
 */
final class Check {
  static final int NAME_MAX = 200;
  static final int TEXT_MAX = 20_000;
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private Check() {}

  static <T> T required(String field, @Nullable T value) {
    if (value == null) {
      throw DomainException.invalid(field, "is required");
    }
    return value;
  }

  static String key(String field, @Nullable String value) {
    String v = required(field, value);
    if (!KEY.matcher(v).matches()) {
      throw DomainException.invalid(field, "must be 1-64 characters of letters, digits, '_', '.', '-',"
          + " starting with a letter or digit");
    }
    return v;
  }

  /** An optional key: absent (null or empty Optional) stays empty, present is checked. */
  static Optional<String> optionalKey(String field, @Nullable Optional<String> value) {
    Optional<String> v = optional(value);
    v.ifPresent(k -> key(field, k));
    return v;
  }

  /** An absent Optional field arrives as null from an old document or a Java caller. */
  static <T> Optional<T> optional(@Nullable Optional<T> value) {
    return value == null ? Optional.empty() : value;
  }

  static String text(String field, @Nullable String value, int max) {
    if (value == null) {
      return "";
    }
    if (value.length() > max) {
      throw DomainException.invalid(field, "must be at most " + max + " characters, was " + value.length());
    }
    return value;
  }

  static String requiredText(String field, @Nullable String value, int max) {
    String v = required(field, value);
    if (v.isBlank()) {
      throw DomainException.invalid(field, "must not be blank");
    }
    return text(field, v, max);
  }

  static double fraction(String field, @Nullable Double value, double defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    if (!(value >= 0.0 && value <= 1.0)) {
      throw DomainException.invalid(field, "must be between 0 and 1, was " + value);
    }
    return value;
  }

  static <T> List<T> list(String field, @Nullable List<T> value, int max) {
    if (value == null) {
      return List.of();
    }
    if (value.size() > max) {
      throw DomainException.invalid(field, "must have at most " + max + " entries");
    }
    for (int i = 0; i < value.size(); i++) {
      required(field + "[" + i + "]", value.get(i));
    }
    return List.copyOf(value);
  }
}
