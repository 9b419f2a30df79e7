package dev.assay.server.analysis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * The SQL differences between warehouses that the metric queries need: how to turn an event
 * timestamp into epoch milliseconds, the floating-point type, identifier quoting and a continuous
 * percentile, and reading a key of a JSON text column (event properties, exposure attributes).
 * Everything else in the generated SQL is ANSI (CTEs, CASE, LEFT JOIN, GROUP BY), so a
 * new warehouse is one more constant here and a unit test of its SQL.
 */
public enum Dialect {
  /** DuckDB (the embedded default). */
  DUCKDB("DOUBLE", "epoch_ms(%s)", "quantile_cont(%s, %s)", '"'),
  /** PostgreSQL. */
  POSTGRESQL("DOUBLE PRECISION", "CAST(EXTRACT(EPOCH FROM %s) * 1000 AS BIGINT)",
      "percentile_cont(%2$s) WITHIN GROUP (ORDER BY %1$s)", '"'),
  /** Trino / Presto. */
  TRINO("DOUBLE", "CAST(to_unixtime(%s) * 1000 AS BIGINT)", "", '"'),
  /** Spark SQL / Databricks. */
  SPARK("DOUBLE", "unix_millis(%s)", "percentile(%s, %s)", '`'),
  /** ClickHouse. */
  CLICKHOUSE("Float64", "toUnixTimestamp64Milli(%s)", "quantileExact(%2$s)(%1$s)", '"'),
  /** Google BigQuery. */
  BIGQUERY("FLOAT64", "UNIX_MILLIS(%s)", "APPROX_QUANTILES(%s, 1000)[OFFSET(CAST(%s * 1000 AS INT64))]", '`'),
  /** Snowflake. */
  SNOWFLAKE("DOUBLE", "DATE_PART(epoch_millisecond, %s)", "PERCENTILE_CONT(%2$s) WITHIN GROUP (ORDER BY %1$s)", '"');

  private final String doubleType;
  private final String epochMillis;
  private final String percentile;
  private final char quote;

  Dialect(String doubleType, String epochMillis, String percentile, char quote) {
    this.doubleType = doubleType;
    this.epochMillis = epochMillis;
    this.percentile = percentile;
    this.quote = quote;
  }

  /** The dialect of a JDBC URL, e.g. {@code jdbc:duckdb:...}. */
  public static Dialect forJdbcUrl(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:duckdb:")) {
      return DUCKDB;
    }
    if (u.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    if (u.startsWith("jdbc:trino:") || u.startsWith("jdbc:presto:")) {
      return TRINO;
    }
    if (u.startsWith("jdbc:spark:") || u.startsWith("jdbc:databricks:") || u.startsWith("jdbc:hive2:")) {
      return SPARK;
    }
    if (u.startsWith("jdbc:clickhouse:") || u.startsWith("jdbc:ch:")) {
      return CLICKHOUSE;
    }
    if (u.startsWith("jdbc:bigquery:")) {
      return BIGQUERY;
    }
    if (u.startsWith("jdbc:snowflake:")) {
      return SNOWFLAKE;
    }
    throw new IllegalArgumentException("no SQL dialect for " + url.replaceAll("(?i)(password=)[^&;]*", "$1***"));
  }

