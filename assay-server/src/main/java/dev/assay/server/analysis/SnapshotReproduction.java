package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Metric;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a snapshot's recorded warehouse queries again, verbatim (the SQL text and bound parameters
 * of its {@link SnapshotLineage}), on a read-only transaction, and compares what they return now
 * with what they returned then: per metric, variation and statistic (n, Σy, Σy², …) the recorded
 * and the recomputed value, equal only when exactly equal (their JSON text). The results of a
 * snapshot are a pure function of these numbers and the recorded settings (ADR 0043), so equal
 * numbers reproduce the snapshot. It also reports whether the experiment's or a metric's
 * definition hash, the warehouse's version or the Assay version changed since, and the rows read
 * then and now. Nothing is stored. Thread-safe.
 */
public final class SnapshotReproduction {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Pattern INDEXED = Pattern.compile("(.+)_(\\d+)");
  private static final List<String> KEYS = List.of("dim", "variation", "rn");

  private final ConfigService config;
  private final ExperimentRefresh.Warehouse warehouse;
  private final WarehouseReads reads;
  private final Duration timeout;
  private final Clock clock;
  private final Dialect dialect;

  SnapshotReproduction(ConfigService config, ExperimentRefresh.Warehouse warehouse, Dialect dialect,
      WarehouseSchema schema, Duration timeout, Clock clock) {
    this.config = config;
    this.warehouse = warehouse;
    this.reads = new WarehouseReads(dialect, schema, timeout);
    this.timeout = timeout;
    this.clock = clock;
    this.dialect = dialect;
  }

  /** The lineage of a snapshot of the project (404 when none, 409 when it was stored without one). */
  public static ObjectNode lineage(ConfigService config, String project, long id) {
    dev.assay.server.domain.Snapshots.Record s = config.snapshot(project, id);
    ObjectNode lineage = s.lineage().orElseThrow(() -> noLineage(id));
    ObjectNode out = F.objectNode().put("snapshotId", id);
    out.setAll(lineage);
    return out;
  }

  /**
   * Reproduces a snapshot of the project: its recorded queries run again now.
   *
   * @return the comparison; {@code reproduced} is true when every recorded number came back equal
   */
  public ObjectNode reproduce(String project, long id) {
    dev.assay.server.domain.Snapshots.Record s = config.snapshot(project, id);
    SnapshotLineage l = LineageJson.read(s.lineage().orElseThrow(() -> noLineage(id)));
    String[] current = {"the warehouse version"};
    Now now;
    try {
      now = WarehouseQuery.readOnly(warehouse, c -> run(c, l, current));
    } catch (SQLException e) {
      throw AnalysisSandbox.failure(e, current[0], timeout);
    }
    ObjectNode out = F.objectNode().put("snapshotId", id).put("project", project).put("experiment", l.experiment())
        .put("phase", l.phase()).put("computedAt", l.computedAt().toString())
        .put("reproducedAt", clock.instant().toString());
    ObjectNode window = out.putObject("window").put("from", l.from().toString());
    l.to().ifPresentOrElse(t -> window.put("to", t.toString()), () -> window.putNull("to"));
    window.put("open", l.to().isEmpty());
    List<String> changes = new ArrayList<>();
    definition(out, project, l, changes);
    ObjectNode wh = out.putObject("warehouse").put("kind", l.warehouse().kind())
        .put("recorded", l.warehouse().version()).put("current", now.version().version());
    boolean whChanged = !l.warehouse().version().equals(now.version().version())
        || !l.warehouse().kind().equals(now.version().kind());
    wh.put("changed", whChanged);
    if (whChanged) {
      changes.add("the warehouse version changed: " + l.warehouse().version() + " then, " + now.version().version()
          + " now");
    }
    out.putObject("assayVersion").put("recorded", l.assayVersion()).put("current", AssayBuild.version());
    ArrayNode numbers = F.arrayNode();
    ArrayNode queries = out.putArray("queries");
    int mismatches = 0;
    for (int i = 0; i < l.queries().size(); i++) {
      SnapshotLineage.Query q = l.queries().get(i);
      int before = numbers.size();
      int bad = compare(q, now.rows().get(i), l.variants(), numbers);
      mismatches += bad;
      WarehouseReads.Rows read = now.read().get(i);
      ObjectNode qo = queries.addObject().put("index", i).put("purpose", q.purpose());
      q.metrics().forEach(qo.putArray("metrics")::add);
      qo.put("match", bad == 0).put("numbers", numbers.size() - before).put("mismatches", bad);
      ObjectNode rr = qo.putObject("rowsRead");
      rr.putObject("recorded").put("exposures", q.exposuresRead()).set("metricEvents",
          q.metricEventsRead().isPresent() ? F.numberNode(q.metricEventsRead().getAsLong()) : F.nullNode());
      rr.putObject("current").put("exposures", read.exposures()).set("metricEvents",
          read.metricEvents().isPresent() ? F.numberNode(read.metricEvents().getAsLong()) : F.nullNode());
      if (q.exposuresRead() != read.exposures() || !q.metricEventsRead().equals(read.metricEvents())) {
        rr.put("changed", true);
      }
    }
    out.put("reproduced", mismatches == 0);
    out.put("mismatches", mismatches);
    ArrayNode ch = out.putArray("changes");
    changes.forEach(ch::add);
    out.set("numbers", numbers);
    return out;
  }

