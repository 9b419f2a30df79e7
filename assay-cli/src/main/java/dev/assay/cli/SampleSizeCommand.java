package dev.assay.cli;

import dev.assay.stats.GroupSequentialBoundaries;
import dev.assay.stats.SampleSize;
import dev.assay.stats.SpendingFunction;
import dev.assay.stats.StatsException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code assay sample-size}: units needed per arm to detect an effect. */
@Command(
    name = "sample-size",
    mixinStandardHelpOptions = true,
    description = "Units needed per variant to detect an effect, for proportions or means.",
    subcommands = {SampleSizeCommand.Proportion.class, SampleSizeCommand.Mean.class},
    footer = {
      "",
      "Examples:",
      "  assay sample-size proportion --baseline 0.10 --relative-mde 0.10",
      "  assay sample-size proportion --baseline 0.10 --absolute-mde 0.01",
      "  assay sample-size mean --sd 20 --delta 1 --cuped-rho 0.6 --sequential-looks 5",
    })
final class SampleSizeCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "choose 'proportion' or 'mean' (see assay sample-size --help)");
  }

  /** Options shared by both kinds of metric. */
  static final class Design {
    @Option(names = "--alpha", defaultValue = "0.05", description = "Significance level. Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--power", defaultValue = "0.8", description = "Power. Default: ${DEFAULT-VALUE}.")
    double power;

    @Option(names = "--one-sided", description = "One-sided test (default two-sided).")
    boolean oneSided;

    @Option(names = "--cuped-rho", defaultValue = "0", paramLabel = "RHO",
        description = "Correlation of the metric with its pre-period value; CUPED needs (1 − ρ²) of the units.")
    double cupedRho;

    @Option(names = "--sequential-looks", defaultValue = "0", paramLabel = "K",
        description = "Plan K equally spaced looks with a group-sequential design (0: fixed horizon).")
    int looks;

    @Option(names = "--spending", defaultValue = "ld_obf", paramLabel = "FUNCTION",
        description = "α-spending of the sequential design: ld_obf (Lan-DeMets O'Brien-Fleming, default),"
            + " ld_pocock, or power_<ρ> (Kim-DeMets power family, e.g. power_2).")
    String spending;

    @Option(names = "--units", paramLabel = "N",
        description = "Also report the power at N units per variant, and the smallest effect detectable with them.")
    Long units;

    void check() {
      if (!(alpha > 0 && alpha < 1)) {
        throw new CliInputException("--alpha: must be in (0, 1), was " + alpha);
      }
      if (!(power > 0 && power < 1)) {
        throw new CliInputException("--power: must be in (0, 1), was " + power);
      }
      if (!(Math.abs(cupedRho) < 1)) {
        throw new CliInputException("--cuped-rho: must be in (-1, 1), was " + cupedRho);
      }
      if (looks < 0 || looks > 50) {
        throw new CliInputException("--sequential-looks: must be between 0 and 50, was " + looks);
      }
      spendingFunction();
      if (units != null && units < 2) {
        throw new CliInputException("--units: must be at least 2 per variant, was " + units);
      }
    }

    /**
     * The fixed-horizon, no-CUPED sample size that N units per variant are worth: CUPED multiplies
     * it by 1/(1 − ρ²), a sequential design divides it by its inflation.
     */
    double effectiveUnits() {
      return units / (1 - cupedRho * cupedRho) / inflation();
    }

    String designLabel() {
      return (cupedRho != 0 ? ", CUPED ρ = " + Numbers.plain(cupedRho) : "") + (looks > 1 ? ", " + looks + " " + spending + " looks" : "");
    }

    SpendingFunction spendingFunction() {
      try {
        return SpendingFunction.parse(spending);
      } catch (StatsException e) {
        throw new CliInputException("--spending: " + e.getMessage());
      }
    }

    /** The group-sequential boundaries of K equally spaced looks (K > 1). */
    GroupSequentialBoundaries boundaries() {
      double[] fractions = new double[looks];
      for (int i = 0; i < looks; i++) {
        fractions[i] = (i + 1.0) / looks;
      }
      try {
        return GroupSequentialBoundaries.compute(fractions, alpha, spendingFunction(), oneSided ? 1 : 2);
      } catch (StatsException e) {
        throw new CliInputException("--spending: " + e.getMessage());
      }
    }

    /** Multiplier for the sequential design, 1 at a fixed horizon. */
    double inflation() {
      if (looks <= 1) {
        return 1.0;
      }
      return SampleSize.sequentialInflation(boundaries().zBounds().get(looks - 1), alpha, power, !oneSided);
    }

    /**
     * Prints the sizes: {@code perArm} is the control arm's fixed-horizon size without CUPED, and
     * the treatment arm has {@code ratio} times as many units.
     */
    void print(PrintWriter out, double perArm, double ratio, String method) {
      double cuped = perArm * (1 - cupedRho * cupedRho);
      double inflation = inflation();
      String arm = ratio == 1 ? "units per variant" : "control units";
      out.printf("%-44s %,12d%n", arm + " (" + method + ")", (long) Math.ceil(perArm));
      if (cupedRho != 0) {
        out.printf("%-44s %,12d%n", "with CUPED (ρ = " + Numbers.plain(cupedRho) + ")", (long) Math.ceil(cuped));
      }
      if (inflation != 1.0) {
        out.printf("%-44s %,12d%n", "with " + looks + " " + spending + " looks (≈×" + String.format("%.4f", inflation) + ")",
            (long) Math.ceil(cuped * inflation));
      }
      long control = (long) Math.ceil(cuped * inflation);
      long treatment = (long) Math.ceil(ratio * cuped * inflation);
      out.printf("%-44s %,12d%n", ratio == 1 ? "total for 2 variants" : "total (control + treatment "
          + Numbers.plain(ratio) + "×)", control + treatment);
      out.printf("(α = %s %s, power = %s)%n", Numbers.plain(alpha), oneSided ? "one-sided" : "two-sided",
          Numbers.plain(power));
      if (looks > 1) {
        GroupSequentialBoundaries b = boundaries();
        long total = (long) Math.ceil(cuped * inflation);
        out.printf("%nStop at look k when |z| ≥ the boundary (%s spending, %s):%n", b.spending().id(),
            oneSided ? "one-sided" : "two-sided");
        out.printf("  %4s %14s %10s %14s %16s%n", "look", "units/variant", "|z| ≥", "nominal p <", "α spent so far");
        for (int k = 0; k < looks; k++) {
          out.printf("  %4d %,14d %10.4f %14.4g %16.4g%n", k + 1,
              (long) Math.ceil(total * b.informationFractions().get(k)), b.zBounds().get(k),
              b.nominalPThresholds().get(k), b.cumulativeAlphaSpent().get(k));
        }
      }
    }
  }

  @Command(name = "proportion", mixinStandardHelpOptions = true,
      description = "Sample size for a conversion rate (p_a → p_b).")
  static final class Proportion implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Design design;

    @Option(names = "--baseline", required = true, paramLabel = "P", description = "Control conversion rate, e.g. 0.10.")
    double baseline;

    @Option(names = "--target", paramLabel = "P", description = "Treatment rate to detect, e.g. 0.11.")
    Double target;

    @Option(names = "--relative-mde", paramLabel = "R", description = "Relative lift to detect, e.g. 0.10 for +10%%.")
    Double relativeMde;

    @Option(names = "--absolute-mde", paramLabel = "D",
        description = "Absolute difference to detect, e.g. 0.01 for 10%% → 11%%.")
    Double absoluteMde;

    /** The treatment rate from exactly one of --target, --relative-mde and --absolute-mde. */
    private double treatmentRate() {
      int given = (target != null ? 1 : 0) + (relativeMde != null ? 1 : 0) + (absoluteMde != null ? 1 : 0);
      if (given != 1) {
        throw new CliInputException("--target: give exactly one of --target, --relative-mde or --absolute-mde");
      }
      double pB = target != null ? target
          : relativeMde != null ? baseline * (1 + relativeMde) : baseline + absoluteMde;
      if (!(pB > 0 && pB < 1) || pB == baseline) {
        String option = target != null ? "--target" : relativeMde != null ? "--relative-mde" : "--absolute-mde";
        throw new CliInputException(option + ": the treatment rate must be in (0, 1) and differ from the baseline,"
            + " was " + Numbers.plain(pB));
      }
      return pB;
    }

    @Override
    public Integer call() {
      design.check();
      if (!(baseline > 0 && baseline < 1)) {
        throw new CliInputException("--baseline: must be in (0, 1), was " + baseline);
      }
      double pB = treatmentRate();
      SampleSize.Proportions r;
      try {
        r = SampleSize.proportions(baseline, pB, design.alpha, design.power, !design.oneSided);
      } catch (StatsException e) {
        throw new CliInputException(e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf("Detect %s → %s (%+.2f%% relative, %s absolute)%n%n", Numbers.plain(baseline),
          Numbers.plain(pB), (pB / baseline - 1) * 100, signed(pB - baseline));
      design.print(out, r.unpooled(), 1, "unpooled z-test");
      out.println();
      out.printf("Other conventions (fixed horizon): pooled-null (Fleiss) %,d; control variance %,d; arcsine %,d%n",
          (long) Math.ceil(r.fleissPooledNull()), (long) Math.ceil(r.controlVariance()), (long) Math.ceil(r.arcsine()));
      if (design.units != null) {
        double n = design.effectiveUnits();
        double power = SampleSize.powerProportionsUnpooled(baseline, pB, n, design.alpha, !design.oneSided);
        out.printf("%nWith %,d units per variant%s:%n", design.units, design.designLabel());
        out.printf("  power to detect %s → %s: %.1f%%%n", Numbers.plain(baseline), Numbers.plain(pB), 100 * power);
        if (!design.oneSided) {
          double[] mde = SampleSize.mdeRelative(baseline, baseline * (1 - baseline), Math.max(2, (long) n),
              design.alpha, design.power);
          out.println(Double.isNaN(mde[0]) ? "  minimum detectable lift: none (too few units)"
              : String.format("  minimum detectable lift at %.0f%% power: %+.2f%% (%s → %.5f, %s absolute)",
                  100 * design.power, 100 * mde[0], Numbers.plain(baseline), baseline * (1 + mde[0]),
                  signed(Math.round(baseline * mde[0] * 1e5) / 1e5)));
        }
      }
      out.flush();
      return 0;
    }
  }

  private static String signed(double x) {
    return (x > 0 ? "+" : "") + Numbers.plain(x);
  }

  @Command(name = "mean", mixinStandardHelpOptions = true, description = "Sample size for a mean (difference δ).")
  static final class Mean implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Design design;

    @Option(names = "--sd", required = true, paramLabel = "SIGMA", description = "Standard deviation of the metric per unit.")
    double sd;

    @Option(names = "--delta", required = true, paramLabel = "DELTA", description = "Absolute difference to detect.")
    double delta;

    @Option(names = "--ratio", defaultValue = "1", paramLabel = "KAPPA",
        description = "Treatment units per control unit. Default: ${DEFAULT-VALUE}.")
    double kappa;

    @Override
    public Integer call() {
      design.check();
      if (!(sd > 0)) {
        throw new CliInputException("--sd: must be positive, was " + sd);
      }
      if (delta == 0 || !Double.isFinite(delta)) {
        throw new CliInputException("--delta: must be a non-zero number, was " + delta);
      }
      if (!(kappa > 0)) {
        throw new CliInputException("--ratio: must be positive, was " + kappa);
      }
      SampleSize.Means r = SampleSize.means(sd, delta, design.alpha, design.power, !design.oneSided, kappa,
          design.cupedRho);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("Detect a difference of %s with σ = %s (effect size d = %.4f)%n%n", Numbers.plain(delta),
          Numbers.plain(sd), Math.abs(delta) / sd);
      design.print(out, r.nA(), kappa, "normal approximation");
      if (r.nPerArmExactT() != null) {
        out.printf("Exact two-sample t-test (noncentral t), fixed horizon: %,d per variant%n", r.nPerArmExactTCeil());
      }
      if (kappa != 1) {
        out.printf("Unequal split: control %,d, treatment %,d (fixed horizon)%n", r.nACeil(), r.nBCeil());
      }
      if (design.units != null) {
        if (kappa != 1) {
          throw new CliInputException("--units: power at a given n is computed for equal arms (--ratio 1)");
        }
        double n = design.effectiveUnits();
        double power = SampleSize.powerT(Math.abs(delta) / sd, n, design.alpha, !design.oneSided);
        out.printf("%nWith %,d units per variant%s:%n", design.units, design.designLabel());
        out.printf("  power to detect δ = %s: %.1f%% (two-sample t)%n", Numbers.plain(delta), 100 * power);
        out.printf("  minimum detectable δ at %.0f%% power: %.4g (normal approximation)%n", 100 * design.power,
            SampleSize.mdeMeans(sd, n, design.alpha, design.power, !design.oneSided));
      }
      out.flush();
      return 0;
    }
  }
}
