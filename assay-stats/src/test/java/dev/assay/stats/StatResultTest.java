package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every result type names its method and can say why a value is missing. */
class StatResultTest {

  /** Public records that are inputs, settings or test definitions, not results. */
  private static final Set<String> NOT_RESULTS = Set.of("AnalysisSettings", "BanditArm", "CupedStats",
      "MetricData", "QuantileStats", "RatioStats", "SampleStats", "NormalMixtureSequence", "ThompsonSampling",
      "ExperimentAnalysis");

  @Test
  void everyPublicResultRecord_implementsStatResult() throws IOException, ClassNotFoundException {
    List<String> names;
    try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/assay/stats"))) {
      names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".java"))
          .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
    }
    int results = 0;
    for (String name : names) {
      Class<?> c = Class.forName("dev.assay.stats." + name);
      if (c.isRecord() && Modifier.isPublic(c.getModifiers()) && !NOT_RESULTS.contains(name)) {
        assertThat(StatResult.class.isAssignableFrom(c)).as(name + " implements StatResult").isTrue();
        results++;
      }
    }
    assertThat(results).isGreaterThanOrEqualTo(20);
  }

  @Test
  void methods_nameTheVariantActuallyUsed() {
    BayesianGaussian flat = BayesianGaussian.posterior(0.02, 0.01, 0, null, 0.05);
    BayesianGaussian proper = BayesianGaussian.posterior(0.02, 0.01, 0, 0.09, 0.05);
    GroupSequentialBoundaries obf = GroupSequentialBoundaries.compute(new double[] {0.5, 1}, 0.05,
        SpendingFunction.obrienFleming(), 2);
    GroupSequentialBoundaries power = GroupSequentialBoundaries.compute(new double[] {0.5, 1}, 0.05,
        SpendingFunction.powerFamily(2), 2);

    assertThat(flat.method()).isEqualTo("bayesian_gaussian_flat_prior");
    assertThat(proper.method()).isEqualTo("bayesian_gaussian_normal_prior");
    assertThat(obf.method()).isEqualTo("group_sequential_ld_obf");
    assertThat(power.method()).isEqualTo("group_sequential_power_2");
    assertThat(TwoProportions.compare(1000, 100, 1000, 120, 0.05).method()).isEqualTo("two_proportion_z_unpooled");
  }

  @Test
  void missing_explainsUndefinedValues() {
    StatResult noVariance = TwoProportions.compare(1000, 0, 1000, 0, 0.05);
    StatResult zeroControl = RelativeLift.compute(0, 0.1, 1, 0.1, 10, 0.05);
    StatResult complete = TwoProportions.compare(1000, 100, 1000, 120, 0.05);

    assertThat(noVariance.missing()).get().asString().contains("zero variance");
    assertThat(zeroControl.missing()).get().asString().contains("control mean is 0");
    assertThat(complete.missing()).isEmpty();
  }
}