  private record Now(WarehouseReads.Version version, List<QueryRows> rows, List<WarehouseReads.Rows> read) {}

  private Now run(Connection c, SnapshotLineage l, String[] current) throws SQLException {
    WarehouseReads.Version version = reads.version(c);
    List<QueryRows> rows = new ArrayList<>();
    List<WarehouseReads.Rows> read = new ArrayList<>();
    for (int i = 0; i < l.queries().size(); i++) {
      SnapshotLineage.Query q = l.queries().get(i);
      current[0] = "recorded query " + i + " (" + q.purpose() + (q.metrics().isEmpty() ? "" : " " + q.metrics()) + ")";
      rows.add(WarehouseStatistics.execute(c, dialect, new MetricQueries.SqlQuery(q.sql(), q.params()), timeout));
      read.add(q.counts().isEmpty() ? new WarehouseReads.Rows(0, java.util.OptionalLong.empty(), List.of())
          : reads.rows(c, q.counts()));
    }
    return new Now(version, rows, read);
  }

  /* The definition hashes then and now: the experiment's design and each metric's. */
  private void definition(ObjectNode out, String project, SnapshotLineage l, List<String> changes) {
    ObjectNode def = out.putObject("definition");
    Optional<Experiment> exp = find(() -> config.experiment(project, l.experiment()).value());
    List<AnalysisPlan.PlannedMetric> none = List.of();
    String currentHash = exp.map(e -> ExperimentRefresh.definition(e, none).experimentSha256()).orElse("deleted");
    def.put("recorded", l.definition().experimentSha256()).put("current", currentHash);
    boolean changed = !currentHash.equals(l.definition().experimentSha256());
    def.put("changed", changed);
    if (changed) {
      changes.add("the experiment's definition changed since the snapshot (hash " + abbreviate(currentHash)
          + ", was " + abbreviate(l.definition().experimentSha256()) + ")");
    }
    ObjectNode metrics = def.putObject("metrics");
    l.definition().metricsSha256().forEach((key, recorded) -> {
      Optional<Metric> m = find(() -> config.metric(project, key));
      String now = m.map(x -> LineageJson.sha256(dev.assay.server.domain.model.ModelJson.toTree(x))).orElse("deleted");
      metrics.putObject(key).put("recorded", recorded).put("current", now).put("changed", !now.equals(recorded));
      if (!now.equals(recorded)) {
        changes.add("metric '" + key + "' " + (m.isEmpty() ? "was deleted" : "changed") + " since the snapshot");
      }
    });
  }

