package dev.assay.stats.vectors;

import static dev.assay.stats.vectors.VectorInputs.doubles;
import static dev.assay.stats.vectors.VectorInputs.integer;
import static dev.assay.stats.vectors.VectorInputs.kind;
import static dev.assay.stats.vectors.VectorInputs.number;

import dev.assay.stats.BayesianGaussian;
import dev.assay.stats.BetaBinomial;
import dev.assay.stats.Cuped;
import dev.assay.stats.CupedStats;
import dev.assay.stats.MeanDifference;
import dev.assay.stats.MultipleTesting;
import dev.assay.stats.RatioComparison;
import dev.assay.stats.RatioStats;
import dev.assay.stats.RelativeLift;
import dev.assay.stats.SampleSize;
import dev.assay.stats.SampleStats;
import dev.assay.stats.TwoProportions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.QRDecomposition;
import org.hipparchus.linear.RealMatrix;

/** Reference-vector kinds of the fixed-horizon methods. See {@link ReferenceVectors}. */
final class FixedHorizonVectors {

  private FixedHorizonVectors() {}

  static List<VectorKind> all() {
    return List.of(
        kind("welch_t_test", FixedHorizonVectors::welch),
        kind("two_proportion_z_test", FixedHorizonVectors::proportions),
        kind("relative_lift", FixedHorizonVectors::relativeLift),
        kind("ratio_metric_delta", FixedHorizonVectors::ratio),
        kind("cuped", FixedHorizonVectors::cuped),
        kind("bayes_gaussian", FixedHorizonVectors::bayes),
        kind("beta_binomial", FixedHorizonVectors::betaBinomial),
        kind("multiple_testing", FixedHorizonVectors::multipleTesting),
        kind("sample_size_proportions", FixedHorizonVectors::sampleSizeProportions),
        kind("sample_size_means", FixedHorizonVectors::sampleSizeMeans),
        kind("mde_relative_gb", FixedHorizonVectors::mdeRelative));
  }

  /** Both arms from summary fields ({@code n_a, mean_a, var_a, ...}) or raw arrays {@code a, b}. */
  private static SampleStats[] arms(Map<String, Object> in, Map<String, Object> out) {
    if (in.containsKey("a") && in.get("a") instanceof List<?>) {
      SampleStats a = SampleStats.fromValues(doubles(in, "a"));
      SampleStats b = SampleStats.fromValues(doubles(in, "b"));
      out.put("n_a", a.n());
      out.put("mean_a", a.mean());
      out.put("var_a", a.variance());
      out.put("n_b", b.n());
      out.put("mean_b", b.mean());
      out.put("var_b", b.variance());
      return new SampleStats[] {a, b};
    }
    return new SampleStats[] {
      new SampleStats(integer(in, "n_a"), number(in, "mean_a"), number(in, "var_a")),
      new SampleStats(integer(in, "n_b"), number(in, "mean_b"), number(in, "var_b"))
    };
  }

  private static Map<String, Object> welch(Map<String, Object> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    SampleStats[] ab = arms(in, out);
    MeanDifference r = MeanDifference.welch(ab[0], ab[1], number(in, "alpha"));
    out.put("diff", r.diff());
    out.put("se", r.se());
    out.put("t", r.t());
    out.put("df", r.df());
    out.put("p_value", r.pValue());
    out.put("ci_lower", r.ciLower());
    out.put("ci_upper", r.ciUpper());
    out.put("p_value_z", r.pValueZ());
    out.put("ci_lower_z", r.ciLowerZ());
    out.put("ci_upper_z", r.ciUpperZ());
    return out;
  }

