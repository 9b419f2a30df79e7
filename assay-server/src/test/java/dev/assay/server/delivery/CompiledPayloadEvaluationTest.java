package dev.assay.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.FeatureResult;
import dev.assay.server.domain.ConfigService.Action;
import dev.assay.server.store.Kind;
import java.util.Arrays;
import org.hipparchus.distribution.discrete.BinomialDistribution;
import org.hipparchus.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Configuration written through {@code ConfigService} is compiled by the attached
 * {@link PayloadCache}, and {@code assay-sdk} evaluating the cached bytes behaves as the
 * configuration says. Shares over many ids are checked against the binomial (or chi-square)
 * distribution at a 1e-6 tail, so a correct compiler practically never fails and a wrong weight,
 * coverage or seed does.
 */
class CompiledPayloadEvaluationTest {
  private static final double TAIL = 1e-6;
  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  /** Asserts {@code successes} is a plausible Binomial(n, p) draw (two-sided, tail {@link #TAIL}). */
  private static void assertBinomial(String what, int successes, int n, double p) {
    BinomialDistribution d = new BinomialDistribution(n, p);
    assertThat(successes).as("%s: %d of %d, expected share %s", what, successes, n, p)
        .isBetween(d.inverseCumulativeProbability(TAIL), d.inverseCumulativeProbability(1 - TAIL));
  }

  private static Attributes user(int i) {
    return Attributes.of("id", "user-" + i);
  }

  private void experiment(String key, String weights) {
    String[] w = weights.split(",");
    StringBuilder variants = new StringBuilder();
    for (int i = 0; i < w.length; i++) {
      variants.append(i == 0 ? "" : ",").append("{\"key\":\"v").append(i).append("\",\"weight\":")
          .append(w[i]).append(",\"value\":").append(i).append('}');
    }
    h.create(Kind.EXPERIMENT, "{\"key\":\"" + key + "\",\"variants\":[" + variants + "]}");
  }

  private void flagRunning(String flag, String experiment) {
    h.create(Kind.FLAG, """
        {"key":"%s","type":"number","defaultValue":-1,
         "environments":{"production":{"rules":[{"experiment":"%s"}]}}}""".formatted(flag, experiment));
  }

  @Test
  void targeting_targetedUsersGetTheRuleValueAndOthersTheDefault() {
    String conn = h.connection("production");
    h.create(Kind.SEGMENT, "{\"key\":\"vips\",\"attribute\":\"id\",\"ids\":[\"user-7\",\"user-9\"]}");
    h.create(Kind.SEGMENT, "{\"key\":\"staff\",\"condition\":{\"email\":{\"$regex\":\"@assay\\\\.dev$\"}}}");
    h.create(Kind.FLAG, """
        {"key":"banner","type":"string","defaultValue":"none",
         "environments":{"production":{"rules":[
            {"condition":{"id":{"$inGroup":"vips"}},"value":"gold"},
            {"condition":{"country":"NL","email":{"$notInGroup":"staff"}},"value":"orange"}]}}}""");

    ExperimentClient sdk = h.sdk(conn);

    FeatureResult vip = sdk.evaluate("banner", Attributes.of("id", "user-7", "country", "NL"));
    assertThat(vip.value()).contains("gold");
    assertThat(vip.source()).isEqualTo(FeatureResult.Source.FORCE);
    assertThat(sdk.getString("banner", Attributes.of("id", "u1", "country", "NL", "email", "a@example.com"), "?"))
        .as("Dutch customer").isEqualTo("orange");
    assertThat(sdk.getString("banner", Attributes.of("id", "u1", "country", "NL", "email", "bo@assay.dev"), "?"))
        .as("Dutch staff member, excluded through the inlined condition segment").isEqualTo("none");
    FeatureResult other = sdk.evaluate("banner", Attributes.of("id", "user-8", "country", "DE"));
    assertThat(other.value()).contains("none");
    assertThat(other.source()).isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
    assertThat(h.payloadJson(conn).at("/savedGroups/vips").toString()).isEqualTo("[\"user-7\",\"user-9\"]");
  }

