package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What produced a results snapshot (ADR 0043): the data window, every warehouse query with its
 * bound parameters, the rows it returned and the rows it read, the warehouse and its version, the
 * Assay version, the analysis settings and hashes of the definitions. Stored beside the snapshot
 * ({@link LineageJson}); {@link SnapshotReproduction} runs its queries again.
 *
 * @param to the end of the window, exclusive; empty for the latest phase, whose window is open
 *     (its queries read every event since the phase started, so late events change them)
 * @param variants the variation keys, by variation index (the queries' {@code variation} column)
 * @param settings the experiment's analysis settings as configured, and the refresh's breakdowns
 */
public record SnapshotLineage(String project, String experiment, int phase, Instant computedAt, Instant from,
    Optional<Instant> to, List<String> variants, Warehouse warehouse, String assayVersion, ObjectNode settings,
    Definition definition, List<Query> queries) {
  public SnapshotLineage {
    variants = List.copyOf(variants);
    queries = List.copyOf(queries);
  }

  /** The lineage of a refresh of {@code plan} whose warehouse answers were {@code recorded}. */
  static SnapshotLineage of(AnalysisPlan plan, WarehouseQuery.Recorded recorded, ObjectNode analysisSettings,
      Definition definition, Instant computedAt) {
    ObjectNode settings = analysisSettings.deepCopy();
    settings.putArray("dimensions").addAll(plan.dimensions().stream()
        .map(com.fasterxml.jackson.databind.node.TextNode::valueOf).toList());
    List<Query> queries = new java.util.ArrayList<>();
    for (WarehouseQuery.RecordedQuery q : recorded.queries()) {
      QueryLog.Entry e = q.entry();
      queries.add(new Query(e.label().purpose(), e.label().metrics(), e.label().events(), e.query().sql(),
          e.query().params(), e.rows().labels(), e.rows().rows().stream().map(java.util.Arrays::asList).toList(),
          q.read().exposures(), q.read().metricEvents(), q.read().counts()));
    }
    return new SnapshotLineage(plan.project(), plan.experimentKey(), plan.phase(), computedAt,
        Instant.ofEpochMilli(plan.start()),
        plan.end() < AnalysisPlan.OPEN_END ? Optional.of(Instant.ofEpochMilli(plan.end())) : Optional.empty(),
        plan.variants(), new Warehouse(recorded.warehouse().kind(), recorded.warehouse().version()),
        AssayBuild.version(), settings, definition, queries);
  }

  /** The warehouse the queries ran on: its kind (the SQL dialect) and version. */
  public record Warehouse(String kind, String version) {}

  /**
   * SHA-256 hashes (hex) of canonical JSON (keys sorted, no white space): of the experiment's
   * design (its document without its lifecycle state: status, decision, halt, kill) and of each
   * metric it analyses, ratio parts included.
   */
  public record Definition(String experimentSha256, Map<String, String> metricsSha256) {
    public Definition {
      metricsSha256 = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(metricsSha256));
    }
  }

  /**
   * One warehouse query as it ran.
   *
   * @param purpose what it computes, e.g. "exposure counts", "metric", "metric by country"
   * @param metrics the metric keys it computes (in the one-pass query, column suffix i is metric i)
   * @param params the bound values of its {@code ?} placeholders, in order
   * @param columns its result's column labels
   * @param rows its result, values in column order (numbers as the warehouse returned them)
   * @param exposuresRead the experiment's exposure rows in the window
   * @param metricEventsRead the metric event rows in the query's reach; empty when it reads none
   * @param counts the {@code COUNT(*)} queries that counted the rows read
   */
  public record Query(String purpose, List<String> metrics, List<String> events, String sql, List<Object> params,
      List<String> columns, List<List<Object>> rows, long exposuresRead, OptionalLong metricEventsRead,
      List<MetricQueries.SqlQuery> counts) {
    public Query {
      metrics = List.copyOf(metrics);
      events = List.copyOf(events);
      params = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(params));
      columns = List.copyOf(columns);
      rows = rows.stream().map(r -> java.util.Collections.unmodifiableList(new java.util.ArrayList<>(r))).toList();
      counts = List.copyOf(counts);
    }
  }
}
