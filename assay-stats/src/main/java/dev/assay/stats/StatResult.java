package dev.assay.stats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A statistical result that says which method produced it and, when any of its values is
 * undefined (NaN, null or empty), why. Every result type of the engine implements it, so a caller
 * can always label a number with its method and explain a gap instead of showing a bare NaN.
 *
 * <p>Why records: results are values (equality, pattern matching), and the server and the CLI
 * write them as JSON from their components, so a component is part of the wire format. Java makes a
 * record's canonical constructor as visible as the record, so it cannot be private; instead each
 * result is computed by its static factory ({@code welch}, {@code compare}, {@code of}, …), and the
 * canonical constructor, where a result has invariants, checks them.
 *
 * <p>One missing-value convention: {@link #missing()} is the accessor. A component named
 * {@code missingReason} (nullable) is its storage, and results that carry notes join them there.
 */
public interface StatResult {

  /**
   * The method that produced the result; {@link Method#id()} is its stable label for output and
   * JSON.
   */
  Method method();

  /** Why some of this result's values are undefined; empty when every value is defined. */
  default Optional<String> missing() {
    return Optional.empty();
  }

  /** The statistical methods of the engine, each with the stable identifier used in output and JSON. */
  enum Method {
    /** Welch's t-test with Welch–Satterthwaite degrees of freedom. */
    WELCH_T("welch_t"),
    /** A difference in means with cluster-robust (CR1) variance and a t interval on clusters − 1 df. */
    CLUSTER_ROBUST_T("cluster_robust_t"),
    /** A post-stratified difference in means: stratum differences weighted by stratum shares. */
    POST_STRATIFIED_DIFFERENCE("post_stratified_difference"),
    /** A linear contrast of arm means (factorial effects) by Welch–Satterthwaite t. */
    WELCH_CONTRAST("welch_contrast"),
    /** One-sided Welch t-test against a non-inferiority margin. */
    WELCH_T_ONE_SIDED("welch_t_one_sided"),
    /** Difference of two proportions, unpooled (Wald) z. */
    TWO_PROPORTION_Z_UNPOOLED("two_proportion_z_unpooled"),
    /** Relative lift by the delta method, with Fieller's interval beside it. */
    RELATIVE_LIFT_DELTA_METHOD_FIELLER("relative_lift_delta_method_fieller"),
    /** A ratio metric by the delta method at the randomization unit. */
    RATIO_DELTA_METHOD("ratio_delta_method"),
    /** The delta method, as the estimator of a ratio metric's result. */
    DELTA_METHOD("delta_method"),
    /** CUPED variance reduction with a pooled θ. */
    CUPED_POOLED_THETA("cuped_pooled_theta"),
    /** CUPED, as a step of a metric's result. */
    CUPED("cuped"),
    /** Always-valid normal-mixture sequential test (mSPRT). */
    MSPRT("msprt"),
    /** One-sided always-valid test against a non-inferiority margin. */
    MSPRT_ONE_SIDED("msprt_one_sided"),
    /** Running intersection of always-valid intervals over looks, running minimum of p. */
    MSPRT_RUNNING_INTERSECTION("msprt_running_intersection"),
    /** Tuning of the mixture variance τ² to the planned sample. */
    MSPRT_TAU_TUNING("msprt_tau_tuning"),
    /** Asymptotic confidence sequence (Waudby-Smith et al.). */
    ASYMPTOTIC_CONFIDENCE_SEQUENCE("asymptotic_confidence_sequence"),
    /** Statsig's sequential testing adjustment. */
    STATSIG_SEQUENTIAL("statsig_sequential"),
    /** Group-sequential boundaries from an α-spending function (the function is part of the result). */
    GROUP_SEQUENTIAL("group_sequential"),
    /** Gaussian posterior with a flat prior. */
    BAYESIAN_GAUSSIAN_FLAT_PRIOR("bayesian_gaussian_flat_prior"),
    /** Gaussian posterior with a normal prior. */
    BAYESIAN_GAUSSIAN_NORMAL_PRIOR("bayesian_gaussian_normal_prior"),
    /** Exact Beta-binomial posterior comparison. */
    BETA_BINOMIAL_EXACT("beta_binomial_exact"),
    /** A/A p-values against U(0, 1): binomial false-positive rate and Kolmogorov–Smirnov. */
    PVALUE_UNIFORMITY("pvalue_uniformity"),
    /** Sample ratio mismatch by Pearson's χ². */
    SRM_CHI_SQUARE("srm_chi_square"),
    /** Thompson sampling with Gaussian posteriors. */
    GAUSSIAN_THOMPSON_SAMPLING("gaussian_thompson_sampling"),
    /** Cochran's Q test of heterogeneity. */
    COCHRAN_Q("cochran_q"),
    /** Estimate stratified by period (switchback, changing weights). */
    PERIOD_STRATIFIED("period_stratified"),
    /** Quantile with the outer (order-statistic) confidence interval. */
    QUANTILE_OUTER_CI("quantile_outer_ci"),
    /** Quantile with the outer interval, cluster-adjusted for several events per unit. */
    QUANTILE_OUTER_CI_CLUSTER("quantile_outer_ci_cluster"),
    /** Difference of quantiles by the delta method on the outer intervals. */
    QUANTILE_DELTA_OUTER_CI("quantile_delta_outer_ci"),
    /** No inference was possible (not enough data). */
    NONE("none");

    private final String id;

    Method(String id) {
      this.id = id;
    }

    /** The stable identifier, e.g. {@code welch_t}. */
    public String id() {
      return id;
    }

    /**
     * The method with this identifier.
     *
     * @throws StatsException naming the identifier when no method has it
     */
    public static Method fromId(String id) {
      for (Method m : values()) {
        if (m.id.equals(id)) {
          return m;
        }
      }
      throw new StatsException("unknown statistical method '" + id + "'");
    }

    /**
     * The methods of a label that joins identifiers with {@code +}, e.g. {@code welch_t+cuped+msprt}.
     *
     * @throws StatsException naming the first unknown identifier
     */
    public static List<Method> parseLabel(String label) {
      List<Method> out = new ArrayList<>();
      for (String part : label.split("\\+", -1)) {
        out.add(fromId(part));
      }
      return Collections.unmodifiableList(out);
    }

    /** The label of several methods: their identifiers joined with {@code +}. */
    public static String label(List<Method> methods) {
      StringBuilder b = new StringBuilder();
      for (Method m : methods) {
        if (b.length() > 0) {
          b.append('+');
        }
        b.append(m.id);
      }
      return b.toString();
    }
  }
}