  private static <T> Optional<T> find(java.util.function.Supplier<T> read) {
    try {
      return Optional.of(read.get());
    } catch (DomainException e) {
      if (e.category() == DomainException.Category.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private static String abbreviate(String hash) {
    return hash.length() > 12 ? hash.substring(0, 12) : hash;
  }

  /*
   * Adds one number per recorded and recomputed value of a query, the rows paired by their key
   * columns (level, variation, rank); returns how many differ. A row on one side only is a
   * mismatch of each of its values.
   */
  private static int compare(SnapshotLineage.Query q, QueryRows now, List<String> variants, ArrayNode out) {
    Map<List<JsonNode>, List<JsonNode>> recorded = byKey(q.columns(), q.rows());
    List<List<Object>> nowRows = now.rows().stream().map(r -> java.util.Arrays.asList(r)).toList();
    Map<List<JsonNode>, List<JsonNode>> recomputed = byKey(now.labels(), nowRows);
    List<String> columns = q.columns();
    java.util.LinkedHashSet<List<JsonNode>> keys = new java.util.LinkedHashSet<>(recorded.keySet());
    keys.addAll(recomputed.keySet());
    int bad = 0;
    for (List<JsonNode> key : keys) {
      List<JsonNode> a = recorded.get(key);
      List<JsonNode> b = recomputed.get(key);
      for (int j = 0; j < columns.size(); j++) {
        String column = columns.get(j);
        if (KEYS.contains(column)) {
          continue;
        }
        JsonNode then = a == null ? F.nullNode() : a.get(j);
        JsonNode again = b == null || !now.labels().equals(columns) ? F.nullNode() : b.get(j);
        boolean match = a != null && b != null && now.labels().equals(columns) && then.equals(again);
        ObjectNode n = out.addObject();
        describe(n, q, columns, key, column, variants);
        n.set("recorded", then);
        n.set("recomputed", again);
        n.put("match", match);
        if (!match) {
          bad++;
        }
      }
    }
    return bad;
  }

  private static Map<List<JsonNode>, List<JsonNode>> byKey(List<String> columns, List<List<Object>> rows) {
    Map<List<JsonNode>, List<JsonNode>> out = new LinkedHashMap<>();
    for (List<Object> r : rows) {
      List<JsonNode> values = LineageJson.comparable(r);
      List<JsonNode> key = new ArrayList<>();
      for (int j = 0; j < columns.size(); j++) {
        if (KEYS.contains(columns.get(j))) {
          key.add(values.get(j));
        }
      }
      out.put(key, values);
    }
    return out;
  }

  /* The metric, variant, level and statistic a value of a query is. */
  private static void describe(ObjectNode n, SnapshotLineage.Query q, List<String> columns, List<JsonNode> key,
      String column, List<String> variants) {
    String metric = q.metrics().isEmpty() ? "(exposures)" : String.join(", ", q.metrics());
    String statistic = column;
    Matcher m = INDEXED.matcher(column);
    if (q.metrics().size() > 1 && m.matches() && Integer.parseInt(m.group(2)) < q.metrics().size()) {
      metric = q.metrics().get(Integer.parseInt(m.group(2)));
      statistic = m.group(1);
    }
    n.put("metric", metric);
    int k = 0;
    String variant = "-";
    List<String> level = new ArrayList<>();
    for (String c : columns) {
      if (!KEYS.contains(c)) {
        continue;
      }
      JsonNode v = key.get(k++);
      switch (c) {
        case "variation" -> {
          long i = v.asLong(-2);
          variant = i == -1 ? "(in several variations)" : i >= 0 && i < variants.size() ? variants.get((int) i)
              : "variation " + v.asText();
        }
        case "dim" -> level.add(q.purpose().replaceFirst("^metric by (stratum )?", "") + "=" + v.asText());
        default -> level.add("rank " + v.asText());
      }
    }
    n.put("variant", variant);
    if (!level.isEmpty()) {
      n.put("level", String.join(", ", level));
    }
    n.put("statistic", statistic);
  }

  private static DomainException noLineage(long id) {
    return DomainException.conflict("no_lineage", "results snapshot " + id + " was stored without its lineage"
        + " (by a server before lineage was recorded, or a holdout's results): refresh the experiment for a"
        + " snapshot with one", List.of());
  }
}
