package dev.assay.server.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Generates the warehouse-native SQL of an experiment analysis: each unit's first exposure in the
 * phase (units seen in more than one variation are excluded), the metric aggregated per unit inside
 * the conversion window (and over the pre-exposure lookback, for CUPED), capped, and reduced to
 * per-variation sufficient statistics — n, Σy, Σy², Σx, Σx², Σxy (ratio metrics: n, Σm, Σd, Σm²,
 * Σd², Σmd). Only those few numbers leave the warehouse; no per-event Java loop. Values come in
 * as bind parameters ({@code ?}), identifiers are checked and quoted.
 */
public final class MetricQueries {

  private MetricQueries() {}

  /** How a metric's events become one number per unit. */
  public enum Aggregation {
    /** 1 if the unit had the event in the window, else 0 (proportion metrics). */
    CONVERSION,
    /** Number of events in the window. */
    COUNT,
    /** Sum of the events' values in the window (mean-per-unit and sum metrics). */
    SUM
  }

  /**
   * A metric as the queries need it.
   *
   * @param eventName the metric event's name
   * @param aggregation per-unit aggregation
   * @param windowMillis conversion window after the unit's first exposure
   * @param lookbackMillis pre-exposure window for the CUPED covariate (0: no covariate)
   * @param absoluteCap cap of the per-unit value, or null
   * @param percentileCap cap at this percentile (0..1) of the pooled per-unit values, or null
   * @param sqlSource a SELECT returning columns {@code unit_id}, {@code ts} (epoch ms) and
   *     {@code value}, used instead of the events table (eventName is then ignored); run as a
   *     subquery on a read-only connection
   * @param valueProperty the key of the event's JSON properties holding the value, or null for
   *     the value column
   * @param filters property filters: only events whose JSON properties have these values count
   *     (values are strings, numbers or booleans; compared as the dialect reads JSON)
   * @param floor lower clip of the per-unit value, or null (a differentially private export clips
   *     values to a declared [floor, absoluteCap], docs/privacy.md)
   */
  public record Metric(String eventName, Aggregation aggregation, long windowMillis, long lookbackMillis,
      Double absoluteCap, Double percentileCap, String sqlSource, String valueProperty, Map<String, Object> filters,
      Double floor) {

    /** A metric without a lower clip. */
    public Metric(String eventName, Aggregation aggregation, long windowMillis, long lookbackMillis,
        Double absoluteCap, Double percentileCap, String sqlSource, String valueProperty, Map<String, Object> filters) {
      this(eventName, aggregation, windowMillis, lookbackMillis, absoluteCap, percentileCap, sqlSource, valueProperty,
          filters, null);
    }

    /** A metric over the events table (no SQL source), valued by the value column, without filters. */
    public Metric(String eventName, Aggregation aggregation, long windowMillis, long lookbackMillis,
        Double absoluteCap, Double percentileCap) {
      this(eventName, aggregation, windowMillis, lookbackMillis, absoluteCap, percentileCap, null, null, Map.of());
    }

    /** A metric with an optional SQL source, valued by the value column, without filters. */
    public Metric(String eventName, Aggregation aggregation, long windowMillis, long lookbackMillis,
        Double absoluteCap, Double percentileCap, String sqlSource) {
      this(eventName, aggregation, windowMillis, lookbackMillis, absoluteCap, percentileCap, sqlSource, null, Map.of());
    }

    public Metric {
      if (windowMillis <= 0) {
        throw new IllegalArgumentException("windowMillis must be positive, was " + windowMillis);
      }
      if (lookbackMillis < 0) {
        throw new IllegalArgumentException("lookbackMillis must not be negative, was " + lookbackMillis);
      }
      if (percentileCap != null && !(percentileCap > 0 && percentileCap < 1)) {
        throw new IllegalArgumentException("percentileCap must be in (0, 1), was " + percentileCap);
      }
      filters = filters == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(filters));
      for (Object v : filters.values()) {
        if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
          throw new IllegalArgumentException("a filter value must be a string, number or boolean, was " + v);
        }
      }
      if (sqlSource != null && (valueProperty != null || !filters.isEmpty())) {
        throw new IllegalArgumentException("a SQL-defined metric has no value property or filters");
      }
    }
  }

  /** SQL text with {@code ?} placeholders and their values in order. */
  public record SqlQuery(String sql, List<Object> params) {}

  /**
   * The experiment phase being analysed: exposures with {@code start <= t < end} (epoch ms), and
   * the experiment's project: with a project (and a schema with a project column) only that
   * project's exposures and metric events count. With {@code aaSalt} (platform A/A, ADR 0048) the
   * units are the control's (variation 0) only, split in two halves — variations 0 and 1 — by a
   * hash of the salt and the unit id.
   */
  public record Phase(String experimentKey, long startMillis, long endMillis, String project, String cluster,
      String trigger, String aaSalt) {
    /** A phase, whole (no A/A split). */
    public Phase(String experimentKey, long startMillis, long endMillis, String project, String cluster,
        String trigger) {
      this(experimentKey, startMillis, endMillis, project, cluster, trigger, null);
    }

    /** A phase whose events are read whatever their project. */
    public Phase(String experimentKey, long startMillis, long endMillis) {
      this(experimentKey, startMillis, endMillis, null);
    }

    /** A phase of an experiment neither clustered nor triggered. */
    public Phase(String experimentKey, long startMillis, long endMillis, String project) {
      this(experimentKey, startMillis, endMillis, project, null, null);
    }

    /**
     * The same phase analysed as a cluster randomization: {@code attribute} (the hash attribute)
     * names each exposed unit's cluster, read from the exposure's attributes (the unit itself
     * when absent); the units CTE gets a {@code cluster_id} column (ADR 0039).
     */
    public Phase clusteredBy(String attribute) {
      return new Phase(experimentKey, startMillis, endMillis, project, attribute, trigger, aaSalt);
    }

    /** The same phase counting only units that sent {@code event} at or after their first exposure. */
    public Phase triggeredBy(String event) {
      return new Phase(experimentKey, startMillis, endMillis, project, cluster, event, aaSalt);
    }

    /** The same phase with every exposed unit, triggered or not. */
    public Phase untriggered() {
      return new Phase(experimentKey, startMillis, endMillis, project, cluster, null, aaSalt);
    }

    /** The same phase counted per unit, not per cluster. */
    public Phase unclustered() {
      return new Phase(experimentKey, startMillis, endMillis, project, null, trigger, aaSalt);
    }

    boolean filtersProject(WarehouseSchema s) {
      return project != null && s.project() != null;
    }
  }

  /*
   * The metric events table, limited to the phase's project when it has one (its value bound) and
   * without the rows flagged at ingestion (ADR 0042).
   */
  static String metricEvents(Dialect d, WarehouseSchema s, Phase phase, List<Object> params) {
    String clean = s.flag() == null ? "" : d.ident(s.flag()) + " IS NULL";
    if (!phase.filtersProject(s)) {
      return clean.isEmpty() ? s.metricsRelation(d) : "(SELECT * FROM " + s.metricsFrom(d) + " WHERE " + clean + ")";
    }
    params.add(phase.project());
    return "(SELECT * FROM " + s.metricsFrom(d) + " WHERE " + d.ident(s.project()) + " = ?"
        + (clean.isEmpty() ? "" : " AND " + clean) + ")";
  }

  /** Per-variation sufficient statistics of one metric: columns variation, n, sum_y, sum_y2, sum_x, sum_x2, sum_xy. */
  public static SqlQuery metric(Dialect d, WarehouseSchema s, Phase phase, Metric m) {
    return metric(d, s, phase, m, null);
  }

  /**
   * As {@link #metric}, broken down by an exposure attribute (a key of the attributes JSON column,
   * or a column of the exposures table when the schema has none), e.g. country: columns dim,
   * variation, n, sum_y, ... A unit counts in one level: its attribute at its first exposure in
   * the phase.
   */
  public static SqlQuery metric(Dialect d, WarehouseSchema s, Phase phase, Metric m, String dimension) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder(units(d, s, phase, params, dimension));
    String source = perUnitCapped(d, s, phase, "per_unit", m, params, sql);
    String dim = dimension == null ? "" : "dim, ";
    sql.append("\nSELECT ").append(dim).append("variation, COUNT(*) AS n, SUM(y) AS sum_y, SUM(y * y) AS sum_y2,"
        + " SUM(x) AS sum_x, SUM(x * x) AS sum_x2, SUM(x * y) AS sum_xy\nFROM ").append(source)
        .append("\nGROUP BY ").append(dim).append("variation\nORDER BY ").append(dim).append("variation");
    return new SqlQuery(sql.toString(), params);
  }

  /**
   * Several event-defined metrics in one pass over the events: the units, then one join of their
   * events (every metric's names, over the widest window and lookback) grouped by unit with one
   * conditional aggregate per metric and period, then capping, then per variation the sums of
   * every metric — columns variation, n, and per metric i {@code sum_y_i, sum_y2_i, sum_x_i,
   * sum_x2_i, sum_xy_i}. The same numbers as {@link #metric} per metric, with one scan of the
   * events instead of one per metric. SQL-defined metrics are not accepted here.
   */
  public static SqlQuery metrics(Dialect d, WarehouseSchema s, Phase phase, List<Metric> metrics) {
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("no metrics");
    }
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder(units(d, s, phase, params));
    String te = time(d, s, "e");
    long window = 0;
    long lookback = 0;
    StringBuilder select = new StringBuilder();
    for (int i = 0; i < metrics.size(); i++) {
      Metric m = metrics.get(i);
      if (m.sqlSource() != null) {
        throw new IllegalArgumentException("a SQL-defined metric is computed on its own");
      }
      window = Math.max(window, m.windowMillis());
      lookback = Math.max(lookback, m.lookbackMillis());
      params.add(m.eventName());
      String matches = "e." + d.ident(s.eventName()) + " = ?" + filters(d, s, m, params);
      select.append(",\n    ").append(aggregate(d, s, m, matches + " AND " + te + " >= u.first_ts AND " + te
          + " < u.first_ts + " + m.windowMillis())).append(" AS y").append(i);
      if (m.lookbackMillis() > 0) {
        params.add(m.eventName());
        String pre = "e." + d.ident(s.eventName()) + " = ?" + filters(d, s, m, params);
        select.append(",\n    ").append(aggregate(d, s, m, pre + " AND " + te + " >= u.first_ts - "
            + m.lookbackMillis() + " AND " + te + " < u.first_ts")).append(" AS x").append(i);
      } else {
        select.append(",\n    CAST(0 AS ").append(d.doubleType()).append(") AS x").append(i);
      }
    }
    String events = metricEvents(d, s, phase, params);
    StringBuilder names = new StringBuilder();
    java.util.Set<String> distinct = new java.util.LinkedHashSet<>();
    metrics.forEach(m -> distinct.add(m.eventName()));
    for (String name : distinct) {
      names.append(names.isEmpty() ? "?" : ", ?");
      params.add(name);
    }
    sql.append(",\nper_unit AS (\n  SELECT u.unit_id, u.variation").append(select).append("\n  FROM units u\n  LEFT JOIN ")
        .append(events).append(" e ON e.").append(d.ident(s.unitId())).append(" = u.unit_id AND e.")
        .append(d.ident(s.eventName())).append(" IN (").append(names).append(")\n    AND ").append(te)
        .append(" >= u.first_ts - ").append(lookback).append(" AND ").append(te).append(" < u.first_ts + ").append(window)
        .append("\n  GROUP BY u.unit_id, u.variation\n)");
    sql.append(",\ncapped AS (\n  SELECT variation");
    for (int i = 0; i < metrics.size(); i++) {
      sql.append(", ").append(cap(d, "y" + i, metrics.get(i), "per_unit")).append(" AS y").append(i).append(", x").append(i);
    }
    sql.append("\n  FROM per_unit\n)\nSELECT variation, COUNT(*) AS n");
    for (int i = 0; i < metrics.size(); i++) {
      String y = "y" + i;
      String x = "x" + i;
      sql.append(",\n  SUM(").append(y).append(") AS sum_y_").append(i).append(", SUM(").append(y).append(" * ").append(y)
          .append(") AS sum_y2_").append(i).append(", SUM(").append(x).append(") AS sum_x_").append(i).append(", SUM(")
          .append(x).append(" * ").append(x).append(") AS sum_x2_").append(i).append(", SUM(").append(x).append(" * ")
          .append(y).append(") AS sum_xy_").append(i);
    }
    sql.append("\nFROM capped\nGROUP BY variation\nORDER BY variation");
    return new SqlQuery(sql.toString(), params);
  }

  /** The event's value as the floating-point type: the value column or a JSON property. */
  static String value(Dialect d, WarehouseSchema s, Metric m) {
    if (m.valueProperty() == null) {
      return "CAST(e." + d.ident(s.value()) + " AS " + d.doubleType() + ")";
    }
    return d.jsonNumber("e." + d.ident(requireProperties(s)), m.valueProperty());
  }

  /** The property filters as extra join conditions (values bound). */
  static String filters(Dialect d, WarehouseSchema s, Metric m, List<Object> params) {
    StringBuilder sql = new StringBuilder();
    for (Map.Entry<String, Object> f : m.filters().entrySet()) {
      String column = "e." + d.ident(requireProperties(s));
      if (f.getValue() instanceof Number n) {
        sql.append(" AND ").append(d.jsonNumber(column, f.getKey())).append(" = ?");
        params.add(n.doubleValue());
      } else {
        sql.append(" AND ").append(d.jsonText(column, f.getKey())).append(" = ?");
        params.add(f.getValue().toString());
      }
    }
    return sql.toString();
  }

  private static String requireProperties(WarehouseSchema s) {
    if (s.properties() == null) {
      throw new IllegalArgumentException("the metric reads event properties, but the warehouse schema has no properties column");
    }
    return s.properties();
  }

  /** Per-variation statistics of a ratio metric: variation, n, sum_num, sum_den, sum_num_sq, sum_den_sq, sum_num_den. */
  public static SqlQuery ratio(Dialect d, WarehouseSchema s, Phase phase, Metric numerator, Metric denominator) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder(units(d, s, phase, params));
    String num = perUnitCapped(d, s, phase, "num", numerator, params, sql);
    String den = perUnitCapped(d, s, phase, "den", denominator, params, sql);
    sql.append("\nSELECT n_.variation, COUNT(*) AS n, SUM(n_.y) AS sum_num, SUM(d_.y) AS sum_den,"
        + " SUM(n_.y * n_.y) AS sum_num_sq, SUM(d_.y * d_.y) AS sum_den_sq, SUM(n_.y * d_.y) AS sum_num_den"
        + "\nFROM ").append(num).append(" n_ JOIN ").append(den).append(" d_ ON d_.unit_id = n_.unit_id"
        + "\nGROUP BY n_.variation\nORDER BY n_.variation");
    return new SqlQuery(sql.toString(), params);
  }

  /** Exposure health: per variation the units counted, and (variation -1) the units excluded for multiple variations. */
  public static SqlQuery exposureCounts(Dialect d, WarehouseSchema s, Phase phase) {
    List<Object> params = new ArrayList<>();
    String sql = units(d, s, phase, params)
        + "\nSELECT variation, COUNT(*) AS units FROM units GROUP BY variation"
        + "\nUNION ALL\nSELECT -1 AS variation, COUNT(*) AS units FROM exposed WHERE variation <> max_variation"
        + "\nORDER BY variation";
    return new SqlQuery(sql, params);
  }

  /** Appends the per-unit CTE (and a capped one when the metric is capped); returns the name to select from. */
  static String perUnitCapped(Dialect d, WarehouseSchema s, Phase phase, String name, Metric m,
      List<Object> params, StringBuilder sql) {
    boolean withDim = sql.indexOf(" AS dim") >= 0;
    sql.append(",\n").append(perUnit(d, s, phase, name, m, params, withDim));
    if (m.absoluteCap() == null && m.percentileCap() == null && m.floor() == null) {
      return name;
    }
    String capped = name + "_capped";
    sql.append(",\n").append(capped).append(" AS (\n  SELECT unit_id, variation, ").append(withDim ? "dim, " : "")
        .append(cap(d, "y", m, name))
        .append(" AS y, x\n  FROM ").append(name).append("\n)");
    return capped;
  }

  static String time(Dialect d, WarehouseSchema s, String alias) {
    String col = (alias == null ? "" : alias + ".") + d.ident(s.timestamp());
    return s.timestampIsMillis() ? col : d.epochMillis(col);
  }

  static String units(Dialect d, WarehouseSchema s, Phase phase, List<Object> params) {
    return units(d, s, phase, params, null);
  }

  private static String units(Dialect d, WarehouseSchema s, Phase phase, List<Object> params, String dimension) {
    return ExposedUnits.cte(d, s, phase, params, dimension);
  }

  private static String perUnit(Dialect d, WarehouseSchema s, Phase phase, String name, Metric m,
      List<Object> params, boolean withDim) {
    if (m.sqlSource() != null) {
      return perUnitFromSql(d, name, m, withDim);
    }
    String te = time(d, s, "e");
    String post = te + " >= u.first_ts";
    String pre = te + " < u.first_ts";
    String events = metricEvents(d, s, phase, params);
    params.add(m.eventName());
    String filters = filters(d, s, m, params);
    return name + " AS (\n"
        + "  SELECT u.unit_id, u.variation," + (withDim ? " u.dim," : "") + "\n"
        + "    " + aggregate(d, s, m, post) + " AS y,\n"
        + "    " + (m.lookbackMillis() > 0 ? aggregate(d, s, m, pre) : "CAST(0 AS " + d.doubleType() + ")") + " AS x\n"
        + "  FROM units u\n"
        + "  LEFT JOIN " + events + " e ON e." + d.ident(s.unitId()) + " = u.unit_id AND e."
        + d.ident(s.eventName()) + " = ?" + filters + "\n"
        + "    AND " + te + " >= u.first_ts - " + m.lookbackMillis() + " AND " + te + " < u.first_ts + " + m.windowMillis()
        + "\n  GROUP BY u.unit_id, u.variation" + (withDim ? ", u.dim" : "") + "\n)";
  }

  /** The columns a metric's own SQL must return. */
  private static final WarehouseSchema SQL_SOURCE = new WarehouseSchema("unused", "unused", "unit_id", "ts", true,
      "unused", "unused", "unused", "value");

  private static String perUnitFromSql(Dialect d, String name, Metric m, boolean withDim) {
    String te = "e." + d.ident("ts");
    return name + " AS (\n"
        + "  SELECT u.unit_id, u.variation," + (withDim ? " u.dim," : "") + "\n"
        + "    " + aggregate(d, SQL_SOURCE, m, te + " >= u.first_ts") + " AS y,\n"
        + "    " + (m.lookbackMillis() > 0 ? aggregate(d, SQL_SOURCE, m, te + " < u.first_ts")
            : "CAST(0 AS " + d.doubleType() + ")") + " AS x\n"
        + "  FROM units u\n"
        + "  LEFT JOIN (" + m.sqlSource() + ") e ON e." + d.ident("unit_id") + " = u.unit_id\n"
        + "    AND " + te + " >= u.first_ts - " + m.lookbackMillis() + " AND " + te + " < u.first_ts + " + m.windowMillis()
        + "\n  GROUP BY u.unit_id, u.variation" + (withDim ? ", u.dim" : "") + "\n)";
  }

  static String aggregate(Dialect d, WarehouseSchema s, Metric m, String when) {
    String dbl = d.doubleType();
    return switch (m.aggregation()) {
      case CONVERSION -> "CAST(MAX(CASE WHEN " + when + " THEN 1 ELSE 0 END) AS " + dbl + ")";
      case COUNT -> "CAST(COUNT(CASE WHEN " + when + " THEN 1 END) AS " + dbl + ")";
      case SUM -> "COALESCE(SUM(CASE WHEN " + when + " THEN " + value(d, s, m) + " END), CAST(0 AS " + dbl + "))";
    };
  }

  static String cap(Dialect d, String column, Metric m, String from) {
    String expr = column;
    if (m.absoluteCap() != null) {
      expr = "LEAST(" + expr + ", CAST(" + String.format(Locale.ROOT, "%s", m.absoluteCap()) + " AS " + d.doubleType() + "))";
    }
    if (m.percentileCap() != null) {
      expr = "LEAST(" + expr + ", (SELECT " + d.percentile(column, m.percentileCap()) + " FROM " + from + "))";
    }
    if (m.floor() != null) {
      expr = "GREATEST(" + expr + ", CAST(" + String.format(Locale.ROOT, "%s", m.floor()) + " AS " + d.doubleType() + "))";
    }
    return expr;
  }
}
