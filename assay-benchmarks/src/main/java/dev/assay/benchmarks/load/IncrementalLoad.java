package dev.assay.benchmarks.load;

import dev.assay.server.analysis.AnalysisLimits;
import dev.assay.server.analysis.AnalysisSandbox;
import dev.assay.server.analysis.Dialect;
import dev.assay.server.analysis.MetricQueries;
import dev.assay.server.analysis.UnitAggregates;
import dev.assay.server.analysis.WarehouseSchema;
import dev.assay.server.analysis.WarehouseStatistics;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.CupedStats;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.MetricData;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental refresh harness (issue 19, ADR 0050): the warehouse of {@link AnalysisLoad} (U
 * units, E events over days 10–30, exposures on day 20), the same 5 metrics with CUPED; times a
 * full refresh, the build of the per-unit aggregates, then per round appends 1% new events (half
 * of them of 1% new units exposed in that hour, half of existing units) one hour later and times
 * an incremental refresh (fold of that hour, read of the statistics, the statistics engine) and
 * a full refresh of the same data, and checks both give the same sufficient statistics. On DuckDB
 * the tables are stored in time order, as the embedded event store appends them
 * ({@code -Dordered=false}: the random order of the generator).
 *
 * <pre>
 * java -cp assay-benchmarks/target/benchmarks.jar dev.assay.benchmarks.load.IncrementalLoad \
 *     jdbc:duckdb:/tmp/assay-incremental.duckdb 1000000 10000000 3
 * </pre>
 */
public final class IncrementalLoad {
  private static final long DAY = 86_400_000L;
  private static final long HOUR = 3_600_000L;
  private static final String[] NAMES = {"purchase", "revenue", "session", "page_view", "add_to_cart"};
  private static final MetricQueries.Aggregation[] AGGS = {MetricQueries.Aggregation.CONVERSION,
      MetricQueries.Aggregation.SUM, MetricQueries.Aggregation.COUNT, MetricQueries.Aggregation.COUNT,
      MetricQueries.Aggregation.SUM};

