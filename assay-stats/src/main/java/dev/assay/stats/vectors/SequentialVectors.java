package dev.assay.stats.vectors;

import static dev.assay.stats.vectors.VectorInputs.*;

import dev.assay.stats.AlwaysValidLook;
import dev.assay.stats.AlwaysValidState;
import dev.assay.stats.AsymptoticConfidenceSequence;
import dev.assay.stats.GroupSequentialBoundaries;
import dev.assay.stats.MixtureTuning;
import dev.assay.stats.NormalMixtureSequence;
import dev.assay.stats.SampleRatioMismatch;
import dev.assay.stats.SequentialSampleRatioTest;
import dev.assay.stats.SpendingFunction;
import dev.assay.stats.StatsigSequential;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reference-vector kinds computed by this part of the engine. See {@link ReferenceVectors}. */
final class SequentialVectors {

  private SequentialVectors() {}

  static List<VectorKind> all() {
    return List.of(
        kind("msprt_normal", SequentialVectors::msprtNormal),
        kind("msprt_normal_sequence", SequentialVectors::msprtSequence),
        kind("msprt_tau_choice", SequentialVectors::msprtTauChoice),
        kind("asymptotic_cs", SequentialVectors::asymptoticCs),
        kind("statsig_sequential", SequentialVectors::statsigSequential),
        kind("gst_boundaries", SequentialVectors::gstBoundaries),
        kind("srm_chisq", SequentialVectors::srmChiSquare),
        kind("srm_sequential_dirichlet", SequentialVectors::srmSequential));
  }

  private static Map<String, Object> msprtNormal(Map<String, Object> in) {
    NormalMixtureSequence test =
        new NormalMixtureSequence(
            number(in, "tau2"), number(in, "alpha"), optionalNumber(in, "theta0", 0.0));
    double[] ev = estimateAndVariance(in);
    AlwaysValidLook look = test.look(ev[0], ev[1]);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("diff", look.estimate());
    out.put("V", look.variance());
    out.put("log_lambda", look.logLikelihoodRatio());
    out.put("lambda", look.likelihoodRatio());
    out.put("p_value", look.pValue());
    out.put("ci_halfwidth", (look.ciUpper() - look.ciLower()) / 2.0);
    out.put("ci_lower", look.ciLower());
    out.put("ci_upper", look.ciUpper());
    return out;
  }

