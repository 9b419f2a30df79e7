package dev.assay.server.analysis;

import dev.assay.stats.SampleSize;
import java.util.ArrayList;
import java.util.List;

/**
 * Units per cell a full factorial design needs to detect a main effect or a two-way interaction of
 * a given size (docs/designs.md "Factorial tests"). Pure.
 *
 * <p>Derivation. With n units per cell and unit variance σ², a contrast Σ c_k ȳ_k has variance
 * σ²/n · Σ c_k². A main effect (see {@link FactorialEffects}) has 2M coefficients of ±1/M,
 * M = C/L_f, so Σ c² = 2/M and Var = 2σ²/(nM); a two-arm test with n₂ units per arm has 2σ²/n₂,
 * so the main effect needs n = n₂/M per cell: every cell contributes to every main effect (the
 * "hidden replication" of factorials, Montgomery §5.1). A two-way interaction has 4M' coefficients
 * of ±1/M', M' = C/(L_f L_g), so Σ c² = 4/M' and n = 2n₂/M' per cell. In a 2×2 (M = 2, M' = 1) a
 * main effect needs n₂/2 per cell and an interaction of the same size 2n₂: <b>four times</b> as
 * many. n₂ is the normal-approximation size of {@link SampleSize#means} (two-sided, 1:1), the one
 * {@code assay sample-size mean} prints. The Bonferroni figures plan at α/m over the m effects of
 * the family, a conservative bound for Holm's first step.
 */
public final class FactorialPower {
  private FactorialPower() {}

  /**
   * Units per cell for one effect.
   *
   * @param factors the factor indices (one for a main effect, two for an interaction)
   * @param perCell units per cell at α
   * @param perCellBonferroni units per cell at α/m, m the number of effects
   */
  public record Size(FactorialEffects.Kind kind, List<Integer> factors, long perCell, long perCellBonferroni) {
    public Size {
      factors = List.copyOf(factors);
    }
  }

  /** The number of main effects and two-way interactions of a design with these level counts. */
  public static int effects(List<Integer> levels) {
    int m = 0;
    for (int f = 0; f < levels.size(); f++) {
      m += levels.get(f) - 1;
      for (int g = f + 1; g < levels.size(); g++) {
        m += (levels.get(f) - 1) * (levels.get(g) - 1);
      }
    }
    return m;
  }

  /** Per main effect (each factor) then per two-way interaction (each pair), the units per cell. */
  public static List<Size> of(List<Integer> levels, double sigma, double delta, double alpha, double power) {
    int cells = levels.stream().reduce(1, (a, b) -> a * b);
    double two = SampleSize.means(sigma, delta, alpha, power, true, 1, 0).nA();
    double twoBonferroni = SampleSize.means(sigma, delta, alpha / effects(levels), power, true, 1, 0).nA();
    List<Size> out = new ArrayList<>();
    for (int f = 0; f < levels.size(); f++) {
      double m = (double) cells / levels.get(f);
      out.add(new Size(FactorialEffects.Kind.MAIN, List.of(f), ceil(two / m), ceil(twoBonferroni / m)));
    }
    for (int f = 0; f < levels.size(); f++) {
      for (int g = f + 1; g < levels.size(); g++) {
        double m = (double) cells / (levels.get(f) * levels.get(g));
        out.add(new Size(FactorialEffects.Kind.INTERACTION, List.of(f, g), ceil(2 * two / m),
            ceil(2 * twoBonferroni / m)));
      }
    }
    return out;
  }

  private static long ceil(double n) {
    return (long) Math.ceil(n - 1e-9);
  }
}
