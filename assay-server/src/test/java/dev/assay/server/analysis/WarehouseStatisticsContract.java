package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.assay.server.analysis.MetricQueries.Aggregation;
import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
import dev.assay.server.store.TestPostgres;
import dev.assay.stats.CupedStats;
import dev.assay.stats.RatioStats;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The generated SQL, run on a real warehouse (DuckDB and PostgreSQL subclasses) over synthetic exposures and events, gives
 * the same sufficient statistics as a direct computation over the same rows in Java: first
 * exposure per unit, multi-variation units excluded, conversion window and pre-period, capping.
 */
abstract class WarehouseStatisticsContract {
  private static final long DAY = 86_400_000L;
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01

  private Connection c;
  private final List<long[]> exposures = new ArrayList<>(); // unit, variation, ts
  private final List<Object[]> events = new ArrayList<>(); // unit, name, ts, value
  private final Map<String, List<Object[]>> eventsByUnit = new HashMap<>();

  /** The dialect under test. */
  abstract Dialect dialect();

  /** A connection to an empty warehouse database or schema, with {@link #qualified} table names. */
  abstract Connection open() throws Exception;

  /** Drops what {@link #open} created. */
  abstract void cleanUp(Connection c) throws Exception;

  String schema;

  String qualified(String table) {
    return schema == null ? table : schema + "." + table;
  }

  @BeforeEach
  void load() throws Exception {
    c = open();
    try (Statement st = c.createStatement()) {
      st.execute("CREATE TABLE " + qualified("exposures") + " (unit_id VARCHAR, experiment_key VARCHAR, variation_id INT, ts BIGINT)");
      st.execute("CREATE TABLE " + qualified("metric_events") + " (unit_id VARCHAR, name VARCHAR, ts BIGINT, value DOUBLE PRECISION)");
    }
    SplittableRandom rnd = new SplittableRandom(7);
    for (int u = 0; u < 3000; u++) {
      int v = rnd.nextInt(2);
      long first = T0 + rnd.nextLong(5 * DAY);
      exposures.add(new long[] {u, v, first});
      exposures.add(new long[] {u, v, first + rnd.nextLong(DAY)}); // repeat exposure, same variation
      if (u % 97 == 0) {
        exposures.add(new long[] {u, 1 - v, first + 1000}); // saw both variations: excluded
      }
      int n = rnd.nextInt(6);
      for (int k = 0; k < n; k++) {
        long ts = first - 3 * DAY + rnd.nextLong(10 * DAY);
        events.add(new Object[] {"u" + u, "purchase", ts, Math.round(rnd.nextDouble() * 100 * (1 + v * 0.1)) / 1.0});
        events.add(new Object[] {"u" + u, "session", ts, null});
      }
    }
    exposures.add(new long[] {99_999, 0, T0 - DAY}); // before the phase: ignored
    for (Object[] e : events) {
      eventsByUnit.computeIfAbsent((String) e[0], k -> new ArrayList<>()).add(e);
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + qualified("exposures") + " VALUES (?, 'exp', ?, ?)")) {
      for (long[] e : exposures) {
        ps.setString(1, "u" + e[0]);
        ps.setInt(2, (int) e[1]);
        ps.setLong(3, e[2]);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + qualified("metric_events") + " VALUES (?, ?, ?, ?)")) {
      for (Object[] e : events) {
        ps.setString(1, (String) e[0]);
        ps.setString(2, (String) e[1]);
        ps.setLong(3, (Long) e[2]);
        ps.setObject(4, e[3]);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (Statement st = c.createStatement()) {
      // As a warehouse would have them: planner statistics after loading.
      st.execute("ANALYZE " + qualified("exposures"));
      st.execute("ANALYZE " + qualified("metric_events"));
    }
  }

  @AfterEach
  void drop() throws Exception {
    cleanUp(c);
    c.close();
  }

  /** Java reference: per unit, variation and first exposure inside the phase, multi-variation excluded. */
  private Map<String, long[]> units(long start, long end) {
    Map<String, long[]> first = new HashMap<>();
    Map<String, Integer> minV = new HashMap<>();
    Map<String, Integer> maxV = new HashMap<>();
    for (long[] e : exposures) {
      if (e[2] < start || e[2] >= end) {
        continue;
      }
      String u = "u" + e[0];
      first.merge(u, new long[] {e[1], e[2]}, (a, b) -> a[1] <= b[1] ? a : b);
      minV.merge(u, (int) e[1], Math::min);
      maxV.merge(u, (int) e[1], Math::max);
    }
    first.keySet().removeIf(u -> !minV.get(u).equals(maxV.get(u)));
    return first;
  }

  private double perUnit(String unit, long firstTs, String name, Aggregation agg, boolean pre, long window, long lookback) {
    double sum = 0;
    int count = 0;
    for (Object[] e : eventsByUnit.getOrDefault(unit, List.of())) {
      long ts = (Long) e[2];
      if (!e[1].equals(name)) {
        continue;
      }
      boolean in = pre ? ts >= firstTs - lookback && ts < firstTs : ts >= firstTs && ts < firstTs + window;
      if (in) {
        count++;
        sum += e[3] == null ? 0 : (Double) e[3];
      }
    }
    return switch (agg) {
      case CONVERSION -> count > 0 ? 1 : 0;
      case COUNT -> count;
      case SUM -> sum;
    };
  }

  @Test
  void meanMetricWithCuped_sameSufficientStatisticsAsDirectComputation() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    Metric revenue = new Metric("purchase", Aggregation.SUM, 3 * DAY, 2 * DAY, null, null);
    WarehouseStatistics ws = new WarehouseStatistics(dialect(), WarehouseSchema.assayDefault().withTables(
        qualified("exposures"), qualified("metric_events")));

    List<CupedStats> got = ws.metric(c, phase, revenue, 2);

    double[][] expected = new double[2][6];
    for (Map.Entry<String, long[]> u : units(phase.startMillis(), phase.endMillis()).entrySet()) {
      int v = (int) u.getValue()[0];
      double y = perUnit(u.getKey(), u.getValue()[1], "purchase", Aggregation.SUM, false, 3 * DAY, 2 * DAY);
      double x = perUnit(u.getKey(), u.getValue()[1], "purchase", Aggregation.SUM, true, 3 * DAY, 2 * DAY);
      double[] s = expected[v];
      s[0]++;
      s[1] += y;
      s[2] += y * y;
      s[3] += x;
      s[4] += x * x;
      s[5] += x * y;
    }
    for (int v = 0; v < 2; v++) {
      CupedStats g = got.get(v);
      double[] e = expected[v];
      assertThat(g.n()).isEqualTo((long) e[0]);
      assertThat(g.sumY()).isCloseTo(e[1], within(1e-6));
      assertThat(g.sumY2()).isCloseTo(e[2], within(1e-4));
      assertThat(g.sumX()).isCloseTo(e[3], within(1e-6));
      assertThat(g.sumX2()).isCloseTo(e[4], within(1e-4));
      assertThat(g.sumXY()).isCloseTo(e[5], within(1e-4));
    }
    WarehouseStatistics.ExposureCounts counts = ws.exposures(c, phase, 2);
    assertThat(counts.units()[0] + counts.units()[1]).isEqualTo((long) (expected[0][0] + expected[1][0]));
    assertThat(counts.multipleExposures()).isEqualTo(31); // units 0, 97, ..., 2910
  }

