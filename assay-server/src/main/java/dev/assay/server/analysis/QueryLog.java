package dev.assay.server.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * The warehouse queries one refresh ran, in order, each with its SQL text, bound parameters and
 * the rows it returned, labelled with what it was computing (the snapshot's lineage, ADR 0043).
 * {@link WarehouseQuery} sets the label before each step; {@link WarehouseStatistics} appends
 * every query it runs. Confined to the refreshing thread.
 */
final class QueryLog {
  /**
   * What the following queries compute.
   *
   * @param purpose e.g. "exposure counts", "metric", "metric by country"
   * @param metrics the metric keys the queries compute (empty for the exposure counts)
   * @param events the metric event names the queries read (empty when none, or a SQL-defined source)
   * @param reach how far the queries read metric events around the phase: the longest lookback
   *     before its start and conversion window after its end (ms)
   */
  record Label(String purpose, List<String> metrics, List<String> events, long lookbackMillis, long windowMillis) {
    Label {
      metrics = List.copyOf(metrics);
      events = List.copyOf(events);
    }
  }

  /** One query as it ran. */
  record Entry(Label label, MetricQueries.SqlQuery query, QueryRows rows) {}

  private final List<Entry> entries = new ArrayList<>();
  private Label current = new Label("exposure counts", List.of(), List.of(), 0, 0);

  void label(Label label) {
    current = label;
  }

  void add(MetricQueries.SqlQuery query, QueryRows rows) {
    entries.add(new Entry(current, query, rows));
  }

  List<Entry> entries() {
    return List.copyOf(entries);
  }
}
