package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The relative lift of a CUPED-adjusted effect against {@code vectors/cuped-relative-vectors.json}
 * (test classpath): values computed outside Assay by {@code src/test/python/cuped_relative_vectors.py}
 * with exact fractions and mpmath, the delta-method variance checked there against a numerical
 * gradient, and a Monte-Carlo check that its standard error matches the spread of the estimate.
 * Covers large lifts, strong correlation, unequal arms, a multiplicative effect, a noisy control
 * (wide, asymmetric Fieller interval) and a negative control mean.
 */
class CupedRelativeVectorsTest {

  private static final String FILE = "/vectors/cuped-relative-vectors.json";

  static List<Map<String, Object>> cases() throws IOException {
    try (InputStream in = CupedRelativeVectorsTest.class.getResourceAsStream(FILE)) {
      assertThat(in).as(FILE + " on the test classpath").isNotNull();
      Map<String, Object> doc = new ObjectMapper().readValue(in, new TypeReference<Map<String, Object>>() {});
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
      return cases;
    }
  }

  static Stream<Named<Map<String, Object>>> allCases() throws IOException {
    return cases().stream().map(c -> Named.of(c.get("id") + ": " + c.get("description"), c));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allCases")
  void cupedRelative_matchesReference(Map<String, Object> c) {
    Map<String, Object> exp = object(c, "expected");
    Cuped cuped = Cuped.adjust(arm(c, "a"), arm(c, "b"), alpha(c));
    RelativeLift r = cuped.relative();
    List<String> bad = new ArrayList<>();

    check(bad, c, "theta", cuped.theta());
    check(bad, c, "lift", r.lift());
    check(bad, c, "lift", cuped.liftAdjusted());
    check(bad, c, "var_lift", r.varianceDelta());
    check(bad, c, "var_lift", cuped.varLiftFullDelta());
    check(bad, c, "se_lift", r.seDelta());
    check(bad, c, "ci_lower_delta_z", r.ciLowerDeltaZ());
    check(bad, c, "ci_upper_delta_z", r.ciUpperDeltaZ());
    check(bad, c, "fieller_g", r.fiellerG());
    check(bad, c, "ci_lower_fieller", r.ciLowerFieller());
    check(bad, c, "ci_upper_fieller", r.ciUpperFieller());
    check(bad, c, "ci_lower_log_ratio", r.ciLowerLogRatio());
    check(bad, c, "ci_upper_log_ratio", r.ciUpperLogRatio());

    assertThat(bad).as(String.valueOf(c.get("id"))).isEmpty();
    assertThat(exp).containsKeys("lift", "se_lift", "ci_lower_fieller", "ci_lower_log_ratio");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allCases")
  void experimentAnalysis_fixedHorizon_liftIntervalAndPosteriorMatchReference(Map<String, Object> c) {
    MetricResult m = analyze(c, false);
    List<String> bad = new ArrayList<>();

    assertThat(m.method()).isEqualTo("welch_t+cuped");
    check(bad, c, "lift", m.lift());
    check(bad, c, "ci_lower_fieller", m.liftCiLower());
    check(bad, c, "ci_upper_fieller", m.liftCiUpper());
    check(bad, c, "chance_to_win", m.chanceToWin());
    check(bad, c, "risk_control", m.riskControl());
    check(bad, c, "risk_variant", m.riskVariant());
    check(bad, c, "credible_lower", m.credibleLower());
    check(bad, c, "credible_upper", m.credibleUpper());

    assertThat(bad).as(String.valueOf(c.get("id"))).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allCases")
  void experimentAnalysis_sequential_alwaysValidLiftIntervalMatchesReference(Map<String, Object> c) {
    MetricResult m = analyze(c, true);
    List<String> bad = new ArrayList<>();

    assertThat(m.method()).isEqualTo("welch_t+cuped+msprt");
    check(bad, c, "seq_ci_lower", m.liftCiLower());
    check(bad, c, "seq_ci_upper", m.liftCiUpper());
    check(bad, c, "chance_to_win", m.chanceToWin());

    assertThat(bad).as(String.valueOf(c.get("id"))).isEmpty();
  }

  @Test
  void file_hasTheCasesTheFixNeedsAndUniqueIds() throws IOException {
    List<Map<String, Object>> cases = cases();

    assertThat(cases).hasSizeGreaterThanOrEqualTo(6);
    assertThat(cases.stream().map(c -> c.get("id")).distinct().count()).isEqualTo(cases.size());
    // The reference block keeps the standard error reported before the fix: it must differ from the
    // expected one somewhere by more than the tolerance, or the file would not catch the defect.
    assertThat(cases).anySatisfy(c -> assertThat(number(object(c, "reference"), "se_ratio_before_fix_over_full"))
        .isLessThan(0.9));
  }

  @Test
  void adjust_zeroAdjustedEffect_liftVarianceIsTheAbsoluteVarianceOverTheControlMeanSquared() {
    // At R = 1 the cross term vanishes: Var(L) = (Var(ȳ*_a) + Var(ȳ*_b))/ȳ_a², which the old formula
    // also gave. A seeded sample whose adjusted means are made equal by shifting treatment's y.
    Random rnd = new Random(7);
    double[][] a = correlated(rnd, 3000, 0.8);
    double[][] b = correlated(rnd, 1000, 0.8);
    Cuped c = Cuped.adjust(CupedStats.fromValues(a[0], a[1]), CupedStats.fromValues(b[0], b[1]), 0.05);
    for (int step = 0; step < 4; step++) {
      // θ is pooled, so shifting treatment moves it a little: repeat until the adjusted effect is ~0.
      double shift = c.diffAdjusted();
      for (int i = 0; i < b[0].length; i++) {
        b[0][i] -= shift;
      }
      c = Cuped.adjust(CupedStats.fromValues(a[0], a[1]), CupedStats.fromValues(b[0], b[1]), 0.05);
    }

    double ya = mean(a[0]);
    assertThat(Math.abs(c.diffAdjusted())).isLessThan(1e-9);
    assertThat(c.relative().varianceDelta())
        .isCloseTo(c.seAdjusted() * c.seAdjusted() / (ya * ya), Percentage.withPercentage(1e-6));
  }

  @Test
  void adjust_covariateWithoutVariance_liftIsTheUnadjustedOne() {
    CupedStats a = new CupedStats(500, 5_000, 500, 5_000 * 10 + 499 * 36, 500, 5_000);
    CupedStats b = new CupedStats(400, 4_600, 400, 4_600 * 11.5 + 399 * 49, 400, 4_600);

    Cuped c = Cuped.adjust(a, b, 0.05);
    RelativeLift plain = RelativeLift.compute(a.outcome(), b.outcome(), 0.05);

    assertThat(c.theta()).isZero();
    assertThat(c.relative().varianceDelta()).isCloseTo(plain.varianceDelta(),
        Percentage.withPercentage(1e-9));
    assertThat(c.relative().ciLowerFieller()).isCloseTo(plain.ciLowerFieller(),
        Offset.offset(1e-12));
  }

  private static MetricResult analyze(Map<String, Object> c, boolean sequential) {
    AnalysisSettings d = AnalysisSettings.defaults();
    AnalysisSettings s = new AnalysisSettings(AnalysisSettings.Engine.FREQUENTIST, alpha(c), sequential, true,
        d.correction(), 0, 0, null);
    CupedStats a = arm(c, "a");
    CupedStats b = arm(c, "b");
    MetricData metric = new MetricData("m", MetricData.Type.MEAN, true, MetricData.Role.GOAL, List.of(a, b), null);
    ExperimentAnalysis r = ExperimentAnalysis.analyze(List.of("control", "treatment"), new long[] {a.n(), b.n()},
        new double[] {(double) a.n() / (a.n() + b.n()), (double) b.n() / (a.n() + b.n())}, List.of(metric), s);
    return r.results().get(0);
  }

  private static double[][] correlated(Random rnd, int n, double rho) {
    double[] y = new double[n];
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      double z = rnd.nextGaussian();
      x[i] = 10 + 3 * z;
      y[i] = 10 + 3 * (rho * z + Math.sqrt(1 - rho * rho) * rnd.nextGaussian());
    }
    return new double[][] {y, x};
  }

  private static double mean(double[] v) {
    return Sums.kahan(v) / v.length;
  }

  private static void check(List<String> bad, Map<String, Object> c, String key, Double got) {
    Map<String, Object> exp = object(c, "expected");
    assertThat(exp).as("expected." + key).containsKey(key);
    Object e = exp.get(key);
    if (e == null || got == null) {
      if (e != got) {
        bad.add(key + ": expected " + e + ", got " + got);
      }
      return;
    }
    double want = ((Number) e).doubleValue();
    Map<String, Object> tol = object(c, "tolerance");
    double allowed = number(tol, "abs") + number(tol, "rel") * Math.abs(want);
    if (!(Math.abs(got - want) <= allowed)) {
      bad.add(key + ": expected " + want + ", got " + got + " (|diff| " + Math.abs(got - want) + " > " + allowed + ")");
    }
  }

  private static CupedStats arm(Map<String, Object> c, String which) {
    Map<String, Object> m = object(object(c, "input"), which);
    return new CupedStats(((Number) m.get("n")).longValue(), number(m, "sum_y"), number(m, "sum_x"),
        number(m, "sum_y2"), number(m, "sum_x2"), number(m, "sum_xy"));
  }

  private static double alpha(Map<String, Object> c) {
    return number(object(c, "input"), "alpha");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Map<String, Object> m, String key) {
    return (Map<String, Object>) m.get(key);
  }

  private static double number(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).doubleValue();
  }
}
