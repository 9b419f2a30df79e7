package dev.assay.server.domain;

import java.util.List;
import java.util.regex.Pattern;

/** Field checks shared by the model records; each failure names the field. */
final class Check {
  static final int NAME_MAX = 200;
  static final int TEXT_MAX = 20_000;
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private Check() {}

  static <T> T required(String field, T value) {
    if (value == null) {
      throw DomainException.invalid(field, "is required");
    }
    return value;
  }

  static String key(String field, String value) {
    required(field, value);
    if (!KEY.matcher(value).matches()) {
      throw DomainException.invalid(field, "must be 1-64 characters of letters, digits, '_', '.', '-',"
          + " starting with a letter or digit");
    }
    return value;
  }

  static String optionalKey(String field, String value) {
    return value == null ? null : key(field, value);
  }

  static String text(String field, String value, int max) {
    if (value == null) {
      return "";
    }
    if (value.length() > max) {
      throw DomainException.invalid(field, "must be at most " + max + " characters, was " + value.length());
    }
    return value;
  }

  static String requiredText(String field, String value, int max) {
    required(field, value);
    if (value.isBlank()) {
      throw DomainException.invalid(field, "must not be blank");
    }
    return text(field, value, max);
  }

  static double fraction(String field, Double value, double defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    if (!(value >= 0.0 && value <= 1.0)) {
      throw DomainException.invalid(field, "must be between 0 and 1, was " + value);
    }
    return value;
  }

  static String oneOf(String field, String value, String defaultValue, List<String> allowed) {
    if (value == null) {
      return defaultValue;
    }
    if (!allowed.contains(value)) {
      throw DomainException.invalid(field, "must be one of " + allowed + ", was '" + value + "'");
    }
    return value;
  }

  static <T> List<T> list(String field, List<T> value, int max) {
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