  private IncrementalLoad() {}

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "jdbc:duckdb:";
    long units = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
    long events = args.length > 2 ? Long.parseLong(args[2]) : 10_000_000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Dialect dialect = Dialect.forJdbcUrl(url);
    try (Connection c = DriverManager.getConnection(url)) {
      c.setAutoCommit(true);
      long t0 = System.nanoTime();
      AnalysisLoad.load(c, url, dialect, units, events);
      try (Statement st = c.createStatement()) {
        st.execute("DROP TABLE IF EXISTS assay_unit_aggregate_state");
        if (dialect == Dialect.DUCKDB && !"false".equals(System.getProperty("ordered"))) {
          // in time order, as the embedded store appends events as they arrive (-Dordered=false: random order)
          for (String table : List.of("exposures", "metric_events")) {
            st.execute("CREATE TABLE sorted AS SELECT * FROM " + table + " ORDER BY ts");
            st.execute("DROP TABLE " + table);
            st.execute("ALTER TABLE sorted RENAME TO " + table);
          }
        }
      }
      System.out.printf("loaded %,d units and %,d events in %.1f s%n", units, events, (System.nanoTime() - t0) / 1e9);
      if (dialect == Dialect.POSTGRESQL) {
        // the analysis connection as the server prepares it (read-only by default; the fold opts in)
        try (Connection analysis = AnalysisSandbox.warehouse(url, AnalysisLimits.defaults(Duration.ofMinutes(30)))
            .connect()) {
          run(c, analysis, dialect, units, events, rounds);
        }
      } else {
        run(c, c, dialect, units, events, rounds);
      }
    }
  }

  private static void run(Connection loader, Connection c, Dialect d, long units, long events, int rounds)
      throws Exception {
    WarehouseSchema schema = WarehouseSchema.assayDefault();
    WarehouseStatistics ws = new WarehouseStatistics(d, schema, Duration.ofMinutes(30));
    UnitAggregates aggregates = new UnitAggregates(d, schema, Duration.ofMinutes(30));
    MetricQueries.Phase phase = new MetricQueries.Phase("exp", 0, Long.MAX_VALUE / 4, "default");
    List<MetricQueries.Metric> metrics = new ArrayList<>();
    for (int m = 0; m < NAMES.length; m++) {
      metrics.add(new MetricQueries.Metric(NAMES[m], AGGS[m], 7 * DAY, 14 * DAY, null, null));
    }
    long[] cpu = {0};
    long start = mark(cpu);
    List<List<CupedStats>> full = full(c, ws, phase, metrics);
    System.out.printf("full refresh: %s%n", since(start, cpu));
    long horizon = 30 * DAY; // every loaded event is before it
    start = mark(cpu);
    UnitAggregates.Fold built = aggregates.fold(c, phase, metrics, horizon);
    System.out.printf("build of the aggregates (%,d units): %s%n", built.units(), since(start, cpu));
    long newUnits = Math.max(1, units / 100);
    long newEvents = Math.max(2, events / 100);
    for (int r = 1; r <= rounds; r++) {
      long from = horizon;
      append(loader, d, r, from, units, newUnits, newEvents);
      horizon = from + HOUR;
      start = mark(cpu);
      UnitAggregates.Fold fold = aggregates.fold(c, phase, metrics, horizon);
      String foldTime = since(start, cpu);
      UnitAggregates.Read read = aggregates.read(c, phase, metrics, 2).orElseThrow();
      analyze(read.counts().units(), read.metrics());
      String incremental = since(start, cpu);
      start = mark(cpu);
      full = full(c, ws, phase, metrics);
      String fullTime = since(start, cpu);
      System.out.printf("round %d (+%,d events, +%,d units): incremental %s (fold of %,d units %s), full %s,"
          + " largest relative difference of a sum %.1e%n", r, newEvents, newUnits, incremental, fold.units(), foldTime,
          fullTime, difference(read.metrics(), full));
    }
  }

  private static List<List<CupedStats>> full(Connection c, WarehouseStatistics ws, MetricQueries.Phase phase,
      List<MetricQueries.Metric> metrics) throws Exception {
    long[] counts = ws.exposures(c, phase, 2).units();
    List<List<CupedStats>> stats = ws.metrics(c, phase, metrics, 2);
    analyze(counts, stats);
    return stats;
  }

  private static void analyze(long[] counts, List<List<CupedStats>> stats) {
    List<MetricData> data = new ArrayList<>();
    for (int m = 0; m < NAMES.length; m++) {
      data.add(new MetricData(NAMES[m], MetricData.Type.MEAN, true, MetricData.Role.GOAL, stats.get(m), null));
    }
    ExperimentAnalysis.analyze(List.of("control", "treatment"), counts, new double[] {0.5, 0.5}, data,
        AnalysisSettings.defaults());
  }

  /* 1% new units exposed in [from, from + 1 h); 1% new events in that hour, half of them theirs. */
  private static void append(Connection c, Dialect d, int round, long from, long units, long newUnits, long newEvents)
      throws Exception {
    String prefix = "'n" + round + "_'";
    try (Statement st = c.createStatement()) {
      if (d == Dialect.DUCKDB) {
        st.execute("INSERT INTO exposures SELECT " + prefix + " || i, 'exp', CAST(hash(i) % 2 AS INTEGER), "
            + from + " + CAST(hash(i * 3) % " + HOUR + " AS BIGINT), 'default', NULL FROM range(" + newUnits + ") t(i)");
        st.execute("INSERT INTO metric_events SELECT CASE WHEN j % 2 = 0 THEN " + prefix + " || (hash(j) % " + newUnits
            + ") ELSE 'u' || (hash(j) % " + units + ") END, (['purchase','revenue','session','page_view','add_to_cart'])"
            + "[1 + CAST(j % 5 AS INTEGER)], " + from + " + CAST(hash(j * 13) % " + HOUR + " AS BIGINT),"
            + " CAST((hash(j * 17) % 10000) / 100.0 AS DOUBLE), 'default', NULL FROM range(" + newEvents + ") t(j)");
      } else {
        st.execute("INSERT INTO exposures (id, unit_id, experiment_key, variation_id, ts) SELECT 'x' || " + prefix
            + " || i, " + prefix + " || i, 'exp', (i % 2)::int, " + from + " + (i * 7919) % " + HOUR
            + " FROM generate_series(0::bigint, " + (newUnits - 1) + ") i");
        st.execute("INSERT INTO metric_events (id, unit_id, name, ts, value) SELECT 'e' || " + prefix + " || j,"
            + " CASE WHEN j % 2 = 0 THEN " + prefix + " || ((j * 104729) % " + newUnits + ") ELSE 'u' || ((j * 104729) % "
            + units + ") END, (ARRAY['purchase','revenue','session','page_view','add_to_cart'])[1 + (j % 5)::int], "
            + from + " + (j * 15485863) % " + HOUR + ", ((j * 31) % 10000) / 100.0"
            + " FROM generate_series(0::bigint, " + (newEvents - 1) + ") j");
        st.execute("ANALYZE exposures");
        st.execute("ANALYZE metric_events");
      }
    }
  }

  private static double difference(List<List<CupedStats>> a, List<List<CupedStats>> b) {
    double worst = 0;
    for (int m = 0; m < a.size(); m++) {
      for (int v = 0; v < a.get(m).size(); v++) {
        CupedStats x = a.get(m).get(v);
        CupedStats y = b.get(m).get(v);
        if (x.n() != y.n()) {
          return Double.POSITIVE_INFINITY;
        }
        for (double[] p : new double[][] {{x.sumY(), y.sumY()}, {x.sumY2(), y.sumY2()}, {x.sumX(), y.sumX()},
            {x.sumX2(), y.sumX2()}, {x.sumXY(), y.sumXY()}}) {
          worst = Math.max(worst, Math.abs(p[0] - p[1]) / Math.max(1e-300, Math.max(Math.abs(p[0]), Math.abs(p[1]))));
        }
      }
    }
    return worst;
  }

  private static long mark(long[] cpu) {
    cpu[0] = AnalysisLoad.processCpuNanos();
    return System.nanoTime();
  }

  private static String since(long start, long[] cpu) {
    return String.format("%.2f s (process CPU %.2f s)", (System.nanoTime() - start) / 1e9,
        (AnalysisLoad.processCpuNanos() - cpu[0]) / 1e9);
  }
}