  @Test
  void environments_eachConnectionGetsItsEnvironmentsRulesAndDisabledMeansDefault() {
    h.create(Kind.ENVIRONMENT, "{\"key\":\"staging\"}");
    h.create(Kind.ENVIRONMENT, "{\"key\":\"dev\"}");
    String prod = h.connection("production");
    String staging = h.connection("staging");
    String dev = h.connection("dev");
    h.create(Kind.FLAG, """
        {"key":"limit","type":"number","defaultValue":10,
         "environments":{"production":{"rules":[{"value":20}]},
                         "staging":{"enabled":false,"rules":[{"value":30}]}}}""");

    Attributes u = user(1);
    assertThat(h.sdk(prod).getLong("limit", u, -1)).isEqualTo(20);
    assertThat(h.sdk(staging).getLong("limit", u, -1)).as("disabled environment").isEqualTo(10);
    assertThat(h.sdk(dev).getLong("limit", u, -1)).as("environment absent from the flag").isEqualTo(10);
    String second = h.connection("production");
    assertThat(h.payload(second).json()).as("same environment, same bytes").isEqualTo(h.payload(prod).json());
    assertThat(h.payload(second).etag()).isEqualTo(h.payload(prod).etag());
  }

  @Test
  void rollout_coverageServesTheConfiguredShareAndGrowsMonotonically() {
    String conn = h.connection("production");
    String flag = """
        {"key":"new-search","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"value":true,"coverage":%s}]}}}""";
    h.create(Kind.FLAG, flag.formatted("0.1"));
    ExperimentClient at10 = h.sdk(conn);
    h.update(Kind.FLAG, "new-search", flag.formatted("0.4"));
    ExperimentClient at40 = h.sdk(conn);

    int n = 20_000;
    int on10 = 0;
    int on40 = 0;
    for (int i = 0; i < n; i++) {
      boolean a = at10.isOn("new-search", user(i));
      boolean b = at40.isOn("new-search", user(i));
      assertThat(!a || b).as("user-%d dropped out when the rollout grew", i).isTrue();
      on10 += a ? 1 : 0;
      on40 += b ? 1 : 0;
    }
    assertBinomial("10% rollout", on10, n, 0.1);
    assertBinomial("40% rollout", on40, n, 0.4);
  }

  @Test
  void experiment_splitsUsersInProportionToWeights() {
    String conn = h.connection("production");
    experiment("checkout", "0.2,0.3,0.5");
    flagRunning("checkout-flow", "checkout");
    h.transition("checkout", Action.START);

    ExperimentClient sdk = h.sdk(conn);
    int n = 10_000;
    long[] counts = new long[3];
    for (int i = 0; i < n; i++) {
      FeatureResult r = sdk.evaluate("checkout-flow", user(i));
      assertThat(r.source()).isEqualTo(FeatureResult.Source.EXPERIMENT);
      int v = r.experimentResult().orElseThrow().variationId();
      assertThat(sdk.getLong("checkout-flow", user(i), -1)).as("variant value").isEqualTo(v);
      counts[v]++;
    }
    double[] expected = {0.2 * n, 0.3 * n, 0.5 * n};
    double p = new ChiSquareTest().chiSquareTest(expected, counts);
    assertThat(p).as("chi-square p-value of counts %s", Arrays.toString(counts)).isGreaterThan(TAIL);
    FeatureResult one = sdk.evaluate("checkout-flow", user(1));
    assertThat(one.experiment().orElseThrow().key()).as("experiment key").isEqualTo("checkout");
    assertThat(one.experimentResult().orElseThrow().key()).as("variation key from meta")
        .isEqualTo("v" + one.experimentResult().orElseThrow().variationId());
  }

