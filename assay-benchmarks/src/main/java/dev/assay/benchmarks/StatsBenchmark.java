package dev.assay.benchmarks;

import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.BanditArm;
import dev.assay.stats.BanditWeights;
import dev.assay.stats.CupedStats;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.MetricData;
import dev.assay.stats.ThompsonSampling;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Statistics hot paths: a bandit weight update (10⁴ Thompson draws over 5 arms) and a full
 * analysis of an experiment with 3 variants × 20 metrics (CUPED, always-valid sequential, BH).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StatsBenchmark {

  private List<BanditArm> arms;
  private ThompsonSampling sampling;
  private long seed;

  @Setup
  public void setUp() {
    arms =
        List.of(
            new BanditArm(4_000, 0.100, 0.090),
            new BanditArm(3_500, 0.104, 0.093),
            new BanditArm(5_200, 0.098, 0.088),
            new BanditArm(4_800, 0.106, 0.095),
            new BanditArm(2_900, 0.101, 0.091));
    sampling = ThompsonSampling.defaults();
    SplittableRandom rnd = new SplittableRandom(1);
    metrics = new ArrayList<>();
    for (int m = 0; m < 20; m++) {
      List<CupedStats> arms = new ArrayList<>();
      for (int v = 0; v < 3; v++) {
        long n = 30_000 + rnd.nextInt(1000);
        double mean = 10 + rnd.nextDouble();
        double var = 80 + 40 * rnd.nextDouble();
        double meanX = 10;
        double varX = 90;
        double cov = 0.7 * Math.sqrt(var * varX);
        double sumY = n * mean;
        double sumX = n * meanX;
        arms.add(new CupedStats(n, sumY, sumX, var * (n - 1) + sumY * sumY / n, varX * (n - 1) + sumX * sumX / n,
            cov * (n - 1) + sumX * sumY / n));
      }
      metrics.add(new MetricData("metric-" + m, MetricData.Type.MEAN, true,
          m < 3 ? MetricData.Role.GOAL : MetricData.Role.SECONDARY, arms, null));
    }
    settings = new AnalysisSettings(AnalysisSettings.Engine.FREQUENTIST, 0.05, true, true,
        dev.assay.stats.MultipleTesting.Method.BENJAMINI_HOCHBERG, 200_000, 0, null);
  }

  private List<MetricData> metrics;
  private AnalysisSettings settings;
  private final long[] units = {30_000, 30_100, 29_950};
  private final double[] weights = {1 / 3.0, 1 / 3.0, 1 / 3.0};
  private final List<String> variants = List.of("control", "b", "c");

  @Benchmark
  public ExperimentAnalysis analysis_3Variants_20Metrics_cupedSequentialBh() {
    return ExperimentAnalysis.analyze(variants, units, weights, metrics, settings);
  }

  @Benchmark
  public BanditWeights banditUpdate_10kDraws_5Arms() {
    return sampling.weights(arms, new SplittableRandom(seed++));
  }
}
