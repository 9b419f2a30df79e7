package dev.assay.server.ascode;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.DomainException.Detail;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Range;
import dev.assay.stats.MixtureTuning;
import dev.assay.stats.SampleSize;
import dev.assay.stats.StatsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Checks configuration files without a server ({@code assay lint}): syntax, schema and the
 * records' rules (variant allocations sum to 100%, ...), references between the files (lint
 * cannot see a server, so a resource defined only there is reported), overlapping layer ranges,
 * experiments without guardrails, and power.
 *
 * <p>Power, for an experiment whose file states {@code metrics.baseline_rate} (the primary
 * metric's current rate, a proportion) and {@code duration.minimum_detectable_effect} (relative):
 * the units per variant a two-sided two-proportion z-test needs at the experiment's α and 80%
 * power (unpooled variance: Chow, Shao and Wang, <i>Sample Size Calculations in Clinical
 * Research</i>, §4.2), whether {@code target_sample_size_per_variant} reaches it, whether that
 * size is reachable within {@code minimum_runtime_days} at {@code duration.expected_daily_traffic}
 * (or the caller's daily traffic), and — for a sequential experiment, the default — the units the
 * always-valid mSPRT needs with τ² tuned to the target (a look at the target rejects when
 * |Δ̂| exceeds the half-width h·√V, so 80% power needs δ/√V ≥ h + z_β; shared statistics.md §4.1).
 * Thread-safe (stateless).
 */
public final class Lint {
  /** How bad a finding is: errors fail the lint (exit 1), warnings and notes do not. */
  public enum Level {
    ERROR, WARNING, NOTE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One finding: where ({@code file:path}), how bad, and what. */
  public record Finding(Level level, String where, String message) {
    /** The {@code file:path: level: message} line. */
    public String line() {
      return where + (where.endsWith(":") ? " " : ": ") + level.wire() + ": " + message;
    }
  }

  static final double POWER = 0.8;

  private Lint() {}

  /**
   * Lints the files.
   *
   * @param dailyTraffic units a day entering each experiment, for those whose file states none
   */
  public static List<Finding> run(List<AsCodeFile> files, OptionalDouble dailyTraffic) {
    List<Detail> problems = new ArrayList<>();
    Submission s = Submission.read(files, problems);
    s.checkReferences(s::defines, "in these files (lint does not see the server: if it exists there, 'assay plan'"
        + " checks it)", problems);
    s.checkUnits(key -> Optional.empty(), problems);
    List<Finding> out = new ArrayList<>();
    problems.forEach(p -> out.add(new Finding(Level.ERROR, p.field(), p.message())));
    List<Submission.Resource> experiments = s.resources().stream().filter(r -> r.record() instanceof Experiment).toList();
    for (int i = 0; i < experiments.size(); i++) {
      Submission.Resource r = experiments.get(i);
      Experiment e = (Experiment) r.record();
      if (e.metrics().guardrails().isEmpty()) {
        out.add(new Finding(Level.WARNING, r.document().where() + "metrics.guardrails", "experiment '" + e.key()
            + "' has no guardrail metrics: nothing halts it if it harms users"));
      }
      for (int j = i + 1; j < experiments.size(); j++) {
        overlap(r, experiments.get(j), out);
      }
      power(r, e, dailyTraffic, out);
    }
    return out;
  }

  private static void overlap(Submission.Resource a, Submission.Resource b, List<Finding> out) {
    Experiment x = (Experiment) a.record();
    Experiment y = (Experiment) b.record();
    if (x.layer().isEmpty() || !x.layer().equals(y.layer()) || x.range().isEmpty() || y.range().isEmpty()) {
      return;
    }
    Range p = x.range().get();
    Range q = y.range().get();
    if (p.overlaps(q)) {
      out.add(new Finding(Level.WARNING, b.document().where() + "range", "range [" + q.start() + ", " + q.end()
          + ") overlaps experiment '" + x.key() + "' [" + p.start() + ", " + p.end() + ") in layer '"
          + x.layer().get() + "': they cannot run at the same time"));
    }
  }

  private static void power(Submission.Resource r, Experiment e, OptionalDouble dailyTraffic, List<Finding> out) {
    JsonNode body = r.document().body();
    JsonNode duration = body.path("duration");
    OptionalDouble baseline = number(body.path("metrics").path("baseline_rate"));
    String where = r.document().where();
    Optional<Double> mde = mde(duration.path("minimum_detectable_effect"), where, out);
    e.targetSampleSizePerVariant().ifPresent(n -> reachable(r, e, n, dailyTraffic, out));
    if (baseline.isEmpty() || mde.isEmpty()) {
      if (e.targetSampleSizePerVariant().isPresent()) {
        out.add(new Finding(Level.NOTE, where + "duration", "power not checked: state metrics.baseline_rate and"
            + " duration.minimum_detectable_effect to check that target_sample_size_per_variant detects the effect"));
      }
      return;
    }
    double pA = baseline.getAsDouble();
    double pB = pA * (1 + mde.get());
    if (!(pB > 0 && pB < 1)) {
      out.add(new Finding(Level.ERROR, where + "duration.minimum_detectable_effect", "a " + percent(mde.get())
          + " lift on a baseline of " + pA + " is outside (0, 1)"));
      return;
    }
    double alpha = e.analysis().alpha();
    Power p;
    try {
      p = Power.of(pA, pB, alpha);
    } catch (StatsException ex) {
      out.add(new Finding(Level.ERROR, where + "duration.minimum_detectable_effect", String.valueOf(ex.getMessage())));
      return;
    }
    String effect = percent(mde.get()) + " relative lift on a baseline rate of " + pA + " (α = " + alpha + ", power "
        + percent(POWER) + ")";
    Optional<Long> target = e.targetSampleSizePerVariant();
    if (target.isEmpty()) {
      out.add(new Finding(Level.NOTE, where + "duration", "detecting a " + effect + " needs " + p.fixed()
          + " units per variant (fixed horizon), " + p.sequential() + " with the always-valid sequential test"));
      return;
    }
    String at = where + "duration.target_sample_size_per_variant";
    long n = target.get();
    if (n < p.fixed()) {
      out.add(new Finding(Level.WARNING, at, n + " units per variant cannot detect a " + effect + ": that needs "
          + p.fixed() + " per variant"));
    } else {
      out.add(new Finding(Level.NOTE, at, n + " units per variant can detect a " + effect + " (needs " + p.fixed()
          + ")"));
    }
    if (e.analysis().sequential() && n < p.sequential()) {
      out.add(new Finding(Level.WARNING, at, n + " units per variant is below the " + p.sequential() + " that the"
          + " default always-valid sequential test needs for the same effect and power"));
    }
  }

  private static void reachable(Submission.Resource r, Experiment e, long n, OptionalDouble dailyTraffic,
      List<Finding> out) {
    OptionalDouble stated = number(r.document().body().path("duration").path("expected_daily_traffic"));
    OptionalDouble traffic = stated.isPresent() ? stated : dailyTraffic;
    if (traffic.isEmpty() || e.minimumRuntimeDays().isEmpty()) {
      return;
    }
    double perDay = traffic.getAsDouble() * e.coverage();
    double share = e.variants().stream().mapToDouble(v -> v.weight()).filter(w -> w > 0).min().orElse(0);
    int days = e.minimumRuntimeDays().get();
    double reached = perDay * share * days;
    String where = r.document().where() + "duration.minimum_runtime_days";
    if (reached < n) {
      long needed = (long) Math.ceil(n / (perDay * share));
      out.add(new Finding(Level.WARNING, where, "at " + fmt(traffic.getAsDouble()) + " units a day, " + days
          + " days give about " + (long) Math.floor(reached) + " units to the smallest variant, short of " + n
          + "; that takes " + needed + " days"));
    }
  }

  /** Units per variant for a two-sided test of p_a against p_b at 80% power: fixed horizon and mSPRT. */
  record Power(long fixed, long sequential) {
    static Power of(double pA, double pB, double alpha) {
      double n = SampleSize.proportions(pA, pB, alpha, POWER, true).unpooled();
      double v1 = pA * (1 - pA) + pB * (1 - pB);
      double d2 = (pB - pA) * (pB - pA);
      MixtureTuning unit = MixtureTuning.of(1.0, alpha);
      /* (z_α + z_β)² = n·δ²/v1, and z_α is the fixed half-width at unit variance. */
      double zb = Math.sqrt(n * d2 / v1) - unit.fixedHalfwidth();
      double h = unit.halfwidthOptimal();
      return new Power((long) Math.ceil(n), (long) Math.ceil((h + zb) * (h + zb) * v1 / d2));
    }
  }

  private static OptionalDouble number(JsonNode n) {
    return n.isNumber() ? OptionalDouble.of(n.asDouble()) : OptionalDouble.empty();
  }

  private static Optional<Double> mde(JsonNode n, String where, List<Finding> out) {
    if (n.isMissingNode() || n.isNull()) {
      return Optional.empty();
    }
    String field = where + "duration.minimum_detectable_effect";
    try {
      double v = FileFormat.allocation(n, "duration.minimum_detectable_effect");
      if (v > 0) {
        return Optional.of(v);
      }
      out.add(new Finding(Level.ERROR, field, "must be a positive relative lift such as '5%' or 0.05"));
    } catch (DomainException e) {
      out.add(new Finding(Level.ERROR, field, "must be a relative lift such as '5%' or a fraction such as 0.05, was "
          + n));
    }
    return Optional.empty();
  }

  private static String percent(double f) {
    return fmt(f * 100) + "%";
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
  }
}