  @Test
  void experiment_targetingAndCoverageLimitWhoIsAssigned() {
    String conn = h.connection("production");
    h.create(Kind.EXPERIMENT, """
        {"key":"pro-pricing","condition":{"plan":"pro"},"coverage":0.5,
         "variants":[{"key":"a","weight":0.5,"value":"a"},{"key":"b","weight":0.5,"value":"b"}]}""");
    h.create(Kind.FLAG, """
        {"key":"pricing","type":"string","defaultValue":"default",
         "environments":{"production":{"rules":[{"condition":{"country":"NL"},"experiment":"pro-pricing"}]}}}""");
    h.transition("pro-pricing", Action.START);

    ExperimentClient sdk = h.sdk(conn);
    int n = 10_000;
    int assigned = 0;
    for (int i = 0; i < n; i++) {
      String id = "user-" + i;
      FeatureResult targeted = sdk.evaluate("pricing", Attributes.of("id", id, "plan", "pro", "country", "NL"));
      if (targeted.source() == FeatureResult.Source.EXPERIMENT) {
        assigned++;
        assertThat(targeted.value().orElseThrow()).isIn("a", "b");
      } else {
        assertThat(targeted.value()).contains("default");
      }
      assertThat(sdk.evaluate("pricing", Attributes.of("id", id, "plan", "free", "country", "NL")).source())
          .as("fails the experiment's condition").isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
      assertThat(sdk.evaluate("pricing", Attributes.of("id", id, "plan", "pro", "country", "DE")).source())
          .as("fails the flag rule's condition").isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
    }
    assertBinomial("coverage 0.5", assigned, n, 0.5);
  }

  @Test
  void experiment_customHashAttributeAssignsWholeUnits() {
    String conn = h.connection("production");
    h.create(Kind.EXPERIMENT, """
        {"key":"team-plan","hashAttribute":"company",
         "variants":[{"key":"a","weight":0.5,"value":"a"},{"key":"b","weight":0.5,"value":"b"}]}""");
    flagRunning("team", "team-plan");
    h.transition("team-plan", Action.START);

    ExperimentClient sdk = h.sdk(conn);
    for (int c = 0; c < 50; c++) {
      Object first = sdk.evaluate("team", Attributes.of("id", "u0", "company", "co-" + c)).value().orElseThrow();
      for (int u = 1; u < 10; u++) {
        assertThat(sdk.evaluate("team", Attributes.of("id", "u" + u, "company", "co-" + c)).value())
            .as("co-%d user %d", c, u).contains(first);
      }
    }
    assertThat(sdk.getLong("team", user(1), 99)).as("no company: not in the experiment").isEqualTo(-1);
  }

  @Test
  void lifecycle_pausedAndStoppedAssignNobodyAndResumingKeepsAssignments() {
    String conn = h.connection("production");
    experiment("cta", "0.5,0.5");
    flagRunning("cta-text", "cta");
    assertThat(h.sdk(conn).evaluate("cta-text", user(1)).source()).as("draft")
        .isEqualTo(FeatureResult.Source.DEFAULT_VALUE);

    h.transition("cta", Action.START);
    int n = 2_000;
    int[] before = assignments(h.sdk(conn), "cta-text", n);

    h.transition("cta", Action.PAUSE);
    ExperimentClient paused = h.sdk(conn);
    for (int i = 0; i < n; i++) {
      FeatureResult r = paused.evaluate("cta-text", user(i));
      assertThat(r.source()).as("paused, user-%d", i).isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
      assertThat(paused.getLong("cta-text", user(i), 99)).isEqualTo(-1);
    }

    h.transition("cta", Action.START);
    assertThat(assignments(h.sdk(conn), "cta-text", n)).as("resumed in the same phase").isEqualTo(before);

    h.transition("cta", Action.STOP);
    assertThat(h.sdk(conn).evaluate("cta-text", user(1)).source()).as("stopped")
        .isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
  }

