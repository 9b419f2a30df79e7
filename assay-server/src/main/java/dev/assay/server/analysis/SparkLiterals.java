package dev.assay.server.analysis;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Spark SQL with its parameters written in as typed literals (ADR 0053, docs/warehouses.md "Spark SQL and
 * Databricks"): each {@code ?} marker outside string literals, quoted identifiers and comments is
 * replaced by the literal of the next parameter, in the order of the text. The analysis binds
 * positionally, and Spark's {@code sql(text, args)} was reported (issue 19) to bind positional
 * markers in the order of its parsed plan, not of the text (CTEs and subqueries first; not seen on
 * Spark 4.2.0); literals carry no order at all and need no parameter support from the driver.
 *
 * <p>The literals are safe whatever the session's parser settings: a string of letters, digits
 * and {@code " _.,:;/@+=-"} is quoted as it is; any other string (quotes, backslashes — an escape
 * in Spark's string literals unless {@code spark.sql.parser.escapedStringLiterals} — newlines,
 * non-ASCII) is its UTF-8 bytes in hex, {@code decode(X'…', 'UTF-8')}, so no character of the
 * value reaches the lexer. Numbers are {@code CAST(… AS BIGINT)} or {@code CAST(… AS DOUBLE)}
 * (a NaN or infinite double is refused), instants {@code TIMESTAMP '… +00:00'}. Stateless.
 */
final class SparkLiterals {
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9 _.,:;/@+=-]*");
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
      .withZone(ZoneOffset.UTC);

  private SparkLiterals() {}

  /**
   * The text with every parameter marker replaced by its parameter's literal.
   *
   * @throws IllegalArgumentException when the markers and parameters differ in number, or a
   *     parameter has no literal (a type not listed in {@link #literal}, a non-finite double)
   */
  static String inline(String sql, List<?> params) {
    StringBuilder out = new StringBuilder(sql.length() + 16 * params.size());
    int next = 0;
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char ch = sql.charAt(i);
      int end;
      if (ch == '\'' || ch == '"') {
        end = quoted(sql, i, ch, true);
      } else if (ch == '`') {
        end = quoted(sql, i, ch, false);
      } else if (ch == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int eol = sql.indexOf('\n', i);
        end = eol < 0 ? n : eol;
      } else if (ch == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        end = comment(sql, i);
      } else if (ch == '?') {
        if (next >= params.size()) {
          throw new IllegalArgumentException("the SQL has more parameter markers than the " + params.size()
              + " parameters");
        }
        out.append(literal(params.get(next++)));
        i++;
        continue;
      } else {
        end = i + 1;
      }
      out.append(sql, i, end);
      i = end;
    }
    if (next != params.size()) {
      throw new IllegalArgumentException("the SQL has " + next + " parameter markers for " + params.size()
          + " parameters");
    }
    return out.toString();
  }

  /** The Spark SQL literal of one value: text, whole number, double, decimal, boolean, instant, date or null. */
  static String literal(Object v) {
    return switch (v) {
      case null -> "NULL";
      case String s -> string(s);
      case Long l -> "CAST(" + l + " AS BIGINT)";
      case Integer k -> "CAST(" + k + " AS INT)";
      case Short k -> "CAST(" + k + " AS SMALLINT)";
      case Byte k -> "CAST(" + k + " AS TINYINT)";
      case Double d -> finite(d);
      case Float f -> finite(f.doubleValue());
      case BigDecimal b -> decimal(b.scale() < 0 ? b.setScale(0) : b);
      case Boolean b -> b ? "TRUE" : "FALSE";
      case Instant t -> "TIMESTAMP '" + TIMESTAMP.format(t) + "+00:00'";
      case java.sql.Timestamp t -> literal(t.toInstant());
      case java.time.OffsetDateTime t -> literal(t.toInstant());
      case LocalDate d -> "DATE '" + d + "'";
      default -> throw new IllegalArgumentException("no Spark SQL literal for a parameter of type "
          + v.getClass().getName());
    };
  }

  private static String string(String s) {
    if (PLAIN.matcher(s).matches()) {
      return "'" + s + "'";
    }
    return "decode(X'" + HexFormat.of().withUpperCase().formatHex(s.getBytes(StandardCharsets.UTF_8)) + "', 'UTF-8')";
  }

  private static String decimal(BigDecimal b) {
    int precision = Math.max(b.precision(), b.scale());
    if (precision > 38) {
      throw new IllegalArgumentException("a decimal parameter has " + precision + " digits: Spark's DECIMAL has 38");
    }
    return "CAST(" + b.toPlainString() + " AS DECIMAL(" + precision + ", " + b.scale() + "))";
  }

  private static String finite(double d) {
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException("a parameter is " + d + ": Spark SQL has no literal for it");
    }
    return "CAST(" + d + " AS DOUBLE)";
  }

  /* The end (exclusive) of a quoted literal or identifier starting at i; a backslash escapes in strings. */
  private static int quoted(String sql, int i, char quote, boolean backslash) {
    int j = i + 1;
    while (j < sql.length()) {
      char c = sql.charAt(j);
      if (backslash && c == '\\') {
        j += 2;
      } else if (c == quote) {
        return j + 1;
      } else {
        j++;
      }
    }
    throw new IllegalArgumentException("the SQL has an unterminated " + quote + " at offset " + i);
  }

  /* The end (exclusive) of a bracketed comment starting at i; Spark's comments nest. */
  private static int comment(String sql, int i) {
    int depth = 0;
    int j = i;
    while (j + 1 < sql.length()) {
      if (sql.charAt(j) == '/' && sql.charAt(j + 1) == '*') {
        depth++;
        j += 2;
      } else if (sql.charAt(j) == '*' && sql.charAt(j + 1) == '/') {
        depth--;
        j += 2;
        if (depth == 0) {
          return j;
        }
      } else {
        j++;
      }
    }
    throw new IllegalArgumentException("the SQL has an unterminated comment at offset " + i);
  }
}
