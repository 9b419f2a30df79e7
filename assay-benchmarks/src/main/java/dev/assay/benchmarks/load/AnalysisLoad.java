package dev.assay.benchmarks.load;

import dev.assay.server.analysis.AnalysisLimits;
import dev.assay.server.analysis.AnalysisSandbox;
import dev.assay.server.analysis.Dialect;
import dev.assay.server.analysis.MetricQueries;
import dev.assay.server.analysis.WarehouseSchema;
import dev.assay.server.analysis.WarehouseStatistics;
import dev.assay.server.events.PostgresEventWarehouse;
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
 * Analysis refresh harness: builds a warehouse with U units exposed to a 2-variation experiment
 * and E metric events over 5 event names (generated in SQL, so loading is not measured), then
 * times a full refresh: exposure counts plus 5 metrics with a CUPED pre-period reduced to
 * sufficient statistics in SQL in one pass over the events (as a refresh does), and the statistics
 * engine on top. Optional arguments: rounds, {@code per-metric} (one query per metric instead),
 * {@code reuse} (keep the tables of an earlier run).
 *
 * <pre>
 * java -cp assay-benchmarks/target/benchmarks.jar dev.assay.benchmarks.load.AnalysisLoad \
 *     jdbc:duckdb:/tmp/assay-analysis.duckdb 1000000 10000000 3 [one-pass|per-metric] [reuse]
 * </pre>
 */
public final class AnalysisLoad {
  private static final long DAY = 86_400_000L;

