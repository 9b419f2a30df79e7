package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The platform A/A verdict on pooled p-values: uniform ones pass, p-values piling up near 0 (a
 * platform whose tests reject too often) or near 0.5 (one whose variances are too large) are
 * reported biased, and too few give no verdict.
 */
class PlatformAaVerdictTest {

  @Test
  void uniformPValues_ok_withTheirRateAndHistogram() {
    double[] p = new double[200];
    for (int i = 0; i < p.length; i++) {
      p[i] = (i + 0.5) / p.length; // the uniform distribution's quantiles: 10 below 0.05
    }
    JsonNode v = PlatformAa.verdict(p).json();
    assertThat(v.get("status").asText()).isEqualTo("ok");
    assertThat(v.get("falsePositiveRate").asDouble()).isEqualTo(10 / 200.0);
    assertThat(v.get("ksStatistic").asDouble()).isEqualTo(0.5 / 200, org.assertj.core.data.Offset.offset(1e-12));
    for (JsonNode bin : v.get("histogram")) {
      assertThat(bin.get("count").asInt()).isEqualTo(20);
    }
  }

  @Test
  void tooManyRejections_biased() {
    // p = u² for uniform u: P(p < 0.05) = √0.05 ≈ 0.22 instead of 0.05.
    SplittableRandom r = new SplittableRandom(7);
    double[] p = new double[100];
    for (int i = 0; i < p.length; i++) {
      double u = r.nextDouble();
      p[i] = u * u;
    }
    JsonNode v = PlatformAa.verdict(p).json();
    assertThat(v.get("status").asText()).isEqualTo("biased");
    assertThat(v.get("binomialPValue").asDouble()).isLessThan(PlatformAa.BIAS_LEVEL);
    assertThat(v.get("reason").asText()).contains("false-positive rate").contains("over 100 p-values");
  }

  @Test
  void conservativeTests_biasedByUniformityAlone() {
    // p-values squeezed into (0.25, 0.75): no false positives at all, but far from uniform.
    double[] p = new double[100];
    for (int i = 0; i < p.length; i++) {
      p[i] = 0.25 + 0.5 * (i + 0.5) / p.length;
    }
    JsonNode v = PlatformAa.verdict(p).json();
    assertThat(v.get("falsePositiveRate").asDouble()).isZero();
    // D = x₁ − 0 = 0.25 + 0.5 · 0.5/100 at the first value.
    assertThat(v.get("ksStatistic").asDouble()).isEqualTo(0.2525, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(v.get("ksPValue").asDouble()).isLessThan(PlatformAa.BIAS_LEVEL);
    assertThat(v.get("status").asText()).isEqualTo("biased");
  }

  @Test
  void fewPValues_insufficient() {
    JsonNode v = PlatformAa.verdict(new double[] {0.01, 0.02, 0.03}).json();
    assertThat(v.get("status").asText()).isEqualTo("insufficient");
    assertThat(v.get("falsePositiveRate").isNull()).isTrue();
    assertThat(v.get("reason").asText()).contains("3 p-values").contains(String.valueOf(PlatformAa.MIN_P_VALUES));
  }
}
