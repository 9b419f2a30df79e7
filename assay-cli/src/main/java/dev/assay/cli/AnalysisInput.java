package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.stats.AlwaysValidState;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.CupedStats;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.MetricData;
import dev.assay.stats.MultipleTesting;
import dev.assay.stats.QuantileComparison;
import dev.assay.stats.QuantileStats;
import dev.assay.stats.RatioStats;
import dev.assay.stats.SequentialSampleRatioTest;
import dev.assay.stats.StatsException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the input documents of {@code assay analyze} ({@code docs/statistics.md}): the settings,
 * the metrics' sufficient statistics, the daily unit counts and a previous output's running
 * states. Every problem is a {@link CliInputException} naming the JSON path.
 */
final class AnalysisInput {
  private AnalysisInput() {}

  /** A quantile metric: order statistics per variant, control first. */
  record QuantileMetric(String key, MetricData.Role role, List<QuantileStats> arms) {}

  /** One quantile metric for one treatment variant against control. */
  record QuantileResult(String metric, String variant, MetricData.Role role, QuantileComparison comparison) {}

  /** The variants of the input, control first, with their units and weights. */
  record Variants(List<String> keys, long[] units, double[] weights) {}

  /** The metrics of the input: those analysed together, and the quantile metrics. */
  record Metrics(List<MetricData> metrics, List<QuantileMetric> quantiles) {}

  static Variants variants(JsonNode doc) {
      JsonNode vs = JsonFiles.field(doc, "variants", "$");
      if (!vs.isArray() || vs.size() < 2) {
        throw new CliInputException("$.variants: must be an array of at least two variants (control first)");
      }
      List<String> variants = new ArrayList<>();
      long[] units = new long[vs.size()];
      double[] weights = new double[vs.size()];
      for (int i = 0; i < vs.size(); i++) {
        String path = "$.variants[" + i + "]";
        JsonNode v = vs.get(i);
        if (!v.isObject()) {
          throw new CliInputException(path + ": must be an object with key, units and weight, was " + v);
        }
        String key = JsonFiles.text(v, "key", path, null);
        if (key == null || key.isBlank()) {
          throw new CliInputException(path + ".key: is required");
        }
        if (variants.contains(key)) {
          throw new CliInputException(path + ".key: duplicate variant '" + key + "'");
        }
        variants.add(key);
        units[i] = JsonFiles.count(v, "units", path);
        weights[i] = JsonFiles.number(v, "weight", path, 1.0 / vs.size());
        if (!(weights[i] > 0)) {
          throw new CliInputException(path + ".weight: must be positive, was " + weights[i]);
        }
      }
      // The server's rule for an experiment's split (the same tolerance), so a file it rejects fails here too.
      dev.assay.server.domain.VariantWeights.sumProblem(weights).ifPresent(p -> {
        throw new CliInputException("$.variants[*].weight: " + p);
      });
    return new Variants(variants, units, weights);
  }

  static Metrics metrics(JsonNode doc, List<String> variants, double alpha) {
      JsonNode ms = JsonFiles.field(doc, "metrics", "$");
      if (!ms.isArray()) {
        throw new CliInputException("$.metrics: must be an array");
      }
      List<MetricData> metrics = new ArrayList<>();
      List<QuantileMetric> quantiles = new ArrayList<>();
      Set<String> keys = new HashSet<>();
      for (int i = 0; i < ms.size(); i++) {
        String path = "$.metrics[" + i + "]";
        JsonNode node = ms.get(i);
        boolean quantile = node.isObject() && "quantile".equalsIgnoreCase(node.path("type").asText());
        String key;
        if (quantile) {
          QuantileMetric q = quantile(node, path, variants, alpha);
          quantiles.add(q);
          key = q.key();
        } else {
          MetricData m = metric(node, path, variants);
          metrics.add(m);
          key = m.key();
        }
        if (!keys.add(key)) {
          throw new CliInputException(path + ".key: duplicate metric '" + key + "'");
        }
      }
    return new Metrics(metrics, quantiles);
  }

