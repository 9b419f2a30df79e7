package dev.assay.server.analysis;

/**
 * Where exposures and metric events live in a warehouse, and the names of their columns. The
 * defaults are Assay's own event tables; point them at any warehouse tables with the same meaning.
 *
 * @param exposures table of exposures (one row per exposure event)
 * @param metrics table of metric events ({@code track})
 * @param unitId unit id column (both tables)
 * @param timestamp event time column (both tables)
 * @param timestampIsMillis true when the time column is epoch milliseconds (BIGINT), false for a
 *     TIMESTAMP converted by the dialect
 * @param experimentKey experiment key column (exposures)
 * @param variationId variation index column (exposures)
 * @param eventName event name column (metrics)
 * @param value numeric value column (metrics; null counts as 1 for counts and conversions)
 */
public record WarehouseSchema(String exposures, String metrics, String unitId, String timestamp,
    boolean timestampIsMillis, String experimentKey, String variationId, String eventName, String value) {

  /** Assay's embedded event tables. */
  public static WarehouseSchema assayDefault() {
    return new WarehouseSchema("exposures", "metric_events", "unit_id", "ts", true, "experiment_key",
        "variation_id", "name", "value");
  }

  public WarehouseSchema withTables(String exposuresTable, String metricsTable) {
    return new WarehouseSchema(exposuresTable, metricsTable, unitId, timestamp, timestampIsMillis, experimentKey,
        variationId, eventName, value);
  }
}
