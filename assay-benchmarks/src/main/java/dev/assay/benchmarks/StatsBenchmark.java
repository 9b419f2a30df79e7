package dev.assay.benchmarks;

import dev.assay.stats.BanditArm;
import dev.assay.stats.BanditWeights;
import dev.assay.stats.ThompsonSampling;
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

/** Statistics hot paths: a bandit weight update (10⁴ Thompson draws over 5 arms). */
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
  }

  @Benchmark
  public BanditWeights banditUpdate_10kDraws_5Arms() {
    return sampling.weights(arms, new SplittableRandom(seed++));
  }
}