  @Test
  void conversionAndRatioAndCap_matchDirectComputation() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    WarehouseStatistics ws = new WarehouseStatistics(dialect(), WarehouseSchema.assayDefault().withTables(
        qualified("exposures"), qualified("metric_events")));
    Metric converted = new Metric("purchase", Aggregation.CONVERSION, DAY, 0, null, null);
    Metric capped = new Metric("purchase", Aggregation.SUM, DAY, 0, 50.0, null);
    Metric sessions = new Metric("session", Aggregation.COUNT, DAY, 0, null, null);

    List<CupedStats> conv = ws.metric(c, phase, converted, 2);
    List<CupedStats> cap = ws.metric(c, phase, capped, 2);
    List<RatioStats> ratio = ws.ratio(c, phase, capped, sessions, 2);

    double[] convSum = new double[2];
    double[] capSum = new double[2];
    double[] sessSum = new double[2];
    double[] crossSum = new double[2];
    for (Map.Entry<String, long[]> u : units(phase.startMillis(), phase.endMillis()).entrySet()) {
      int v = (int) u.getValue()[0];
      long first = u.getValue()[1];
      convSum[v] += perUnit(u.getKey(), first, "purchase", Aggregation.CONVERSION, false, DAY, 0);
      double revenue = Math.min(50, perUnit(u.getKey(), first, "purchase", Aggregation.SUM, false, DAY, 0));
      double s = perUnit(u.getKey(), first, "session", Aggregation.COUNT, false, DAY, 0);
      capSum[v] += revenue;
      sessSum[v] += s;
      crossSum[v] += revenue * s;
    }
    for (int v = 0; v < 2; v++) {
      assertThat(conv.get(v).sumY()).isEqualTo(convSum[v]);
      assertThat(conv.get(v).sumY2()).as("0/1 values").isEqualTo(convSum[v]);
      assertThat(cap.get(v).sumY()).isCloseTo(capSum[v], within(1e-6));
      assertThat(ratio.get(v).sumDen()).isEqualTo(sessSum[v]);
      assertThat(ratio.get(v).sumNum()).as("numerator capped like the metric").isCloseTo(capSum[v], within(1e-6));
      assertThat(ratio.get(v).sumNumDen()).isCloseTo(crossSum[v], within(1e-4));
    }
  }
}