  private static int[] assignments(ExperimentClient sdk, String feature, int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = sdk.evaluate(feature, user(i)).experimentResult().orElseThrow().variationId();
    }
    return out;
  }

  @Test
  void newPhase_reseedsAssignment() {
    String conn = h.connection("production");
    experiment("layout", "0.5,0.5");
    flagRunning("layout-flag", "layout");
    h.transition("layout", Action.START);
    int n = 10_000;
    int[] phase1 = assignments(h.sdk(conn), "layout-flag", n);

    h.update(Kind.EXPERIMENT, "layout", """
        {"variants":[{"key":"v0","weight":0.2,"value":0},{"key":"v1","weight":0.8,"value":1}]}""", true);
    assertThat(h.payloadJson(conn).at("/features/layout-flag/rules/0/phase").asText()).isEqualTo("2");
    int[] phase2 = assignments(h.sdk(conn), "layout-flag", n);

    int moved = 0;
    int inV1 = 0;
    for (int i = 0; i < n; i++) {
      moved += phase1[i] != phase2[i] ? 1 : 0;
      inV1 += phase2[i];
    }
    assertBinomial("new weights", inV1, n, 0.8);
    // With an independent new seed, P(different) = 1 - (0.5 * 0.2 + 0.5 * 0.8) = 0.5. Had the seed
    // stayed, only the units in the shifted bucket range (0.3) would move.
    assertBinomial("moved by the new seed", moved, n, 0.5);
  }

  /* An experiment (old/new values) that ran and stopped, served through flag "<key>-flag". */
  private void stoppedExperimentBehindAFlag(String key, String targeting) {
    h.create(Kind.EXPERIMENT, """
        {"key":"%s",%s"variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}]}"""
        .formatted(key, targeting));
    h.create(Kind.FLAG, """
        {"key":"%s-flag","type":"string","defaultValue":"old",
         "environments":{"production":{"rules":[{"experiment":"%s"}]}}}""".formatted(key, key));
    h.transition(key, Action.START);
    h.transition(key, Action.STOP);
  }

  @Test
  void conclusion_shipForcesTheVariantAndOtherOutcomesServeTheDefault() {
    String conn = h.connection("production");
    for (String e : new String[] {"shipped", "rolled-back", "unclear"}) {
      stoppedExperimentBehindAFlag(e, "");
    }
    h.transition("shipped", Action.CONCLUDE, "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"treatment\"}}");
    h.transition("rolled-back", Action.CONCLUDE, "{\"decision\":{\"outcome\":\"rollback\"}}");
    h.transition("unclear", Action.CONCLUDE, "{\"decision\":{\"outcome\":\"inconclusive\"}}");

    ExperimentClient sdk = h.sdk(conn);
    for (int i = 0; i < 500; i++) {
      FeatureResult shipped = sdk.evaluate("shipped-flag", user(i));
      assertThat(shipped.value()).contains("new");
      assertThat(shipped.source()).isEqualTo(FeatureResult.Source.FORCE);
      assertThat(sdk.evaluate("rolled-back-flag", user(i)).value()).contains("old");
      assertThat(sdk.evaluate("unclear-flag", user(i)).source()).isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
    }
  }

  @Test
  void conclusion_shipGoesToTheExperimentsAudienceUnlessEveryoneIsChosen() {
    String conn = h.connection("production");
    for (String e : new String[] {"us-only", "us-to-all"}) {
      stoppedExperimentBehindAFlag(e, "\"condition\":{\"country\":\"US\"},");
    }
    ObjectNode concluded = h.transition("us-only", Action.CONCLUDE,
        "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"treatment\"}}");
    assertThat(concluded.at("/decision/audience").asText()).as("the result says who gets it").isEqualTo("experiment");
    h.transition("us-to-all", Action.CONCLUDE,
        "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"treatment\",\"audience\":\"everyone\"}}");

    ExperimentClient sdk = h.sdk(conn);
    for (int i = 0; i < 200; i++) {
      Attributes us = Attributes.of("id", "u" + i, "country", "US");
      Attributes de = Attributes.of("id", "u" + i, "country", "DE");
      assertThat(sdk.evaluate("us-only-flag", us).value()).contains("new");
      assertThat(sdk.evaluate("us-only-flag", de).value()).as("outside the audience").contains("old");
      assertThat(sdk.evaluate("us-only-flag", de).source()).isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
      assertThat(sdk.evaluate("us-to-all-flag", de).value()).as("shipped to everyone").contains("new");
    }
  }

  @Test
  void conclusion_audienceOnANonShipDecision_isRejectedNamingTheField() {
    h.create(Kind.EXPERIMENT, """
        {"key":"x","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}]}""");
    h.transition("x", Action.START);
    h.transition("x", Action.STOP);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.transition("x", Action.CONCLUDE,
            "{\"decision\":{\"outcome\":\"rollback\",\"audience\":\"everyone\"}}"))
        .isInstanceOf(dev.assay.server.domain.DomainException.class).hasMessageContaining("audience");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.transition("x", Action.CONCLUDE,
            "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"treatment\",\"audience\":\"all\"}}"))
        .isInstanceOf(dev.assay.server.domain.DomainException.class).hasMessageContaining("audience");
  }

  @Test
  void flagChange_isReflectedAfterRecompilation() {
    String conn = h.connection("production");
    h.create(Kind.FLAG, "{\"key\":\"theme\",\"type\":\"string\",\"defaultValue\":\"light\"}");
    Attributes nl = Attributes.of("id", "u1", "country", "NL");
    assertThat(h.sdk(conn).getString("theme", nl, "?")).isEqualTo("light");

    h.update(Kind.FLAG, "theme", """
        {"type":"string","defaultValue":"light",
         "environments":{"production":{"rules":[{"condition":{"country":"NL"},"value":"dark"}]}}}""");
    assertThat(h.sdk(conn).getString("theme", nl, "?")).isEqualTo("dark");
    assertThat(h.sdk(conn).getString("theme", Attributes.of("id", "u2"), "?")).isEqualTo("light");

    h.update(Kind.FLAG, "theme", "{\"type\":\"string\",\"defaultValue\":\"sepia\"}");
    assertThat(h.sdk(conn).getString("theme", nl, "?")).isEqualTo("sepia");

    long version = h.config.get(Kind.FLAG, "default", "theme").path("version").asLong();
    h.config.delete(Kind.FLAG, "default", "theme", version, Harness.ACTOR);
    assertThat(h.sdk(conn).evaluate("theme", nl).source()).isEqualTo(FeatureResult.Source.UNKNOWN_FEATURE);
  }

  @Test
  void layer_experimentsWithDisjointRangesNeverShareAUnit() {
    String conn = h.connection("production");
    h.create(Kind.LAYER, "{\"key\":\"checkout\"}");
    h.create(Kind.EXPERIMENT, """
        {"key":"a","layer":"checkout","range":{"start":0.0,"end":0.25},
         "variants":[{"key":"c","weight":0.5},{"key":"t","weight":0.5}]}""");
    h.create(Kind.EXPERIMENT, """
        {"key":"b","layer":"checkout","range":{"start":0.25,"end":0.75},
         "variants":[{"key":"c","weight":0.5},{"key":"t","weight":0.5}]}""");
    h.transition("a", Action.START);
    h.transition("b", Action.START);

    ExperimentClient sdk = h.sdk(conn);
    int n = 10_000;
    int inA = 0;
    int inB = 0;
    for (int i = 0; i < n; i++) {
      boolean a = sdk.evaluate("a", user(i)).source() == FeatureResult.Source.EXPERIMENT;
      boolean b = sdk.evaluate("b", user(i)).source() == FeatureResult.Source.EXPERIMENT;
      assertThat(a && b).as("user-%d in both", i).isFalse();
      inA += a ? 1 : 0;
      inB += b ? 1 : 0;
    }
    assertBinomial("layer range 0.25", inA, n, 0.25);
    assertBinomial("layer range 0.5", inB, n, 0.5);
  }
}
