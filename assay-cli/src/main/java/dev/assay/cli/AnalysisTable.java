package dev.assay.cli;

import dev.assay.cli.AnalysisInput.QuantileResult;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.MetricResult;
import dev.assay.stats.NonInferiority;
import dev.assay.stats.QuantileComparison;
import dev.assay.stats.SampleRatioMismatch;
import dev.assay.stats.SequentialSampleRatioTest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** The table (default) output of {@code assay analyze}. */
final class AnalysisTable {
  private AnalysisTable() {}

  static void table(PrintWriter out, String name, ExperimentAnalysis a,
      SequentialSampleRatioTest sequentialSrm) {
    AnalysisSettings s = a.settings();
    boolean bayes = s.engine() == AnalysisSettings.Engine.BAYESIAN;
    out.printf("Experiment %s — %s, α = %s, %s, CUPED %s, correction %s%n", name,
        s.engine().name().toLowerCase(Locale.ROOT), s.alpha(), s.sequential() ? "always-valid sequential" : "fixed horizon",
        s.cuped() ? "on" : "off", bayes ? "none (Bayesian)" : s.correction().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    out.printf("Sample ratio: χ² = %.3f, p = %.4g — %s%n", a.srm().chi2(), a.srm().pValue(),
        a.srm().flagged() ? "MISMATCH (p < " + a.srm().threshold() + "): results are not trustworthy" : "ok");
    if (sequentialSrm != null) {
      boolean flagged = sequentialSrm.flagged(SampleRatioMismatch.DEFAULT_THRESHOLD);
      out.printf("Sequential sample ratio over %d daily batches (Dirichlet-multinomial, anytime-valid): p = %.4g — %s%n",
          sequentialSrm.batches(), sequentialSrm.pValue(), flagged ? "MISMATCH (p < "
              + SampleRatioMismatch.DEFAULT_THRESHOLD + ")" : "ok");
    }
    out.println();
    out.printf("%-20s %-10s %12s %12s %26s %24s %9s %9s %7s %8s%n", "metric", "variant", "control", "variant",
        "effect [CI]", bayes ? "lift [credible]" : "lift [CI]", "p", "p adj.", "CUPED", "P(win)");
    for (MetricResult r : a.results()) {
      out.printf("%-20s %-10s %12s %12s %26s %24s %9s %9s %7s %8s%s%n", trim(r.metric(), 20), trim(r.variant(), 10),
          num(r.controlMean()), num(r.variantMean()),
          num(r.effect()) + " [" + num(r.ciLower()) + ", " + num(r.ciUpper()) + "]",
          bayes ? pct(r.lift()) + " [" + pct(r.credibleLower()) + ", " + pct(r.credibleUpper()) + "]"
              : pct(r.lift()) + " [" + (r.liftCiLower() == null ? "-∞" : pct(r.liftCiLower())) + ", "
              + (r.liftCiUpper() == null ? "∞" : pct(r.liftCiUpper())) + "]",
          p(r.pValue()), p(r.pValueAdjusted()),
          r.cupedVarianceReduction() == null ? "-" : String.format("%.0f%%", 100 * r.cupedVarianceReduction()),
          Double.isNaN(r.chanceToWin()) ? "-" : String.format("%.1f%%", 100 * r.chanceToWin()),
          r.significant() ? "  *" : "");
      NonInferiority ni = r.nonInferiority();
      if (ni != null) {
        boolean lowerBound = ni.bound() <= ni.diff(); // higher is better: the bound is below the estimate
        out.printf("    non-inferiority (%s): %s — bound %s, must be %s %s; p = %s%n", ni.method(),
            ni.nonInferior() ? "non-inferior" : "NOT shown non-inferior", num(ni.bound()), lowerBound ? ">" : "<",
            num(lowerBound ? -ni.margin() : ni.margin()), p(ni.pValue()));
      }
      for (String note : r.notes()) {
        out.println("    note: " + note);
      }
    }
    out.println();
    if (bayes) {
      out.printf("* decided: chance to win ≥ %s or ≤ %s (Bayesian engine). Effect intervals are %s.%n",
          pctPlain(1 - s.alpha() / 2), pctPlain(s.alpha() / 2), s.sequential() ? "always-valid" : "fixed-horizon");
    } else {
      out.println("* significant after correction. Intervals are " + (s.sequential()
          ? "always-valid (safe to look at any time); fixed-horizon values are in --format json." : "fixed-horizon."));
      int looks = a.results().stream().mapToInt(MetricResult::looks).max().orElse(0);
      if (looks > 1) {
        out.println("  Sequential intervals and p-values run over " + looks + " looks (--previous).");
      }
    }
  }

  static void quantileTable(PrintWriter out, List<QuantileResult> results, double alpha) {
    if (results.isEmpty()) {
      return;
    }
    out.println();
    out.printf("Quantile metrics (fixed-horizon %s%% intervals, cluster-corrected where per-unit sums are given)%n",
        String.format("%.0f", 100 * (1 - alpha)));
    out.printf("%-20s %-10s %12s %12s %26s %24s %9s%n", "metric", "variant", "control", "variant", "difference [CI]",
        "lift [CI]", "p");
    for (QuantileResult q : results) {
      QuantileComparison c = q.comparison();
      String label = trim(q.metric(), 14) + " P" + String.format("%.0f", 100 * c.level());
      out.printf("%-20s %-10s %12s %12s %26s %24s %9s%n", trim(label, 20), trim(q.variant(), 10),
          c.control().map(e -> num(e.estimate())).orElse("-"), c.treatment().map(e -> num(e.estimate())).orElse("-"),
          c.difference().map(e -> num(e.estimate()) + " [" + num(e.ciLower()) + ", " + num(e.ciUpper()) + "]").orElse("-"),
          c.lift().map(e -> pct(e.estimate()) + " [" + pct(e.ciLower()) + ", " + pct(e.ciUpper()) + "]").orElse("-"),
          c.difference().map(e -> p(e.pValue())).orElse("-"));
      c.missing().ifPresent(m -> out.println("    note: " + m));
    }
  }

  private static String trim(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }

  private static String num(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v != 0) ? String.format("%.3e", v) : String.format("%.4f", v);
  }

  private static String pct(double v) {
    return Double.isNaN(v) ? "-" : String.format("%+.2f%%", 100 * v);
  }

  private static String pctPlain(double v) {
    return String.format("%.1f%%", 100 * v);
  }

  private static String p(double v) {
    return Double.isNaN(v) ? "-" : v < 1e-4 ? String.format("%.1e", v) : String.format("%.4f", v);
  }
}
