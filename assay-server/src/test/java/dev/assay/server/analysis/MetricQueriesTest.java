package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.server.analysis.MetricQueries.Aggregation;
import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
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
}