  private static Map<String, Object> proportions(Map<String, Object> in) {
    TwoProportions r = TwoProportions.compare(integer(in, "n_a"), integer(in, "x_a"), integer(in, "n_b"),
        integer(in, "x_b"), number(in, "alpha"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("p_a", r.pA());
    out.put("p_b", r.pB());
    out.put("diff", r.diff());
    out.put("se_pooled", r.sePooled());
    out.put("z_pooled", r.zPooled());
    out.put("p_value_pooled", r.pValuePooled());
    out.put("se_unpooled", r.seUnpooled());
    out.put("z_unpooled", r.zUnpooled());
    out.put("p_value_unpooled", r.pValueUnpooled());
    out.put("ci_lower_unpooled", r.ciLowerUnpooled());
    out.put("ci_upper_unpooled", r.ciUpperUnpooled());
    out.put("df_welch_mle_var", r.dfWelchMleVar());
    out.put("p_value_welch_mle_var", r.pValueWelchMleVar());
    return out;
  }

  private static Map<String, Object> relativeLift(Map<String, Object> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    SampleStats[] ab = arms(in, out);
    RelativeLift r = RelativeLift.compute(ab[0], ab[1], number(in, "alpha"));
    out.put("lift", r.lift());
    out.put("var_lift_delta", r.varianceDelta());
    out.put("se_lift_delta", r.seDelta());
    out.put("z", r.z());
    out.put("p_value_z", r.pValueZ());
    out.put("ci_lower_delta_z", r.ciLowerDeltaZ());
    out.put("ci_upper_delta_z", r.ciUpperDeltaZ());
    out.put("df_welch", r.dfWelch());
    out.put("ci_lower_delta_t", r.ciLowerDeltaT());
    out.put("ci_upper_delta_t", r.ciUpperDeltaT());
    out.put("fieller_g", r.fiellerG());
    out.put("ci_lower_fieller", r.ciLowerFieller());
    out.put("ci_upper_fieller", r.ciUpperFieller());
    out.put("ci_lower_log_ratio", r.ciLowerLogRatio());
    out.put("ci_upper_log_ratio", r.ciUpperLogRatio());
    return out;
  }

  private static Map<String, Object> ratio(Map<String, Object> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    RatioStats a;
    RatioStats b;
    if (in.containsKey("a_num")) {
      a = RatioStats.fromValues(doubles(in, "a_num"), doubles(in, "a_den"));
      b = RatioStats.fromValues(doubles(in, "b_num"), doubles(in, "b_den"));
      out.put("a_sums", sums(a));
      out.put("b_sums", sums(b));
    } else {
      a = ratioStats(VectorInputs.object(in, "a"), "a");
      b = ratioStats(VectorInputs.object(in, "b"), "b");
    }
    RatioComparison r = RatioComparison.compare(a, b, number(in, "alpha"));
    out.put("a", arm(a));
    out.put("b", arm(b));
    out.put("abs_diff", r.absDiff());
    out.put("se_abs", r.seAbs());
    out.put("z_abs", r.zAbs());
    out.put("p_value_abs", r.pValueAbs());
    out.put("ci_lower_abs", r.ciLowerAbs());
    out.put("ci_upper_abs", r.ciUpperAbs());
    out.put("lift", r.lift().lift());
    out.put("se_lift", r.lift().seDelta());
    out.put("ci_lower_lift", r.lift().ciLowerDeltaZ());
    out.put("ci_upper_lift", r.lift().ciUpperDeltaZ());
    out.put("p_value_lift", r.lift().pValueZ());
    return out;
  }

  private static RatioStats ratioStats(Map<String, Object> m, String arm) {
    return new RatioStats(integer(m, "n"), number(m, "sum_num"), number(m, "sum_den"),
        number(m, "sum_num_sq"), number(m, "sum_den_sq"), number(m, "sum_num_den"));
  }

  private static Map<String, Object> sums(RatioStats s) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("n", s.n());
    o.put("sum_num", s.sumNum());
    o.put("sum_den", s.sumDen());
    o.put("sum_num_sq", s.sumNumSq());
    o.put("sum_den_sq", s.sumDenSq());
    o.put("sum_num_den", s.sumNumDen());
    return o;
  }

  private static Map<String, Object> arm(RatioStats s) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("ratio", s.ratio());
    o.put("mean_num", s.meanNum());
    o.put("mean_den", s.meanDen());
    o.put("var_num", s.varNum());
    o.put("var_den", s.varDen());
    o.put("cov_num_den", s.covNumDen());
    o.put("var_ratio", s.varianceOfRatio());
    o.put("se_ratio", Math.sqrt(s.varianceOfRatio()));
    return o;
  }

