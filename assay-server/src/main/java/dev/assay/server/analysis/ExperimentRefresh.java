package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.CupedStats;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.MetricData;
import dev.assay.stats.MetricResult;
import dev.assay.stats.RatioStats;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One refresh of an experiment's results: reads the experiment and its metrics from the
 * configuration, computes per-variation sufficient statistics in the warehouse
 * ({@link WarehouseStatistics}) for one phase, runs {@code assay-stats}, adds the health checks
 * (sample ratio by χ² and sequentially, multiple exposures, too-small samples, progress to the
 * planned size) and stores the result as a snapshot.
 *
 * <p>The warehouse connection is put in a read-only transaction that is always rolled back, every
 * query has a timeout (and is cancelled at it), a metric's own SQL is checked again ({@link
 * dev.assay.server.domain.MetricSql}) before it runs, and the connection comes from the
 * warehouse's sandbox ({@link AnalysisSandbox}), so a metric's SQL can neither change the
 * warehouse, read files nor run forever. Refreshes run on the {@link AnalysisExecutor}, never on
 * the caller's (request) thread. Thread-safe; one refresh per experiment runs at a time, and its
 * {@link RefreshProgress} can be read while it runs.
 */
public final class ExperimentRefresh {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long HOUR = 3_600_000L;
  /** Default limit for one warehouse query. */
  public static final java.time.Duration DEFAULT_QUERY_TIMEOUT = java.time.Duration.ofMinutes(5);

  /** Opens a connection to the warehouse (read-only use). */
  @FunctionalInterface
  public interface Warehouse {
    Connection connect() throws SQLException;
  }

  /**
   * What to refresh beyond the defaults.
   *
   * @param dimensions exposure attributes to break the results down by (e.g. country)
   * @param phase the phase number to analyse, or 0 for the latest
   */
  public record Options(List<String> dimensions, int phase) {
    public Options {
      dimensions = List.copyOf(dimensions);
    }

    /** The latest phase, no breakdowns. */
    public static Options defaults() {
      return new Options(List.of(), 0);
    }
  }

  private final ConfigService config;
  private final Warehouse warehouse;
  private final WarehouseStatistics statistics;
  private final AnalysisExecutor executor;
  private final Clock clock;
  private final Map<String, RefreshProgress> progress = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Told of each stored snapshot (for example the guardrail monitor). */
  @FunctionalInterface
  public interface Listener {
    /**
     * Called after a snapshot is stored, on the refreshing thread; an exception it throws is
     * logged and does not fail the refresh.
     *
     * @param latestPhase whether the snapshot is of the experiment's latest phase
     */
    void refreshed(String project, ObjectNode experiment, ObjectNode snapshot, boolean latestPhase);
  }

  public ExperimentRefresh(ConfigService config, Warehouse warehouse, Dialect dialect, WarehouseSchema schema,
      Clock clock) {
    this(config, warehouse, dialect, schema, clock, DEFAULT_QUERY_TIMEOUT);
  }

  /** As above, with a limit for each warehouse query (SQL-defined metrics included). */
  public ExperimentRefresh(ConfigService config, Warehouse warehouse, Dialect dialect, WarehouseSchema schema,
      Clock clock, java.time.Duration queryTimeout) {
    this(config, warehouse, dialect, schema, clock, new AnalysisExecutor(AnalysisLimits.defaults(queryTimeout)));
  }

  /** As above, running on this executor, with its limits' query timeout. */
  public ExperimentRefresh(ConfigService config, Warehouse warehouse, Dialect dialect, WarehouseSchema schema,
      Clock clock, AnalysisExecutor executor) {
    this.config = config;
    this.warehouse = warehouse;
    this.statistics = new WarehouseStatistics(dialect, schema, executor.limits().queryTimeout());
    this.executor = executor;
    this.clock = clock;
  }

  /** Adds a listener told of every stored snapshot. */
  public void onRefreshed(Listener listener) {
    listeners.add(listener);
  }