  /*
   * A quantile metric's order statistics must be fetched at the ranks for the analysis' α
   * (QuantileStats.ranks): the interval of each arm comes from them (Deng, Knoblich & Lu 2018,
   * outer CI), with the cluster correction when per-unit sums are given.
   */
  static QuantileMetric quantile(JsonNode m, String path, List<String> variants, double alpha) {
    String key = JsonFiles.text(m, "key", path, null);
    if (key == null || key.isBlank()) {
      throw new CliInputException(path + ".key: is required");
    }
    double level = JsonFiles.number(m, "level", path);
    if (!(level > 0 && level < 1)) {
      throw new CliInputException(path + ".level: must be in (0, 1), e.g. 0.9 for P90, was " + level);
    }
    direction(m, path);
    MetricData.Role r = role(m, path);
    JsonNode data = variantData(m, path, variants);
    List<QuantileStats> arms = new ArrayList<>();
    for (String v : variants) {
      String vp = path + ".data." + v;
      JsonNode d = JsonFiles.field(data, v, path + ".data");
      if (!d.isObject()) {
        throw new CliInputException(vp + ": must be an object with n, estimate, lower and upper, was " + d);
      }
      long n = JsonFiles.count(d, "n", vp);
      double estimate = JsonFiles.number(d, "estimate", vp);
      double lower = JsonFiles.number(d, "lower", vp);
      double upper = JsonFiles.number(d, "upper", vp);
      if (n < 1) {
        throw new CliInputException(vp + ".n: must be at least 1");
      }
      if (!(lower <= estimate && estimate <= upper)) {
        throw new CliInputException(vp + ": order statistics must satisfy lower <= estimate <= upper, got "
            + lower + ", " + estimate + ", " + upper);
      }
      Optional<QuantileStats.Clusters> clusters = Optional.empty();
      JsonNode c = d.get("clusters");
      if (c != null && !c.isNull()) {
        String cp = vp + ".clusters";
        if (!c.isObject()) {
          throw new CliInputException(cp + ": must be an object of per-unit sums");
        }
        long units = JsonFiles.count(c, "units", cp);
        double sumEvents = JsonFiles.number(c, "sum_events", cp);
        if (units < 2) {
          throw new CliInputException(cp + ".units: the cluster correction needs at least 2 units, was " + units);
        }
        if (!(sumEvents > 0)) {
          throw new CliInputException(cp + ".sum_events: must be positive, was " + sumEvents);
        }
        clusters = Optional.of(new QuantileStats.Clusters(units, JsonFiles.number(c, "sum_indicator", cp),
            JsonFiles.number(c, "sum_indicator_squares", cp), sumEvents, JsonFiles.number(c, "sum_events_squares", cp),
            JsonFiles.number(c, "sum_indicator_events", cp)));
      }
      arms.add(new QuantileStats(level, n, estimate, lower, upper, alpha, clusters));
    }
    return new QuantileMetric(key, r, arms);
  }

  private static String direction(JsonNode m, String path) {
    String direction = JsonFiles.text(m, "direction", path, "increase");
    if (!direction.equals("increase") && !direction.equals("decrease")) {
      throw new CliInputException(path + ".direction: must be 'increase' or 'decrease', was '" + direction + "'");
    }
    return direction;
  }

  private static MetricData.Role role(JsonNode m, String path) {
    String role = JsonFiles.text(m, "role", path, "goal").toLowerCase(Locale.ROOT);
    return switch (role) {
      case "goal" -> MetricData.Role.GOAL;
      case "secondary" -> MetricData.Role.SECONDARY;
      case "guardrail" -> MetricData.Role.GUARDRAIL;
      default -> throw new CliInputException(path + ".role: must be goal, secondary or guardrail, was '" + role + "'");
    };
  }

  /** The metric's {@code data} object, checked to name only variants of the experiment. */
  private static JsonNode variantData(JsonNode m, String path, List<String> variants) {
    JsonNode data = JsonFiles.field(m, "data", path);
    if (!data.isObject()) {
      throw new CliInputException(path + ".data: must be an object keyed by variant");
    }
    for (var it = data.fieldNames(); it.hasNext(); ) {
      String v = it.next();
      if (!variants.contains(v)) {
        throw new CliInputException(path + ".data." + v + ": not a variant of this experiment " + variants);
      }
    }
    return data;
  }

