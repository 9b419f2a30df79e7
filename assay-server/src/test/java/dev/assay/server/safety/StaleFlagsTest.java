package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The stale-flag rule on known flags: each clause of the definition in docs/safety.md, alone. */
class StaleFlagsTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  private static final Set<String> ENVS = Set.of("production", "staging");
  private static final Map<String, ExperimentStatus> EXPERIMENTS = Map.of("done", ExperimentStatus.CONCLUDED,
      "live", ExperimentStatus.RUNNING);

  private static Versioned<Flag> flag(String environments, int daysAgo) {
    Flag f = ModelJson.fromStored(Flag.class, "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false,\"environments\":"
        + environments + "}");
    Instant at = NOW.minus(Duration.ofDays(daysAgo));
    return new Versioned<>(f, "default", 3, at, at);
  }

  private static boolean stale(String environments, int daysAgo) {
    return StaleFlags.judge(flag(environments, daysAgo), ENVS, EXPERIMENTS, NOW, 30).isPresent();
  }

  @Test
  void noRulesAnywhere_staleOnlyOnceOldEnough() {
    assertThat(stale("{}", 30)).isTrue();
    assertThat(stale("{}", 29)).as("29 days unchanged is not yet 30").isFalse();
    var s = StaleFlags.judge(flag("{}", 45), ENVS, EXPERIMENTS, NOW, 30).orElseThrow();
    assertThat(s.daysUnchanged()).isEqualTo(45);
    assertThat(s.version()).isEqualTo(3);
    assertThat(s.reason()).contains("45 days").contains("the value false");
  }

  @Test
  void fullRolloutEverywhere_isStale_partialOrConditionalIsNot() {
    String full = "{\"rules\":[{\"value\":true,\"coverage\":1.0}]}";
    assertThat(stale("{\"production\":" + full + ",\"staging\":" + full + "}", 40)).isTrue();
    assertThat(stale("{\"production\":{\"rules\":[{\"value\":true,\"coverage\":0.5}]},\"staging\":" + full + "}", 40))
        .as("a 50% rollout splits units").isFalse();
    assertThat(stale("{\"production\":{\"rules\":[{\"condition\":{\"country\":\"DE\"},\"value\":true}]},"
        + "\"staging\":" + full + "}", 40)).as("a targeting condition splits units").isFalse();
  }

  @Test
  void environmentsServingDifferentValues_notStale_disabledServesTheDefault() {
    String on = "{\"rules\":[{\"value\":true}]}";
    assertThat(stale("{\"production\":" + on + "}", 40)).as("staging has no entry: serves false, production true")
        .isFalse();
    assertThat(stale("{\"production\":" + on + ",\"staging\":{\"enabled\":false,\"rules\":[{\"value\":true}]}}", 40))
        .as("disabled staging serves the default false").isFalse();
    assertThat(stale("{\"production\":{\"enabled\":false},\"staging\":{\"rules\":[{\"value\":false}]}}", 40)).isTrue();
  }

  @Test
  void experimentRule_staleOnlyWhenTheExperimentIsConcluded() {
    assertThat(stale("{\"production\":{\"rules\":[{\"experiment\":\"done\"}]},\"staging\":{\"rules\":[{\"experiment\":"
        + "\"done\"}]}}", 40)).isTrue();
    assertThat(stale("{\"production\":{\"rules\":[{\"experiment\":\"live\"}]}}", 40)).isFalse();
    assertThat(stale("{\"production\":{\"rules\":[{\"experiment\":\"missing\"}]}}", 40)).isFalse();
  }

  @Test
  void killedFlag_isNotStale() {
    Versioned<Flag> v = flag("{}", 90);
    Flag killed = ModelJson.fromStored(Flag.class, "{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false,\"killed\":{\"at\":"
        + "\"2026-01-01T00:00:00Z\",\"by\":\"x\",\"reason\":\"r\"}}");
    assertThat(StaleFlags.judge(new Versioned<>(killed, "default", 1, v.createdAt(), v.updatedAt()), ENVS, EXPERIMENTS,
        NOW, 30)).isEmpty();
  }
}