  /**
   * A statement of {@code sql} with its {@code ?} parameters in the order of the text: bound
   * positionally through the driver, except on Spark SQL / Databricks, where they are written
   * into the text as typed literals ({@link SparkLiterals}; its {@code sql(text, args)} may bind
   * positional markers in another order). The caller closes the statement.
   */
  PreparedStatement prepare(Connection c, String sql, List<?> params) throws SQLException {
    if (this == SPARK) {
      return c.prepareStatement(SparkLiterals.inline(sql, params));
    }
    PreparedStatement ps = c.prepareStatement(sql);
    try {
      for (int i = 0; i < params.size(); i++) {
        ps.setObject(i + 1, params.get(i));
      }
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
    return ps;
  }

  String doubleType() {
    return doubleType;
  }

  /** The variable-length text type, for casting dimension values. */
  String stringType() {
    return switch (this) {
      case BIGQUERY, SPARK -> "STRING";
      case CLICKHOUSE -> "String";
      default -> "VARCHAR";
    };
  }

  /**
   * 0 or 1, each with probability 1/2, from a hash of a text expression (the platform A/A split,
   * ADR 0048). Tested on DuckDB, PostgreSQL and Trino; the others use their engines' documented
   * hash functions and have not run here.
   */
  String hashHalf(String text) {
    return switch (this) {
      case DUCKDB -> "CAST(hash(" + text + ") % 2 AS INTEGER)";
      case POSTGRESQL -> "(hashtext(" + text + ") & 1)";
      case TRINO -> "CAST(bitwise_and(from_big_endian_64(xxhash64(to_utf8(" + text + "))), 1) AS INTEGER)";
      case SPARK -> "CAST(pmod(hash(" + text + "), 2) AS INT)";
      case CLICKHOUSE -> "toInt32(cityHash64(" + text + ") % 2)";
      case BIGQUERY -> "ABS(MOD(FARM_FINGERPRINT(" + text + "), 2))";
      case SNOWFLAKE -> "ABS(MOD(HASH(" + text + "), 2))";
    };
  }

  /** An expression giving epoch milliseconds of a timestamp column. */
  String epochMillis(String column) {
    return String.format(epochMillis, column);
  }

  /** A continuous percentile (0..1) of an expression, as an aggregate. */
  String percentile(String expression, double fraction) {
    if (this == TRINO) {
      return trinoPercentile(expression, Double.toString(fraction));
    }
    return String.format(Locale.ROOT, percentile, expression, Double.toString(fraction));
  }

  /*
   * Trino has no percentile_cont, and its approx_percentile is a sketch (off by ~1% on the
   * contract's data): the exact continuous percentile by linear interpolation between the order
   * statistics at floor(r) and ceil(r), r = p (n - 1), of the sorted non-null values (bound once
   * as s by a one-element transform). Memory: the values of the aggregate's group in one array.
   */
  private static String trinoPercentile(String expression, String p) {
    String r = p + " * (cardinality(s) - 1)";
    String lo = "element_at(s, CAST(floor(" + r + ") AS BIGINT) + 1)";
    String hi = "element_at(s, CAST(ceiling(" + r + ") AS BIGINT) + 1)";
    return "element_at(transform(ARRAY[array_sort(array_agg(CAST(" + expression + " AS DOUBLE)) FILTER (WHERE "
        + expression + " IS NOT NULL))], s -> " + lo + " + (" + r + " - floor(" + r + ")) * (" + hi + " - " + lo
        + ")), 1)";
  }

  /**
   * The text of a top-level key of a JSON text column (null when absent), e.g. an exposure's
   * {@code country} attribute. Booleans and numbers come out as their JSON text.
   */
  String jsonText(String column, String key) {
    String k = jsonKey(key);
    return switch (this) {
      case DUCKDB -> "json_extract_string(" + column + ", '$.\"" + k + "\"')";
      case POSTGRESQL -> "(CAST(" + column + " AS jsonb) ->> '" + k + "')";
      case TRINO -> "json_extract_scalar(" + column + ", '$[\"" + k + "\"]')";
      case SPARK -> "get_json_object(" + column + ", '$." + k + "')";
      case CLICKHOUSE -> "JSONExtract(" + column + ", '" + k + "', 'Nullable(String)')";
      case BIGQUERY -> "JSON_VALUE(" + column + ", '$.\"" + k + "\"')";
      case SNOWFLAKE -> "JSON_EXTRACT_PATH_TEXT(" + column + ", '" + k + "')";
    };
  }

  /**
   * The number at a top-level key of a JSON text column, as the floating-point type; null when
   * the key is absent or not a number (never an error, so one odd event cannot fail a refresh).
   */
  String jsonNumber(String column, String key) {
    String k = jsonKey(key);
    String text = jsonText(column, key);
    return switch (this) {
      case DUCKDB, TRINO -> "TRY_CAST(" + text + " AS DOUBLE)";
      case POSTGRESQL -> "(CASE WHEN jsonb_typeof(CAST(" + column + " AS jsonb) -> '" + k
          + "') = 'number' THEN CAST(" + text + " AS DOUBLE PRECISION) END)";
      case SPARK -> "TRY_CAST(" + text + " AS DOUBLE)";
      case CLICKHOUSE -> "toFloat64OrNull(JSONExtractRaw(" + column + ", '" + k + "'))";
      case BIGQUERY -> "SAFE_CAST(" + text + " AS FLOAT64)";
      case SNOWFLAKE -> "TRY_TO_DOUBLE(" + text + ")";
    };
  }

  /** A JSON key to inline in a path literal: letters, digits, '_', '-' and ' ' only (no quotes, dots or brackets). */
  private static String jsonKey(String key) {
    if (!key.matches("[A-Za-z0-9_][A-Za-z0-9_ -]{0,127}")) {
      throw new IllegalArgumentException("not a plain JSON key (letters, digits, '_', '-', ' '): '" + key + "'");
    }
    return key;
  }

  /** A quoted identifier; rejects anything but letters, digits, underscores and dots. */
  String ident(String name) {
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
      throw new IllegalArgumentException("not a plain SQL identifier: '" + name + "'");
    }
    StringBuilder sb = new StringBuilder();
    for (String part : name.split("\\.")) {
      if (!sb.isEmpty()) {
        sb.append('.');
      }
      sb.append(quote).append(part).append(quote);
    }
    return sb.toString();
  }
}
