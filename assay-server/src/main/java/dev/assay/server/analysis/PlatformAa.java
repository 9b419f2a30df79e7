package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.ExperimentType;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricType;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.Versioned;
import dev.assay.stats.CupedStats;
import dev.assay.stats.MeanDifference;
import dev.assay.stats.PValueUniformity;
import dev.assay.stats.SampleStats;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The platform A/A check (ADR 0048, docs/designs.md "Platform A/A"): the platform tests itself on
 * real traffic. Each run takes every running A/B, A/A and multivariate experiment of a project
 * (not cluster-randomized), splits its control's exposed units in two halves by a hash of a fresh
 * random salt and the unit id, and computes each of its metrics for the two halves with the same
 * warehouse queries as a refresh, and Welch's test between them. The halves differ by chance
 * alone, so over many runs the p-values should be uniform on (0, 1): a share α below α.
 * {@link #results} pools the p-values of the last {@value #RUNS_KEPT} runs and tests both
 * ({@link PValueUniformity}); a platform whose exposures, metric joins, windows or variance
 * formulas were biased would show it. Runs are stored as snapshots under {@value #KEY}.
 */
public final class PlatformAa {
  /** The snapshot key of the runs (not an experiment key: those have no colon). */
  public static final String KEY = "platform:aa";
  /** Runs pooled by {@link #results}. */
  public static final int RUNS_KEPT = 200;
  /** Units each half needs for its metrics to be tested. */
  public static final int MIN_UNITS_PER_HALF = 50;
  /** Pooled p-values needed before a verdict. */
  public static final int MIN_P_VALUES = 30;
  /** The level of the uniformity checks below which the platform is reported biased. */
  public static final double BIAS_LEVEL = 0.001;
  /** The α of the false-positive rate. */
  public static final double ALPHA = 0.05;
  private static final int MAX_METRICS = 20;
  private static final Logger LOG = Logger.getLogger(PlatformAa.class.getName());
  private static final Set<ExperimentType> SPLIT = Set.of(ExperimentType.AB, ExperimentType.AA,
      ExperimentType.MULTIVARIATE);

  // Stored snapshots carry fields of their own (snapshotId) beside the run.
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** One test of a run: an experiment's metric, its two halves' units and means, Welch's p-value. */
  public record AaTest(String experiment, String metric, long unitsA, long unitsB, double meanA, double meanB,
      double pValue) {}

  /** An experiment or metric a run did not test, and why ({@code metric} null for the whole experiment). */
  public record AaSkip(String experiment, @Nullable String metric, String reason) {}

  /** A run: when (ISO-8601), the salt of its split, its tests and what it skipped. */
  public record AaRun(String at, String salt, List<AaTest> tests, List<AaSkip> skipped) {
    /** The run as JSON (the stored snapshot and the API's {@code run}). */
    public ObjectNode json() {
      return JSON.valueToTree(this);
    }
  }

  /** The pooled verdict: {@code ok}, {@code biased} or {@code insufficient}, why, and the API's JSON. */
  public record Verdict(String status, @Nullable String reason, ObjectNode json) {}

  private final ConfigService config;
  private final ExperimentRefresh.Warehouse warehouse;
  private final WarehouseStatistics statistics;
  private final AnalysisExecutor executor;
  private final Clock clock;

  PlatformAa(ConfigService config, ExperimentRefresh.Warehouse warehouse, WarehouseStatistics statistics,
      AnalysisExecutor executor, Clock clock) {
    this.config = config;
    this.warehouse = warehouse;
    this.statistics = statistics;
    this.executor = executor;
    this.clock = clock;
  }

  /**
   * Runs the check once on a project's running experiments and stores the run; 429 when the
   * analysis is at its limit of concurrent refreshes.
   *
   * @return the run: its time, salt, and per experiment and metric the halves' units and p-value
   */
  public AaRun run(String project) {
    String salt = UUID.randomUUID().toString();
    AaRun run = executor.admit(project).call(() -> measure(project, salt));
    config.saveSnapshot(project, KEY, 0, run.json());
    return run;
  }

  /** The newest stored run of a project. */
  public Optional<AaRun> latest(String project) {
    return runs(project, 1).stream().findFirst();
  }

  private List<AaRun> runs(String project, int limit) {
    List<AaRun> out = new ArrayList<>();
    for (JsonNode stored : config.snapshots(project, KEY, limit)) {
      try {
        out.add(JSON.treeToValue(stored, AaRun.class));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException("a stored platform A/A run cannot be read: " + e.getOriginalMessage(), e);
      }
    }
    return out;
  }

  private AaRun measure(String project, String salt) {
    List<AaTest> tests = new ArrayList<>();
    List<AaSkip> skipped = new ArrayList<>();
    String at = clock.instant().toString();
    try (Connection c = warehouse.connect()) {
      for (Versioned<Experiment> v : config.experiments(project)) {
        Experiment e = v.value();
        if (e.status() != ExperimentStatus.RUNNING || e.currentPhase().isEmpty() || !SPLIT.contains(e.type())) {
          continue;
        }
        if (AnalysisPlan.Design.of(e).clustered()) {
          skipped.add(new AaSkip(e.key(), null, "cluster-randomized: not split by unit"));
          continue;
        }
        measure(c, project, e, salt, tests, skipped);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("the platform A/A run could not read the warehouse: " + e.getMessage(), e);
    }
    return new AaRun(at, salt, List.copyOf(tests), List.copyOf(skipped));
  }

  private void measure(Connection c, String project, Experiment e, String salt, List<AaTest> tests, List<AaSkip> skipped)
      throws SQLException {
    Phase phase = e.currentPhase().orElseThrow();
    // The control's units in two halves by the salt (cluster-randomized phases were skipped).
    MetricQueries.Phase halves = new MetricQueries.Phase(e.key(), phase.startedAt(), AnalysisPlan.OPEN_END, project,
        null, AnalysisPlan.Design.of(e).trigger().orElse(null), salt);
    List<String> keys = e.metrics().all().stream().distinct().limit(MAX_METRICS).toList();
    for (String key : keys) {
      Metric m;
      try {
        m = config.metric(project, key);
      } catch (RuntimeException missing) {
        skipped.add(new AaSkip(e.key(), key, "no such metric"));
        continue;
      }
      if (m.type() == MetricType.RATIO || m.type() == MetricType.QUANTILE) {
        skipped.add(new AaSkip(e.key(), key, m.type().wire() + " metrics are not split"));
        continue;
      }
      List<CupedStats> arms;
      try {
        arms = statistics.metric(c, halves, AnalysisPlan.query(m, false), 2);
      } catch (SQLException | RuntimeException failed) {
        LOG.log(Level.WARNING, "platform A/A: " + project + "/" + e.key() + "/" + key + " failed: " + failed.getMessage());
        skipped.add(new AaSkip(e.key(), key, "query failed"));
        continue;
      }
      SampleStats a = SampleStats.fromSums(arms.get(0).n(), arms.get(0).sumY(), arms.get(0).sumY2());
      SampleStats b = SampleStats.fromSums(arms.get(1).n(), arms.get(1).sumY(), arms.get(1).sumY2());
      if (a.n() < MIN_UNITS_PER_HALF || b.n() < MIN_UNITS_PER_HALF) {
        skipped.add(new AaSkip(e.key(), key, "fewer than " + MIN_UNITS_PER_HALF + " control units in a half"));
        continue;
      }
      MeanDifference d = MeanDifference.welch(a, b, ALPHA);
      if (d.missing().isPresent() || !(d.pValue() >= 0 && d.pValue() <= 1)) {
        skipped.add(new AaSkip(e.key(), key, d.missing().orElse("no p-value")));
        continue;
      }
      tests.add(new AaTest(e.key(), key, a.n(), b.n(), a.mean(), b.mean(), d.pValue()));
    }
  }

  /**
   * The pooled verdict over the last {@value #RUNS_KEPT} runs: {@code status} {@code insufficient}
   * (fewer than {@value #MIN_P_VALUES} p-values), {@code ok} or {@code biased} (the false-positive
   * rate's binomial test or the Kolmogorov–Smirnov test below {@value #BIAS_LEVEL}), the rates, a
   * ten-bin histogram of the p-values, each run's time, tests and false positives (newest first),
   * and the plot-ready {@code overTime} ({@link DesignSeries#platformAa}, oldest first).
   */
  public ObjectNode results(String project) {
    return verdict(project).json();
  }

  /** The pooled verdict as {@link #results} answers it. */
  public Verdict verdict(String project) {
    List<AaRun> runs = runs(project, RUNS_KEPT);
    List<Double> p = new ArrayList<>();
    ArrayNode series = JsonNodeFactory.instance.arrayNode();
    for (AaRun run : runs) {
      int positives = 0;
      for (AaTest t : run.tests()) {
        p.add(t.pValue());
        positives += t.pValue() < ALPHA ? 1 : 0;
      }
      series.addObject().put("at", run.at()).put("tests", run.tests().size()).put("falsePositives", positives);
    }
    Verdict v = verdict(p.stream().mapToDouble(Double::doubleValue).toArray());
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("runs", runs.size());
    out.setAll(v.json());
    out.set("series", series);
    out.set("overTime", DesignSeries.platformAa(runs));
    return new Verdict(v.status(), v.reason(), out);
  }

  /** The verdict on pooled p-values: status, rates, tests and a ten-bin histogram (see {@link #results}). */
  static Verdict verdict(double[] values) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("pValues", values.length).put("alpha", ALPHA).put("biasLevel", BIAS_LEVEL);
    int[] bins = new int[10];
    for (double v : values) {
      bins[Math.min(9, (int) (v * 10))]++;
    }
    ArrayNode histogram = out.putArray("histogram");
    for (int i = 0; i < bins.length; i++) {
      histogram.addObject().put("from", i / 10.0).put("to", (i + 1) / 10.0).put("count", bins[i]);
    }
    if (values.length < MIN_P_VALUES) {
      String reason = values.length + " p-values; the verdict needs " + MIN_P_VALUES
          + " (run more: POST /api/v1/platform/aa/runs, or wait for the scheduled runs)";
      out.put("status", "insufficient").put("reason", reason);
      out.putNull("falsePositiveRate").putNull("binomialPValue").putNull("ksStatistic").putNull("ksPValue");
      return new Verdict("insufficient", reason, out);
    } else {
      PValueUniformity u = PValueUniformity.of(values, ALPHA);
      boolean biased = u.binomialPValue() < BIAS_LEVEL || u.ksPValue() < BIAS_LEVEL;
      out.put("status", biased ? "biased" : "ok").put("falsePositiveRate", u.rejectionRate())
          .put("binomialPValue", u.binomialPValue()).put("ksStatistic", u.ksStatistic()).put("ksPValue", u.ksPValue());
      String reason = null;
      if (biased) {
        reason = String.format(java.util.Locale.ROOT, "false-positive rate %.3f at α = %.2f (binomial p = %.2g),"
            + " Kolmogorov–Smirnov D = %.3f (p = %.2g) over %d p-values", u.rejectionRate(), ALPHA, u.binomialPValue(),
            u.ksStatistic(), u.ksPValue(), values.length);
        out.put("reason", reason);
      }
      return new Verdict(biased ? "biased" : "ok", reason, out);
    }
  }
}
