package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Spark SQL dialect's parameters, written into the text as literals ({@link SparkLiterals},
 * docs/warehouses.md): hostile text never reaches Spark's lexer as characters, markers inside
 * literals, quoted identifiers and comments stay as they are, the order is the text's, and values
 * without a safe literal are refused. The literals are run on Spark itself by the opt-in
 * assay-spark-tests module.
 */
class SparkLiteralsTest {
  private static final Pattern HEX = Pattern.compile("decode\\(X'([0-9A-F]*)', 'UTF-8'\\)");

  @ParameterizedTest
  @ValueSource(strings = {"'; DROP TABLE exposures; --", "it's", "it''s", "a\\'b", "\\", "trailing\\", "\\\\'",
      "line\nbreak", "tab\there", "cr\rlf", "ünïcødé ☃ 🙂", "?", "'?'", "*/ ? /*", "-- ?", "`id`", "\"quoted\"",
      "${x}", "\u0000nul", "X'41'"})
  void hostileText_isItsUtf8BytesInHex(String s) {
    String literal = SparkLiterals.literal(s);
    Matcher m = HEX.matcher(literal);
    assertThat(m.matches()).as(literal).isTrue();
    // The reference is the input itself: the hex decodes back to its UTF-8 bytes, nothing else.
    byte[] decoded = new Hex(m.group(1)).bytes();
    assertThat(new String(decoded, StandardCharsets.UTF_8)).isEqualTo(s);
    assertThat(SparkLiterals.inline("SELECT ? AS v", List.of(s))).isEqualTo("SELECT " + literal + " AS v");
  }

  @ParameterizedTest
  @ValueSource(strings = {"checkout", "purchase", "exp-1.v2", "a b", "user@example.com", ""})
  void plainText_isQuotedAsItIs(String s) {
    assertThat(SparkLiterals.literal(s)).isEqualTo("'" + s + "'");
  }

  @Test
  void inline_replacesMarkersInTextOrder_andLeavesThoseInLiteralsIdentifiersAndComments() {
    String sql = "SELECT '?' AS a, \"?\" AS b, `?` AS c, `x``?` AS d, ? AS e -- ? here\n"
        + " /* ? /* nested ? */ still ? */ FROM t WHERE k = ? AND s = 'it\\'s ?' AND u = ?";
    String out = SparkLiterals.inline(sql, Arrays.asList("first", 2L, null));
    assertThat(out).isEqualTo("SELECT '?' AS a, \"?\" AS b, `?` AS c, `x``?` AS d, 'first' AS e -- ? here\n"
        + " /* ? /* nested ? */ still ? */ FROM t WHERE k = CAST(2 AS BIGINT) AND s = 'it\\'s ?' AND u = NULL");
  }

  @Test
  void inline_ofTheGeneratedMetricQuery_leavesNoMarker_andBindsInOrder() {
    WarehouseSchema schema = new WarehouseSchema("analytics.exposures", "analytics.events", "user_id", "event_time",
        false, "experiment", "variation", "event", "amount");
    String key = "exp'; DROP TABLE x; --";
    MetricQueries.SqlQuery q = MetricQueries.metric(Dialect.SPARK, schema, new MetricQueries.Phase(key, 1, 2),
        new MetricQueries.Metric("purchase", MetricQueries.Aggregation.SUM, 1000, 500, 100.0, 0.99));
    String out = SparkLiterals.inline(q.sql(), q.params());
    assertThat(out).doesNotContain("?").doesNotContain("DROP TABLE");
    String keyLiteral = "decode(X'" + java.util.HexFormat.of().withUpperCase().formatHex(
        key.getBytes(StandardCharsets.UTF_8)) + "', 'UTF-8')";
    int k = out.indexOf(keyLiteral);
    int start = out.indexOf("CAST(1 AS BIGINT)");
    int end = out.indexOf("CAST(2 AS BIGINT)");
    int event = out.indexOf("'purchase'");
    assertThat(List.of(k, start, end, event)).as(out).allMatch(i -> i >= 0).isSorted();
  }

  @Test
  void numbers_booleansAndInstants_areTypedLiterals() {
    assertThat(SparkLiterals.literal(Long.MIN_VALUE)).isEqualTo("CAST(-9223372036854775808 AS BIGINT)");
    assertThat(SparkLiterals.literal(7)).isEqualTo("CAST(7 AS INT)");
    assertThat(SparkLiterals.literal(-0.5)).isEqualTo("CAST(-0.5 AS DOUBLE)");
    assertThat(SparkLiterals.literal(1e-300)).isEqualTo("CAST(1.0E-300 AS DOUBLE)");
    assertThat(SparkLiterals.literal(0.1 + 0.2)).isEqualTo("CAST(0.30000000000000004 AS DOUBLE)");
    assertThat(SparkLiterals.literal(new BigDecimal("19.99"))).isEqualTo("CAST(19.99 AS DECIMAL(4, 2))");
    assertThat(SparkLiterals.literal(new BigDecimal("0.001"))).isEqualTo("CAST(0.001 AS DECIMAL(3, 3))");
    assertThat(SparkLiterals.literal(new BigDecimal("1E+3"))).isEqualTo("CAST(1000 AS DECIMAL(4, 0))");
    assertThat(SparkLiterals.literal(true)).isEqualTo("TRUE");
    assertThat(SparkLiterals.literal(Instant.parse("2026-12-07T10:00:00.123456Z")))
        .isEqualTo("TIMESTAMP '2026-12-07 10:00:00.123456+00:00'");
    assertThat(SparkLiterals.literal(java.time.LocalDate.parse("2026-12-07"))).isEqualTo("DATE '2026-12-07'");
  }

  @Test
  void nonFiniteDoubles_unknownTypes_andMiscountedMarkers_areRefused() {
    for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      assertThatThrownBy(() -> SparkLiterals.literal(d)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no literal");
    }
    assertThatThrownBy(() -> SparkLiterals.literal(new Object())).hasMessageContaining("java.lang.Object");
    assertThatThrownBy(() -> SparkLiterals.inline("SELECT ?, ?", List.of(1L)))
        .hasMessageContaining("more parameter markers");
    assertThatThrownBy(() -> SparkLiterals.inline("SELECT '?'", List.of(1L))).hasMessageContaining("0 parameter markers");
    assertThatThrownBy(() -> SparkLiterals.inline("SELECT 'open ?", List.of(1L))).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> SparkLiterals.inline("SELECT /* ? ", List.of(1L))).hasMessageContaining("unterminated");
  }

  /* Hex decoding written out here, not HexFormat (which the code under test encodes with). */
  private record Hex(String hex) {
    byte[] bytes() {
      byte[] out = new byte[hex.length() / 2];
      for (int i = 0; i < out.length; i++) {
        out[i] = (byte) (Character.digit(hex.charAt(2 * i), 16) * 16 + Character.digit(hex.charAt(2 * i + 1), 16));
      }
      return out;
    }
  }
}
