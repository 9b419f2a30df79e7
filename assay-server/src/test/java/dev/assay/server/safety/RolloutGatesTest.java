package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.domain.model.Rollout;
import dev.assay.server.domain.model.RolloutStatus;
import dev.assay.stats.CupedStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gate verdicts of one look: pass, lacks data, fail, and the decision they make. The inputs are
 * proportions whose answer is known: equal rates on a large sample are non-inferior within the
 * margin; a doubled rate on a large sample is harm; a handful of units is no evidence either way.
 */
class RolloutGatesTest {
  private static final Rollout PLAN = new Rollout("f", "production", 0, null, List.of(0.5, 1.0), 60, 100,
      new Rollout.Gates(java.util.Optional.of(0.02), java.util.Optional.empty(), true, List.of(), 0.05), "id",
      RolloutStatus.RUNNING, 0, "2026-01-01T00:00:00Z", List.of(), List.of(), 0L);

  /* Per-unit 0/1 values: n units, k of them with an error. */
  private static CupedStats proportion(long n, long k) {
    return new CupedStats(n, k, 0, k, 0, 0);
  }

  private static RolloutGates.Compared errors(long nc, long kc, long nt, long kt) {
    return new RolloutGates.Compared("error_rate", proportion(nc, kc), proportion(nt, kt), 0.02, false);
  }

  private static String verdict(List<Rollout.GateResult> results, String gate) {
    return results.stream().filter(r -> r.gate().equals(gate)).findFirst().orElseThrow().verdict();
  }

  @Test
  void equalRates_largeSample_pass_andAdvance() {
    List<Rollout.GateResult> r = RolloutGates.judge(PLAN, new long[] {20_000, 20_000}, 120,
        List.of(errors(20_000, 1_000, 20_000, 1_000)));
    assertThat(r).extracting(Rollout.GateResult::verdict).containsOnly(RolloutGates.PASS);
    assertThat(RolloutGates.decide(r)).isEqualTo(RolloutGates.Decision.ADVANCE);
  }

  @Test
  void doubledRate_fails_andRollsBack_evenBeforeTheDwell() {
    List<Rollout.GateResult> r = RolloutGates.judge(PLAN, new long[] {5_000, 5_000}, 5,
        List.of(errors(5_000, 250, 5_000, 500)));
    assertThat(verdict(r, "error_rate")).isEqualTo(RolloutGates.FAIL);
    assertThat(verdict(r, "dwell")).isEqualTo(RolloutGates.LACKS_DATA);
    assertThat(RolloutGates.decide(r)).isEqualTo(RolloutGates.Decision.ROLLBACK);
  }

  @Test
  void fewUnits_lackData_andHold() {
    List<Rollout.GateResult> r = RolloutGates.judge(PLAN, new long[] {40, 40}, 120, List.of(errors(40, 2, 40, 3)));
    assertThat(verdict(r, "sample")).isEqualTo(RolloutGates.LACKS_DATA);
    assertThat(verdict(r, "error_rate")).as("inconclusive").isEqualTo(RolloutGates.LACKS_DATA);
    assertThat(RolloutGates.decide(r)).isEqualTo(RolloutGates.Decision.HOLD);
    assertThat(verdict(RolloutGates.judge(PLAN, new long[] {20_000, 20_000}, 120,
        List.of(errors(1, 0, 1, 0))), "error_rate")).isEqualTo(RolloutGates.LACKS_DATA);
  }

  @Test
  void sampleRatioMismatch_fails_balancedSplit_passes() {
    assertThat(RolloutGates.srm(0.5, new long[] {5_000, 5_050}).verdict()).isEqualTo(RolloutGates.PASS);
    assertThat(RolloutGates.srm(0.5, new long[] {6_000, 4_000}).verdict()).isEqualTo(RolloutGates.FAIL);
    assertThat(RolloutGates.srm(0.1, new long[] {9_000, 1_000}).verdict()).isEqualTo(RolloutGates.PASS);
    assertThat(RolloutGates.srm(0.1, new long[] {0, 0}).verdict()).isEqualTo(RolloutGates.LACKS_DATA);
  }

  @Test
  void higherIsBetterMetric_drop_fails() {
    RolloutGates.Compared conversion = new RolloutGates.Compared("guardrail:purchase", proportion(10_000, 2_000),
        proportion(10_000, 1_500), 0.01, true);
    assertThat(RolloutGates.compare(conversion, 0.05).verdict()).isEqualTo(RolloutGates.FAIL);
    RolloutGates.Compared rise = new RolloutGates.Compared("guardrail:purchase", proportion(10_000, 2_000),
        proportion(10_000, 2_500), 0.01, true);
    assertThat(RolloutGates.compare(rise, 0.05).verdict()).isEqualTo(RolloutGates.PASS);
  }
}
