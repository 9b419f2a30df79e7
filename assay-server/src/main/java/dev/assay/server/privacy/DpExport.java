package dev.assay.server.privacy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.SnapshotJson;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.MetricType;
import dev.assay.server.domain.model.Variant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Differentially private export of an experiment's aggregate results (docs/privacy.md, ADR 0044):
 * per variation and metric the sufficient statistics n, Σy and Σy² of the latest phase, computed
 * in the warehouse with each unit's value clipped to the metric's declared bound [lo, hi]
 * (proportion metrics: [0, 1] unless declared), plus noise.
 *
 * <p>Neighbouring datasets differ by one unit (add or remove). A unit is in one variation and adds
 * 1 to n, at most m = max(|lo|, |hi|) to |Σy| and m² to Σy², so the sensitivities are 1, m and m².
 * The K = 3 × (metrics) released statistic types share the request's ε (and δ) equally, ε/K each
 * (basic sequential composition); the variations are disjoint sets of units (parallel
 * composition). Laplace noise has scale b = Δ/(ε/K) (variance 2b²); Gaussian noise has σ =
 * Δ·sqrt(2 ln(1.25/(δ/K)))/(ε/K) (Dwork &amp; Roth 2014, Theorems 3.6 and A.1; the Gaussian bound
 * is proven for ε/K &lt; 1). Thread-safe.
 */
public final class DpExport {
  /** The noise distribution. */
  public enum Mechanism {
    LAPLACE,
    GAUSSIAN;

    /** One draw of noise of this scale (b for Laplace, σ for Gaussian). */
    public double draw(double scale, RandomGenerator random) {
      if (this == GAUSSIAN) {
        return scale * random.nextGaussian();
      }
      // Inverse CDF of Laplace(0, b) at u ~ U(-1/2, 1/2): -b·sgn(u)·ln(1 − 2|u|); u = -1/2 is redrawn.
      double u;
      do {
        u = random.nextDouble() - 0.5;
      } while (u == -0.5);
      return -scale * Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
    }

    /** The variance of one draw at this scale: 2b² (Laplace) or σ² (Gaussian). */
    public double variance(double scale) {
      return this == GAUSSIAN ? scale * scale : 2 * scale * scale;
    }
  }

  /** The sensitivities of n, Σy and Σy² under a clip bound. */
  public record Sensitivity(double count, double sum, double sumOfSquares) {
    /** Under [lo, hi]: 1, max(|lo|, |hi|), max(|lo|, |hi|)². */
    public static Sensitivity of(PrivacySettings.ClipBound b) {
      double m = b.magnitude();
      return new Sensitivity(1, m, m * m);
    }
  }

  /**
   * The noise scale of a statistic of sensitivity Δ given its share of the budget.
   *
   * @param epsilon the statistic's ε (the request's ε / K)
   * @param delta the statistic's δ (the request's δ / K; Gaussian only)
   */
  public static double scale(Mechanism mechanism, double sensitivity, double epsilon, double delta) {
    return mechanism == Mechanism.LAPLACE ? sensitivity / epsilon
        : sensitivity * Math.sqrt(2 * Math.log(1.25 / delta)) / epsilon;
  }

  private final ConfigService config;
  private final ExperimentRefresh analysis;
  private final PrivacySettingsService settings;
  private final PrivacyBudget budget;
  private final RandomGenerator random;

