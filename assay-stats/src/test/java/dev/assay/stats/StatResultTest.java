package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
      "ExperimentAnalysis", "ClusterSums");
  /** Results whose {@code method} component is their JSON label: typed through {@code methods()} instead. */
  private static final Set<String> LABELLED = Set.of("MetricResult", "NonInferiority");

  @Test
  void everyPublicResultRecord_implementsStatResult() throws Exception {
    List<String> names;
    try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/assay/stats"))) {
      names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".java"))
          .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
    }
    int results = 0;
    for (String name : names) {
      Class<?> c = Class.forName("dev.assay.stats." + name);
      if (c.isRecord() && Modifier.isPublic(c.getModifiers()) && LABELLED.contains(name)) {
        assertThat(c.getMethod("methods").getReturnType()).as(name + ".methods()").isEqualTo(List.class);
        assertThat(c.getMethod("missing").getReturnType()).as(name + ".missing()").isEqualTo(java.util.Optional.class);
        results++;
      } else if (c.isRecord() && Modifier.isPublic(c.getModifiers()) && !NOT_RESULTS.contains(name)) {
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

    assertThat(flat.method()).isEqualTo(StatResult.Method.BAYESIAN_GAUSSIAN_FLAT_PRIOR);
    assertThat(proper.method().id()).isEqualTo("bayesian_gaussian_normal_prior");
    assertThat(obf.method()).isEqualTo(StatResult.Method.GROUP_SEQUENTIAL);
    assertThat(obf.spending().id()).isEqualTo("ld_obf");
    assertThat(power.spending().id()).isEqualTo("power_2");
    assertThat(TwoProportions.compare(1000, 100, 1000, 120, 0.05).method().id()).isEqualTo("two_proportion_z_unpooled");
  }

  @Test
  void methodIds_areUniqueAndRoundTrip() {
    Set<String> ids = new java.util.HashSet<>();
    for (StatResult.Method m : StatResult.Method.values()) {
      assertThat(ids.add(m.id())).as("unique id " + m.id()).isTrue();
      assertThat(m.id()).doesNotContain("+");
      assertThat(StatResult.Method.fromId(m.id())).isEqualTo(m);
    }
    List<StatResult.Method> chain = List.of(StatResult.Method.WELCH_T, StatResult.Method.CUPED, StatResult.Method.MSPRT);
    assertThat(StatResult.Method.label(chain)).isEqualTo("welch_t+cuped+msprt");
    assertThat(StatResult.Method.parseLabel("welch_t+cuped+msprt")).isEqualTo(chain);
    assertThatThrownBy(() -> StatResult.Method.parseLabel("welch_t+magic"))
        .isInstanceOf(StatsException.class).hasMessageContaining("'magic'");
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
