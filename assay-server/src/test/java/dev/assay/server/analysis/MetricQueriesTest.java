package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.server.analysis.MetricQueries.Aggregation;
import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SQL each dialect gets, for warehouses not run in the test suite. */
class MetricQueriesTest {

  private static final WarehouseSchema TIMESTAMPS = new WarehouseSchema("analytics.exposures",
      "analytics.events", "user_id", "event_time", false, "experiment", "variation", "event", "amount");

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void metric_everyDialect_bindsValuesAndQuotesIdentifiers(Dialect d) {
    MetricQueries.SqlQuery q = MetricQueries.metric(d, TIMESTAMPS, new Phase("exp'; DROP TABLE x; --", 1, 2),
        new Metric("purchase", Aggregation.SUM, 1000, 500, 100.0, 0.99));

    assertThat(q.params()).containsExactly("exp'; DROP TABLE x; --", 1L, 2L, "purchase");
    assertThat(q.sql()).doesNotContain("DROP TABLE").contains("GROUP BY variation").contains("LEAST(");
    assertThat(q.sql()).contains(d.ident("analytics.exposures")).contains(d.ident("user_id"));
  }

  @Test
  void timestamps_convertedByEachDialect() {
    Phase p = new Phase("e", 0, 1);
    Metric m = new Metric("x", Aggregation.COUNT, 10, 0, null, null);

    assertThat(MetricQueries.metric(Dialect.BIGQUERY, TIMESTAMPS, p, m).sql()).contains("UNIX_MILLIS(`event_time`)")
        .contains("FLOAT64");
    assertThat(MetricQueries.metric(Dialect.SNOWFLAKE, TIMESTAMPS, p, m).sql())
        .contains("DATE_PART(epoch_millisecond, \"event_time\")");
    assertThat(MetricQueries.metric(Dialect.CLICKHOUSE, TIMESTAMPS, p, m).sql())
        .contains("toUnixTimestamp64Milli(\"event_time\")").contains("Float64");
    assertThat(MetricQueries.metric(Dialect.TRINO, TIMESTAMPS, p, m).sql()).contains("to_unixtime(\"event_time\")");
    assertThat(MetricQueries.metric(Dialect.SPARK, TIMESTAMPS, p, m).sql()).contains("unix_millis(`event_time`)");
    assertThat(MetricQueries.metric(Dialect.POSTGRESQL, TIMESTAMPS, p, m).sql())
        .contains("EXTRACT(EPOCH FROM \"event_time\")");
  }

  @Test
  void percentileCap_usesEachDialectsPercentileOnPooledValues() {
    Metric m = new Metric("x", Aggregation.SUM, 10, 0, null, 0.999);
    Phase p = new Phase("e", 0, 1);

    assertThat(MetricQueries.metric(Dialect.DUCKDB, WarehouseSchema.assayDefault(), p, m).sql())
        .contains("quantile_cont(y, 0.999)").contains("FROM per_unit))").contains("FROM per_unit_capped");
    assertThat(MetricQueries.metric(Dialect.POSTGRESQL, WarehouseSchema.assayDefault(), p, m).sql())
        .contains("percentile_cont(0.999) WITHIN GROUP (ORDER BY y)");
    assertThat(MetricQueries.metric(Dialect.CLICKHOUSE, WarehouseSchema.assayDefault(), p, m).sql())
        .contains("quantileExact(0.999)(y)");
  }

  @Test
  void badIdentifiersAndSettings_rejected() {
    WarehouseSchema evil = WarehouseSchema.assayDefault().withTables("exposures; DROP", "m");
    assertThatThrownBy(() -> MetricQueries.exposureCounts(Dialect.DUCKDB, evil, new Phase("e", 0, 1)))
        .hasMessageContaining("identifier");
    assertThatThrownBy(() -> new Metric("x", Aggregation.SUM, 0, 0, null, null)).hasMessageContaining("windowMillis");
    assertThatThrownBy(() -> Dialect.forJdbcUrl("jdbc:oracle:thin:@x")).hasMessageContaining("no SQL dialect");
    assertThat(Dialect.forJdbcUrl("jdbc:duckdb:/tmp/x")).isEqualTo(Dialect.DUCKDB);
  }

