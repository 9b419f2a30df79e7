package dev.assay.server.analysis;

import java.util.Locale;

/**
 * The SQL differences between warehouses that the metric queries need: how to turn an event
 * timestamp into epoch milliseconds, the floating-point type, identifier quoting and a continuous
 * percentile. Everything else in the generated SQL is ANSI (CTEs, CASE, LEFT JOIN, GROUP BY), so a
 * new warehouse is one more constant here and a unit test of its SQL.
 */
public enum Dialect {
  /** DuckDB (the embedded default). */
  DUCKDB("DOUBLE", "epoch_ms(%s)", "quantile_cont(%s, %s)", '"'),
  /** PostgreSQL. */
  POSTGRESQL("DOUBLE PRECISION", "CAST(EXTRACT(EPOCH FROM %s) * 1000 AS BIGINT)",
      "percentile_cont(%2$s) WITHIN GROUP (ORDER BY %1$s)", '"'),
  /** Trino / Presto. */
  TRINO("DOUBLE", "CAST(to_unixtime(%s) * 1000 AS BIGINT)", "approx_percentile(%s, %s)", '"'),
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

  /** An expression giving epoch milliseconds of a timestamp column. */
  String epochMillis(String column) {
    return String.format(epochMillis, column);
  }

  /** A continuous percentile (0..1) of an expression, as an aggregate. */
  String percentile(String expression, double fraction) {
    return String.format(Locale.ROOT, percentile, expression, Double.toString(fraction));
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
