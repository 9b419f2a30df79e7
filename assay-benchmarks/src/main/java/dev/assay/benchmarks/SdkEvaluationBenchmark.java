package dev.assay.benchmarks;

import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SDK evaluation hot paths, as an application calls them: attributes built inside the measured
 * call, a different user id each call (100,000 precomputed ids), a ruleset of 1,000 features.
 *
 * <ul>
 *   <li>{@code flagTargetingRollout}: a boolean flag with a 2-condition targeting rule and a 30%
 *       rollout ({@code isOn}).
 *   <li>{@code experimentNamespaceCoverage}: a 3-variant experiment in a namespace with 80%
 *       coverage ({@code getString}).
 *   <li>{@code experimentWithExposureListener}: the same with an exposure listener registered.
 *   <li>{@code issueFlagRollout50}, {@code issueExperimentUsCa}: the two scenarios of issue 2 (a 50%
 *       rollout on {@code id}; a 50/50 experiment for country in [US, CA]).
 *   <li>{@code rule20Conditions}: a rule whose condition has 20 clauses.
 *   <li>{@code parseAndCompile1000Features}: building a client from a 1,000-feature payload.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SdkEvaluationBenchmark {

  private static final int USERS = 100_000;

  private String payload;
  private ExperimentClient client;
  private ExperimentClient trackingClient;
  private long exposures;
  private String[] ids;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    payload = payload(1000);
    client = ExperimentClient.builder().payload(payload).build();
    trackingClient = ExperimentClient.builder().payload(payload).onExposure((e, r) -> exposures++).build();
    ids = new String[USERS];
    for (int i = 0; i < USERS; i++) {
      // Distinct, non-sequential ids of realistic length, e.g. "u-9e3779b1-42".
      ids[i] = "u-" + Integer.toHexString((int) (i * 2654435761L)) + "-" + i;
    }
    checkScenarios();
  }

  /**
   * Fails the run unless every scenario does the work it claims: the features exist and the
   * rollouts and experiments split the ids roughly as configured.
   */
  private void checkScenarios() {
    int n = 20_000;
    int flagOn = 0;
    int rolloutOn = 0;
    int wideOn = 0;
    java.util.Map<String, Integer> exp = new java.util.TreeMap<>();
    java.util.Map<String, Integer> usCa = new java.util.TreeMap<>();
    for (int i = 0; i < n; i++) {
      flagOn += flagTargetingRollout() ? 1 : 0;
      rolloutOn += issueFlagRollout50() ? 1 : 0;
      wideOn += rule20Conditions() ? 1 : 0;
      exp.merge(experimentNamespaceCoverage(), 1, Integer::sum);
      usCa.merge(issueExperimentUsCa(), 1, Integer::sum);
    }
    next = 0;
    for (int i = 0; i < n; i++) {
      experimentWithExposureListener();
    }
    long firstPass = exposures;
    next = 0;
    for (int i = 0; i < n; i++) {
      experimentWithExposureListener();
    }
    next = 0;
    require(Math.abs(firstPass / (double) n - 0.48) < 0.02 && exposures == firstPass,
        "exposures " + firstPass + " then " + exposures + " for " + n + " distinct units seen twice");
    // flag: 30% rollout; experiment: 60% namespace x 80% coverage = 48% in, split 34/33/33.
    require(Math.abs(flagOn / (double) n - 0.30) < 0.02, "flag-6 on for " + flagOn + " of " + n);
    require(Math.abs(rolloutOn / (double) n - 0.50) < 0.02, "rollout-50 on for " + rolloutOn + " of " + n);
    require(wideOn == n, "wide-rule on for " + wideOn + " of " + n);
    require(exp.keySet().equals(java.util.Set.of("control", "blue", "green"))
        && Math.abs(exp.get("blue") / (double) n - 0.48 * 0.33) < 0.02, "experiment-3 gave " + exp);
    require(usCa.keySet().equals(java.util.Set.of("control", "treatment"))
        && Math.abs(usCa.get("treatment") / (double) n - 0.5) < 0.02, "exp-us-ca gave " + usCa);
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("benchmark scenario is not doing what it should: " + what);
    }
  }

  private String id() {
    int i = next++;
    if (next == USERS) {
      next = 0;
    }
    return ids[i];
  }

  @Benchmark
  public boolean flagTargetingRollout() {
    return client.isOn("flag-6", Attributes.of("id", id(), "country", "US", "plan", "pro"));
  }

  @Benchmark
  public String experimentNamespaceCoverage() {
    return client.getString("experiment-3", Attributes.of("id", id(), "country", "US", "plan", "pro"), "none");
  }

  /**
   * Scenario (b) with an exposure listener, as an application that logs exposures runs it: the
   * first exposure of each unit is reported, later ones are de-duplicated.
   */
  @Benchmark
  public String experimentWithExposureListener() {
    return trackingClient.getString("experiment-3", Attributes.of("id", id(), "country", "US", "plan", "pro"), "none");
  }

  /** The issue's scenario (a): a boolean flag with a 50% rollout keyed on {@code id}. */
  @Benchmark
  public boolean issueFlagRollout50() {
    return client.isOn("rollout-50", Attributes.of("id", id(), "country", "US"));
  }

  /** The issue's scenario (b): a 50/50 experiment keyed on {@code id}, for {@code country} in [US, CA]. */
  @Benchmark
  public String issueExperimentUsCa() {
    return client.getString("exp-us-ca", Attributes.of("id", id(), "country", "US"), "none");
  }

  @Benchmark
  public boolean rule20Conditions() {
    return client.isOn("wide-rule", Attributes.builder()
        .put("id", id()).put("country", "US").put("plan", "pro").put("age", 34).put("appVersion", "5.12.0")
        .put("beta", true).put("platform", "ios").build());
  }

  @Benchmark
  public ExperimentClient parseAndCompile1000Features() {
    return ExperimentClient.builder().payload(payload).build();
  }

  /** A payload of {@code n} features: flags with targeting and rollouts, experiments, one wide rule. */
  static String payload(int n) {
    StringBuilder sb = new StringBuilder(n * 400).append("{\"features\":{");
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(',');
      }
      if (i % 4 == 3) {
        sb.append("\"experiment-").append(i).append("\":{\"defaultValue\":\"control\",\"rules\":[{")
            .append("\"key\":\"exp-").append(i).append("\",\"variations\":[\"control\",\"blue\",\"green\"],")
            .append("\"weights\":[0.34,0.33,0.33],\"coverage\":0.8,\"hashAttribute\":\"id\",\"hashVersion\":2,")
            .append("\"seed\":\"exp-").append(i).append("-phase-1\",\"namespace\":[\"checkout\",0,0.6],")
            .append("\"meta\":[{\"key\":\"control\"},{\"key\":\"blue\"},{\"key\":\"green\"}]}]}");
      } else {
        sb.append("\"flag-").append(i).append("\":{\"defaultValue\":false,\"rules\":[")
            .append("{\"condition\":{\"country\":{\"$in\":[\"US\",\"CA\",\"GB\"]},\"plan\":\"pro\"},")
            .append("\"force\":true,\"coverage\":0.3,\"hashAttribute\":\"id\",\"seed\":\"flag-").append(i)
            .append("\",\"hashVersion\":2},{\"condition\":{\"email\":{\"$regex\":\"@example\\\\.com$\"}},\"force\":true}]}");
      }
    }
    sb.append(",\"rollout-50\":{\"defaultValue\":false,\"rules\":[{\"force\":true,\"coverage\":0.5,")
        .append("\"hashAttribute\":\"id\",\"seed\":\"rollout-50\",\"hashVersion\":2}]}");
    sb.append(",\"exp-us-ca\":{\"defaultValue\":\"control\",\"rules\":[{\"key\":\"exp-us-ca\",")
        .append("\"condition\":{\"country\":{\"$in\":[\"US\",\"CA\"]}},\"variations\":[\"control\",\"treatment\"],")
        .append("\"weights\":[0.5,0.5],\"coverage\":1,\"hashAttribute\":\"id\",\"hashVersion\":2,")
        .append("\"seed\":\"exp-us-ca\",\"meta\":[{\"key\":\"control\"},{\"key\":\"treatment\"}]}]}");
    sb.append(",\"wide-rule\":{\"defaultValue\":false,\"rules\":[{\"condition\":{");
    String[] clauses = {
      "\"country\":{\"$in\":[\"US\",\"CA\"]}", "\"plan\":{\"$ne\":\"free\"}", "\"age\":{\"$gte\":18}",
      "\"age\":{\"$lt\":99}", "\"appVersion\":{\"$vgte\":\"5.0.0\"}", "\"beta\":true", "\"platform\":{\"$in\":[\"ios\",\"android\"]}",
      "\"id\":{\"$exists\":true}", "\"email\":{\"$exists\":false}", "\"country\":{\"$nin\":[\"KP\",\"IR\"]}",
      "\"plan\":{\"$in\":[\"pro\",\"team\"]}", "\"appVersion\":{\"$vlt\":\"9.0.0\"}", "\"age\":{\"$ne\":50}",
      "\"platform\":{\"$ne\":\"web\"}", "\"id\":{\"$type\":\"string\"}", "\"beta\":{\"$eq\":true}",
      "\"country\":{\"$regex\":\"^[A-Z]{2}$\"}", "\"age\":{\"$type\":\"number\"}", "\"plan\":{\"$exists\":true}",
      "\"appVersion\":{\"$vne\":\"5.1.0\"}"
    };
    sb.append("\"$and\":[");
    for (int i = 0; i < clauses.length; i++) {
      sb.append(i > 0 ? "," : "").append('{').append(clauses[i]).append('}');
    }
    sb.append("]},\"force\":true}]}}}");
    return sb.toString();
  }
}
