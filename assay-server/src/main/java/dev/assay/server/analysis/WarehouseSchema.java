package dev.assay.server.analysis;

/**
 * Where exposures and metric events live in a warehouse, and the names of their columns. The
 * defaults are Assay's own event tables; point them at any warehouse tables with the same meaning,
 * or give a source as a query over the customer's own schema (a {@code SELECT} or {@code WITH}
 * statement, used as a derived table; see {@link WarehouseMapping}).
 *
 * @param exposures table of exposures (one row per exposure event), or a query returning them
 * @param metrics table of metric events ({@code track}), or a query returning them
 * @param unitId unit id column (both tables)
 * @param timestamp event time column (both tables)
 * @param timestampIsMillis true when the time column is epoch milliseconds (BIGINT), false for a
 *     TIMESTAMP converted by the dialect
 * @param experimentKey experiment key column (exposures)
 * @param variationId variation index column (exposures)
 * @param eventName event name column (metrics)
 * @param value numeric value column (metrics; null counts as 1 for counts and conversions)
 * @param attributes JSON text column of the exposure's attributes (dimension breakdowns read
 *     their keys), or null when dimensions are plain columns of the exposures table
 * @param properties JSON text column of the metric event's properties (metric property filters
 *     and value properties read their keys), or null when the table has none
 * @param project project column (both tables): an analysis reads the events of its experiment's
 *     project only; null when the tables hold one project's events and have no such column
 * @param flag flag column (both tables): rows where it is not null were flagged at ingestion (bots,
 *     clock skew, unknown experiments, ...) and are excluded from the analysis (ADR 0042); null when
 *     the tables have no such column
 */
public record WarehouseSchema(String exposures, String metrics, String unitId, String timestamp,
    boolean timestampIsMillis, String experimentKey, String variationId, String eventName, String value,
    String attributes, String properties, String project, String flag) {

  public WarehouseSchema {
    for (String source : new String[] {exposures, metrics}) {
      if (source == null || source.isBlank()) {
        throw new IllegalArgumentException("a warehouse source needs a table name or a query");
      }
      if (isQuery(source) && source.contains(";")) {
        throw new IllegalArgumentException("a source query is one statement, without ';'");
      }
    }
  }

  /** A source given as a query (a derived table) rather than a table name. */
  static boolean isQuery(String source) {
    String s = source.strip();
    return s.regionMatches(true, 0, "SELECT", 0, 6) && s.length() > 6 && !Character.isLetterOrDigit(s.charAt(6))
        || s.regionMatches(true, 0, "WITH", 0, 4) && s.length() > 4 && !Character.isLetterOrDigit(s.charAt(4));
  }

  /** The exposures in a FROM clause: the quoted table name, or the source query as a derived table. */
  String exposuresFrom(Dialect d) {
    return isQuery(exposures) ? "(" + exposures.strip() + ") exposures_source" : d.ident(exposures);
  }

  /** The metric events in a FROM clause: the quoted table name, or the source query as a derived table. */
  String metricsFrom(Dialect d) {
    return isQuery(metrics) ? "(" + metrics.strip() + ") metric_events_source" : d.ident(metrics);
  }

  /** The metric events as a relation the caller names with an alias: the table, or {@code (query)}. */
  String metricsRelation(Dialect d) {
    return isQuery(metrics) ? "(" + metrics.strip() + ")" : d.ident(metrics);
  }

  /** The metric events in a FROM clause under an alias. */
  String metricsAs(Dialect d, String alias) {
    return metricsRelation(d) + " " + alias;
  }

  /** A schema without a flag column (tables written by others). */
  public WarehouseSchema(String exposures, String metrics, String unitId, String timestamp,
      boolean timestampIsMillis, String experimentKey, String variationId, String eventName, String value,
      String attributes, String properties, String project) {
    this(exposures, metrics, unitId, timestamp, timestampIsMillis, experimentKey, variationId, eventName, value,
        attributes, properties, project, null);
  }

  /** A schema without a project column (tables of one project). */
  public WarehouseSchema(String exposures, String metrics, String unitId, String timestamp,
      boolean timestampIsMillis, String experimentKey, String variationId, String eventName, String value,
      String attributes, String properties) {
    this(exposures, metrics, unitId, timestamp, timestampIsMillis, experimentKey, variationId, eventName, value,
        attributes, properties, null);
  }

  /** A schema without JSON attribute and property columns: dimensions are columns of the exposures table. */
  public WarehouseSchema(String exposures, String metrics, String unitId, String timestamp,
      boolean timestampIsMillis, String experimentKey, String variationId, String eventName, String value) {
    this(exposures, metrics, unitId, timestamp, timestampIsMillis, experimentKey, variationId, eventName, value,
        null, null);
  }

  /** Assay's own event tables (those {@code DuckDbEventStore} and {@code PostgresEventWarehouse} write). */
  public static WarehouseSchema assayDefault() {
    return new WarehouseSchema("exposures", "metric_events", "unit_id", "ts", true, "experiment_key",
        "variation_id", "name", "value", "attributes", "properties", "project", "flag");
  }

  public WarehouseSchema withTables(String exposuresTable, String metricsTable) {
    return new WarehouseSchema(exposuresTable, metricsTable, unitId, timestamp, timestampIsMillis, experimentKey,
        variationId, eventName, value, attributes, properties, project, flag);
  }

  /** The same tables without a project column (a warehouse of one project's events, written by others). */
  public WarehouseSchema withoutProject() {
    return new WarehouseSchema(exposures, metrics, unitId, timestamp, timestampIsMillis, experimentKey,
        variationId, eventName, value, attributes, properties, null, flag);
  }

  /** The same tables without a flag column (tables written by others: nothing flagged them). */
  public WarehouseSchema withoutFlag() {
    return new WarehouseSchema(exposures, metrics, unitId, timestamp, timestampIsMillis, experimentKey,
        variationId, eventName, value, attributes, properties, project, null);
  }

  /** The same tables, with dimensions read from columns of the exposures table instead of a JSON column. */
  public WarehouseSchema withDimensionColumns() {
    return new WarehouseSchema(exposures, metrics, unitId, timestamp, timestampIsMillis, experimentKey,
        variationId, eventName, value, null, properties, project, flag);
  }
}
