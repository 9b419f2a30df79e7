package dev.assay.server.safety;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.analysis.PlatformAa;
import dev.assay.server.domain.ConfigService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the platform A/A check (ADR 0048) on schedule: every tick, on the one replica holding the
 * {@value #JOB} lease (ADR 0029), each project whose newest run is older than the interval (or
 * that has none) gets a run; when the pooled verdict is {@code biased}, a {@code platform.aa_biased}
 * alert is raised once per run. Whether a run is due is read from the stored runs, so a restart or
 * another replica taking the lease over does not run it twice.
 */
public final class PlatformAaWatch implements AutoCloseable {
  /** The lease name. */
  public static final String JOB = "platform-aa";
  /** How often each project is checked by default. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofHours(6);
  private static final Logger LOG = Logger.getLogger(PlatformAaWatch.class.getName());

  private final ConfigService config;
  private final PlatformAa aa;
  private final Alerts alerts;
  private final Clock clock;
  private final Duration interval;
  private final Duration tick;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "assay-platform-aa");
    t.setDaemon(true);
    return t;
  });

  public PlatformAaWatch(ConfigService config, PlatformAa aa, Alerts alerts, Clock clock, Duration interval,
      Duration tick) {
    this.config = config;
    this.aa = aa;
    this.alerts = alerts;
    this.clock = clock;
    this.interval = interval;
    this.tick = tick;
    executor.scheduleWithFixedDelay(this::runOnce, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  void runOnce() {
    try {
      config.runOncePerInterval(JOB, tick, this::checkAll);
    } catch (RuntimeException | Error e) {
      LOG.log(Level.WARNING, "platform A/A round failed: " + e.getMessage(), e);
    }
  }

  private void checkAll() {
    for (String project : config.projectKeys()) {
      try {
        if (due(project)) {
          check(aa, alerts, project);
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "platform A/A of project " + project + " failed: " + e.getMessage());
      }
    }
  }

  private boolean due(String project) {
    return aa.latest(project).map(r -> Instant.parse(r.at()).plus(interval).isBefore(clock.instant())).orElse(true);
  }

  /**
   * Runs the check on a project and alerts when the pooled verdict is biased (the schedule, and
   * {@code POST /platform/aa/runs}).
   *
   * @return the verdict ({@link PlatformAa#results}) with the new run under {@code run}
   */
  public static ObjectNode check(PlatformAa aa, Alerts alerts, String project) {
    PlatformAa.AaRun run = aa.run(project);
    PlatformAa.Verdict verdict = aa.verdict(project);
    if ("biased".equals(verdict.status())) {
      ObjectNode payload = verdict.json().deepCopy();
      payload.remove("series");
      payload.put("project", project).put("run", run.at());
      alerts.emitOnce(project, AlertType.PLATFORM_AA_BIASED, "platform-aa/" + run.at(),
          "platform A/A in project '" + project + "' looks biased: " + verdict.reason(), payload);
    }
    ObjectNode out = verdict.json().deepCopy();
    out.set("run", run.json());
    return out;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
