package dev.assay.server.safety;

import dev.assay.server.analysis.StepWindows;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.Direction;
import dev.assay.server.domain.model.Rollout;
import dev.assay.server.domain.model.RolloutStatus;
import dev.assay.stats.CupedStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The job that moves running rollouts (ADR 0031): every tick, on the one replica holding the
 * {@value #JOB} lease ({@link ConfigService#runOncePerInterval}), it measures each running
 * rollout's current step on the warehouse ({@link StepWindows}, the step's window only), judges
 * its gates ({@link RolloutGates}) and advances, rolls back or holds through {@link
 * Rollouts#transition} (a conditional write at the version read, so a person's action meanwhile
 * wins and this look is dropped). A hold stores the gates' verdicts when they changed. Never
 * overlaps itself; a failure of one rollout is logged and does not stop the others.
 */
public final class RolloutEvaluator implements AutoCloseable {
  static final String JOB = "rollout-evaluator";
  private static final Logger LOG = Logger.getLogger(RolloutEvaluator.class.getName());
  static final String ERROR_EVENT = "$error";
  static final String LATENCY_EVENT = "$latency_ms";
  private static final CupedStats EMPTY = new CupedStats(0, 0, 0, 0, 0, 0);

  private final ConfigService config;
  private final Rollouts rollouts;
  private final StepWindows windows;
  private final Clock clock;
  private final Duration tick;
  private final Timer looks;
  private volatile io.opentelemetry.api.trace.Tracer tracer = SafetySpans.NONE;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "assay-rollout-evaluator");
    t.setDaemon(true);
    return t;
  });

  /** Starts the evaluator thread, which looks every {@code tick}; each look is timed in {@code assay_rollout_looks}. */
  public RolloutEvaluator(ConfigService config, Rollouts rollouts, StepWindows windows, Clock clock, Duration tick,
      MeterRegistry meters) {
    this.looks = Timer.builder("assay.rollout.looks").description("Looks at a running rollout's step (measure,"
        + " judge, transition)").register(meters);
    this.config = config;
    this.rollouts = rollouts;
    this.windows = windows;
    this.clock = clock;
    this.tick = tick;
    long millis = Math.max(1, tick.toMillis());
    executor.scheduleWithFixedDelay(this::runOnce, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Records each round as a span {@code assay.rollout tick} and each rollout's look as its child
   * {@code assay.rollout look} (flag, environment, step, fraction, units, outcome; the transition it
   * makes is the look's child). Default: no spans. Returns this evaluator.
   */
  public RolloutEvaluator traced(io.opentelemetry.api.trace.Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  private void runOnce() {
    try {
      config.runOncePerInterval(JOB, tick, this::evaluateAll);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "rollout evaluation failed: " + e);
    }
  }

  /** One round over every running rollout of every project. */
  void evaluateAll() {
    SafetySpans.within(tracer.spanBuilder("assay.rollout tick").setNoParent().startSpan(), tick -> {
      long running = 0;
      for (String project : config.projectKeys()) {
        for (Rollouts.Entry e : rollouts.list(project)) {
          if (e.rollout().status() != RolloutStatus.RUNNING) {
            continue;
          }
          running++;
          try {
            looks.record(() -> look(e));
          } catch (RuntimeException x) {
            LOG.log(Level.WARNING, "rollout " + project + "/" + e.rollout().flag() + " not evaluated: " + x);
          }
        }
      }
      tick.setAttribute(SafetySpans.ROLLOUTS, running);
      return null;
    });
  }

  private void look(Rollouts.Entry e) {
    Rollout r = e.rollout();
    SafetySpans.within(tracer.spanBuilder("assay.rollout look").setAttribute(SafetySpans.PROJECT, e.project())
        .setAttribute(SafetySpans.FLAG, r.flag()).setAttribute(SafetySpans.ENVIRONMENT, r.environment())
        .setAttribute(SafetySpans.STEP, (long) r.step()).setAttribute(SafetySpans.FRACTION, r.fraction()).startSpan(),
        span -> {
          span.setAttribute(SafetySpans.OUTCOME, evaluate(e, span));
          return null;
        });
  }

  /* Measures, judges and transitions one rollout; returns what it decided. */
  private String evaluate(Rollouts.Entry e, io.opentelemetry.api.trace.Span span) {
    Rollout r = e.rollout();
    Instant now = clock.instant();
    Instant start = Instant.parse(r.stepStartedAt());
    List<StepWindows.Probe> probes = new ArrayList<>();
    List<Double> margins = new ArrayList<>();
    List<Boolean> higherIsBetter = new ArrayList<>();
    r.gates().errorRateMargin().ifPresent(m -> add(probes, margins, higherIsBetter,
        StepWindows.events("error_rate", ERROR_EVENT, StepWindows.Per.ANY), m, false));
    r.gates().latencyMarginMillis().ifPresent(m -> add(probes, margins, higherIsBetter,
        StepWindows.events("latency", LATENCY_EVENT, StepWindows.Per.SUM), m, false));
    for (Rollout.Guardrail g : r.gates().guardrails()) {
      StepWindows.Probe p = windows.metric(e.project(), g.metric());
      add(probes, margins, higherIsBetter, p, g.margin(), p.metric().orElseThrow().direction() == Direction.INCREASE);
    }
    long from = start.plusSeconds(r.settleSeconds()).toEpochMilli();
    StepWindows.Measured m = from >= now.toEpochMilli()
        ? new StepWindows.Measured(new long[2], 0, probes.stream().map(p -> List.of(EMPTY, EMPTY)).toList())
        : windows.measure(e.project(), r.trackingKey(), from, now.toEpochMilli(), probes);
    List<RolloutGates.Compared> compared = new ArrayList<>();
    for (int i = 0; i < probes.size(); i++) {
      List<CupedStats> arms = m.stats().get(i);
      compared.add(new RolloutGates.Compared(probes.get(i).name(), arms.get(0), arms.get(1), margins.get(i),
          higherIsBetter.get(i)));
    }
    span.setAttribute(SafetySpans.UNITS, m.units()[0] + m.units()[1]);
    long served = Duration.between(start, now).toSeconds();
    List<Rollout.GateResult> results = RolloutGates.judge(r, m.units(), served, compared);
    // A new step begins when its payload is written, not when this look began: exposures served
    // from the old payload while the step was being measured must not count in the new window.
    RolloutGates.Decision decision = RolloutGates.decide(results);
    switch (decision) {
      case ADVANCE -> rollouts.transition(e.project(), e, x -> Rollouts.advanced(x.looked(results), clock.instant().toString(),
          "every gate passed at " + r.fraction(), Rollouts.ACTOR), "advance", Rollouts.ACTOR);
      case ROLLBACK -> rollouts.transition(e.project(), e, x -> x.looked(results).moved(RolloutStatus.ROLLED_BACK,
          x.step() - 1, clock.instant().toString(), "rollback", failures(results), Rollouts.ACTOR), "rollback", Rollouts.ACTOR);
      case HOLD -> {
        if (!sameVerdicts(r.lastLook(), results)) {
          rollouts.transition(e.project(), e, x -> x.looked(results), "look", Rollouts.ACTOR);
        }
      }
    }
    return decision == RolloutGates.Decision.ADVANCE && r.step() + 1 >= r.steps().size() - 1 ? "complete"
        : decision.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static void add(List<StepWindows.Probe> probes, List<Double> margins, List<Boolean> higher,
      StepWindows.Probe p, double margin, boolean higherIsBetter) {
    probes.add(p);
    margins.add(margin);
    higher.add(higherIsBetter);
  }

  private static String failures(List<Rollout.GateResult> results) {
    return "gate failed: " + String.join("; ", results.stream().filter(g -> g.verdict().equals(RolloutGates.FAIL))
        .map(g -> g.gate() + " (" + g.detail() + ")").toList());
  }

  private static boolean sameVerdicts(List<Rollout.GateResult> a, List<Rollout.GateResult> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).gate().equals(b.get(i).gate()) || !a.get(i).verdict().equals(b.get(i).verdict())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