  /** Refreshes and stores a snapshot; {@code progress} is told each step (for long refreshes). */
  public ObjectNode refresh(String project, String experimentKey, Consumer<String> progress) {
    return refresh(project, experimentKey, progress, Options.defaults());
  }

  /** As {@link #refresh(String, String, Consumer, Options)} with breakdowns of the latest phase. */
  public ObjectNode refresh(String project, String experimentKey, Consumer<String> progress, List<String> dimensions) {
    return refresh(project, experimentKey, progress, new Options(dimensions, 0));
  }

  /** The progress of the latest refresh of an experiment (running or finished), if any ran. */
  public java.util.Optional<RefreshProgress> progress(String project, String experimentKey) {
    return java.util.Optional.ofNullable(progress.get(project + "/" + experimentKey));
  }

  /**
   * Starts a refresh in the background and returns its first progress at once; follow it with
   * {@link #progress}. Fails fast (before starting) on what a synchronous refresh would reject
   * first: an unknown or not started experiment, a refresh of it already running, or the
   * analysis at its limit of concurrent refreshes (429 {@code analysis_busy}).
   */
  public RefreshProgress start(String project, String experimentKey, Options options) {
    ObjectNode exp = config.get(Kind.EXPERIMENT, project, experimentKey);
    selectPhase(exp, experimentKey, options.phase());
    AnalysisExecutor.Slot slot = executor.admit(project);
    RefreshProgress first;
    try {
      first = begin(project, experimentKey, exp, options);
    } catch (RuntimeException e) {
      slot.release();
      throw e;
    }
    try {
      // the outcome is recorded in the progress by run(); nobody waits for it
      slot.submit(() -> run(project, experimentKey, exp, step -> { }, options));
    } catch (RuntimeException e) {
      progress.computeIfPresent(project + "/" + experimentKey, (k, p) -> p.failed(e.getMessage(), clock.instant()));
      throw e;
    }
    return first;
  }

  /**
   * Refreshes with breakdowns by exposure attributes (e.g. country): per level, the results of
   * the mean and proportion metrics, corrected for multiple comparisons across all levels
   * (Benjamini–Hochberg), and per metric and variant an interaction test (Cochran's Q) of whether
   * the effect differs between levels.
   */
  public ObjectNode refresh(String project, String experimentKey, Consumer<String> progress, Options options) {
    ObjectNode exp = config.get(Kind.EXPERIMENT, project, experimentKey);
    selectPhase(exp, experimentKey, options.phase());
    AnalysisExecutor.Slot slot = executor.admit(project);
    try {
      begin(project, experimentKey, exp, options);
    } catch (RuntimeException e) {
      slot.release();
      throw e;
    }
    return slot.call(() -> run(project, experimentKey, exp, progress, options));
  }

  private RefreshProgress begin(String project, String experimentKey, ObjectNode exp, Options options) {
    int metrics = metricRoles(exp).size();
    RefreshProgress first = RefreshProgress.started(experimentKey,
        2 + metrics * (1 + options.dimensions().size()), clock.instant());
    RefreshProgress[] previous = new RefreshProgress[1];
    progress.compute(project + "/" + experimentKey, (k, old) -> {
      previous[0] = old;
      return old != null && old.running() ? old : first;
    });
    if (previous[0] != null && previous[0].running()) {
      throw DomainException.conflict("refresh_running", "a refresh of experiment '" + experimentKey
          + "' is already running (" + previous[0].step() + "): follow it at GET /api/v1/experiments/"
          + experimentKey + "/refresh", List.of());
    }
    return first;
  }

  private ObjectNode run(String project, String experimentKey, ObjectNode exp, Consumer<String> listener,
      Options options) {
    String id = project + "/" + experimentKey;
    Consumer<String> step = name -> {
      progress.computeIfPresent(id, (k, p) -> p.step(name));
      listener.accept(name);
    };
    try {
      ObjectNode snapshot = compute(project, experimentKey, exp, step, options);
      progress.computeIfPresent(id, (k, p) -> p.done(clock.instant()));
      listener.accept("done");
      return snapshot;
    } catch (RuntimeException e) {
      progress.computeIfPresent(id, (k, p) -> p.failed(String.valueOf(e.getMessage()), clock.instant()));
      throw e;
    }
  }

