package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.analysis.MetricQueries.Aggregation;
import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Spark dialect's analysis SQL on a real local Spark ({@code local[1]}, in this JVM), compared
 * with the same statistics computed by the DuckDB dialect on DuckDB over the same seeded rows
 * (DuckDB runs the whole contract suite, {@code WarehouseStatisticsDuckDbTest}). The experiment's
 * key is hostile text (quotes, a backslash, a comment, unicode) and must still match its rows.
 * Every value reaches Spark as a literal in the text: {@link SparkJdbc} refuses bound parameters.
 */
class WarehouseStatisticsSparkTest {
  /* Quotes, Spark's string escape, a comment, non-ASCII: it must match its rows, and nothing else. */
  static final String KEY = "checkout'; -- \\' ünï";
  private static final long START = 1_796_637_600_000L;
  private static final long HOUR = 3_600_000L;
  private static final Phase PHASE = new Phase(KEY, START, START + 48 * HOUR);
  private static final RecursiveComparisonConfiguration CLOSE = RecursiveComparisonConfiguration.builder()
      .withComparatorForType((a, b) -> Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) ? 0 : Double.compare(a, b),
          Double.class).build();
  private static SparkSession spark;
  private static Connection duck;
  private static Connection sparkJdbc;
  private final WarehouseStatistics onSpark = new WarehouseStatistics(Dialect.SPARK, schema());
  private final WarehouseStatistics onDuck = new WarehouseStatistics(Dialect.DUCKDB, schema());

  static WarehouseSchema schema() {
    return WarehouseSchema.assayDefault().withoutProject().withoutFlag();
  }

  @BeforeAll
  static void load() throws Exception {
    spark = SparkSession.builder().master("local[1]").appName("assay-spark-tests").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1").config("spark.sql.session.timeZone", "UTC").getOrCreate();
    sparkJdbc = SparkJdbc.connect(spark);
    duck = DriverManager.getConnection("jdbc:duckdb:");
    List<Object[]> exposures = new ArrayList<>();
    List<Object[]> events = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(19);
    String[] countries = {"de", "fr", "it's"};
    for (int u = 0; u < 600; u++) {
      String unit = "u" + u;
      int v = rnd.nextInt(3);
      long first = START + rnd.nextLong(24 * HOUR);
      String attributes = "{\"country\":\"" + countries[rnd.nextInt(3)] + "\"}";
      exposures.add(new Object[] {unit, first, KEY, v, attributes});
      if (u % 50 == 0) { // a few units see a second variation: excluded from the counts
        exposures.add(new Object[] {unit, first + HOUR, KEY, (v + 1) % 3, attributes});
      }
      if (u % 7 == 0) { // the same unit id in another experiment whose key differs by the quote only
        exposures.add(new Object[] {unit, first, "checkout", 0, attributes});
      }
      events.add(new Object[] {unit, first - 2 * HOUR, "purchase", 10 + 5 * rnd.nextDouble(), "{}"}); // pre-period
      int purchases = rnd.nextInt(4);
      for (int k = 0; k < purchases; k++) {
        double value = Math.round((20 + 3 * v + 10 * rnd.nextDouble()) * 100) / 100.0;
        events.add(new Object[] {unit, first + 1000 + rnd.nextLong(30 * HOUR), "purchase", value, "{}"});
      }
      if (rnd.nextInt(3) == 0) {
        events.add(new Object[] {unit, first + rnd.nextLong(10 * HOUR), "session", null, "{}"});
      }
    }
    try (Statement st = duck.createStatement()) {
      st.execute("CREATE TABLE exposures (unit_id VARCHAR, ts BIGINT, experiment_key VARCHAR, variation_id INTEGER,"
          + " attributes VARCHAR)");
      st.execute("CREATE TABLE metric_events (unit_id VARCHAR, ts BIGINT, name VARCHAR, value DOUBLE, properties VARCHAR)");
    }
    insert("exposures", exposures);
    insert("metric_events", events);
    view("exposures", exposures, new StructType().add("unit_id", DataTypes.StringType).add("ts", DataTypes.LongType)
        .add("experiment_key", DataTypes.StringType).add("variation_id", DataTypes.IntegerType)
        .add("attributes", DataTypes.StringType));
    view("metric_events", events, new StructType().add("unit_id", DataTypes.StringType).add("ts", DataTypes.LongType)
        .add("name", DataTypes.StringType).add("value", DataTypes.DoubleType).add("properties", DataTypes.StringType));
  }

  private static void insert(String table, List<Object[]> rows) throws Exception {
    try (PreparedStatement ps = duck.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?)")) {
      for (Object[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          ps.setObject(i + 1, r[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static void view(String name, List<Object[]> rows, StructType type) {
    List<Row> out = rows.stream().map(RowFactory::create).toList();
    spark.createDataFrame(out, type).createOrReplaceTempView(name);
  }

  @AfterAll
  static void stop() throws Exception {
    if (duck != null) {
      duck.close();
    }
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void exposureCounts_hostileKey_equalDuckDbs() throws Exception {
    WarehouseStatistics.ExposureCounts s = onSpark.exposures(sparkJdbc, PHASE, 3);
    WarehouseStatistics.ExposureCounts d = onDuck.exposures(duck, PHASE, 3);
    assertThat(s.units()).containsExactly(d.units());
    assertThat(s.multipleExposures()).isEqualTo(d.multipleExposures()).isEqualTo(12);
    // 600 units with the key, 12 of them in two variations: the quote-less "checkout" rows are not counted
    assertThat(java.util.Arrays.stream(s.units()).sum()).isEqualTo(588);
  }

  @Test
  void cupedMetrics_sumCountConversion_capped_equalDuckDbs() throws Exception {
    for (Metric m : List.of(new Metric("purchase", Aggregation.SUM, 24 * HOUR, 4 * HOUR, null, null),
        new Metric("purchase", Aggregation.COUNT, 24 * HOUR, 4 * HOUR, 2.0, null),
        new Metric("session", Aggregation.CONVERSION, 24 * HOUR, 0, null, null),
        new Metric("purchase", Aggregation.SUM, 24 * HOUR, 4 * HOUR, null, 0.9))) {
      assertThat(onSpark.metric(sparkJdbc, PHASE, m, 3)).as(m.toString()).usingRecursiveFieldByFieldElementComparator(
          CLOSE).isEqualTo(onDuck.metric(duck, PHASE, m, 3));
    }
  }

  @Test
  void onePass_byDimension_ratio_andQuantile_equalDuckDbs() throws Exception {
    Metric sum = new Metric("purchase", Aggregation.SUM, 24 * HOUR, 4 * HOUR, null, null);
    Metric count = new Metric("purchase", Aggregation.COUNT, 24 * HOUR, 4 * HOUR, null, null);
    Metric sessions = new Metric("session", Aggregation.COUNT, 24 * HOUR, 0, null, null);
    assertThat(onSpark.metrics(sparkJdbc, PHASE, List.of(sum, sessions), 3)).usingRecursiveComparison(CLOSE)
        .isEqualTo(onDuck.metrics(duck, PHASE, List.of(sum, sessions), 3));
    Map<String, List<dev.assay.stats.CupedStats>> byCountry = onSpark.metricByDimension(sparkJdbc, PHASE, sum, "country",
        3);
    assertThat(byCountry).containsOnlyKeys("de", "fr", "it's").usingRecursiveComparison(CLOSE)
        .isEqualTo(onDuck.metricByDimension(duck, PHASE, sum, "country", 3));
    assertThat(onSpark.ratio(sparkJdbc, PHASE, sum, count, 3)).usingRecursiveFieldByFieldElementComparator(CLOSE)
        .isEqualTo(onDuck.ratio(duck, PHASE, sum, count, 3));
    Metric value = new Metric("purchase", Aggregation.SUM, 24 * HOUR, 0, null, null);
    assertThat(onSpark.quantile(sparkJdbc, PHASE, value, 0.5, 0.05, 3)).usingRecursiveComparison(CLOSE)
        .isEqualTo(onDuck.quantile(duck, PHASE, value, 0.5, 0.05, 3));
  }

  @Test
  void literals_hostileTextNumbersAndInstants_roundTripThroughSparksParser() {
    for (String text : List.of("'; DROP TABLE exposures; --", "it's", "a\\'b", "\\", "trailing\\", "line\nbreak",
        "ünïcødé ☃ 🙂", "?", "*/ ? /*", "`id`", "\"quoted\"", "", "plain-key_1.2")) {
      Row r = spark.sql("SELECT " + SparkLiterals.literal(text) + " AS v").collectAsList().get(0);
      assertThat(r.getString(0)).as(SparkLiterals.literal(text)).isEqualTo(text);
    }
    Row r = spark.sql("SELECT " + SparkLiterals.literal(Long.MIN_VALUE) + ", " + SparkLiterals.literal(-0.5) + ", "
        + SparkLiterals.literal(0.1 + 0.2) + ", " + SparkLiterals.literal(new java.math.BigDecimal("19.99")) + ", "
        + "unix_micros(" + SparkLiterals.literal(java.time.Instant.parse("2026-12-07T10:00:00.123456Z")) + ")")
        .collectAsList().get(0);
    assertThat(r.getLong(0)).isEqualTo(Long.MIN_VALUE);
    assertThat(r.getDouble(1)).isEqualTo(-0.5);
    assertThat(r.getDouble(2)).isEqualTo(0.1 + 0.2);
    assertThat(r.getDecimal(3)).isEqualByComparingTo("19.99");
    assertThat(r.getLong(4)).isEqualTo(java.time.Instant.parse("2026-12-07T10:00:00.123456Z").toEpochMilli() * 1000
        + 456);
  }

  /*
   * What issue 19 reported: Spark's sql(text, args) binding positional markers in another order
   * than the text's. Spark 4.2.0 binds the generated metric query's markers (in CTEs and joins) in
   * the text's order: the same rows as the inlined literals. The dialect inlines anyway (no
   * dependence on the Spark version, the driver or its parameter support).
   */
  @Test
  void positionalArgs_ofTheGeneratedMetricQuery_onSpark420_giveTheInlinedRows() {
    Metric sum = new Metric("purchase", Aggregation.SUM, 24 * HOUR, 4 * HOUR, null, null);
    MetricQueries.SqlQuery q = MetricQueries.metric(Dialect.SPARK, schema(), PHASE, sum);
    List<Row> inlined = spark.sql(SparkLiterals.inline(q.sql(), q.params())).collectAsList();
    assertThat(inlined).hasSize(3);
    assertThat(spark.sql(q.sql(), q.params().toArray()).collectAsList()).isEqualTo(inlined);
  }
}
