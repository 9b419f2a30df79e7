package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ModelJson;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One refresh of an experiment's results, in four steps: an {@link AnalysisPlan} from the
 * experiment and its metrics (pure), the {@link WarehouseQuery} that computes per-variation
 * sufficient statistics in the warehouse for one phase (the only I/O), the statistics
 * ({@link SnapshotStatistics}: {@code assay-stats} and the health checks), and the
 * {@link AnalysisSnapshot} stored ({@link SnapshotJson}) and handed to the listeners.
 *
 * <p>The warehouse connection is put in a read-only transaction that is always rolled back, every
 * query has a timeout (and is cancelled at it), a metric's own SQL is checked again ({@link
 * dev.assay.server.domain.MetricSql}) before it runs, and the connection comes from the
 * warehouse's sandbox ({@link AnalysisSandbox}), so a metric's SQL can neither change the
 * warehouse, read files nor run forever. Refreshes run on the {@link AnalysisExecutor}, never on
 * the caller's (request) thread. Thread-safe; one refresh per experiment runs at a time, and its
 * {@link RefreshProgress} can be read while it runs.
 *
 * <p>With {@link #incremental} (Assay's own warehouse only), a refresh first folds the new events
 * into per-unit aggregates kept in the warehouse, on a connection of its own that commits and runs
 * only Assay's SQL ({@link UnitAggregates}, ADR 0050), then reads them in the read-only transaction.
 */
public final class ExperimentRefresh {
  /** Default limit for one warehouse query. */
  public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofMinutes(5);
  private static final Logger LOG = Logger.getLogger(ExperimentRefresh.class.getName());

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
   * @param full recompute everything from the events, not from the per-unit aggregates of an
   *     incremental refresh (which are then built anew by the next refresh, ADR 0050)
   */
  public record Options(List<String> dimensions, int phase, boolean full) {
    public Options {
      dimensions = List.copyOf(dimensions);
    }

    /** Incremental where the warehouse keeps aggregates. */
    public Options(List<String> dimensions, int phase) {
      this(dimensions, phase, false);
    }

    /** The latest phase, no breakdowns. */
    public static Options defaults() {
      return new Options(List.of(), 0);
    }
  }

  /** Told of each stored snapshot (for example the guardrail monitor). */
  @FunctionalInterface
  public interface Listener {
    /**
     * Called after a snapshot is stored, on the refreshing thread; an exception it throws is
     * logged and does not fail the refresh.
     *
     * @param experiment the experiment as it was read for the refresh
     * @param latestPhase whether the snapshot is of the experiment's latest phase
     */
    void refreshed(String project, Experiment experiment, AnalysisSnapshot snapshot, boolean latestPhase);
  }

  private final ConfigService config;
  private final WarehouseQuery query;
  private final StepWindows stepWindows;
  private final AnalysisExecutor executor;
  private final Clock clock;
  private final BanditStatistics bandits;
  private final SwitchbackStatistics switchbacks;
  private final HoldoutAnalysis holdouts;
  private final PlatformAa platformAa;
  private final SnapshotReproduction reproduction;
  private final WarehouseCheck sources;
  private final Map<String, RefreshProgress> progress = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile java.util.function.ToIntFunction<String> minCellUnits = project -> 1;
  private volatile io.opentelemetry.api.trace.Tracer tracer = io.opentelemetry.api.trace.TracerProvider.noop().get("");

  public ExperimentRefresh(ConfigService config, Warehouse warehouse, Dialect dialect, WarehouseSchema schema,
      Clock clock) {
    this(config, warehouse, dialect, schema, clock, DEFAULT_QUERY_TIMEOUT);
  }

  /** As above, with a limit for each warehouse query (SQL-defined metrics included). */
  public ExperimentRefresh(ConfigService config, Warehouse warehouse, Dialect dialect, WarehouseSchema schema,
      Clock clock, Duration queryTimeout) {
    this(config, warehouse, dialect, schema, clock, new AnalysisExecutor(AnalysisLimits.defaults(queryTimeout)));
  }

  /** As above, running on this executor, with its limits' query timeout. */
  public ExperimentRefresh(ConfigService config, Warehouse warehouse, Dialect dialect, WarehouseSchema schema,
      Clock clock, AnalysisExecutor executor) {
    this.config = config;
    WarehouseStatistics statistics = new WarehouseStatistics(dialect, schema, executor.limits().queryTimeout());
    this.query = new WarehouseQuery(warehouse, statistics);
    this.stepWindows = new StepWindows(config, warehouse, statistics);
    this.executor = executor;
    this.clock = clock;
    this.bandits = new BanditStatistics(warehouse, dialect, schema);
    this.switchbacks = new SwitchbackStatistics(warehouse, dialect, schema, executor.limits().queryTimeout());
    this.holdouts = new HoldoutAnalysis(config, warehouse, statistics, executor, clock);
    this.platformAa = new PlatformAa(config, warehouse, statistics, executor, clock);
    this.reproduction = new SnapshotReproduction(config, warehouse, dialect, schema, executor.limits().queryTimeout(),
        clock);
    this.sources = new WarehouseCheck(warehouse, dialect, schema, executor.limits().queryTimeout());
  }

  /**
   * Keeps per-unit aggregates in the warehouse between refreshes and folds in only what is new
   * (ADR 0050): for Assay's own DuckDB or PostgreSQL tables, which Assay may write (a customer's
   * tables or source queries stay computed in full). Exposures and events that reach the warehouse
   * within {@code lateness} of their time are counted exactly; later ones only by a full recompute
   * ({@link Options#full}).
   */
  public ExperimentRefresh incremental(Duration lateness) {
    if (!UnitAggregates.supported(query.dialect(), query.schema())) {
      throw new IllegalArgumentException("incremental refresh needs Assay's own DuckDB or PostgreSQL tables");
    }
    query.incremental(lateness);
    return this;
  }

  /** The warehouse's exposure and metric sources checked against the schema they are read with. */
  public ObjectNode checkSources() {
    return sources.check();
  }

  /**
   * Runs a snapshot's recorded queries again and compares their numbers (ADR 0043), on the
   * analysis executor under the project's refresh limits (429 {@code analysis_busy} at them).
   */
  public ObjectNode reproduce(String project, long snapshotId) {
    SnapshotReproduction.lineage(config, project, snapshotId);
    return executor.admit(project).call(() -> reproduction.reproduce(project, snapshotId));
  }

  /**
   * Records spans of each refresh (ADR 0041): {@code assay.refresh} (the child of the caller's
   * span, also when started in the background), and inside it a span per stage: the exposure
   * counts, each metric's query, the data-quality checks, the statistics. Default: no spans.
   */
  public ExperimentRefresh traced(io.opentelemetry.api.trace.Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  /** A switchback's window × region analysis, from the same warehouse (api.SwitchbacksApi, ADR 0038). */
  public SwitchbackStatistics switchbacks() {
    return switchbacks;
  }

  /** The analysis of holdouts on the same warehouse and executor (ADR 0037). */
  public HoldoutAnalysis holdouts() {
    return holdouts;
  }

  /** The platform A/A check on the same warehouse and executor (ADR 0048). */
  public PlatformAa platformAa() {
    return platformAa;
  }

  /** A bandit's primary metric per period, from the same warehouse (safety.BanditUpdates). */
  public BanditStatistics bandits() {
    return bandits;
  }

  /** Measurements of rollout steps on the same warehouse (safety.Rollouts, ADR 0031). */
  public StepWindows stepWindows() {
    return stepWindows;
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
  public Optional<RefreshProgress> progress(String project, String experimentKey) {
    return Optional.ofNullable(progress.get(project + "/" + experimentKey));
  }

  /**
   * Starts a refresh in the background and returns its first progress at once; follow it with
   * {@link #progress}. Fails fast (before starting) on what a synchronous refresh would reject
   * first: an unknown or not started experiment, a refresh of it already running, or the
   * analysis at its limit of concurrent refreshes (429 {@code analysis_busy}).
   */
  public RefreshProgress start(String project, String experimentKey, Options options) {
    Experiment exp = config.experiment(project, experimentKey).value();
    AnalysisPlan.phase(exp, options.phase());
    AnalysisExecutor.Slot slot = executor.admit(project);
    RefreshProgress first;
    try {
      first = begin(project, exp, options);
    } catch (RuntimeException e) {
      slot.release();
      throw e;
    }
    try {
      // the outcome is recorded in the progress by run(); nobody waits for it
      io.opentelemetry.context.Context caller = io.opentelemetry.context.Context.current();
      slot.submit(() -> run(project, exp, step -> { }, options, caller));
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
   *
   * @return the stored snapshot, as stored
   */
  public ObjectNode refresh(String project, String experimentKey, Consumer<String> progress, Options options) {
    Experiment exp = config.experiment(project, experimentKey).value();
    AnalysisPlan.phase(exp, options.phase());
    AnalysisExecutor.Slot slot = executor.admit(project);
    try {
      begin(project, exp, options);
    } catch (RuntimeException e) {
      slot.release();
      throw e;
    }
    io.opentelemetry.context.Context caller = io.opentelemetry.context.Context.current();
    Refreshed done = slot.call(() -> run(project, exp, progress, options, caller));
    ObjectNode out = SnapshotJson.write(done.snapshot());
    ObjectNode withId = out.objectNode().put("snapshotId", done.id());
    withId.setAll(out);
    return withId;
  }

  /** A stored snapshot and its id. */
  private record Refreshed(AnalysisSnapshot snapshot, long id) {}

  /**
   * The per-variation sufficient statistics of the latest phase (as a snapshot stores them, under
   * {@code sufficientStatistics}) of the experiment's mean, count and proportion metrics that have
   * a bound in {@code bounds} ([lo, hi] by metric key), each unit's value clipped to its bound in
   * the warehouse SQL; nothing is stored. For a differentially private export (privacy.DpExport).
   * Runs on the analysis executor like a refresh.
   */
  public ObjectNode clippedStatistics(String project, String experimentKey, Map<String, double[]> bounds) {
    Experiment exp = config.experiment(project, experimentKey).value();
    AnalysisPlan plan = AnalysisPlan.of(project, exp, 0, List.of(), key -> config.metric(project, key)).clipped(bounds);
    if (plan.design().clustered()) {
      throw DomainException.conflict("dp_unsupported", "a differentially private export of a cluster-randomized"
          + " experiment is not supported (its sums are per cluster)", List.of());
    }
    AnalysisExecutor.Slot slot = executor.admit(project);
    return slot.call(() -> query.measure(plan, step -> { }).sufficient());
  }

  private RefreshProgress begin(String project, Experiment exp, Options options) {
    int metrics = AnalysisPlan.roles(exp).size();
    RefreshProgress first = RefreshProgress.started(exp.key(), 2 + metrics * (1 + options.dimensions().size()),
        clock.instant());
    RefreshProgress[] previous = new RefreshProgress[1];
    progress.compute(project + "/" + exp.key(), (k, old) -> {
      previous[0] = old;
      return old != null && old.running() ? old : first;
    });
    if (previous[0] != null && previous[0].running()) {
      throw DomainException.conflict("refresh_running", "a refresh of experiment '" + exp.key()
          + "' is already running (" + previous[0].step() + "): follow it at GET /api/v1/experiments/"
          + exp.key() + "/refresh", List.of());
    }
    return first;
  }

  private Refreshed run(String project, Experiment exp, Consumer<String> listener, Options options,
      io.opentelemetry.context.Context caller) {
    io.opentelemetry.api.trace.Span span = tracer.spanBuilder("assay.refresh").setParent(caller)
        .setAttribute(RefreshSpans.PROJECT, project).setAttribute(RefreshSpans.EXPERIMENT, exp.key()).startSpan();
    try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
      return run(project, exp, listener, options);
    } catch (RuntimeException | Error e) {
      span.recordException(e);
      span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
      throw e;
    } finally {
      span.end();
    }
  }

  private Refreshed run(String project, Experiment exp, Consumer<String> listener, Options options) {
    String id = project + "/" + exp.key();
    Consumer<String> step = name -> {
      progress.computeIfPresent(id, (k, p) -> p.step(name));
      listener.accept(name);
    };
    try {
      Refreshed snapshot = compute(project, exp, step, options);
      progress.computeIfPresent(id, (k, p) -> p.done(clock.instant()));
      listener.accept("done");
      return snapshot;
    } catch (RuntimeException e) {
      progress.computeIfPresent(id, (k, p) -> p.failed(String.valueOf(e.getMessage()), clock.instant()));
      throw e;
    }
  }

  /**
   * Sets the small-cell threshold k per project (privacy settings, ADR 0044): a breakdown level with
   * fewer than k units in some variation is stored suppressed, without numbers. Without it, k is 1.
   */
  public void minCellUnits(java.util.function.ToIntFunction<String> perProject) {
    this.minCellUnits = java.util.Objects.requireNonNull(perProject, "perProject");
  }

  private Refreshed compute(String project, Experiment exp, Consumer<String> progress, Options options) {
    AnalysisPlan plan = AnalysisPlan.of(project, exp, options.phase(), options.dimensions(),
        key -> config.metric(project, key));
    Optional<AnalysisSnapshot> previous = config.snapshots(project, exp.key(), 1).stream()
        .map(SnapshotJson::read).findFirst();
    java.time.Instant now = clock.instant();
    java.util.OptionalLong previousRefresh = previous.filter(s -> s.phase() == plan.phase())
        .map(s -> java.util.OptionalLong.of(s.computedAt().toEpochMilli())).orElse(java.util.OptionalLong.empty());
    RefreshSpans spans = new RefreshSpans(tracer);
    WarehouseQuery.Measurements measured = query.measure(plan, progress, now.toEpochMilli(), previousRefresh, spans,
        options.full());
    progress.accept("statistics");
    AnalysisSnapshot snapshot = spans.stage("statistics", () -> SnapshotStatistics.compute(plan, measured, previous,
        now, minCellUnits.applyAsInt(project)));
    SnapshotLineage lineage = SnapshotLineage.of(plan, measured.recorded(), ModelJson.toTree(exp.analysis()),
        definition(exp, plan.metrics()), snapshot.computedAt());
    long id = config.saveSnapshot(project, exp.key(), plan.phase(), SnapshotJson.write(snapshot),
        Optional.of(LineageJson.write(lineage)));
    for (Listener l : listeners) {
      try {
        l.refreshed(project, exp, snapshot, plan.latestPhase());
      } catch (RuntimeException | Error e) {
        LOG.log(Level.WARNING, "after the refresh of " + project + "/" + exp.key() + ": " + e.getMessage(), e);
      }
    }
    return new Refreshed(snapshot, id);
  }

  /**
   * The hashes of what a snapshot was computed from: the experiment's design (without its
   * lifecycle state, which does not change what is computed) and each metric (ratio parts too).
   */
  static SnapshotLineage.Definition definition(Experiment exp, List<AnalysisPlan.PlannedMetric> metrics) {
    ObjectNode design = ModelJson.toTree(exp);
    design.remove(List.of("status", "decision", "halted", "killed"));
    Map<String, String> hashes = new java.util.TreeMap<>();
    for (AnalysisPlan.PlannedMetric m : metrics) {
      hashes.put(m.key(), LineageJson.sha256(ModelJson.toTree(m.metric())));
      m.ratio().ifPresent(r -> {
        hashes.put(r.numerator().key(), LineageJson.sha256(ModelJson.toTree(r.numerator())));
        hashes.put(r.denominator().key(), LineageJson.sha256(ModelJson.toTree(r.denominator())));
      });
    }
    return new SnapshotLineage.Definition(LineageJson.sha256(design), hashes);
  }
}
