package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.analysis.MetricQueries.Aggregation;
import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.CupedStats;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.MetricData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Incremental refresh (ADR 0050) on a real warehouse: a randomized experiment whose exposures and
 * events arrive over several refreshes — late (up to the lateness bound after their time), units
 * switching variation, new units each batch, events before a unit's exposure, another project's
 * rows — folded batch by batch gives the same sufficient statistics, and so the same means,
 * variances, CUPED estimates and p-values, as the full queries ({@link MetricQueries#metrics},
 * themselves checked against a direct computation in {@link WarehouseStatisticsContract}) over the
 * same rows at each refresh. Values are whole numbers, so sums are exact in any order and the
 * comparison is exact.
 */
abstract class UnitAggregatesContract {
  private static final long DAY = 86_400_000L;
  private static final long HOUR = 3_600_000L;
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01
  private static final long LATENESS = DAY;
  static final WarehouseSchema SCHEMA = WarehouseSchema.assayDefault().withoutFlag();

  private Connection c;
  /* Rows not yet inserted, each with the time it reaches the warehouse. */
  private final List<Pending> pending = new ArrayList<>();

  private record Pending(long arrives, boolean exposure, Object[] row) {}

  abstract Dialect dialect();

  /** A connection to an empty database or schema whose unqualified tables are this test's. */
  abstract Connection open() throws Exception;

  abstract void cleanUp(Connection c) throws Exception;

  @BeforeEach
  void tables() throws Exception {
    c = open();
    try (Statement st = c.createStatement()) {
      st.execute("CREATE TABLE exposures (unit_id VARCHAR(64), experiment_key VARCHAR(64), variation_id INT,"
          + " ts BIGINT, project VARCHAR(64), attributes VARCHAR(64))");
      st.execute("CREATE TABLE metric_events (unit_id VARCHAR(64), name VARCHAR(64), ts BIGINT,"
          + " value DOUBLE PRECISION, project VARCHAR(64), properties VARCHAR(64))");
    }
    SplittableRandom rnd = new SplittableRandom(19);
    for (int u = 0; u < 1500; u++) {
      int v = rnd.nextInt(2);
      long first = T0 + rnd.nextLong(8 * DAY);
      exposure(rnd, u, v, first, "p");
      exposure(rnd, u, v, first + rnd.nextLong(2 * DAY), "p"); // a repeat, maybe in a later batch
      if (u % 23 == 0) {
        exposure(rnd, u, 1 - v, first + rnd.nextLong(3 * DAY), "p"); // switches variation: excluded
      }
      if (u % 31 == 0) {
        exposure(rnd, u, 1 - v, first - HOUR, "q"); // another project's exposure: ignored
      }
      int n = rnd.nextInt(8);
      for (int k = 0; k < n; k++) {
        // from 4 days before the first exposure (pre-period, and before any exposure) to 5 after
        long ts = first - 4 * DAY + rnd.nextLong(9 * DAY);
        String name = List.of("purchase", "revenue", "session").get(rnd.nextInt(3));
        Double value = name.equals("session") ? null : (double) (1 + rnd.nextInt(60));
        event(rnd, new Object[] {"u" + u, name, ts, value, k % 9 == 8 ? "q" : "p", null});
      }
    }
  }

  private void exposure(SplittableRandom rnd, int unit, int variation, long ts, String project) {
    pending.add(new Pending(ts + rnd.nextLong(LATENESS), true,
        new Object[] {"u" + unit, "exp", variation, ts, project, null}));
  }

  private void event(SplittableRandom rnd, Object[] row) {
    pending.add(new Pending((long) row[2] + rnd.nextLong(LATENESS), false, row));
  }

  @AfterEach
  void drop() throws Exception {
    cleanUp(c);
    c.close();
  }

  private static List<Metric> metrics() {
    return List.of(
        new Metric("purchase", Aggregation.CONVERSION, 2 * DAY, 3 * DAY, null, null),
        new Metric("revenue", Aggregation.SUM, 3 * DAY, 3 * DAY, 40.0, null),
        new Metric("session", Aggregation.COUNT, DAY, 0, null, 0.9),
        new Metric("revenue", Aggregation.COUNT, 12 * HOUR, 2 * DAY, null, null));
  }

  private static Phase phase() {
    return new Phase("exp", T0, AnalysisPlan.OPEN_END, "p");
  }

  @Test
  void foldedInBatches_sameStatisticsAsFullQueriesAtEveryRefresh() throws Exception {
    UnitAggregates aggregates = new UnitAggregates(dialect(), SCHEMA, Duration.ofMinutes(1));
    long[] refreshes = {T0 + DAY, T0 + 3 * DAY, T0 + 4 * DAY + 7 * HOUR, T0 + 6 * DAY, T0 + 9 * DAY, T0 + 30 * DAY};
    for (int k = 0; k < refreshes.length; k++) {
      long now = refreshes[k];
      arrive(now);
      UnitAggregates.Fold fold = aggregates.fold(c, phase(), metrics(), now - LATENESS);
      assertThat(fold.built()).as("built at the first refresh only").isEqualTo(k == 0);
      assertThat(fold.horizon()).isEqualTo(now - LATENESS);
      assertSameAsFull(aggregates, "refresh " + (k + 1));
    }
  }

  @Test
  void eventLaterThanTheBound_missedUntilAFullRecompute() throws Exception {
    UnitAggregates aggregates = new UnitAggregates(dialect(), SCHEMA, Duration.ofMinutes(1));
    arrive(T0 + 30 * DAY);
    aggregates.fold(c, phase(), metrics(), T0 + 20 * DAY);
    assertSameAsFull(aggregates, "all rows arrived");
    // a unit's purchase 2 hours after its first exposure, arriving 19 days late
    insert("metric_events", List.<Object[]>of(new Object[] {"u5", "purchase", firstExposure("u5") + 2 * HOUR, 1.0,
        "p", null}, new Object[] {"u5", "session", firstExposure("u5") + 2 * HOUR, null, "p", null}));
    assertThat(read(aggregates).metrics()).as("behind the horizon: not in the aggregates")
        .isNotEqualTo(full().metrics());
    aggregates.invalidate(c, phase(), metrics());
    assertThat(aggregates.fold(c, phase(), metrics(), T0 + 20 * DAY).built()).isTrue();
    assertSameAsFull(aggregates, "after the full recompute");
  }

  @Test
  void changedPhaseOrDefinition_isAnotherTable_builtFromThePhaseStart() throws Exception {
    UnitAggregates aggregates = new UnitAggregates(dialect(), SCHEMA, Duration.ofMinutes(1));
    arrive(T0 + 5 * DAY);
    aggregates.fold(c, phase(), metrics(), T0 + 4 * DAY);
    arrive(T0 + 30 * DAY);
    // the phase ends (a new one starts): its bounds change, so do its numbers
    Phase ended = new Phase("exp", T0, T0 + 6 * DAY, "p");
    UnitAggregates.Fold fold = aggregates.fold(c, ended, metrics(), T0 + 20 * DAY);
    assertThat(fold.built()).isTrue();
    assertThat(fold.from()).isEqualTo(T0);
    assertThat(aggregates.read(c, phase(), metrics(), 2)).as("the open phase's table was dropped").isEmpty();
    assertSameAsFull(aggregates, ended, metrics());
    // a metric's window changes: the same phase, another table
    List<Metric> changed = new ArrayList<>(metrics());
    changed.set(0, new Metric("purchase", Aggregation.CONVERSION, 4 * DAY, 3 * DAY, null, null));
    assertThat(aggregates.fold(c, ended, changed, T0 + 20 * DAY).built()).isTrue();
    assertSameAsFull(aggregates, ended, changed);
  }

  private void assertSameAsFull(UnitAggregates aggregates, String when) throws Exception {
    UnitAggregates.Read incremental = read(aggregates);
    UnitAggregates.Read full = full();
    assertThat(incremental.counts().units()).as(when + ": units").containsExactly(full.counts().units());
    assertThat(incremental.counts().multipleExposures()).as(when + ": excluded units")
        .isEqualTo(full.counts().multipleExposures());
    assertThat(incremental.counts().units()[0]).as(when + ": units counted").isPositive();
    assertThat(incremental.metrics()).as(when + ": sufficient statistics").isEqualTo(full.metrics());
    assertThat(analysis(incremental)).as(when + ": means, variances, CUPED, p-values").isEqualTo(analysis(full));
  }

  private void assertSameAsFull(UnitAggregates aggregates, Phase phase, List<Metric> metrics) throws Exception {
    UnitAggregates.Read incremental = aggregates.read(c, phase, metrics, 2).orElseThrow();
    WarehouseStatistics ws = new WarehouseStatistics(dialect(), SCHEMA);
    assertThat(incremental.counts().units()).containsExactly(ws.exposures(c, phase, 2).units());
    assertThat(incremental.metrics()).isEqualTo(ws.metrics(c, phase, metrics, 2));
  }

  private UnitAggregates.Read read(UnitAggregates aggregates) throws Exception {
    return aggregates.read(c, phase(), metrics(), 2).orElseThrow();
  }

  /* The same numbers from the full queries over every row (the refresh's queries without aggregates). */
  private UnitAggregates.Read full() throws Exception {
    WarehouseStatistics ws = new WarehouseStatistics(dialect(), SCHEMA);
    return new UnitAggregates.Read(ws.exposures(c, phase(), 2), ws.metrics(c, phase(), metrics(), 2), 0, null, null);
  }

  /* The statistics a snapshot shows: per result its estimates, intervals and p-values. */
  private static String analysis(UnitAggregates.Read read) {
    List<MetricData> data = new ArrayList<>();
    for (int i = 0; i < read.metrics().size(); i++) {
      List<CupedStats> s = read.metrics().get(i);
      data.add(new MetricData("m" + i, i == 0 ? MetricData.Type.PROPORTION : MetricData.Type.MEAN, true,
          MetricData.Role.GOAL, s, null));
    }
    ExperimentAnalysis a = ExperimentAnalysis.analyze(List.of("control", "treatment"), read.counts().units(),
        new double[] {0.5, 0.5}, data, AnalysisSettings.defaults());
    return a.results().toString();
  }

  private long firstExposure(String unit) throws Exception {
    try (PreparedStatement ps = c.prepareStatement("SELECT MIN(ts) FROM exposures WHERE unit_id = ? AND project = 'p'")) {
      ps.setString(1, unit);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /* Inserts the rows that have reached the warehouse by {@code now}. */
  private void arrive(long now) throws Exception {
    List<Object[]> exposures = new ArrayList<>();
    List<Object[]> events = new ArrayList<>();
    pending.removeIf(p -> {
      if (p.arrives() > now) {
        return false;
      }
      (p.exposure() ? exposures : events).add(p.row());
      return true;
    });
    insert("exposures", exposures);
    insert("metric_events", events);
  }

  private void insert(String table, List<Object[]> rows) throws Exception {
    if (rows.isEmpty()) {
      return;
    }
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?)")) {
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          ps.setObject(i + 1, row[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
      c.commit();
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }
}
