package dev.assay.benchmarks;

import dev.assay.server.analysis.DesignSeries;
import dev.assay.server.analysis.PlatformAa;
import java.time.Instant;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The platform A/A series over time ({@link DesignSeries#platformAa}) that every {@code GET
 * /platform/aa} and page load computes: the pooled checks (a Kolmogorov–Smirnov test each) after
 * each of the {@value PlatformAa#RUNS_KEPT} runs kept, with uniform p-values or p = u² (a biased
 * platform, where the KS distance is large).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlatformAaSeriesBenchmark {
  @Param({"5", "20"})
  int testsPerRun;

  @Param({"uniform", "biased"})
  String law;

  private List<PlatformAa.AaRun> runs;

  @Setup
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(18);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    runs = new ArrayList<>();
    for (int r = PlatformAa.RUNS_KEPT - 1; r >= 0; r--) { // newest first, as the store answers
      List<PlatformAa.AaTest> tests = new ArrayList<>();
      for (int i = 0; i < testsPerRun; i++) {
        double u = rnd.nextDouble();
        tests.add(new PlatformAa.AaTest("e", "m" + i, 500, 500, 0, 0, law.equals("biased") ? u * u : u));
      }
      runs.add(new PlatformAa.AaRun(t0.plusSeconds(21_600L * r).toString(), "salt", tests, List.of()));
    }
  }

  @Benchmark
  public Object series200Runs() {
    return DesignSeries.platformAa(runs);
  }
}