  /**
   * The optional {@code dailyUnits}: per batch (day), the units newly assigned to each variant,
   * run through the anytime-valid Dirichlet-multinomial SRM test against the weights.
   */
  static SequentialSampleRatioTest dailyUnits(JsonNode days, double[] weights) {
    if (days == null || days.isNull()) {
      return null;
    }
    if (!days.isArray() || days.isEmpty()) {
      throw new CliInputException("$.dailyUnits: must be a non-empty array of per-day unit counts, one per variant");
    }
    SequentialSampleRatioTest test = SequentialSampleRatioTest.start(weights,
        SequentialSampleRatioTest.DEFAULT_CONCENTRATION);
    for (int d = 0; d < days.size(); d++) {
      JsonNode day = days.get(d);
      String path = "$.dailyUnits[" + d + "]";
      if (!day.isArray() || day.size() != weights.length) {
        throw new CliInputException(path + ": must be an array of " + weights.length + " counts (one per variant),"
            + " was " + day);
      }
      long[] counts = new long[weights.length];
      for (int v = 0; v < counts.length; v++) {
        JsonNode c = day.get(v);
        if (!c.canConvertToLong() || !c.isIntegralNumber() || c.asLong() < 0) {
          throw new CliInputException(path + "[" + v + "]: must be a non-negative whole number, was " + c);
        }
        counts[v] = c.asLong();
      }
      test = test.next(counts);
    }
    return test;
  }

  /** The running states in a previous {@code --format json} output. */
  static Map<ExperimentAnalysis.Key, AlwaysValidState> previousStates(JsonNode doc) {
    JsonNode results = doc.get("results");
    if (results == null || !results.isArray()) {
      throw new CliInputException("--previous: $.results: must be the array of an earlier 'assay analyze --format json'");
    }
    Map<ExperimentAnalysis.Key, AlwaysValidState> states = new LinkedHashMap<>();
    for (int i = 0; i < results.size(); i++) {
      String path = "--previous: $.results[" + i + "]";
      JsonNode r = results.get(i);
      if (!r.isObject()) {
        throw new CliInputException(path + ": must be an object");
      }
      long looks = r.has("looks") ? JsonFiles.count(r, "looks", path) : 0;
      if (looks == 0) {
        continue; // fixed-horizon or missing: nothing to carry forward
      }
      String metric = JsonFiles.text(r, "metric", path, null);
      String variant = JsonFiles.text(r, "variant", path, null);
      if (metric == null || variant == null) {
        throw new CliInputException(path + ": needs metric and variant");
      }
      double p = JsonFiles.number(r, "pValue", path);
      double lo = JsonFiles.number(r, "ciLower", path);
      double hi = JsonFiles.number(r, "ciUpper", path);
      if (!(p >= 0 && p <= 1) || !(lo <= hi)) {
        throw new CliInputException(path + ": pValue must be in [0, 1] and ciLower <= ciUpper");
      }
      states.put(new ExperimentAnalysis.Key(metric, variant), new AlwaysValidState((int) Math.min(looks,
          Integer.MAX_VALUE), p, lo, hi));
    }
    return states;
  }

  static AnalysisSettings settings(JsonNode s) {
    AnalysisSettings d = AnalysisSettings.defaults();
    if (s.isMissingNode() || s.isNull()) {
      return d;
    }
    if (!s.isObject()) {
      throw new CliInputException("$.settings: must be an object");
    }
    String p = "$.settings";
    String engine = JsonFiles.text(s, "engine", p, "frequentist").toLowerCase(Locale.ROOT);
    if (!engine.equals("frequentist") && !engine.equals("bayesian")) {
      throw new CliInputException(p + ".engine: must be 'frequentist' or 'bayesian', was '" + engine + "'");
    }
    double alpha = JsonFiles.number(s, "alpha", p, d.alpha());
    if (!(alpha > 0 && alpha < 1)) {
      throw new CliInputException(p + ".alpha: must be in (0, 1), was " + alpha);
    }
    String correction = JsonFiles.text(s, "correction", p, "benjamini-hochberg").toLowerCase(Locale.ROOT);
    MultipleTesting.Method method = switch (correction) {
      case "none" -> MultipleTesting.Method.NONE;
      case "bonferroni" -> MultipleTesting.Method.BONFERRONI;
      case "holm" -> MultipleTesting.Method.HOLM;
      case "benjamini-hochberg", "bh" -> MultipleTesting.Method.BENJAMINI_HOCHBERG;
      default -> throw new CliInputException(p + ".correction: must be none, bonferroni, holm or"
          + " benjamini-hochberg, was '" + correction + "'");
    };
    long planned = s.has("plannedUnits") ? JsonFiles.count(s, "plannedUnits", p) : 0;
    double priorMean = 0;
    Double priorVar = null;
    JsonNode prior = s.path("prior");
    if (!prior.isMissingNode() && !prior.isNull() && !prior.isObject()) {
      throw new CliInputException(p + ".prior: must be an object {\"mean\": ..., \"variance\": ...}, was " + prior);
    }
    if (prior.isObject()) {
      priorMean = JsonFiles.number(prior, "mean", p + ".prior", 0);
      if (prior.has("variance") && !prior.get("variance").isNull()) {
        priorVar = JsonFiles.number(prior, "variance", p + ".prior");
        if (!(priorVar > 0)) {
          throw new CliInputException(p + ".prior.variance: must be positive (omit it for a flat prior)");
        }
      }
    }
    return new AnalysisSettings(engine.equals("bayesian") ? AnalysisSettings.Engine.BAYESIAN
        : AnalysisSettings.Engine.FREQUENTIST, alpha, JsonFiles.bool(s, "sequential", p, true),
        JsonFiles.bool(s, "cuped", p, true), method, planned, priorMean, priorVar);
  }