  private static Map<String, Object> msprtSequence(Map<String, Object> in) {
    NormalMixtureSequence test =
        new NormalMixtureSequence(
            number(in, "tau2"), number(in, "alpha"), optionalNumber(in, "theta0", 0.0));
    List<Map<String, Object>> looks = objects(in, "looks");
    AlwaysValidState state = AlwaysValidState.initial();
    List<Object> out = new ArrayList<>();
    for (Map<String, Object> l : looks) {
      double[] ev = estimateAndVariance(l);
      AlwaysValidLook look = test.look(ev[0], ev[1]);
      state = state.next(look);
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("diff", look.estimate());
      o.put("V", look.variance());
      o.put("log_lambda", look.logLikelihoodRatio());
      o.put("p_value_this_look", look.pValue());
      o.put("p_value_running", state.pValue());
      o.put("ci_lower_running", state.ciLower());
      o.put("ci_upper_running", state.ciUpper());
      o.put("ci_lower_this_look", look.ciLower());
      o.put("ci_upper_this_look", look.ciUpper());
      out.add(o);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("looks", out);
    return result;
  }

  private static Map<String, Object> msprtTauChoice(Map<String, Object> in) {
    MixtureTuning t = MixtureTuning.of(number(in, "V_star"), number(in, "alpha"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("r_opt", t.rOptimal());
    out.put("tau2_opt", t.tau2Optimal());
    out.put("r_approx_gb_eppo", t.rApprox());
    out.put("tau2_approx", t.tau2Approx());
    out.put("halfwidth_at_V_star_opt", t.halfwidthOptimal());
    out.put("halfwidth_at_V_star_approx", t.halfwidthApprox());
    out.put("fixed_halfwidth_at_V_star", t.fixedHalfwidth());
    return out;
  }

  private static Map<String, Object> asymptoticCs(Map<String, Object> in) {
    AsymptoticConfidenceSequence cs =
        AsymptoticConfidenceSequence.of(
            number(in, "estimate"),
            number(in, "se"),
            number(in, "n_total"),
            number(in, "n_star"),
            number(in, "alpha"),
            optionalNumber(in, "test_value", 0.0));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rho", cs.rho());
    out.put("halfwidth", cs.halfwidth());
    out.put("ci_lower", cs.ciLower());
    out.put("ci_upper", cs.ciUpper());
    out.put("p_value", cs.pValue());
    out.put("fixed_halfwidth", cs.fixedHalfwidth());
    out.put("width_ratio_vs_fixed", cs.widthRatioVsFixed());
    return out;
  }

  private static Map<String, Object> statsigSequential(Map<String, Object> in) {
    StatsigSequential s =
        StatsigSequential.of(
            number(in, "n_t"),
            number(in, "n_c"),
            number(in, "var_t"),
            number(in, "var_c"),
            number(in, "diff"),
            number(in, "alpha"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("V", s.variance());
    out.put("tau", s.tau());
    out.put("z_star", s.zStar());
    out.put("ci_lower", s.ciLower());
    out.put("ci_upper", s.ciUpper());
    out.put("sigma", s.sigma());
    out.put("z", s.z());
    out.put("p_value", s.pValue());
    return out;
  }

  private static Map<String, Object> gstBoundaries(Map<String, Object> in) {
    Object sidesValue = in.get("sides");
    int sides = sidesValue == null ? 2 : (int) integer(in, "sides");
    GroupSequentialBoundaries b =
        GroupSequentialBoundaries.compute(
            doubles(in, "information_fractions"),
            number(in, "alpha"),
            SpendingFunction.parse(string(in, "spending")),
            sides);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("z_bounds", b.zBounds());
    out.put("cumulative_alpha_spent", b.cumulativeAlphaSpent());
    out.put("nominal_p_thresholds", b.nominalPThresholds());
    return out;
  }

  private static Map<String, Object> srmChiSquare(Map<String, Object> in) {
    SampleRatioMismatch srm = SampleRatioMismatch.test(longs(in, "counts"), doubles(in, "weights"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("chi2", srm.chi2());
    out.put("df", srm.df());
    out.put("p_value", srm.pValue());
    out.put("srm_flag_at_0.001", srm.flagged());
    return out;
  }

  private static Map<String, Object> srmSequential(Map<String, Object> in) {
    double c =
        optionalNumber(in, "dirichlet_concentration", SequentialSampleRatioTest.DEFAULT_CONCENTRATION);
    SequentialSampleRatioTest test = SequentialSampleRatioTest.start(doubles(in, "weights"), c);
    List<Object> rows = list(in, "daily_counts");
    List<Double> logBf = new ArrayList<>();
    List<Double> p = new ArrayList<>();
    for (int day = 0; day < rows.size(); day++) {
      test = test.next(longs(rows.get(day), "daily_counts[" + day + "]"));
      logBf.add(test.logBayesFactor());
      p.add(test.pValue());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("log_bayes_factor", logBf);
    out.put("p_values", p);
    return out;
  }

  /** Effect and variance of a look given as two-arm summaries (n, mean, var per arm). */
  private static double[] estimateAndVariance(Map<String, Object> in) {
    double na = positive(in, "n_a");
    double nb = positive(in, "n_b");
    double diff = number(in, "mean_b") - number(in, "mean_a");
    double v = number(in, "var_a") / na + number(in, "var_b") / nb;
    return new double[] {diff, v};
  }

}
