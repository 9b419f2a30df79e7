package dev.assay.stats.vectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.stats.StatsException;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SequentialVectorsInputTest {

  @Test
  void compute_missingField_throwsNamingField() {
    Map<String, Object> input =
        Map.of("information_fractions", List.of(0.5, 1.0), "spending", "ld_obf", "sides", 2);
    assertThatThrownBy(() -> ReferenceVectors.compute("gst_boundaries", input))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("'alpha'");
  }

  @Test
  void compute_countNotWhole_throwsNamingElement() {
    Map<String, Object> input = Map.of("counts", List.of(10, 10.5), "weights", List.of(1, 1));
    assertThatThrownBy(() -> ReferenceVectors.compute("srm_chisq", input))
        .isInstanceOf(StatsException.class)
        .hasMessageContaining("counts[1]");
  }

  @Test
  void compute_integerAndLongInputs_areAcceptedAsNumbers() {
    Map<String, Object> input =
        Map.of("alpha", 0.05, "V_star", 1, "extra", 3L);
    assertThat(ReferenceVectors.compute("msprt_tau_choice", input)).containsKey("r_opt");
  }

  @Test
  void kinds_sequentialKinds_areRegistered() {
    assertThat(ReferenceVectors.kinds())
        .contains(
            "msprt_normal",
            "msprt_normal_sequence",
            "msprt_tau_choice",
            "asymptotic_cs",
            "statsig_sequential",
            "gst_boundaries",
            "srm_chisq",
            "srm_sequential_dirichlet");
  }
}
