package dev.assay.server.ui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.PlatformAa;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentType;
import dev.assay.server.safety.PlatformAaWatch;
import java.util.List;
import java.util.Optional;

/**
 * The design pages' part of the UI's adapter to the domain (bandit history, platform A/A, the
 * warehouse check): the same services the API calls — {@code GET /experiments/{key}/bandit},
 * {@code GET /platform/aa}, {@code POST /platform/aa/runs} (a run that finds the platform biased
 * raises the same alert) and {@code GET /warehouse}.
 * Thread-safe.
 */
final class DesignDomain {
  private final ConfigService config;
  private final Optional<ExperimentRefresh> analysis;
  private final Alerts alerts;

  DesignDomain(ConfigService config, Optional<ExperimentRefresh> analysis, Alerts alerts) {
    this.config = config;
    this.analysis = analysis;
    this.alerts = alerts;
  }

  /** The typed bandit {@code key} (404 when it is another type). */
  Experiment bandit(String project, String key) {
    Experiment e = config.experiment(project, key).value();
    if (e.type() != ExperimentType.BANDIT) {
      throw DomainException.notFound("experiment '" + key + "' is not a bandit");
    }
    return e;
  }

  /** The pooled platform A/A verdict, as {@code GET /api/v1/platform/aa} answers it. */
  ObjectNode aaResults(String project) {
    return aa().results(project);
  }

  /** The newest platform A/A run of a project (its tests and what it skipped). */
  Optional<PlatformAa.AaRun> aaLatest(String project) {
    return aa().latest(project);
  }

  /** Runs the platform A/A check now, as {@code POST /api/v1/platform/aa/runs}. */
  ObjectNode runAa(String project) {
    return PlatformAaWatch.check(aa(), alerts, project);
  }

  /** The warehouse's sources checked, as {@code GET /api/v1/warehouse} answers; empty without a warehouse. */
  Optional<ObjectNode> warehouseCheck() {
    return analysis.map(ExperimentRefresh::checkSources);
  }

  boolean hasWarehouse() {
    return analysis.isPresent();
  }

  private PlatformAa aa() {
    return analysis.orElseThrow(() -> DomainException.conflict("no_warehouse",
        "no analysis warehouse is configured: start the server with --warehouse-url", List.of())).platformAa();
  }
}