  private static Map<String, Object> cuped(Map<String, Object> in) {
    CupedStats a;
    CupedStats b;
    boolean raw = in.containsKey("a_y");
    if (raw) {
      a = CupedStats.fromValues(doubles(in, "a_y"), doubles(in, "a_x"));
      b = CupedStats.fromValues(doubles(in, "b_y"), doubles(in, "b_x"));
    } else {
      a = cupedStats(VectorInputs.object(in, "a"));
      b = cupedStats(VectorInputs.object(in, "b"));
    }
    Cuped r = Cuped.adjust(a, b, number(in, "alpha"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("theta", r.theta());
    out.put("var_x_pooled", r.varXPooled());
    out.put("cov_xy_pooled", r.covXYPooled());
    out.put("a", cupedArm(a, r.adjMeanA(), r.varAdjUnitA()));
    out.put("b", cupedArm(b, r.adjMeanB(), r.varAdjUnitB()));
    out.put("diff_unadjusted", r.unadjusted().diff());
    out.put("se_unadjusted", r.unadjusted().se());
    out.put("diff_adjusted", r.diffAdjusted());
    out.put("se_adjusted", r.seAdjusted());
    out.put("z_adjusted", r.zAdjusted());
    out.put("p_value_adjusted_z", r.pValueAdjustedZ());
    out.put("ci_lower_adjusted_z", r.ciLowerAdjustedZ());
    out.put("ci_upper_adjusted_z", r.ciUpperAdjustedZ());
    out.put("df_welch_adjusted", r.dfWelchAdjusted());
    out.put("p_value_adjusted_t", r.pValueAdjustedT());
    out.put("variance_reduction", r.varianceReduction());
    out.put("effective_sample_multiplier", r.effectiveSampleMultiplier());
    out.put("lift_adjusted", r.liftAdjusted());
    out.put("var_lift_gb", r.varLiftGb());
    out.put("se_lift_gb", Math.sqrt(r.varLiftGb()));
    out.put("var_lift_full_delta", r.varLiftFullDelta());
    out.put("se_lift_full_delta", Math.sqrt(r.varLiftFullDelta()));
    if (raw) {
      double[] lin = lin2013(doubles(in, "a_y"), doubles(in, "a_x"), doubles(in, "b_y"), doubles(in, "b_x"));
      out.put("lin2013_estimate", lin[0]);
      out.put("lin2013_se_hc2", lin[1]);
    }
    return out;
  }

  private static CupedStats cupedStats(Map<String, Object> m) {
    return new CupedStats(integer(m, "n"), number(m, "sum_y"), number(m, "sum_x"), number(m, "sum_y2"),
        number(m, "sum_x2"), number(m, "sum_xy"));
  }

  private static Map<String, Object> cupedArm(CupedStats s, double adjMean, double varAdjUnit) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("mean_y", s.meanY());
    o.put("mean_x", s.meanX());
    o.put("var_y", s.varY());
    o.put("var_x", s.varX());
    o.put("cov_xy", s.covXY());
    o.put("adj_mean", adjMean);
    o.put("var_adj_unit", varAdjUnit);
    o.put("var_adj_mean", varAdjUnit / s.n());
    return o;
  }

  /**
   * Lin (2013): OLS of y on [1, T, x − x̄, T·(x − x̄)] over raw data; the coefficient of T and its
   * HC2 sandwich standard error.
   */
  static double[] lin2013(double[] ay, double[] ax, double[] by, double[] bx) {
    int n = ay.length + by.length;
    double[] x = new double[n];
    double[] y = new double[n];
    double[] treat = new double[n];
    for (int i = 0; i < ay.length; i++) {
      x[i] = ax[i];
      y[i] = ay[i];
    }
    for (int i = 0; i < by.length; i++) {
      x[ay.length + i] = bx[i];
      y[ay.length + i] = by[i];
      treat[ay.length + i] = 1;
    }
    double xbar = java.util.Arrays.stream(x).sum() / n; // compensated summation
    RealMatrix design = MatrixUtils.createRealMatrix(n, 4);
    for (int i = 0; i < n; i++) {
      double xc = x[i] - xbar;
      design.setRow(i, new double[] {1, treat[i], xc, treat[i] * xc});
    }
    RealMatrix xtxInv = new QRDecomposition(design.transpose().multiply(design)).getSolver().getInverse();
    double[] beta = xtxInv.multiply(design.transpose()).operate(y);
    RealMatrix meat = MatrixUtils.createRealMatrix(4, 4);
    for (int i = 0; i < n; i++) {
      double[] row = design.getRow(i);
      double fitted = 0;
      for (int j = 0; j < 4; j++) {
        fitted += row[j] * beta[j];
      }
      double e = y[i] - fitted;
      RealMatrix xi = MatrixUtils.createRowRealMatrix(row);
      double h = xi.multiply(xtxInv).multiply(xi.transpose()).getEntry(0, 0);
      meat = meat.add(xi.transpose().multiply(xi).scalarMultiply(e * e / (1 - h)));
    }
    RealMatrix cov = xtxInv.multiply(meat).multiply(xtxInv);
    return new double[] {beta[1], Math.sqrt(cov.getEntry(1, 1))};
  }

  private static Map<String, Object> bayes(Map<String, Object> in) {
    Object pv = in.get("prior_var");
    Double priorVar = pv == null ? null : number(in, "prior_var");
    double priorMean = in.get("prior_mean") == null ? 0 : number(in, "prior_mean");
    BayesianGaussian r = BayesianGaussian.posterior(number(in, "estimate"), number(in, "se"), priorMean, priorVar,
        number(in, "alpha"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("post_mean", r.postMean());
    out.put("post_sd", r.postSd());
    out.put("chance_to_win", r.chanceToWin());
    out.put("risk_control", r.riskControl());
    out.put("risk_treatment", r.riskTreatment());
    out.put("ci_lower", r.ciLower());
    out.put("ci_upper", r.ciUpper());
    return out;
  }

  private static Map<String, Object> betaBinomial(Map<String, Object> in) {
    BetaBinomial r = BetaBinomial.compare(integer(in, "x_a"), integer(in, "n_a"), integer(in, "x_b"),
        integer(in, "n_b"), number(in, "prior_alpha"), number(in, "prior_beta"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("posterior_a", List.of(whole(r.posteriorA()[0]), whole(r.posteriorA()[1])));
    out.put("posterior_b", List.of(whole(r.posteriorB()[0]), whole(r.posteriorB()[1])));
    out.put("prob_b_beats_a", r.probBBeatsA());
    out.put("expected_loss_choose_b", r.expectedLossChooseB());
    out.put("expected_loss_choose_a", r.expectedLossChooseA());
    return out;
  }

  /** A whole number as a Long (integers in the vectors must match exactly), else the double. */
  private static Object whole(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
  }

  private static Map<String, Object> multipleTesting(Map<String, Object> in) {
    double[] p = doubles(in, "p_values");
    double alpha = VectorInputs.alpha(in, "alpha");
    double[] bh = MultipleTesting.benjaminiHochberg(p);
    double[] holm = MultipleTesting.holm(p);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bh_adjusted", boxed(bh));
    out.put("holm_adjusted", boxed(holm));
    out.put("bonferroni_adjusted", boxed(MultipleTesting.bonferroni(p)));
    out.put("bh_reject", rejects(bh, alpha));
    out.put("holm_reject", rejects(holm, alpha));
    return out;
  }

  private static List<Object> boxed(double[] v) {
    List<Object> out = new ArrayList<>();
    for (double d : v) {
      out.add(d);
    }
    return out;
  }

  private static List<Object> rejects(double[] adjusted, double alpha) {
    List<Object> out = new ArrayList<>();
    for (double d : adjusted) {
      out.add(d <= alpha);
    }
    return out;
  }

  private static Map<String, Object> sampleSizeProportions(Map<String, Object> in) {
    double pA = number(in, "p_a");
    double pB = number(in, "p_b");
    double alpha = number(in, "alpha");
    double power = number(in, "power");
    boolean twoSided = !(in.get("two_sided") instanceof Boolean b) || b;
    SampleSize.Proportions r = SampleSize.proportions(pA, pB, alpha, power, twoSided);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("n_per_arm_unpooled", r.unpooled());
    out.put("n_per_arm_unpooled_ceil", (long) Math.ceil(r.unpooled()));
    out.put("n_per_arm_fleiss_pooled_null", r.fleissPooledNull());
    out.put("n_per_arm_fleiss_pooled_null_ceil", (long) Math.ceil(r.fleissPooledNull()));
    out.put("n_per_arm_control_variance", r.controlVariance());
    out.put("n_per_arm_control_variance_ceil", (long) Math.ceil(r.controlVariance()));
    out.put("n_per_arm_arcsine", r.arcsine());
    out.put("n_per_arm_arcsine_ceil", (long) Math.ceil(r.arcsine()));
    out.put("power_unpooled_at_ceil",
        SampleSize.powerProportionsUnpooled(pA, pB, Math.ceil(r.unpooled()), alpha, twoSided));
    out.put("power_fleiss_at_ceil",
        SampleSize.powerProportionsFleiss(pA, pB, Math.ceil(r.fleissPooledNull()), alpha, twoSided));
    return out;
  }

  private static Map<String, Object> sampleSizeMeans(Map<String, Object> in) {
    boolean twoSided = !(in.get("two_sided") instanceof Boolean b) || b;
    SampleSize.Means r = SampleSize.means(number(in, "sigma"), number(in, "delta"), number(in, "alpha"),
        number(in, "power"), twoSided, number(in, "kappa_n_b_over_n_a"),
        in.get("cuped_rho") == null ? 0 : number(in, "cuped_rho"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("n_a", r.nA());
    out.put("n_a_ceil", r.nACeil());
    out.put("n_b_ceil", r.nBCeil());
    out.put("n_a_cuped", r.nACuped());
    out.put("n_a_cuped_ceil", r.nACupedCeil());
    out.put("n_per_arm_exact_t", r.nPerArmExactT());
    out.put("n_per_arm_exact_t_ceil", r.nPerArmExactTCeil());
    return out;
  }

  private static Map<String, Object> mdeRelative(Map<String, Object> in) {
    double[] r = SampleSize.mdeRelative(number(in, "mu_a"), number(in, "var"), integer(in, "n_per_arm"),
        number(in, "alpha"), number(in, "power"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("mde_relative", r[0]);
    out.put("k", r[1]);
    return out;
  }
}