  @Test
  void propertiesAndAttributes_readWithEachDialectsJsonFunctions() {
    Phase p = new Phase("e", 0, 1);
    Metric m = new Metric("purchase", Aggregation.SUM, 10, 5, null, null, null, "amount",
        java.util.Map.of("currency", "EUR", "items", 2));
    WarehouseSchema s = WarehouseSchema.assayDefault();
    java.util.Map<Dialect, String[]> expected = java.util.Map.of(
        Dialect.DUCKDB, new String[] {"TRY_CAST(json_extract_string(e.\"properties\", '$.\"amount\"') AS DOUBLE)",
            "json_extract_string(e.\"properties\", '$.\"currency\"') = ?", "json_extract_string(\"attributes\", '$.\"country\"')"},
        Dialect.POSTGRESQL, new String[] {"jsonb_typeof(CAST(e.\"properties\" AS jsonb) -> 'amount') = 'number'",
            "(CAST(e.\"properties\" AS jsonb) ->> 'currency') = ?", "(CAST(\"attributes\" AS jsonb) ->> 'country')"},
        Dialect.TRINO, new String[] {"TRY_CAST(json_extract_scalar(e.\"properties\", '$[\"amount\"]') AS DOUBLE)",
            "json_extract_scalar(e.\"properties\", '$[\"currency\"]') = ?", "json_extract_scalar(\"attributes\", '$[\"country\"]')"},
        Dialect.SPARK, new String[] {"TRY_CAST(get_json_object(e.`properties`, '$.amount') AS DOUBLE)",
            "get_json_object(e.`properties`, '$.currency') = ?", "get_json_object(`attributes`, '$.country')"},
        Dialect.CLICKHOUSE, new String[] {"toFloat64OrNull(JSONExtractRaw(e.\"properties\", 'amount'))",
            "JSONExtract(e.\"properties\", 'currency', 'Nullable(String)') = ?",
            "JSONExtract(\"attributes\", 'country', 'Nullable(String)')"},
        Dialect.BIGQUERY, new String[] {"SAFE_CAST(JSON_VALUE(e.`properties`, '$.\"amount\"') AS FLOAT64)",
            "JSON_VALUE(e.`properties`, '$.\"currency\"') = ?", "JSON_VALUE(`attributes`, '$.\"country\"')"},
        Dialect.SNOWFLAKE, new String[] {"TRY_TO_DOUBLE(JSON_EXTRACT_PATH_TEXT(e.\"properties\", 'amount'))",
            "JSON_EXTRACT_PATH_TEXT(e.\"properties\", 'currency') = ?",
            "JSON_EXTRACT_PATH_TEXT(\"attributes\", 'country')"});
    for (Dialect d : Dialect.values()) {
      MetricQueries.SqlQuery q = MetricQueries.metric(d, s, p, m, "country");
      assertThat(q.sql()).as(d.name()).contains(expected.get(d)[0]).contains(expected.get(d)[1])
          .contains("FIRST_VALUE(" + expected.get(d)[2] + ") OVER (PARTITION BY " + d.ident("unit_id") + " ORDER BY ");
      // filters sorted by key, numbers compared as numbers
      assertThat(q.params()).as(d.name()).containsExactly("e", 0L, 1L, "purchase", "EUR", 2.0);
    }
  }

  @Test
  void unsafeJsonKeysAndPropertiesWithoutColumn_rejected() {
    Phase p = new Phase("e", 0, 1);
    Metric quoted = new Metric("x", Aggregation.SUM, 10, 0, null, null, null, "a') OR 1=1 --", java.util.Map.of());
    assertThatThrownBy(() -> MetricQueries.metric(Dialect.DUCKDB, WarehouseSchema.assayDefault(), p, quoted))
        .hasMessageContaining("not a plain JSON key");
    assertThatThrownBy(() -> MetricQueries.metric(Dialect.DUCKDB, WarehouseSchema.assayDefault(), p,
        new Metric("x", Aggregation.SUM, 10, 0, null, null), "coun'try")).hasMessageContaining("not a plain JSON key");
    Metric filtered = new Metric("x", Aggregation.COUNT, 10, 0, null, null, null, null, java.util.Map.of("k", "v"));
    assertThatThrownBy(() -> MetricQueries.metric(Dialect.DUCKDB, TIMESTAMPS, p, filtered))
        .hasMessageContaining("no properties column");
    assertThatThrownBy(() -> new Metric("x", Aggregation.SUM, 10, 0, null, null, "SELECT 1", "amount", java.util.Map.of()))
        .hasMessageContaining("SQL-defined");
  }

  @Test
  void sqlDefinedQuantile_readsTheMetricsOwnQuery() {
    Metric m = new Metric("", Aggregation.SUM, 10, 0, null, null, "SELECT unit_id, ts, value FROM latency");
    String sql = QuantileQueries.quantileCounts(Dialect.POSTGRESQL, WarehouseSchema.assayDefault(), new Phase("e", 0, 1), m)
        .sql();
    assertThat(sql).contains("JOIN (SELECT unit_id, ts, value FROM latency) e").doesNotContain("metric_events");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void onePass_everyDialect_bindsInTextOrderAndScansTheEventsOnce(Dialect d) {
    MetricQueries.SqlQuery q = MetricQueries.metrics(d, WarehouseSchema.assayDefault(), new Phase("e", 0, 1), List.of(
        new Metric("buy", Aggregation.SUM, 10, 5, null, 0.99, null, "amount", java.util.Map.of("currency", "EUR")),
        new Metric("visit", Aggregation.COUNT, 20, 0, 3.0, null)));

    assertThat(q.params()).containsExactly("e", 0L, 1L, "buy", "EUR", "buy", "EUR", "visit", "buy", "visit");
    assertThat(q.sql().split(java.util.regex.Pattern.quote(d.ident("metric_events")), -1)).as("one scan").hasSize(2);
    assertThat(q.sql()).contains("sum_xy_1").contains(" < u.first_ts + 20").contains(" >= u.first_ts - 5")
        .contains(d.percentile("y0", 0.99)).contains("LEAST(y1, CAST(3.0 AS " + d.doubleType() + "))");
    long placeholders = q.sql().chars().filter(ch -> ch == '?').count();
    assertThat(placeholders).isEqualTo(q.params().size());
    assertThatThrownBy(() -> MetricQueries.metrics(d, WarehouseSchema.assayDefault(), new Phase("e", 0, 1),
        List.of(new Metric("", Aggregation.SUM, 10, 0, null, null, "SELECT 1")))).hasMessageContaining("SQL-defined");
  }
}
