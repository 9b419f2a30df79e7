package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;
import org.jspecify.annotations.Nullable;

/**
 * How an experiment's results are computed (defaults: frequentist, α = {@value #DEFAULT_ALPHA},
 * always-valid sequential intervals, CUPED, Benjamini–Hochberg over goal and secondary metrics,
 * and the guardrail monitor may halt it: {@code autoHalt}).
 */
public record Analysis(Engine engine, Double alpha, Boolean sequential, Boolean cuped, Correction correction,
    Boolean autoHalt) {
  /** The significance level of an experiment that sets none: the one place α's default is written. */
  public static final double DEFAULT_ALPHA = 0.05;
  /** All defaults. */
  public static final Analysis DEFAULTS = new Analysis(null, null, null, null, null, null);

  public Analysis(@Nullable Engine engine, @Nullable Double alpha, @Nullable Boolean sequential,
      @Nullable Boolean cuped, @Nullable Correction correction, @Nullable Boolean autoHalt) {
    this.engine = engine == null ? Engine.FREQUENTIST : engine;
    if (alpha != null && !(alpha > 0 && alpha <= 0.5)) {
      throw DomainException.invalid("alpha", "must be in (0, 0.5], e.g. 0.05, was " + alpha);
    }
    this.alpha = alpha == null ? DEFAULT_ALPHA : alpha;
    this.sequential = sequential == null || sequential;
    this.cuped = cuped == null || cuped;
    this.correction = correction == null ? Correction.BENJAMINI_HOCHBERG : correction;
    this.autoHalt = autoHalt == null || autoHalt;
  }
}
