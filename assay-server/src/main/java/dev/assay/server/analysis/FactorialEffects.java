package dev.assay.server.analysis;

import dev.assay.server.domain.model.Correction;
import dev.assay.server.domain.model.Factor;
import dev.assay.server.domain.model.FactorialCells;
import dev.assay.stats.LinearContrast;
import dev.assay.stats.MultipleTesting;
import dev.assay.stats.SampleStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Main effects and two-way interactions of a full factorial design from its per-cell sufficient
 * statistics (docs/designs.md "Factorial tests", ADR 0040). Pure and thread-safe.
 *
 * <p>With L_f levels per factor and C = Π L_f equally weighted cells, write s_f(k) = +1 when cell
 * k has level i of factor f, −1 when it has the baseline (level 0), else 0. The <b>main effect</b>
 * of level i of f is the contrast Σ_k s_f(k)/M · ȳ_k with M = C/L_f: level i minus the baseline,
 * averaged with equal weight over every combination of the other factors' levels (Montgomery,
 * "Design and Analysis of Experiments", ch. 5–6, effects of a factorial as contrasts of cell
 * means). The <b>two-way interaction</b> of levels (i, j) of factors (f, g) is Σ_k s_f(k)s_g(k)/M'
 * · ȳ_k with M' = C/(L_f L_g): the difference of differences (ȳ_ij − ȳ_i0) − (ȳ_0j − ȳ_00),
 * averaged over the remaining factors; it is zero exactly when the effects of f and g add. Each
 * contrast gets a Welch–Satterthwaite t interval ({@link LinearContrast}); the family of all main
 * effects and interactions of one metric is adjusted by the experiment's correction (Holm or
 * Benjamini–Hochberg, {@link MultipleTesting}); an effect is significant when its adjusted p is
 * below α. Intervals are the unadjusted 1 − α ones.
 */
public final class FactorialEffects {
  private FactorialEffects() {}

  /** Main effect or two-way interaction. */
  public enum Kind {
    MAIN, INTERACTION
  }

  /**
   * One effect of one metric.
   *
   * @param factors the factor (main) or the two factors (interaction)
   * @param levels the level compared with the baseline, per factor in {@code factors}
   * @param pValueAdjusted the p-value adjusted over the metric's family of effects (NaN when undefined)
   */
  public record Effect(Kind kind, List<String> factors, List<String> levels, LinearContrast contrast,
      double pValueAdjusted, boolean significant) {
    public Effect {
      factors = List.copyOf(factors);
      levels = List.copyOf(levels);
    }
  }

  /** Every main effect, then every two-way interaction, with the family's adjusted p-values. */
  public static List<Effect> of(List<Factor> factors, List<SampleStats> cells, double alpha, Correction correction) {
    int c = FactorialCells.count(factors);
    if (cells.size() != c) {
      throw new IllegalArgumentException("expected " + c + " cells, got " + cells.size());
    }
    List<Kind> kinds = new ArrayList<>();
    List<List<String>> names = new ArrayList<>();
    List<List<String>> levels = new ArrayList<>();
    List<LinearContrast> contrasts = new ArrayList<>();
    for (int f = 0; f < factors.size(); f++) {
      Factor ff = factors.get(f);
      for (int i = 1; i < ff.levels().size(); i++) {
        double[] coef = new double[c];
        double m = (double) c / ff.levels().size();
        for (int k = 0; k < c; k++) {
          coef[k] = sign(factors, k, f, i) / m;
        }
        kinds.add(Kind.MAIN);
        names.add(List.of(ff.key()));
        levels.add(List.of(ff.levels().get(i)));
        contrasts.add(LinearContrast.of(coef, cells, alpha));
      }
    }
    for (int f = 0; f < factors.size(); f++) {
      for (int g = f + 1; g < factors.size(); g++) {
        Factor ff = factors.get(f);
        Factor fg = factors.get(g);
        double m = (double) c / (ff.levels().size() * fg.levels().size());
        for (int i = 1; i < ff.levels().size(); i++) {
          for (int j = 1; j < fg.levels().size(); j++) {
            double[] coef = new double[c];
            for (int k = 0; k < c; k++) {
              coef[k] = sign(factors, k, f, i) * sign(factors, k, g, j) / m;
            }
            kinds.add(Kind.INTERACTION);
            names.add(List.of(ff.key(), fg.key()));
            levels.add(List.of(ff.levels().get(i), fg.levels().get(j)));
            contrasts.add(LinearContrast.of(coef, cells, alpha));
          }
        }
      }
    }
    double[] adjusted = adjust(contrasts, correction);
    List<Effect> out = new ArrayList<>();
    for (int e = 0; e < contrasts.size(); e++) {
      out.add(new Effect(kinds.get(e), names.get(e), levels.get(e), contrasts.get(e), adjusted[e],
          adjusted[e] < alpha));
    }
    return out;
  }

  /* +1 at level i of factor f, −1 at its baseline, 0 at its other levels. */
  private static int sign(List<Factor> factors, int cell, int f, int i) {
    int l = FactorialCells.level(factors, cell, f);
    return l == i ? 1 : l == 0 ? -1 : 0;
  }

  /* The defined p-values adjusted together; an undefined one stays NaN and is not counted in the family. */
  private static double[] adjust(List<LinearContrast> contrasts, Correction correction) {
    List<Integer> defined = new ArrayList<>();
    for (int e = 0; e < contrasts.size(); e++) {
      if (!Double.isNaN(contrasts.get(e).pValue())) {
        defined.add(e);
      }
    }
    double[] p = defined.stream().mapToDouble(e -> contrasts.get(e).pValue()).toArray();
    double[] adj = MultipleTesting.adjust(MultipleTesting.Method.valueOf(correction.name()), p);
    double[] out = new double[contrasts.size()];
    java.util.Arrays.fill(out, Double.NaN);
    for (int d = 0; d < defined.size(); d++) {
      out[defined.get(d)] = adj[d];
    }
    return out;
  }
}
