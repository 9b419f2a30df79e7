package dev.assay.server.ui;

import dev.assay.server.domain.DomainException;
import dev.assay.server.ui.ExperimentPagesModel.Power;
import dev.assay.stats.SampleSize;
import dev.assay.stats.StatsException;
import java.util.Optional;

/**
 * The wizard's power calculator: baseline, minimum detectable effect and daily traffic to a
 * planned sample size and an expected duration. The sizes come from {@link SampleSize}, the code
 * {@code assay sample-size} prints (unpooled z-test for a proportion, normal approximation for a
 * mean, CUPED needing (1 − ρ²) of the units), so the wizard and the CLI give the same number.
 * Every input error names its form field.
 */
final class ExperimentPagesPower {
  private ExperimentPagesPower() {}

  /** The calculator's inputs as a form sends them (text, converted here). */
  record Input(String kind, String baseline, String sd, String mde, String alpha, String power, String cupedRho,
      String dailyUnits, int variants, double coverage) {}

  static Power compute(Input in) {
    double alpha = number("analysis.alpha", in.alpha(), 0.05);
    if (!(alpha > 0 && alpha < 1)) {
      throw DomainException.invalid("analysis.alpha", "must be in (0, 1), was " + in.alpha());
    }
    double power = number("power.power", in.power(), 0.8);
    if (!(power > 0 && power < 1)) {
      throw DomainException.invalid("power.power", "must be in (0, 1), e.g. 0.8, was " + in.power());
    }
    double rho = number("power.cupedRho", in.cupedRho(), 0);
    if (!(Math.abs(rho) < 1)) {
      throw DomainException.invalid("power.cupedRho", "must be in (-1, 1), was " + in.cupedRho());
    }
    double baseline = number("power.baseline", in.baseline(), Double.NaN);
    double mde = number("power.mde", in.mde(), Double.NaN);
    if (!(mde != 0 && Double.isFinite(mde))) {
      throw DomainException.invalid("power.mde", "must be a non-zero relative effect, e.g. 0.05 for +5%, was '"
          + in.mde() + "'");
    }
    double perVariant;
    double target;
    String method;
    try {
      if (in.kind().equals("mean")) {
        double sd = number("power.sd", in.sd(), Double.NaN);
        if (!(sd > 0)) {
          throw DomainException.invalid("power.sd", "must be a positive standard deviation per unit, was '" + in.sd() + "'");
        }
        if (!(Double.isFinite(baseline) && baseline != 0)) {
          throw DomainException.invalid("power.baseline", "must be the control's mean per unit (non-zero), was '"
              + in.baseline() + "'");
        }
        target = baseline * (1 + mde);
        perVariant = SampleSize.means(sd, target - baseline, alpha, power, true, 1, rho).nACuped();
        method = "normal approximation (as assay sample-size mean)";
      } else {
        if (!(baseline > 0 && baseline < 1)) {
          throw DomainException.invalid("power.baseline", "must be the control's conversion rate in (0, 1), e.g. 0.10,"
              + " was '" + in.baseline() + "'");
        }
        target = baseline * (1 + mde);
        if (!(target > 0 && target < 1)) {
          throw DomainException.invalid("power.mde", "takes the rate to " + target + ", outside (0, 1)");
        }
        perVariant = SampleSize.proportions(baseline, target, alpha, power, true).unpooled() * (1 - rho * rho);
        method = "unpooled z-test (as assay sample-size proportion)";
      }
    } catch (StatsException e) {
      throw DomainException.invalid("power.mde", e.getMessage());
    }
    long n = (long) Math.ceil(perVariant);
    long total = n * in.variants();
    Optional<Long> days = Optional.empty();
    if (!in.dailyUnits().isBlank()) {
      double daily = number("power.dailyUnits", in.dailyUnits(), Double.NaN);
      if (!(daily > 0)) {
        throw DomainException.invalid("power.dailyUnits", "must be a positive number of units a day, was '"
            + in.dailyUnits() + "'");
      }
      // Only the experiment's coverage of the traffic enters it.
      days = Optional.of((long) Math.ceil(total / (daily * Math.max(in.coverage(), 1e-9))));
    }
    return new Power(in.kind().equals("mean") ? "mean" : "proportion", n, in.variants(), total, days, target, method);
  }

  private static double number(String field, String text, double missing) {
    if (text.isBlank()) {
      return missing;
    }
    try {
      return Double.parseDouble(text.strip());
    } catch (NumberFormatException e) {
      throw DomainException.invalid(field, "must be a number, was '" + text + "'");
    }
  }
}
