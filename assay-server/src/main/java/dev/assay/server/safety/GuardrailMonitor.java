package dev.assay.server.safety;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.analysis.AnalysisSnapshot;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.SnapshotJson;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.Direction;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.ExperimentType;
import dev.assay.server.domain.model.Guardrail;
import dev.assay.server.domain.model.Halt;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Halts a running experiment automatically after a refresh (ARCHITECTURE §8) when
 *
 * <ul>
 *   <li>a guardrail regresses significantly: for some treatment variant the always-valid
 *       (running-intersection) interval of the effect lies entirely beyond the guardrail's
 *       threshold on the harmful side — for a higher-is-better metric, upper bound &lt;
 *       −threshold × |control mean| (threshold 0 when none is set). This is a sequential
 *       one-sided test at level α/2, valid however often the refresh looks; or
 *   <li>the sequential sample-ratio test (running minimum over refreshes) has p &lt; 0.001.
 * </ul>
 *
 * <p>Halting makes the experiment {@code stopped} with a {@code halted} record, so the SDK payload
 * serves control's value to every unit it targets ({@link ConfigService#halt}); it is audited under
 * the actor {@value #ACTOR}, counted in {@code assay_guardrail_halts_total{reason}}, and raised as
 * an {@link AlertType#EXPERIMENT_HALTED} alert: queued in the alert outbox for the project's
 * subscribed channels and the operator's {@code --webhook-url}, and delivered in the background, so
 * a slow or failing receiver never holds up the refresh. Experiments with {@code analysis.autoHalt: false}
 * are only reported, never halted. Guardrails are judged only on sequential results (the default)
 * once every variation has the metrics' minimum sample; quantile guardrails are not judged.
 */
public final class GuardrailMonitor implements ExperimentRefresh.Listener {
  /** The actor of the audit entries this monitor writes. */
  public static final String ACTOR = "guardrail-monitor";
  /** SRM p-values below this halt the experiment. */
  public static final double SRM_THRESHOLD = 0.001;

  private static final Logger LOG = Logger.getLogger(GuardrailMonitor.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConfigService config;
  private final Alerts alerts;
  private final Counter guardrailHalts;
  private final Counter srmHalts;
  private final io.opentelemetry.api.trace.Tracer tracer;

  /**
   * @param meters where the halt counters are registered
   * @param alerts where each halt is raised
   */
  public GuardrailMonitor(ConfigService config, MeterRegistry meters, Alerts alerts) {
    this(config, meters, alerts, io.opentelemetry.api.trace.TracerProvider.noop().get(""));
  }

  /** As above, recording a span {@code assay.guardrail check} per look (ADR 0041), with its outcome. */
  public GuardrailMonitor(ConfigService config, MeterRegistry meters, Alerts alerts,
      io.opentelemetry.api.trace.Tracer tracer) {
    this.tracer = tracer;
    this.config = config;
    this.alerts = alerts;
    this.guardrailHalts = halts(meters, "guardrail");
    this.srmHalts = halts(meters, "srm");
  }

  private static Counter halts(MeterRegistry meters, String reason) {
    return Counter.builder("assay.guardrail.halts").tag("reason", reason)
        .description("Experiments halted automatically by the guardrail monitor").register(meters);
  }

  @Override
  public void refreshed(String project, Experiment experiment, AnalysisSnapshot snapshot, boolean latestPhase) {
    io.opentelemetry.api.trace.Span span = tracer.spanBuilder("assay.guardrail check")
        .setAttribute("assay.project", project).setAttribute("assay.experiment.key", experiment.key()).startSpan();
    try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
      look(project, experiment, snapshot, latestPhase);
    } catch (RuntimeException | Error e) {
      span.recordException(e);
      span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
      throw e;
    } finally {
      span.end();
    }
  }

  private void look(String project, Experiment experiment, AnalysisSnapshot snapshot, boolean latestPhase) {
    if (!latestPhase) {
      return;
    }
    String key = experiment.key();
    Experiment current = config.experiment(project, key).value();
    if (current.status() != ExperimentStatus.RUNNING) {
      return;
    }
    sampleReached(project, current, snapshot);
    if (!experiment.analysis().autoHalt()) {
      return;
    }
    List<Breach> breaches = guardrailBreaches(project, current, snapshot);
    AnalysisSnapshot.Health health = snapshot.health();
    double srmP = health.srmSequentialPValue();
    String kind;
    String reason;
    // A bandit's weights move by design, so its split is not judged against the phase's weights (ADR 0034).
    if (srmP < SRM_THRESHOLD && current.type() != ExperimentType.BANDIT) {
      kind = "srm";
      reason = String.format(Locale.ROOT, "sample ratio mismatch: sequential p = %.3g < %s (χ² p = %.3g)", srmP,
          SRM_THRESHOLD, health.srmPValue());
    } else if (!breaches.isEmpty()) {
      kind = "guardrail";
      List<String> parts = new ArrayList<>();
      for (Breach b : breaches) {
        parts.add(String.format(Locale.ROOT, "%s is worse in '%s' beyond the threshold of %s (effect %.4g,"
            + " always-valid %d%% interval [%.4g, %.4g])", b.metric(), b.variant(), percent(b.threshold()), b.effect(),
            Math.round(100 * (1 - snapshot.settings().alpha())), b.ciLower(), b.ciUpper()));
      }
      reason = "guardrail regression: " + String.join("; ", parts);
    } else {
      return;
    }
    var halted = config.halt(project, key, reason, ACTOR);
    if (halted.isEmpty()) {
      return;
    }
    (kind.equals("srm") ? srmHalts : guardrailHalts).increment();
    LOG.log(Level.WARNING, "halted experiment " + project + "/" + key + ": " + reason);
    String at = halted.get().value().halted().map(Halt::at).orElse("");
    notify(project, key, kind, reason, breaches, snapshot, at);
  }

  /** Raises {@link AlertType#EXPERIMENT_SAMPLE_REACHED} once per phase when the exposed units reach the plan. */
  private void sampleReached(String project, Experiment exp, AnalysisSnapshot snapshot) {
    if (exp.plannedUnits().isEmpty()) {
      return;
    }
    long planned = exp.plannedUnits().get();
    long units = snapshot.health().units().stream().mapToLong(AnalysisSnapshot.UnitCount::units).sum();
    if (units < planned) {
      return;
    }
    int phase = exp.phases().size();
    ObjectNode body = JSON.createObjectNode().put("experiment", exp.key()).put("phase", phase).put("units", units)
        .put("plannedUnits", planned).put("snapshotComputedAt", snapshot.computedAt().toString());
    alerts.emitOnce(project, AlertType.EXPERIMENT_SAMPLE_REACHED, "sample-reached/" + exp.key() + "/" + phase,
        "experiment '" + exp.key() + "' reached its planned sample: " + units + " of " + planned + " units", body);
  }

  private static String percent(double fraction) {
    return java.math.BigDecimal.valueOf(Math.round(fraction * 1e6) / 1e4).stripTrailingZeros().toPlainString() + "%";
  }

  /** A guardrail result whose always-valid interval lies wholly beyond the harm threshold. */
  private record Breach(String metric, String variant, Direction direction, double threshold, double controlMean,
      double effect, double ciLower, double ciUpper, double pValue) {
    ObjectNode json() {
      return JSON.createObjectNode().put("metric", metric).put("variant", variant).put("direction", direction.wire())
          .put("threshold", threshold).put("controlMean", controlMean).put("effect", effect).put("ciLower", ciLower)
          .put("ciUpper", ciUpper).put("pValue", pValue);
    }
  }

  /** The guardrail results whose always-valid interval lies wholly beyond the harm threshold. */
  private List<Breach> guardrailBreaches(String project, Experiment exp, AnalysisSnapshot snapshot) {
    List<Breach> out = new ArrayList<>();
    if (!snapshot.settings().sequential() || snapshot.health().tooSmall()) {
      return out;
    }
    Map<String, Guardrail> refs = exp.metrics().guardrailsByMetric();
    for (AnalysisSnapshot.Result r : snapshot.results()) {
      Guardrail ref = refs.get(r.metric());
      if (ref == null || r.looks() < 1 || r.ciLower().isEmpty() || r.ciUpper().isEmpty() || r.controlMean().isEmpty()) {
        continue;
      }
      Direction direction = ref.direction().orElseGet(() -> config.metric(project, ref.metric()).direction());
      double threshold = ref.margin();
      double controlMean = r.controlMean().getAsDouble();
      double lo = r.ciLower().getAsDouble();
      double hi = r.ciUpper().getAsDouble();
      if (harmful(direction == Direction.INCREASE, threshold, controlMean, lo, hi)) {
        out.add(new Breach(r.metric(), r.variant(), direction, threshold, controlMean, r.effect().orElse(Double.NaN),
            lo, hi, r.pValue().orElse(Double.NaN)));
      }
    }
    return out;
  }

  /**
   * The breach rule: the interval [{@code ciLower}, {@code ciUpper}] of the effect lies entirely
   * beyond the guardrail's tolerated degradation ({@code threshold} × |control mean|) on the
   * harmful side. The one owner of this rule; the results page shows a breach by it too.
   */
  public static boolean harmful(boolean higherIsBetter, double threshold, double controlMean, double ciLower,
      double ciUpper) {
    double margin = threshold * Math.abs(controlMean);
    return higherIsBetter ? ciUpper < -margin : ciLower > margin;
  }

  private void notify(String project, String key, String kind, String reason, List<Breach> breaches,
      AnalysisSnapshot snapshot, String haltedAt) {
    ObjectNode body = JSON.createObjectNode();
    body.put("event", "experiment.halted").put("project", project).put("experiment", key).put("kind", kind)
        .put("reason", reason).put("actor", ACTOR).put("at", haltedAt)
        .put("snapshotComputedAt", snapshot.computedAt().toString());
    ArrayNode b = body.putArray("guardrails");
    breaches.forEach(x -> b.add(x.json()));
    body.set("health", SnapshotJson.health(snapshot.health()));
    alerts.emit(project, AlertType.EXPERIMENT_HALTED, "experiment '" + key + "' halted: " + reason, body);
  }
}