  private AnalysisLoad() {}

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "jdbc:duckdb:";
    long units = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
    long events = args.length > 2 ? Long.parseLong(args[2]) : 10_000_000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    // "per-metric": one query per metric (as before the one-pass query), for comparison.
    boolean perMetric = args.length > 4 && args[4].equals("per-metric");
    boolean reuse = args.length > 5 && args[5].equals("reuse");
    Dialect dialect = Dialect.forJdbcUrl(url);
    try (Connection c = DriverManager.getConnection(url)) {
      c.setAutoCommit(true);
      long t0 = System.nanoTime();
      if (!reuse) {
        load(c, url, dialect, units, events);
      }
      System.out.printf("loaded %,d units and %,d events in %.1f s%n", units, events, (System.nanoTime() - t0) / 1e9);
      // PostgreSQL: the analysis runs on a connection prepared as the server prepares it (read-only,
      // a statement timeout; AnalysisSandbox), unless -Dsandbox=false.
      if (dialect == Dialect.POSTGRESQL && !"false".equals(System.getProperty("sandbox"))) {
        try (Connection analysis = AnalysisSandbox.warehouse(url, AnalysisLimits.defaults(Duration.ofMinutes(30))).connect()) {
          refreshes(analysis, dialect, rounds, perMetric);
        }
      } else {
        refreshes(c, dialect, rounds, perMetric);
      }
    }
  }

  private static void refreshes(Connection c, Dialect dialect, int rounds, boolean perMetric) throws Exception {
    WarehouseStatistics ws = new WarehouseStatistics(dialect, WarehouseSchema.assayDefault());
    MetricQueries.Phase phase = new MetricQueries.Phase("exp", 0, Long.MAX_VALUE / 4, "default");
    String[] names = {"purchase", "revenue", "session", "page_view", "add_to_cart"};
    MetricQueries.Aggregation[] aggs = {MetricQueries.Aggregation.CONVERSION, MetricQueries.Aggregation.SUM,
        MetricQueries.Aggregation.COUNT, MetricQueries.Aggregation.COUNT, MetricQueries.Aggregation.SUM};
    for (int r = 1; r <= rounds; r++) {
      long start = System.nanoTime();
      long cpuStart = processCpuNanos();
      WarehouseStatistics.ExposureCounts counts = ws.exposures(c, phase, 2);
      List<MetricData> data = new ArrayList<>();
      List<MetricQueries.Metric> metrics = new ArrayList<>();
      for (int m = 0; m < names.length; m++) {
        metrics.add(new MetricQueries.Metric(names[m], aggs[m], 7 * DAY, 14 * DAY, null, null));
      }
      List<List<CupedStats>> stats = new ArrayList<>();
      if (perMetric) {
        for (MetricQueries.Metric m : metrics) {
          stats.add(ws.metric(c, phase, m, 2));
        }
      } else {
        stats = ws.metrics(c, phase, metrics, 2);
      }
      for (int m = 0; m < names.length; m++) {
        data.add(new MetricData(names[m], MetricData.Type.MEAN, true, MetricData.Role.GOAL, stats.get(m), null));
      }
      ExperimentAnalysis a = ExperimentAnalysis.analyze(List.of("control", "treatment"), counts.units(),
          new double[] {0.5, 0.5}, data, AnalysisSettings.defaults());
      double secs = (System.nanoTime() - start) / 1e9;
      // CPU time of the whole process (DuckDB's native threads included; 0 for a remote warehouse's server):
      // on a machine shared with other work, wall time stretches but this does not.
      double cpu = (processCpuNanos() - cpuStart) / 1e9;
      System.out.printf("refresh %d: %.2f s, process CPU %.2f s (units %,d + %,d, %d results, CUPED variance reduction of %s: %.0f%%)%n",
          r, secs, cpu, counts.units()[0], counts.units()[1], a.results().size(), names[1],
          100 * a.results().get(1).cupedVarianceReduction());
      if (Boolean.getBoolean("lineage")) {
        lineage(c, names);
      }
    }
  }

  /*
   * -Dlineage=true: times what a refresh adds for its lineage (ADR 0043) — the COUNT(*) of the
   * exposures in the window and of the metric events in reach (the SQL WarehouseReads generates
   * for this schema, project filter aside) and the version query. A reproduction runs the
   * refresh's queries again, so it costs what the queries above cost.
   */
  private static void lineage(Connection c, String[] names) throws Exception {
    long start = System.nanoTime();
    long exposures;
    long events;
    try (Statement st = c.createStatement()) {
      try (var rs = st.executeQuery("SELECT COUNT(*) FROM \"exposures\" WHERE \"experiment_key\" = 'exp'"
          + " AND \"ts\" >= 0 AND \"ts\" < " + (Long.MAX_VALUE / 4))) {
        rs.next();
        exposures = rs.getLong(1);
      }
      try (var rs = st.executeQuery("SELECT COUNT(*) FROM \"metric_events\" WHERE \"name\" IN ('"
          + String.join("', '", names) + "') AND \"ts\" >= " + (-14 * DAY) + " AND \"ts\" < "
          + (Long.MAX_VALUE / 4 + 7 * DAY))) {
        rs.next();
        events = rs.getLong(1);
      }
      try (var rs = st.executeQuery("SELECT version()")) {
        rs.next();
      }
    }
    System.out.printf("lineage counts: %.3f s (%,d exposures, %,d metric events read)%n",
        (System.nanoTime() - start) / 1e9, exposures, events);
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static void load(Connection c, String url, Dialect d, long units, long events) throws Exception {
    try (Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS exposures");
      st.execute("DROP TABLE IF EXISTS metric_events");
      if (d == Dialect.DUCKDB) {
        st.execute("CREATE TABLE exposures AS SELECT 'u' || i AS unit_id, 'exp' AS experiment_key,"
            + " CAST(hash(i) % 2 AS INTEGER) AS variation_id, CAST(20 * " + DAY + " + (hash(i * 7) % " + DAY
            + ") AS BIGINT) AS ts, 'default' AS project, CAST(NULL AS VARCHAR) AS flag FROM range(" + units + ") t(i)");
        st.execute("CREATE TABLE metric_events AS SELECT 'u' || (hash(j) % " + units + ") AS unit_id,"
            + " (['purchase','revenue','session','page_view','add_to_cart'])[1 + CAST(j % 5 AS INTEGER)] AS name,"
            + " CAST(10 * " + DAY + " + (hash(j * 13) % (20 * " + DAY + ")) AS BIGINT) AS ts,"
            + " CAST((hash(j * 17) % 10000) / 100.0 AS DOUBLE) AS value, 'default' AS project, CAST(NULL AS VARCHAR) AS flag"
            + " FROM range(" + events + ") t(j)");
      } else {
        // The server's own tables, columns and covering indexes (PostgresEventWarehouse), filled in place.
        PostgresEventWarehouse.open(url).close();
        st.execute("INSERT INTO exposures (id, unit_id, experiment_key, variation_id, ts) SELECT 'x' || i, 'u' || i, 'exp',"
            + " (i % 2)::int, (20 * " + DAY + "::bigint + (i * 7919) % " + DAY + ")"
            + " FROM generate_series(0::bigint, " + (units - 1) + ") i");
        st.execute("INSERT INTO metric_events (id, unit_id, name, ts, value) SELECT 'e' || j, 'u' || ((j * 104729) % " + units
            + "), (ARRAY['purchase','revenue','session','page_view','add_to_cart'])[1 + (j % 5)::int],"
            + " (10 * " + DAY + "::bigint + (j * 15485863) % (20 * " + DAY + "::bigint)),"
            + " ((j * 31) % 10000) / 100.0 FROM generate_series(0::bigint, " + (events - 1) + ") j");
        // as autovacuum does after bulk inserts (PostgreSQL 13+): statistics, and the visibility map
        // that lets the covering indexes answer without visiting the table
        st.execute("VACUUM ANALYZE exposures");
        st.execute("VACUUM ANALYZE metric_events");
      }
    }
  }
}