  static MetricData metric(JsonNode m, String path, List<String> variants) {
    if (!m.isObject()) {
      throw new CliInputException(path + ": must be an object");
    }
    String key = JsonFiles.text(m, "key", path, null);
    if (key == null || key.isBlank()) {
      throw new CliInputException(path + ".key: is required");
    }
    String type = JsonFiles.text(m, "type", path, "mean").toLowerCase(Locale.ROOT);
    MetricData.Type t = switch (type) {
      case "mean", "sum", "count" -> MetricData.Type.MEAN;
      case "proportion" -> MetricData.Type.PROPORTION;
      case "ratio" -> MetricData.Type.RATIO;
      default -> throw new CliInputException(path + ".type: must be proportion, mean, sum, count, ratio or quantile,"
          + " was '" + type + "'");
    };
    String direction = direction(m, path);
    MetricData.Role r = role(m, path);
    Double margin = null;
    if (m.has("nonInferiorityMargin") && !m.get("nonInferiorityMargin").isNull()) {
      margin = JsonFiles.number(m, "nonInferiorityMargin", path);
      if (!(margin > 0 && margin < 1)) {
        throw new CliInputException(path + ".nonInferiorityMargin: must be a fraction of the control mean in (0, 1),"
            + " e.g. 0.05 for 5%, was " + margin);
      }
    }
    JsonNode data = variantData(m, path, variants);
    List<CupedStats> values = t == MetricData.Type.RATIO ? null : new ArrayList<>();
    List<RatioStats> ratios = t == MetricData.Type.RATIO ? new ArrayList<>() : null;
    for (String v : variants) {
      String vp = path + ".data." + v;
      JsonNode d = JsonFiles.field(data, v, path + ".data");
      if (!d.isObject()) {
        throw new CliInputException(vp + ": must be an object of sums (n, sum, ...), was " + d);
      }
      long n = JsonFiles.count(d, "n", vp);
      try {
        if (ratios != null) {
          ratios.add(new RatioStats(n, JsonFiles.number(d, "sum_num", vp), JsonFiles.number(d, "sum_den", vp),
              JsonFiles.number(d, "sum_num_squares", vp), JsonFiles.number(d, "sum_den_squares", vp),
              JsonFiles.number(d, "sum_num_den", vp)));
        } else {
          double sum = JsonFiles.number(d, "sum", vp);
          double sumSq = t == MetricData.Type.PROPORTION && !d.has("sum_squares") ? sum : JsonFiles.number(d, "sum_squares", vp);
          if (t == MetricData.Type.PROPORTION && (sum < 0 || sum > n)) {
            throw new CliInputException(vp + ".sum: a proportion's sum (conversions) must be between 0 and n, was " + sum);
          }
          if (n > 0 && sumSq < sum * sum / n * (1 - 1e-12) - 1e-9) {
            throw new CliInputException(vp + ".sum_squares: is smaller than sum²/n, so these cannot be sums of one data set");
          }
          values.add(new CupedStats(n, sum, JsonFiles.number(d, "sum_x", vp, 0), sumSq,
              JsonFiles.number(d, "sum_x_squares", vp, 0), JsonFiles.number(d, "sum_xy", vp, 0)));
        }
      } catch (StatsException e) {
        throw new CliInputException(vp + ": " + e.getMessage());
      }
    }
    return new MetricData(key, t, direction.equals("increase"), r, values, ratios, margin);
  }
}