  private static JsonNode selectPhase(ObjectNode exp, String experimentKey, int number) {
    JsonNode phases = exp.path("phases");
    if (phases.isEmpty()) {
      throw DomainException.conflict("not_started", "experiment '" + experimentKey
          + "' has not started: there is no phase to analyse", List.of());
    }
    if (number == 0) {
      return phases.get(phases.size() - 1);
    }
    if (number < 0 || number > phases.size()) {
      throw DomainException.invalid("phase", "experiment '" + experimentKey + "' has phases 1 to " + phases.size()
          + ", not " + number);
    }
    return phases.get(number - 1);
  }

  private static Map<String, MetricData.Role> metricRoles(JsonNode exp) {
    Map<String, MetricData.Role> roles = new LinkedHashMap<>();
    JsonNode refs = exp.path("metrics");
    if (refs.path("primary").isTextual()) {
      roles.put(refs.path("primary").asText(), MetricData.Role.GOAL);
    }
    refs.path("secondary").forEach(m -> roles.putIfAbsent(m.asText(), MetricData.Role.SECONDARY));
    refs.path("guardrails").forEach(g -> roles.putIfAbsent(g.path("metric").asText(), MetricData.Role.GUARDRAIL));
    return roles;
  }

  /** The guardrail references of an experiment by metric key (the first one of a metric wins). */
  private static Map<String, JsonNode> guardrailRefs(JsonNode exp) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    exp.path("metrics").path("guardrails").forEach(g -> out.putIfAbsent(g.path("metric").asText(), g));
    return out;
  }

  /**
   * The running sequential state after the previous refresh of this phase, when it used the
   * same settings (a change of α, CUPED, sequential or planned size starts the sequence again).
   */
  private Map<ExperimentAnalysis.Key, dev.assay.stats.AlwaysValidState> previousRunning(String project,
      String experimentKey, int phase, JsonNode settings) {
    Map<ExperimentAnalysis.Key, dev.assay.stats.AlwaysValidState> out = new LinkedHashMap<>();
    for (JsonNode previous : config.snapshots(project, experimentKey, 1)) {
      if (previous.path("phase").asInt() != phase || !previous.path("settings").equals(settings)) {
        continue;
      }
      for (JsonNode st : previous.path("runningStates")) {
        try {
          out.put(new ExperimentAnalysis.Key(st.path("metric").asText(), st.path("variant").asText()),
              new dev.assay.stats.AlwaysValidState(st.path("looks").asInt(), st.path("pValue").asDouble(),
                  bound(st.path("ciLower"), Double.NEGATIVE_INFINITY), bound(st.path("ciUpper"), Double.POSITIVE_INFINITY)));
        } catch (dev.assay.stats.StatsException e) {
          // a damaged entry only restarts that metric's sequence
        }
      }
    }
    return out;
  }

  private static double bound(JsonNode n, double unbounded) {
    return n.isNumber() ? n.asDouble() : unbounded;
  }

  private ObjectNode compute(String project, String experimentKey, ObjectNode exp, Consumer<String> progress,
      Options options) {
    List<String> dimensions = options.dimensions();
    JsonNode phases = exp.path("phases");
    JsonNode phase = selectPhase(exp, experimentKey, options.phase());
    int phaseNumber = phase.path("number").asInt();
    long start = phase.path("startedAt").asLong();
    // A phase runs until the next one starts; the latest one's exposures are all those since it started.
    long end = phaseNumber < phases.size() ? phases.get(phaseNumber).path("startedAt").asLong() : Long.MAX_VALUE / 4;
    List<String> variants = new ArrayList<>();
    double[] weights = new double[exp.path("variants").size()];
    int i = 0;
    for (JsonNode v : exp.path("variants")) {
      variants.add(v.path("key").asText());
      weights[i] = phase.path("weights").path(i).isNumber() ? phase.path("weights").path(i).asDouble()
          : v.path("weight").asDouble();
      i++;
    }
    Map<String, MetricData.Role> roles = metricRoles(exp);
    Map<String, JsonNode> guardrails = guardrailRefs(exp);
    List<String> metricKeys = new ArrayList<>(roles.keySet());

    // Only the events of the experiment's project count (sent with that project's keys).
    MetricQueries.Phase p = new MetricQueries.Phase(experimentKey, start, end, project);
    List<MetricData> data = new ArrayList<>();
    Map<String, Map<String, List<CupedStats>>> byDimension = new LinkedHashMap<>();
    Map<String, List<dev.assay.stats.QuantileStats>> quantiles = new LinkedHashMap<>();
    ObjectNode sufficient = JSON.createObjectNode();
    WarehouseStatistics.ExposureCounts counts;
    int minimumSample = 0;
    String current = "exposure counts";
    try (Connection c = warehouse.connect()) {
      boolean autoCommit = c.getAutoCommit();
      // A read-only transaction, always rolled back: a metric's SQL cannot change the warehouse.
      c.setAutoCommit(false);
      try {
        c.setReadOnly(true);
      } catch (SQLException e) {
        // DuckDB cannot switch an open connection; the rollback below still discards any change
      }
      try {
        progress.accept("counting exposures");
        counts = statistics.exposures(c, p, variants.size());
        int step = 0;
        Map<String, List<CupedStats>> onePass = null;
        for (String key : metricKeys) {
          step++;
          current = "metric '" + key + "'";
          progress.accept("metric " + step + "/" + metricKeys.size() + ": " + key);
          ObjectNode m = config.get(Kind.METRIC, project, key);
          minimumSample = Math.max(minimumSample, m.path("minimumSample").asInt(100));
          boolean higherIsBetter = !"decrease".equals(m.path("direction").asText());
          Double margin = null;
          if (roles.get(key) == MetricData.Role.GUARDRAIL) {
            JsonNode g = guardrails.get(key);
            if (g.path("direction").isTextual()) {
              higherIsBetter = !"decrease".equals(g.path("direction").asText());
            }
            margin = g.path("threshold").isNumber() ? g.path("threshold").asDouble() : null;
          }
          String type = m.path("type").asText();
          if (type.equals("quantile")) {
            double level = m.path("quantile").asDouble();
            List<dev.assay.stats.QuantileStats> qs = statistics.quantile(c, p, query(m, false), level,
                exp.path("analysis").path("alpha").asDouble(0.05), variants.size());
            quantiles.put(key, qs);
            continue;
          }
          if (type.equals("ratio")) {
            MetricQueries.Metric num = query(config.get(Kind.METRIC, project, m.path("numerator").asText()), false);
            MetricQueries.Metric den = query(config.get(Kind.METRIC, project, m.path("denominator").asText()), false);
            List<RatioStats> r = statistics.ratio(c, p, num, den, variants.size());
            sufficient.set(key, JSON.valueToTree(r));
            data.add(new MetricData(key, MetricData.Type.RATIO, higherIsBetter, roles.get(key), null, r, margin));
          } else {
            if (onePass == null) {
              onePass = onePass(c, project, p, metricKeys, variants.size());
            }
            List<CupedStats> s = onePass.containsKey(key) ? onePass.get(key)
                : statistics.metric(c, p, query(m, true), variants.size());
            sufficient.set(key, JSON.valueToTree(s));
            for (String dim : dimensions) {
              current = "metric '" + key + "' by " + dim;
              progress.accept("metric " + key + " by " + dim);
              byDimension.computeIfAbsent(dim + "\u0000" + key, k -> new LinkedHashMap<>())
                  .putAll(statistics.metricByDimension(c, p, query(m, true), dim, variants.size()));
            }
            data.add(new MetricData(key, type.equals("proportion") ? MetricData.Type.PROPORTION : MetricData.Type.MEAN,
                higherIsBetter, roles.get(key), s, null, margin));
          }
        }
      } finally {
        c.rollback();
        try {
          c.setReadOnly(false);
        } catch (SQLException e) {
          // as above
        }
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw AnalysisSandbox.failure(e, current, statistics.timeout());
    } catch (IllegalArgumentException e) {
      throw new DomainException(DomainException.Category.UNPROCESSABLE, "invalid_metric",
          current + " cannot be computed: " + e.getMessage(), List.of());
    }
    progress.accept("statistics");
    long planned = exp.path("plannedUnits").asLong(0);
    JsonNode a = exp.path("analysis");
    AnalysisSettings settings = new AnalysisSettings(
        "bayesian".equals(a.path("engine").asText()) ? AnalysisSettings.Engine.BAYESIAN : AnalysisSettings.Engine.FREQUENTIST,
        a.path("alpha").asDouble(0.05), a.path("sequential").asBoolean(true), a.path("cuped").asBoolean(true),
        dev.assay.stats.MultipleTesting.Method.valueOf(
            a.path("correction").asText("benjamini_hochberg").toUpperCase(java.util.Locale.ROOT)),
        planned, 0, null);
    ObjectNode used = JSON.createObjectNode();
    used.put("engine", settings.engine().name().toLowerCase(java.util.Locale.ROOT)).put("alpha", settings.alpha())
        .put("sequential", settings.sequential()).put("cuped", settings.cuped())
        .put("correction", settings.correction().name().toLowerCase(java.util.Locale.ROOT));
    if (planned > 0) {
      used.put("plannedUnits", planned);
    }
    // Carry the running intersection and running minimum p-value over the refreshes of this
    // phase (ADR 0011), so repeated looks — and the guardrail monitor's decisions — stay valid.
    ExperimentAnalysis analysis = ExperimentAnalysis.analyze(variants, counts.units(), weights, data, settings,
        settings.sequential() ? previousRunning(project, experimentKey, phaseNumber, used) : Map.of());

    ObjectNode snapshot = JSON.createObjectNode();
    snapshot.put("experiment", experimentKey);
    snapshot.put("phase", phaseNumber);
    snapshot.put("computedAt", clock.instant().toString());
    snapshot.put("from", java.time.Instant.ofEpochMilli(start).toString());
    if (end < Long.MAX_VALUE / 4) {
      snapshot.put("to", java.time.Instant.ofEpochMilli(end).toString());
    }
    snapshot.set("settings", used);
    ObjectNode health = snapshot.putObject("health");
    long total = 0;
    for (long u : counts.units()) {
      total += u;
    }
    double weightSum = java.util.Arrays.stream(weights).sum();
    ArrayNode units = health.putArray("units");
    for (int v = 0; v < variants.size(); v++) {
      units.addObject().put("variant", variants.get(v)).put("units", counts.units()[v])
          .put("share", total == 0 ? 0 : (double) counts.units()[v] / total)
          .put("expectedShare", weightSum > 0 ? weights[v] / weightSum : 0);
    }
    double sequentialSrm = sequentialSrm(project, experimentKey, phaseNumber, counts.units(), weights);
    boolean srm = analysis.srm().flagged() || sequentialSrm < analysis.srm().threshold();
    health.put("srmPValue", analysis.srm().pValue());
    health.put("srmSequentialPValue", sequentialSrm);
    health.put("srm", srm);
    health.put("multipleExposureUnits", counts.multipleExposures());
    health.put("multipleExposureRate", total + counts.multipleExposures() == 0 ? 0
        : (double) counts.multipleExposures() / (total + counts.multipleExposures()));
    long smallest = java.util.Arrays.stream(counts.units()).min().orElse(0);
    health.put("tooSmall", smallest < minimumSample);
    if (planned > 0) {
      health.put("progress", Math.min(1.0, (double) total / planned));
    }
    ArrayNode warnings = health.putArray("warnings");
    if (srm) {
      warnings.add(String.format(java.util.Locale.ROOT, "sample ratio mismatch (χ² p = %.3g, sequential p = %.3g):"
          + " do not trust these results", analysis.srm().pValue(), sequentialSrm));
    }
    if (planned > 0 && total >= planned) {
      warnings.add("the planned sample of " + planned + " units is reached");
    }
    if (smallest < minimumSample) {
      warnings.add("fewer than " + minimumSample + " units in a variation: results are not shown as final");
    }
    snapshot.set("sufficientStatistics", sufficient);
    ArrayNode results = snapshot.putArray("results");
    for (MetricResult r : analysis.results()) {
      ObjectNode o = JSON.valueToTree(r);
      List<String> nan = new ArrayList<>();
      o.fields().forEachRemaining(e -> {
        if (e.getValue().isNumber() && Double.isNaN(e.getValue().asDouble())) {
          nan.add(e.getKey());
        }
      });
      nan.forEach(o::putNull);
      results.add(o);
    }
    if (!quantiles.isEmpty()) {
      ArrayNode qr = snapshot.putArray("quantileResults");
      for (Map.Entry<String, List<dev.assay.stats.QuantileStats>> e : quantiles.entrySet()) {
        dev.assay.stats.QuantileStats control = e.getValue().get(0);
        for (int v = 1; v < variants.size(); v++) {
          ObjectNode o = qr.addObject();
          o.put("metric", e.getKey()).put("variant", variants.get(v)).put("method", "quantile_outer_ci_clustered");
          dev.assay.stats.QuantileStats t = e.getValue().get(v);
          if (control == null || t == null) {
            o.put("note", "no observations in " + (control == null ? "control" : variants.get(v)));
            continue;
          }
          dev.assay.stats.QuantileComparison qc = dev.assay.stats.QuantileComparison.of(control, t);
          o.put("level", qc.level());
          qc.control().ifPresent(x -> o.put("controlQuantile", control.estimate()));
          qc.treatment().ifPresent(x -> o.put("variantQuantile", t.estimate()));
          qc.difference().ifPresent(d -> o.put("effect", d.estimate()).put("ciLower", d.ciLower())
              .put("ciUpper", d.ciUpper()).put("pValue", d.pValue()));
          qc.lift().ifPresent(l -> o.put("lift", l.estimate()).put("liftCiLower", l.ciLower())
              .put("liftCiUpper", l.ciUpper()));
          qc.missing().ifPresent(note -> o.put("note", note));
        }
      }
    }
    if (!dimensions.isEmpty()) {
      snapshot.set("dimensions", breakdowns(dimensions, data, byDimension, variants, weights, settings));
    }
    ArrayNode running = snapshot.putArray("runningStates");
    analysis.runningStates().forEach((k, st) -> {
      ObjectNode o = running.addObject().put("metric", k.metric()).put("variant", k.variant())
          .put("looks", st.looks()).put("pValue", st.pValue());
      if (Double.isFinite(st.ciLower())) {
        o.put("ciLower", st.ciLower());
      }
      if (Double.isFinite(st.ciUpper())) {
        o.put("ciUpper", st.ciUpper());
      }
    });
    config.saveSnapshot(project, experimentKey, phaseNumber, snapshot);
    boolean latest = phaseNumber == phases.size();
    for (Listener l : listeners) {
      try {
        l.refreshed(project, exp, snapshot, latest);
      } catch (RuntimeException | Error e) {
        java.util.logging.Logger.getLogger(ExperimentRefresh.class.getName()).log(java.util.logging.Level.WARNING,
            "after the refresh of " + project + "/" + experimentKey + ": " + e.getMessage(), e);
      }
    }
    return snapshot;
  }

  /**
   * The event-defined mean, proportion, count and sum metrics in one pass over the events (one
   * scan instead of one per metric); empty when fewer than two qualify.
   */
  private Map<String, List<CupedStats>> onePass(Connection c, String project, MetricQueries.Phase p,
      List<String> metricKeys, int variations) throws SQLException {
    List<String> keys = new ArrayList<>();
    List<MetricQueries.Metric> queries = new ArrayList<>();
    for (String key : metricKeys) {
      ObjectNode m = config.get(Kind.METRIC, project, key);
      String type = m.path("type").asText();
      if (!m.hasNonNull("sql") && !type.equals("ratio") && !type.equals("quantile")) {
        keys.add(key);
        queries.add(query(m, true));
      }
    }
    Map<String, List<CupedStats>> out = new LinkedHashMap<>();
    if (keys.size() < 2) {
      return out;
    }
    List<List<CupedStats>> stats = statistics.metrics(c, p, queries, variations);
    for (int i = 0; i < keys.size(); i++) {
      out.put(keys.get(i), stats.get(i));
    }
    return out;
  }

  /*
   * The sequential SRM test (Lindon & Malek 2022, SequentialSampleRatioTest) has a Bayes factor
   * that depends on the cumulative counts only, so each refresh evaluates it at the current
   * totals and keeps the running minimum of 1/BF over the refreshes of this phase: the p-value
   * stays valid however often the scheduler looks.
   */
  private double sequentialSrm(String project, String experimentKey, int phase, long[] units, double[] weights) {
    double p;
    try {
      p = dev.assay.stats.SequentialSampleRatioTest
          .start(weights, dev.assay.stats.SequentialSampleRatioTest.DEFAULT_CONCENTRATION).next(units).pValue();
    } catch (dev.assay.stats.StatsException e) {
      return 1.0;
    }
    for (JsonNode previous : config.snapshots(project, experimentKey, 1)) {
      JsonNode prev = previous.at("/health/srmSequentialPValue");
      if (previous.path("phase").asInt() == phase && prev.isNumber()) {
        p = Math.min(p, prev.asDouble());
      }
    }
    return p;
  }

  private static ObjectNode breakdowns(List<String> dimensions, List<MetricData> data,
      Map<String, Map<String, List<CupedStats>>> byDimension, List<String> variants, double[] weights,
      AnalysisSettings settings) {
    ObjectNode out = JSON.createObjectNode();
    for (String dim : dimensions) {
      ObjectNode d = out.putObject(dim);
      ObjectNode levels = d.putObject("levels");
      List<ObjectNode> all = new ArrayList<>();
      Map<String, List<double[]>> effects = new LinkedHashMap<>(); // metric|variant -> [effect, se] per level
      java.util.SortedSet<String> levelNames = new java.util.TreeSet<>();
      for (MetricData m : data) {
        Map<String, List<CupedStats>> lv = byDimension.get(dim + "\u0000" + m.key());
        if (lv != null) {
          levelNames.addAll(lv.keySet());
        }
      }
      for (String level : levelNames) {
        List<MetricData> levelData = new ArrayList<>();
        long[] units = new long[variants.size()];
        for (MetricData m : data) {
          Map<String, List<CupedStats>> lv = byDimension.get(dim + "\u0000" + m.key());
          if (lv == null || !lv.containsKey(level)) {
            continue;
          }
          List<CupedStats> s = lv.get(level);
          for (int v = 0; v < s.size(); v++) {
            units[v] = Math.max(units[v], s.get(v).n());
          }
          levelData.add(new MetricData(m.key(), m.type(), m.higherIsBetter(), m.role(), s, null));
        }
        if (levelData.isEmpty()) {
          continue;
        }
        ExperimentAnalysis a = ExperimentAnalysis.analyze(variants, units, weights, levelData,
            new AnalysisSettings(settings.engine(), settings.alpha(), settings.sequential(), settings.cuped(),
                dev.assay.stats.MultipleTesting.Method.NONE, 0, settings.priorMean(), settings.priorVariance()));
        ArrayNode rs = levels.putArray(level);
        for (MetricResult r : a.results()) {
          ObjectNode o = clean(JSON.valueToTree(r));
          rs.add(o);
          all.add(o);
          double se = (r.fixedHorizonCiUpper() - r.fixedHorizonCiLower()) / (2 * 1.959963984540054);
          effects.computeIfAbsent(r.metric() + "|" + r.variant(), k -> new ArrayList<>())
              .add(new double[] {r.effect(), se});
        }
      }
      // Benjamini–Hochberg across every level × metric × variant of this dimension.
      List<ObjectNode> family = all.stream().filter(o -> o.path("pValue").isNumber()).toList();
      double[] p = family.stream().mapToDouble(o -> o.path("pValue").asDouble()).toArray();
      double[] adj = dev.assay.stats.MultipleTesting.benjaminiHochberg(p);
      for (int i = 0; i < family.size(); i++) {
        family.get(i).put("pValueAdjusted", adj[i]);
        family.get(i).put("significant", adj[i] < settings.alpha());
      }
      ArrayNode interactions = d.putArray("interaction");
      for (Map.Entry<String, List<double[]>> e : effects.entrySet()) {
        double[] eff = e.getValue().stream().mapToDouble(x -> x[0]).toArray();
        double[] se = e.getValue().stream().mapToDouble(x -> x[1]).toArray();
        ObjectNode o = interactions.addObject();
        String[] mv = e.getKey().split("\\|", 2);
        o.put("metric", mv[0]).put("variant", mv[1]).put("method", "cochran_q");
        try {
          dev.assay.stats.Heterogeneity h = dev.assay.stats.Heterogeneity.cochranQ(eff, se);
          o.put("q", h.q()).put("df", h.df()).put("pValue", h.pValue()).put("iSquared", h.iSquared());
        } catch (dev.assay.stats.StatsException ex) {
          o.putNull("pValue");
          o.put("note", ex.getMessage());
        }
      }
    }
    return out;
  }

  private static ObjectNode clean(ObjectNode o) {
    List<String> nan = new ArrayList<>();
    o.fields().forEachRemaining(e -> {
      if (e.getValue().isNumber() && Double.isNaN(e.getValue().asDouble())) {
        nan.add(e.getKey());
      }
    });
    nan.forEach(o::putNull);
    return o;
  }

  private static MetricQueries.Metric query(JsonNode m, boolean withCovariate) {
    String type = m.path("type").asText();
    MetricQueries.Aggregation agg = switch (type) {
      case "proportion" -> MetricQueries.Aggregation.CONVERSION;
      case "count" -> MetricQueries.Aggregation.COUNT;
      default -> MetricQueries.Aggregation.SUM;
    };
    long window = (long) (m.path("conversionWindowHours").asDouble(72) * HOUR);
    long lookback = withCovariate ? m.path("cupedLookbackDays").asLong(14) * 24 * HOUR : 0;
    Double cap = m.hasNonNull("capping") ? m.path("capping").asDouble() : null;
    Double pct = m.hasNonNull("cappingPercentile") ? m.path("cappingPercentile").asDouble() : null;
    String sql = m.hasNonNull("sql") ? m.path("sql").asText() : null;
    if (sql != null) {
      dev.assay.server.domain.MetricSql.problem(sql).ifPresent(p -> {
        throw new IllegalArgumentException("its sql " + p);
      });
      return new MetricQueries.Metric("", agg, window, lookback, cap, pct, sql);
    }
    String property = m.path("valueProperty").asText("value");
    Map<String, Object> filters = new LinkedHashMap<>();
    m.path("filters").fields().forEachRemaining(f -> filters.put(f.getKey(), f.getValue().isNumber()
        ? f.getValue().numberValue() : f.getValue().isBoolean() ? f.getValue().booleanValue() : f.getValue().asText()));
    return new MetricQueries.Metric(m.path("event").asText(""), agg, window, lookback, cap, pct, null,
        property.equals("value") ? null : property, filters);
  }
}
