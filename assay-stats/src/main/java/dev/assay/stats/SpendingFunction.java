package dev.assay.stats;

import java.util.Locale;

/**
 * An α-spending function α(t) for group sequential designs: the cumulative type I error that may
 * be spent by information fraction t ∈ [0, 1], with α(0) = 0 and α(1) = α (Lan &amp; DeMets 1983).
 */
public sealed interface SpendingFunction {

  /** The cumulative α spent by information fraction {@code t} (clamped to [0, 1]). */
  double spent(double alpha, double t);

  /** The name used in reference vectors and settings, e.g. {@code ld_obf} or {@code power_2}. */
  String id();

  /**
   * Lan–DeMets O'Brien–Fleming type, α(t) = 2 − 2Φ(z_{1−α/2}/√t): spends almost nothing early
   * (gsDesign {@code sfLDOF}).
   */
  static SpendingFunction obrienFleming() {
    return new LanDeMetsObrienFleming();
  }

  /** Lan–DeMets Pocock type, α(t) = α·ln(1 + (e − 1)t) (gsDesign {@code sfLDPocock}). */
  static SpendingFunction pocock() {
    return new LanDeMetsPocock();
  }

  /**
   * Kim–DeMets power family, α(t) = α·t^ρ (ρ = 1 is close to Pocock, ρ = 3 to O'Brien–Fleming;
   * Spotify Confidence uses ρ = 2).
   */
  static SpendingFunction powerFamily(double rho) {
    return new PowerFamily(rho);
  }

  /**
   * Parses {@code ld_obf}, {@code ld_pocock} or {@code power_<ρ>} (e.g. {@code power_2}).
   *
   * @throws StatsException naming the value if it is none of these
   */
  static SpendingFunction parse(String id) {
    String s = id.trim().toLowerCase(Locale.ROOT);
    if (s.equals("ld_obf") || s.equals("obf") || s.equals("obrien_fleming")) {
      return obrienFleming();
    }
    if (s.equals("ld_pocock") || s.equals("pocock")) {
      return pocock();
    }
    if (s.startsWith("power_")) {
      try {
        return powerFamily(Double.parseDouble(s.substring("power_".length())));
      } catch (NumberFormatException e) {
        throw new StatsException("spending '" + id + "': power family needs a number, e.g. power_2");
      }
    }
    throw new StatsException(
        "spending '" + id + "' is unknown; use ld_obf, ld_pocock or power_<rho> (e.g. power_2)");
  }

  /** See {@link SpendingFunction#obrienFleming()}. */
  record LanDeMetsObrienFleming() implements SpendingFunction {
    @Override
    public double spent(double alpha, double t) {
      double u = clamp(t);
      if (u == 0) {
        return 0;
      }
      return 2.0 * NormalTails.sf(NormalTails.upperQuantile(alpha / 2.0) / Math.sqrt(u));
    }

    @Override
    public String id() {
      return "ld_obf";
    }
  }

  /** See {@link SpendingFunction#pocock()}. */
  record LanDeMetsPocock() implements SpendingFunction {
    @Override
    public double spent(double alpha, double t) {
      return alpha * Math.log1p((Math.E - 1.0) * clamp(t));
    }

    @Override
    public String id() {
      return "ld_pocock";
    }
  }

  /**
   * See {@link SpendingFunction#powerFamily(double)}.
   *
   * @param rho the exponent ρ, positive
   */
  record PowerFamily(double rho) implements SpendingFunction {
    public PowerFamily {
      if (!(rho > 0) || !Double.isFinite(rho)) {
        throw new StatsException("power-family rho must be positive, got " + rho);
      }
    }

    @Override
    public double spent(double alpha, double t) {
      return alpha * Math.pow(clamp(t), rho);
    }

    @Override
    public String id() {
      return rho == Math.rint(rho) ? "power_" + (long) rho : "power_" + rho;
    }
  }

  private static double clamp(double t) {
    return Math.max(0.0, Math.min(1.0, t));
  }
}
