package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An evaluation that fails returns the default with the reason, and keeps its cause. */
class EvaluationErrorTest {
  private static final String PAYLOAD = """
      {"features":{"exp-flag":{"defaultValue":"a","rules":[{"key":"exp","variations":["a","b"],
        "weights":[0.5,0.5],"hashAttribute":"id","hashVersion":2,"bucketVersion":1}]}}}""";

  /* A sticky-bucket store that is down. */
  private static final StickyBucketService BROKEN = new StickyBucketService() {
    @Override
    public Optional<StickyAssignments> assignments(String attributeName, String attributeValue) {
      throw new IllegalStateException("sticky store unreachable");
    }

    @Override
    public void save(StickyAssignments assignments) {
      throw new IllegalStateException("sticky store unreachable");
    }

    @Override
    public Map<String, StickyAssignments> allAssignments(Map<String, String> attributes) {
      throw new IllegalStateException("sticky store unreachable");
    }
  };

  @Test
  void evaluate_failingStickyStore_errorWithItsCauseAndTheDefault() {
    ExperimentClient client = ExperimentClient.builder().payload(PAYLOAD).stickyBucketService(BROKEN).build();
    Attributes user = Attributes.of("id", "u1");
    FeatureResult r = client.evaluate("exp-flag", user);
    assertThat(r.source()).isEqualTo(FeatureResult.Source.ERROR);
    assertThat(r.error()).get().extracting(Throwable::getMessage).isEqualTo("sticky store unreachable");
    TypedValue<String> v = client.getStringDetails("exp-flag", user, "fallback");
    assertThat(v.value()).isEqualTo("fallback");
    assertThat(v.reason()).isEqualTo(TypedValue.Reason.ERROR);
    assertThat(v.detail()).contains("IllegalStateException").contains("sticky store unreachable");
    assertThat(client.getString("exp-flag", user, "fallback")).isEqualTo("fallback");
  }

  @Test
  void evaluate_success_hasNoError() {
    ExperimentClient client = ExperimentClient.builder().payload(PAYLOAD).build();
    assertThat(client.evaluate("exp-flag", Attributes.of("id", "u1")).error()).isEmpty();
  }
}