  public DpExport(ConfigService config, ExperimentRefresh analysis, PrivacySettingsService settings,
      PrivacyBudget budget, RandomGenerator random) {
    this.config = Objects.requireNonNull(config, "config");
    this.analysis = Objects.requireNonNull(analysis, "analysis");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * A noisy export, or a refusal: 409 when the experiment has no metric with a clip bound or the ε
   * would exceed its budget (nothing is released and nothing spent then).
   *
   * @param delta the Gaussian mechanism's δ (ignored for Laplace)
   */
  public ObjectNode export(String project, String experimentKey, double epsilon, Mechanism mechanism, double delta,
      String actor) {
    Experiment exp = config.experiment(project, experimentKey).value();
    PrivacySettings s = settings.get(project);
    Map<String, PrivacySettings.ClipBound> bounds = bounds(project, exp, s);
    if (bounds.isEmpty()) {
      throw DomainException.conflict("no_clip_bounds", "no metric of experiment '" + experimentKey + "' has a clip"
          + " bound: declare clipBounds {metric: {lo, hi}} in PUT /api/v1/privacy (proportion metrics have [0, 1])",
          List.of());
    }
    Map<String, double[]> arrays = new LinkedHashMap<>();
    bounds.forEach((k, b) -> arrays.put(k, new double[] {b.lo(), b.hi()}));
    Map<String, List<SnapshotJson.Sums>> sums = SnapshotJson.meanSums(analysis.clippedStatistics(project, experimentKey,
        arrays));
    int k = 3 * sums.size();
    if (k == 0) {
      throw DomainException.conflict("no_clip_bounds", "no mean, count or proportion metric of experiment '"
          + experimentKey + "' has a clip bound", List.of());
    }
    double eps = epsilon / k;
    double del = mechanism == Mechanism.GAUSSIAN ? delta / k : 0;
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("experiment", experimentKey);
    ObjectNode release = out.putObject("privacy");
    release.put("mechanism", mechanism.name().toLowerCase(Locale.ROOT)).put("epsilon", epsilon);
    if (mechanism == Mechanism.GAUSSIAN) {
      release.put("delta", delta);
    }
    release.put("statistics", k).put("epsilonPerStatistic", eps);
    if (mechanism == Mechanism.GAUSSIAN) {
      release.put("deltaPerStatistic", del);
    }
    ArrayNode metrics = out.putArray("metrics");
    List<Variant> variants = exp.variants();
    sums.forEach((metric, arms) -> {
      PrivacySettings.ClipBound b = bounds.get(metric);
      Sensitivity sens = Sensitivity.of(b);
      double bn = scale(mechanism, sens.count(), eps, del);
      double bs = scale(mechanism, sens.sum(), eps, del);
      double bq = scale(mechanism, sens.sumOfSquares(), eps, del);
      ObjectNode m = metrics.addObject().put("metric", metric);
      m.putObject("clip").put("lo", b.lo()).put("hi", b.hi());
      m.putObject("sensitivity").put("count", sens.count()).put("sum", sens.sum()).put("sumOfSquares", sens.sumOfSquares());
      m.putObject("noiseScale").put("count", bn).put("sum", bs).put("sumOfSquares", bq);
      m.putObject("noiseVariance").put("count", mechanism.variance(bn)).put("sum", mechanism.variance(bs))
          .put("sumOfSquares", mechanism.variance(bq));
      ArrayNode rows = m.putArray("variations");
      for (int v = 0; v < arms.size(); v++) {
        SnapshotJson.Sums a = arms.get(v);
        double n = a.n() + mechanism.draw(bn, random);
        double sum = a.sum() + mechanism.draw(bs, random);
        double sq = a.sumOfSquares() + mechanism.draw(bq, random);
        ObjectNode row = rows.addObject().put("variant", v < variants.size() ? variants.get(v).key() : "variation-" + v)
            .put("n", n).put("sum", sum).put("sumOfSquares", sq);
        // Post-processing (free under DP): the mean of the noisy sums, and the variance the noise adds
        // to it by the delta method, (Var[sum noise] + mean²·Var[n noise]) / n², for wider intervals.
        double nn = Math.max(1, n);
        double mean = Math.min(b.hi(), Math.max(b.lo(), sum / nn));
        row.put("mean", mean).put("noiseVarianceOfMean",
            (mechanism.variance(bs) + mean * mean * mechanism.variance(bn)) / (nn * nn));
      }
    });
    PrivacyBudget.Status after = budget.spend(project, experimentKey, epsilon, release, actor);
    out.putObject("budget").put("total", after.total()).put("spent", after.spent()).put("remaining", after.remaining())
        .put("exports", after.exports());
    return out;
  }

  /* The declared bounds of the experiment's metrics; a proportion metric without one gets [0, 1]. */
  private Map<String, PrivacySettings.ClipBound> bounds(String project, Experiment exp, PrivacySettings s) {
    Map<String, PrivacySettings.ClipBound> out = new LinkedHashMap<>();
    for (String key : exp.metrics().all()) {
      PrivacySettings.ClipBound declared = s.clipBounds().get(key);
      if (declared != null) {
        out.put(key, declared);
      } else if (config.metric(project, key).type() == MetricType.PROPORTION) {
        out.put(key, new PrivacySettings.ClipBound(0, 1));
      }
    }
    return out;
  }
}
