package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.assay.server.analysis.MetricQueries.Aggregation;
import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
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
 * The generated SQL, run on a real warehouse (DuckDB and PostgreSQL subclasses here, Trino in assay-trino-tests) over synthetic exposures and events, gives
 * the same sufficient statistics as a direct computation over the same rows in Java: first
 * exposure per unit, multi-variation units excluded, conversion window and pre-period, capping.
 */
abstract class WarehouseStatisticsContract {
  private static final long DAY = 86_400_000L;
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01

  private Connection c;
  /* The tables this suite creates have no flag column, until the flag test adds one. */
  private WarehouseSchema tables = WarehouseSchema.assayDefault().withoutFlag();
  private final List<long[]> exposures = new ArrayList<>(); // unit, variation, ts
  private final List<Object[]> events = new ArrayList<>(); // unit, name, ts, value
  private final Map<String, List<Object[]>> eventsByUnit = new HashMap<>();
  private final Map<Long, Long> firstExposure = new HashMap<>();

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
      st.execute("CREATE TABLE " + qualified("exposures") + " (unit_id VARCHAR, experiment_key VARCHAR, variation_id INT, ts BIGINT, attributes VARCHAR)");
      st.execute("CREATE TABLE " + qualified("metric_events") + " (unit_id VARCHAR, name VARCHAR, ts BIGINT, value DOUBLE PRECISION, properties VARCHAR)");
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
        double value = Math.round(rnd.nextDouble() * 100 * (1 + v * 0.1)) / 1.0;
        String currency = rnd.nextInt(3) == 0 ? "USD" : "EUR";
        events.add(new Object[] {"u" + u, "purchase", ts, value,
            "{\"amount\": " + (value * 2 + 1) + ", \"currency\": \"" + currency + "\", \"gift\": " + (k % 2 == 0) + "}"});
        events.add(new Object[] {"u" + u, "session", ts, null, null});
      }
    }
    exposures.add(new long[] {99_999, 0, T0 - DAY}); // before the phase: ignored
    for (long[] e : exposures) {
      firstExposure.merge(e[0], e[2], Math::min);
    }
    for (Object[] e : events) {
      eventsByUnit.computeIfAbsent((String) e[0], k -> new ArrayList<>()).add(e);
    }
    List<Object[]> exposureRows = new ArrayList<>();
    for (long[] e : exposures) {
      // A unit's later exposures may carry another platform: the breakdown uses the first one's.
      String platform = e[2] == firstExposure.get(e[0]) ? platform(e[0]) : platform(e[0] + 1);
      exposureRows.add(new Object[] {"u" + e[0], "exp", (int) e[1], e[2],
          "{\"platform\": \"" + platform + "\", \"n\": 1, \"team\": \"t" + e[0] / 40 + "\"}"});
    }
    insert(c, qualified("exposures"), exposureRows);
    insert(c, qualified("metric_events"), events);
    // As a warehouse would have them: planner statistics after loading.
    analyze(c, qualified("exposures"));
    analyze(c, qualified("metric_events"));
  }

  /** Inserts rows (String, Integer, Long, Double or null values, in the table's column order). */
  void insert(Connection c, String table, List<Object[]> rows) throws Exception {
    String marks = String.join(", ", java.util.Collections.nCopies(rows.get(0).length, "?"));
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (" + marks + ")")) {
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          ps.setObject(i + 1, row[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Collects the planner statistics of a loaded table. */
  void analyze(Connection c, String table) throws Exception {
    try (Statement st = c.createStatement()) {
      st.execute("ANALYZE " + table);
    }
  }

  /** Adds a VARCHAR(length) column whose value in the existing rows is {@code value} (or null). */
  void addTextColumn(Connection c, String table, String column, int length, String value) throws Exception {
    try (Statement st = c.createStatement()) {
      st.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " VARCHAR(" + length + ")"
          + (value == null ? "" : " DEFAULT '" + value + "'"));
    }
  }

  private static String platform(long unit) {
    return unit % 3 == 0 ? "ios" : unit % 3 == 1 ? "android" : "web";
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
    WarehouseStatistics ws = new WarehouseStatistics(dialect(), tables.withTables(
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
  void platformAaSplit_halvesOfTheControlOnly_addUpToIt_andChangeWithTheSalt() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    Metric revenue = new Metric("purchase", Aggregation.SUM, 3 * DAY, 0, null, null);
    WarehouseStatistics ws = new WarehouseStatistics(dialect(), tables.withTables(
        qualified("exposures"), qualified("metric_events")));
    CupedStats control = ws.metric(c, phase, revenue, 2).get(0);

    long[] first = null;
    boolean changed = false;
    for (String salt : List.of("salt-1", "salt-2", "salt-3")) {
      List<CupedStats> halves = ws.metric(c, new Phase("exp", T0, T0 + 30 * DAY, null, null, null, salt), revenue, 2);
      assertThat(halves.get(0).n() + halves.get(1).n()).as("the control's units, split").isEqualTo(control.n());
      assertThat(halves.get(0).sumY() + halves.get(1).sumY()).isCloseTo(control.sumY(), within(1e-6));
      assertThat(halves.get(0).n()).isPositive();
      assertThat(halves.get(1).n()).isPositive();
      long[] n = {halves.get(0).n(), halves.get(1).n()};
      if (first == null) {
        first = n;
      } else if (first[0] != n[0]) {
        changed = true;
      }
    }
    assertThat(changed).as("another salt, another split").isTrue();
  }

  @Test
  void conversionAndRatioAndCap_matchDirectComputation() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    WarehouseStatistics ws = new WarehouseStatistics(dialect(), tables.withTables(
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

  private WarehouseStatistics statistics() {
    return new WarehouseStatistics(dialect(), tables.withTables(
        qualified("exposures"), qualified("metric_events")));
  }

  /** Σ of the JSON amount of a unit's EUR purchases in the window (the value-property and filter metric). */
  private double eurAmount(String unit, long firstTs, long window, boolean pre, long lookback, Boolean gift) {
    double sum = 0;
    for (Object[] e : eventsByUnit.getOrDefault(unit, List.of())) {
      long ts = (Long) e[2];
      if (!e[1].equals("purchase") || !((String) e[4]).contains("\"EUR\"")
          || (gift != null && !((String) e[4]).contains("\"gift\": " + gift))) {
        continue;
      }
      boolean in = pre ? ts >= firstTs - lookback && ts < firstTs : ts >= firstTs && ts < firstTs + window;
      if (in) {
        sum += (Double) e[3] * 2 + 1;
      }
    }
    return sum;
  }

  @Test
  void valuePropertyAndFilters_readFromEventPropertiesLikeDirectComputation() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    Metric eur = new Metric("purchase", Aggregation.SUM, 3 * DAY, 2 * DAY, null, null, null, "amount",
        Map.of("currency", "EUR", "gift", true));

    List<CupedStats> got = statistics().metric(c, phase, eur, 2);

    double[][] expected = new double[2][4];
    for (Map.Entry<String, long[]> u : units(phase.startMillis(), phase.endMillis()).entrySet()) {
      int v = (int) u.getValue()[0];
      double y = eurAmount(u.getKey(), u.getValue()[1], 3 * DAY, false, 2 * DAY, true);
      double x = eurAmount(u.getKey(), u.getValue()[1], 3 * DAY, true, 2 * DAY, true);
      expected[v][0]++;
      expected[v][1] += y;
      expected[v][2] += x;
      expected[v][3] += x * y;
    }
    for (int v = 0; v < 2; v++) {
      assertThat(got.get(v).n()).isEqualTo((long) expected[v][0]);
      assertThat(got.get(v).sumY()).isPositive().isCloseTo(expected[v][1], within(1e-6));
      assertThat(got.get(v).sumX()).isPositive().isCloseTo(expected[v][2], within(1e-6));
      assertThat(got.get(v).sumXY()).isCloseTo(expected[v][3], within(1e-3));
    }
    Metric numericFilter = new Metric("purchase", Aggregation.COUNT, 3 * DAY, 0, null, null, null, null,
        Map.of("amount", 41.0));
    long expectedCount = 0;
    for (Map.Entry<String, long[]> u : units(phase.startMillis(), phase.endMillis()).entrySet()) {
      for (Object[] e : eventsByUnit.getOrDefault(u.getKey(), List.of())) {
        long ts = (Long) e[2];
        if (e[1].equals("purchase") && (Double) e[3] == 20.0 && ts >= u.getValue()[1] && ts < u.getValue()[1] + 3 * DAY) {
          expectedCount++;
        }
      }
    }
    List<CupedStats> counted = statistics().metric(c, phase, numericFilter, 2);
    assertThat(counted.get(0).sumY() + counted.get(1).sumY()).isPositive().isEqualTo((double) expectedCount);
  }

  @Test
  void percentileCap_pooledOverVariationsLikeDirectComputation() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    Metric capped = new Metric("purchase", Aggregation.SUM, 3 * DAY, 0, null, 0.9);

    List<CupedStats> got = statistics().metric(c, phase, capped, 2);

    Map<String, long[]> units = units(phase.startMillis(), phase.endMillis());
    List<Double> pooled = new ArrayList<>();
    for (Map.Entry<String, long[]> u : units.entrySet()) {
      pooled.add(perUnit(u.getKey(), u.getValue()[1], "purchase", Aggregation.SUM, false, 3 * DAY, 0));
    }
    java.util.Collections.sort(pooled);
    double rank = 0.9 * (pooled.size() - 1); // percentile_cont: linear interpolation between order statistics
    int lo = (int) Math.floor(rank);
    double cap = pooled.get(lo) + (rank - lo) * (pooled.get(Math.min(lo + 1, pooled.size() - 1)) - pooled.get(lo));
    double[] sum = new double[2];
    for (Map.Entry<String, long[]> u : units.entrySet()) {
      sum[(int) u.getValue()[0]] += Math.min(cap, perUnit(u.getKey(), u.getValue()[1], "purchase", Aggregation.SUM,
          false, 3 * DAY, 0));
    }
    for (int v = 0; v < 2; v++) {
      assertThat(got.get(v).sumY()).isCloseTo(sum[v], within(1e-6));
      assertThat(got.get(v).sumY2()).isLessThanOrEqualTo(got.get(v).n() * cap * cap + 1e-6);
    }
  }

  @Test
  void breakdownByExposureAttribute_perLevelStatisticsLikeDirectComputation() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    Metric revenue = new Metric("purchase", Aggregation.SUM, 3 * DAY, 2 * DAY, null, null);

    java.util.SortedMap<String, List<CupedStats>> got = statistics().metricByDimension(c, phase, revenue, "platform", 2);

    assertThat(got.keySet()).containsExactly("android", "ios", "web");
    Map<String, double[]> expected = new HashMap<>();
    for (Map.Entry<String, long[]> u : units(phase.startMillis(), phase.endMillis()).entrySet()) {
      int v = (int) u.getValue()[0];
      double[] s = expected.computeIfAbsent(platform(Long.parseLong(u.getKey().substring(1))) + v, k -> new double[3]);
      s[0]++;
      s[1] += perUnit(u.getKey(), u.getValue()[1], "purchase", Aggregation.SUM, false, 3 * DAY, 2 * DAY);
      s[2] += perUnit(u.getKey(), u.getValue()[1], "purchase", Aggregation.SUM, true, 3 * DAY, 2 * DAY);
    }
    for (String level : got.keySet()) {
      for (int v = 0; v < 2; v++) {
        double[] e = expected.get(level + v);
        assertThat(got.get(level).get(v).n()).isEqualTo((long) e[0]);
        assertThat(got.get(level).get(v).sumY()).isCloseTo(e[1], within(1e-6));
        assertThat(got.get(level).get(v).sumX()).isCloseTo(e[2], within(1e-6));
      }
    }
  }

  @Test
  void quantile_orderStatisticsOfWindowedEventValuesLikeDirectComputation() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    Metric values = new Metric("purchase", Aggregation.SUM, 3 * DAY, 0, null, null);

    List<dev.assay.stats.QuantileStats> got = statistics().quantile(c, phase, values, 0.5, 0.05, 2);

    List<List<Double>> obs = List.of(new ArrayList<>(), new ArrayList<>());
    for (Map.Entry<String, long[]> u : units(phase.startMillis(), phase.endMillis()).entrySet()) {
      for (Object[] e : eventsByUnit.getOrDefault(u.getKey(), List.of())) {
        long ts = (Long) e[2];
        if (e[1].equals("purchase") && ts >= u.getValue()[1] && ts < u.getValue()[1] + 3 * DAY) {
          obs.get((int) u.getValue()[0]).add((Double) e[3]);
        }
      }
    }
    for (int v = 0; v < 2; v++) {
      List<Double> sorted = new ArrayList<>(obs.get(v));
      java.util.Collections.sort(sorted);
      long[] ranks = dev.assay.stats.QuantileStats.ranks(sorted.size(), 0.5, 0.05);
      assertThat(got.get(v).n()).isEqualTo(sorted.size());
      assertThat(got.get(v).estimate()).isEqualTo(sorted.get((int) ranks[1] - 1));
    }
  }

  @Test
  void onePassOverSeveralMetrics_sameStatisticsAsOneQueryPerMetric() throws Exception {
    Phase phase = new Phase("exp", T0, T0 + 30 * DAY);
    List<Metric> metrics = List.of(
        new Metric("purchase", Aggregation.SUM, 3 * DAY, 2 * DAY, null, null),
        new Metric("purchase", Aggregation.CONVERSION, DAY, 0, null, null),
        new Metric("session", Aggregation.COUNT, 2 * DAY, 4 * DAY, 3.0, null),
        new Metric("purchase", Aggregation.SUM, 5 * DAY, DAY, null, 0.9),
        new Metric("purchase", Aggregation.SUM, 3 * DAY, 2 * DAY, null, null, null, "amount", Map.of("currency", "EUR")));
    WarehouseStatistics ws = statistics();

    List<List<CupedStats>> together = ws.metrics(c, phase, metrics, 2);

    for (int i = 0; i < metrics.size(); i++) {
      List<CupedStats> alone = ws.metric(c, phase, metrics.get(i), 2);
      for (int v = 0; v < 2; v++) {
        CupedStats a = alone.get(v);
        CupedStats t = together.get(i).get(v);
        assertThat(t.n()).as("metric %d variation %d", i, v).isEqualTo(a.n());
        assertThat(t.sumY()).as("metric %d", i).isCloseTo(a.sumY(), within(1e-6));
        assertThat(t.sumY2()).as("metric %d", i).isCloseTo(a.sumY2(), within(1e-3));
        assertThat(t.sumX()).as("metric %d", i).isCloseTo(a.sumX(), within(1e-6));
        assertThat(t.sumX2()).as("metric %d", i).isCloseTo(a.sumX2(), within(1e-3));
        assertThat(t.sumXY()).as("metric %d", i).isCloseTo(a.sumXY(), within(1e-3));
      }
      assertThat(together.get(i).get(0).sumY() + together.get(i).get(1).sumY()).as("metric %d", i).isPositive();
    }
  }

  /* Every query shape of one phase, for comparing two warehouses' contents. */
  private List<Object> everyQuery(Phase phase) throws Exception {
    WarehouseStatistics ws = statistics();
    Metric revenue = new Metric("purchase", Aggregation.SUM, 3 * DAY, 2 * DAY, null, 0.9);
    Metric sessions = new Metric("session", Aggregation.COUNT, DAY, 0, null, null);
    Metric amount = new Metric("purchase", Aggregation.SUM, DAY, 0, null, null, null, "amount",
        Map.of("currency", "EUR"));
    List<Object> out = new ArrayList<>();
    out.add(List.of(ws.exposures(c, phase, 2).units()[0], ws.exposures(c, phase, 2).units()[1]));
    out.add(ws.metric(c, phase, revenue, 2));
    out.add(ws.metrics(c, phase, List.of(revenue, sessions, amount), 2));
    out.add(ws.ratio(c, phase, revenue, sessions, 2));
    out.add(ws.metricByDimension(c, phase, sessions, "platform", 2));
    out.add(ws.quantile(c, phase, amount, 0.5, 0.05, 2).stream().map(q -> q == null ? null : q.estimate()).toList());
    return out;
  }

  @Test
  void projectColumn_everyQueryCountsOnlyThePhasesProjectsEvents() throws Exception {
    List<Object> alone = everyQuery(new Phase("exp", T0, T0 + 30 * DAY));
    for (String table : List.of("exposures", "metric_events")) {
      addTextColumn(c, qualified(table), "project", 256, "a");
    }
    try (Statement st = c.createStatement()) {
      // Another project's events of the same experiment key and units, with other values.
      st.execute("INSERT INTO " + qualified("exposures") + " SELECT unit_id, experiment_key, 1 - variation_id, ts - 1,"
          + " attributes, 'b' FROM " + qualified("exposures"));
      st.execute("INSERT INTO " + qualified("metric_events") + " SELECT unit_id, name, ts, value * 1000 + 1,"
          + " properties, 'b' FROM " + qualified("metric_events"));
    }
    analyze(c, qualified("exposures"));
    analyze(c, qualified("metric_events"));

    assertThat(everyQuery(new Phase("exp", T0, T0 + 30 * DAY, "a"))).isEqualTo(alone);
    assertThat(everyQuery(new Phase("exp", T0, T0 + 30 * DAY, "b"))).isNotEqualTo(alone);
    assertThat(everyQuery(new Phase("exp", T0, T0 + 30 * DAY, "c")).get(0)).isEqualTo(List.of(0L, 0L));
  }

  /**
   * Rows flagged at ingestion (ADR 0042) are excluded by every query: flagged copies of every
   * exposure and metric event, with other variations and values, change no result.
   */
  @Test
  void flagColumn_everyQueryExcludesFlaggedRows() throws Exception {
    List<Object> alone = everyQuery(new Phase("exp", T0, T0 + 30 * DAY));
    for (String table : List.of("exposures", "metric_events")) {
      addTextColumn(c, qualified(table), "flag", 64, null);
    }
    try (Statement st = c.createStatement()) {
      st.execute("INSERT INTO " + qualified("exposures") + " SELECT unit_id || 'x', experiment_key, 1 - variation_id,"
          + " ts - 1, attributes, 'bot_rate' FROM " + qualified("exposures"));
      st.execute("INSERT INTO " + qualified("exposures") + " SELECT unit_id, experiment_key, 1 - variation_id,"
          + " ts - 1, attributes, 'clock_skew_past' FROM " + qualified("exposures") + " WHERE flag IS NULL");
      st.execute("INSERT INTO " + qualified("metric_events") + " SELECT unit_id, name, ts, value * 1000 + 1,"
          + " properties, 'bot_user_agent' FROM " + qualified("metric_events"));
    }
    List<Object> unflagged = everyQuery(new Phase("exp", T0, T0 + 30 * DAY));
    tables = WarehouseSchema.assayDefault();
    assertThat(everyQuery(new Phase("exp", T0, T0 + 30 * DAY))).isEqualTo(alone);
    assertThat(unflagged).as("the flagged rows change the results when read").isNotEqualTo(alone);
  }

  /**
   * A cluster randomization by the exposures' {@code team} attribute, triggered by a session after
   * the first exposure: per variation, the sums over (team, variation) clusters of the triggered
   * units' revenue and unit counts, as computed directly (ADR 0039).
   */
  @Test
  void clusteredAndTriggered_clusterSumsMatchDirectComputation() throws Exception {
    Phase plain = new Phase("exp", T0, T0 + 30 * DAY);
    Phase phase = plain.clusteredBy("team").triggeredBy("session");
    Metric revenue = new Metric("purchase", Aggregation.SUM, 3 * DAY, 0, null, null);
    WarehouseStatistics ws = new WarehouseStatistics(dialect(), tables.withTables(
        qualified("exposures"), qualified("metric_events")));

    List<RatioStats> got = ws.clusterMetric(c, phase, revenue, 2);
    long[] clusters = ws.clusters(c, phase, 2);

    Map<String, double[]> byCluster = new java.util.TreeMap<>();
    long triggered = 0;
    Map<String, long[]> all = units(plain.startMillis(), plain.endMillis());
    for (Map.Entry<String, long[]> u : all.entrySet()) {
      long first = u.getValue()[1];
      boolean fired = eventsByUnit.getOrDefault(u.getKey(), List.of()).stream().anyMatch(e -> e[1].equals("session")
          && (Long) e[2] >= first && (Long) e[2] < plain.endMillis());
      if (!fired) {
        continue;
      }
      triggered++;
      int v = (int) u.getValue()[0];
      String team = "t" + Long.parseLong(u.getKey().substring(1)) / 40;
      double y = perUnit(u.getKey(), first, "purchase", Aggregation.SUM, false, 3 * DAY, 0);
      double[] k = byCluster.computeIfAbsent(v + "/" + team, x -> new double[2]);
      k[0] += y;
      k[1]++;
    }
    double[][] expected = new double[2][6];
    byCluster.forEach((key, k) -> {
      double[] s = expected[Integer.parseInt(key.substring(0, 1))];
      s[0]++;
      s[1] += k[0];
      s[2] += k[1];
      s[3] += k[0] * k[0];
      s[4] += k[1] * k[1];
      s[5] += k[0] * k[1];
    });
    assertThat(triggered).isLessThan(all.size()).isGreaterThan(all.size() / 2);
    for (int v = 0; v < 2; v++) {
      RatioStats g = got.get(v);
      double[] e = expected[v];
      assertThat(g.n()).isEqualTo((long) e[0]);
      assertThat(clusters[v]).isEqualTo((long) e[0]);
      assertThat(g.sumNum()).isCloseTo(e[1], within(1e-6));
      assertThat(g.sumDen()).isCloseTo(e[2], within(1e-9));
      assertThat(g.sumNumSq()).isCloseTo(e[3], within(1e-3));
      assertThat(g.sumDenSq()).isCloseTo(e[4], within(1e-9));
      assertThat(g.sumNumDen()).isCloseTo(e[5], within(1e-4));
    }
    WarehouseStatistics.ExposureCounts units = ws.exposures(c, phase, 2);
    assertThat(units.units()[0] + units.units()[1]).isEqualTo(triggered);
    WarehouseStatistics.ExposureCounts exposed = ws.exposures(c, phase.untriggered(), 2);
    assertThat(exposed.units()[0] + exposed.units()[1]).isEqualTo(all.size());
  }
}
