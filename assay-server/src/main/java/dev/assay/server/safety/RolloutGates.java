package dev.assay.server.safety;

import dev.assay.server.domain.model.Rollout;
import dev.assay.stats.AlwaysValidLook;
import dev.assay.stats.CupedStats;
import dev.assay.stats.NonInferiority;
import dev.assay.stats.NormalMixtureSequence;
import dev.assay.stats.SequentialSampleRatioTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The gates of one look at a rollout step (ADR 0031), pure: from the step's window (units per arm,
 * per-unit statistics per compared quantity) and the time served, each gate's verdict and the
 * step's decision. {@code fail} anywhere rolls back; otherwise {@code lacks_data} anywhere holds;
 * otherwise the step advances.
 *
 * <p>A compared quantity (error rate, latency, a guardrail metric) is judged by always-valid
 * tests, so the evaluator may look at every tick without inflating α: it fails when the
 * normal-mixture confidence sequence for Δ = treatment − control lies wholly on the harmful side
 * of 0 (evidence of harm), passes when the one-sided always-valid non-inferiority test rejects
 * "harm ≥ margin" ({@link NonInferiority#alwaysValid}), and otherwise lacks data (inconclusive).
 * SRM is the sequential Dirichlet–multinomial test of the guardrail monitor, against the step's
 * weights [1 − p, p], at {@link GuardrailMonitor#SRM_THRESHOLD}.
 */
final class RolloutGates {
  static final String PASS = "pass";
  static final String LACKS_DATA = "lacks_data";
  static final String FAIL = "fail";

  private RolloutGates() {}

  /** What a look decided. */
  enum Decision { ADVANCE, HOLD, ROLLBACK }

  /** One compared quantity of a look: per-arm statistics, the margin, and which direction is good. */
  record Compared(String gate, CupedStats control, CupedStats treatment, double margin, boolean higherIsBetter) {}

  /** The decision of a set of verdicts. */
  static Decision decide(List<Rollout.GateResult> results) {
    if (results.stream().anyMatch(r -> r.verdict().equals(FAIL))) {
      return Decision.ROLLBACK;
    }
    return results.stream().anyMatch(r -> r.verdict().equals(LACKS_DATA)) ? Decision.HOLD : Decision.ADVANCE;
  }

  /**
   * Every gate's verdict for the current step.
   *
   * @param units units exposed to control and treatment in the step's window
   * @param servedSeconds how long the step has been served
   */
  static List<Rollout.GateResult> judge(Rollout r, long[] units, long servedSeconds, List<Compared> compared) {
    List<Rollout.GateResult> out = new ArrayList<>();
    out.add(servedSeconds >= r.dwellSeconds() ? result("dwell", PASS, servedSeconds + " s served")
        : result("dwell", LACKS_DATA, servedSeconds + " s of " + r.dwellSeconds() + " s served"));
    out.add(units[1] >= r.minUnitsPerStep() && units[0] >= 2 && units[1] >= 2
        ? result("sample", PASS, units[1] + " treatment units, " + units[0] + " control")
        : result("sample", LACKS_DATA, units[1] + " of " + r.minUnitsPerStep() + " treatment units, " + units[0]
            + " control"));
    if (r.gates().srm()) {
      out.add(srm(r.fraction(), units));
    }
    for (Compared c : compared) {
      out.add(compare(c, r.gates().alpha()));
    }
    return out;
  }

  static Rollout.GateResult srm(double p, long[] units) {
    if (units[0] + units[1] == 0 || p >= 1) {
      return result("srm", LACKS_DATA, "no exposures yet");
    }
    double pValue = SequentialSampleRatioTest.start(new double[] {1 - p, p},
        SequentialSampleRatioTest.DEFAULT_CONCENTRATION).next(units).pValue();
    String detail = String.format(Locale.ROOT, "sequential p = %.3g against [%s, %s]", pValue, 1 - p, p);
    return result("srm", pValue < GuardrailMonitor.SRM_THRESHOLD ? FAIL : PASS, detail);
  }

  static Rollout.GateResult compare(Compared c, double alpha) {
    CupedStats a = c.control();
    CupedStats b = c.treatment();
    if (a.n() < 2 || b.n() < 2) {
      return result(c.gate(), LACKS_DATA, "fewer than 2 units in an arm");
    }
    double meanA = a.sumY() / a.n();
    double meanB = b.sumY() / b.n();
    double diff = meanB - meanA;
    double variance = variance(a) / a.n() + variance(b) / b.n();
    String detail = String.format(Locale.ROOT, "control %.4g, treatment %.4g, margin %s", meanA, meanB, c.margin());
    if (!(variance > 0)) {
      // Both arms constant: the difference is exact.
      double harm = c.higherIsBetter() ? -diff : diff;
      return result(c.gate(), harm > 0 ? FAIL : PASS, detail + " (no variance)");
    }
    AlwaysValidLook look = NormalMixtureSequence.tunedTo(variance, alpha).look(diff, variance);
    boolean harmful = c.higherIsBetter() ? look.ciUpper() < 0 : look.ciLower() > 0;
    if (harmful) {
      return result(c.gate(), FAIL, detail + String.format(Locale.ROOT, "; always-valid CI [%.4g, %.4g] excludes 0",
          look.ciLower(), look.ciUpper()));
    }
    NonInferiority ni = NonInferiority.alwaysValid(diff, variance, variance, c.margin(), c.higherIsBetter(), alpha);
    return ni.nonInferior()
        ? result(c.gate(), PASS, detail + String.format(Locale.ROOT, "; non-inferior, bound %.4g", ni.bound()))
        : result(c.gate(), LACKS_DATA, detail + String.format(Locale.ROOT, "; inconclusive, bound %.4g", ni.bound()));
  }

  private static double variance(CupedStats s) {
    double mean = s.sumY() / s.n();
    return Math.max(0, (s.sumY2() - s.n() * mean * mean) / (s.n() - 1));
  }

  private static Rollout.GateResult result(String gate, String verdict, String detail) {
    return new Rollout.GateResult(gate, verdict, detail);
  }
}
