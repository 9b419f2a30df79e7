package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The payload shape of a server holdout (ADR 0037: a membership feature with a two-arm experiment
 * rule, and a force-to-default rule under a non-gating prerequisite before the covered rules),
 * checked against the GrowthBook conformance suite's hash values: for every version-2 hash case,
 * a unit whose bucket is below the fraction is held out (default value, the held-out exposure),
 * any other unit gets the covered rule's value and the general exposure.
 */
class HoldoutPayloadTest {
  private static final double FRACTION = 0.5;

  private static String payload(String seed) {
    return """
        {"features":{
          "holdout:h":{"defaultValue":"general","rules":[{"id":"holdout_h","key":"holdout:h",
            "variations":["held-out","general"],"meta":[{"key":"held-out"},{"key":"general"}],
            "weights":[%s,%s],"coverage":1.0,"hashAttribute":"id","hashVersion":2,"seed":"%s"}]},
          "covered":{"defaultValue":false,"rules":[
            {"id":"holdout_h","parentConditions":[{"id":"holdout:h","condition":{"value":"held-out"}}],"force":false},
            {"id":"ship","force":true}]}}}""".formatted(FRACTION, 1 - FRACTION, seed.replace("\\", "\\\\")
        .replace("\"", "\\\""));
  }

  @Test
  void heldOutUnits_areThoseWhoseGrowthBookBucketIsBelowTheFraction() {
    int checked = 0;
    for (List<Object> c : ConformanceSuite.section("hash")) {
      String seed = (String) c.get(0);
      String unit = (String) c.get(1);
      if (((Number) c.get(2)).intValue() != 2 || c.get(3) == null || unit.isEmpty()) {
        continue;
      }
      double bucket = ((Number) c.get(3)).doubleValue();
      List<String> exposures = new ArrayList<>();
      ExperimentClient sdk = ExperimentClient.builder().payload(payload(seed))
          .onExposure((exp, result) -> exposures.add(exp.key() + "/" + result.key())).build();
      boolean heldOut = bucket < FRACTION;
      FeatureResult r = sdk.evaluate("covered", Attributes.of("id", unit));
      assertThat(r.value()).as(c.toString()).contains(!heldOut);
      assertThat(r.ruleId()).as(c.toString()).isEqualTo(heldOut ? "holdout_h" : "ship");
      assertThat(exposures).as(c.toString()).containsExactly("holdout:h/" + (heldOut ? "held-out" : "general"));
      checked++;
    }
    assertThat(checked).isGreaterThanOrEqualTo(5);
  }

  @Test
  void aUnitWithoutTheHashAttribute_isNotHeldOutAndLogsNoExposure() {
    List<String> exposures = new ArrayList<>();
    ExperimentClient sdk = ExperimentClient.builder().payload(payload("s"))
        .onExposure((exp, result) -> exposures.add(exp.key())).build();
    assertThat(sdk.getBoolean("covered", Attributes.of("country", "NL"), false)).isTrue();
    assertThat(exposures).isEmpty();
  }
}
