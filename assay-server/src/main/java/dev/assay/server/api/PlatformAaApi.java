package dev.assay.server.api;

import dev.assay.server.alerts.Alerts;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.PlatformAa;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.safety.PlatformAaWatch;
import java.util.List;
import java.util.Optional;

/**
 * {@code /platform/aa}: the platform A/A check (ADR 0048): the control units of running
 * experiments split in two by a random salt, tested against each other, and the p-values' pooled
 * false-positive rate and uniformity.
 */
final class PlatformAaApi implements Resource {
  private final Optional<ExperimentRefresh> analysis;
  private final Alerts alerts;

  PlatformAaApi(Optional<ExperimentRefresh> analysis, Alerts alerts) {
    this.analysis = analysis;
    this.alerts = alerts;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/platform/aa", Permission.READ,
            "The platform A/A verdict: ok, biased or insufficient, the false-positive rate and uniformity tests of"
                + " the pooled p-values, their histogram, the runs, and overTime: per run (oldest first) its"
                + " false-positive rate and, pooled up to it, the rate and the Kolmogorov–Smirnov p-value",
            c -> Reply.ok(aa().results(c.project()))).withQuery("project"),
        Endpoint.action("/platform/aa/runs", Permission.WRITE_METRICS,
            "Run the platform A/A check now on the project's running experiments; answers the new verdict"
                + " with the run", c -> {
              c.noFields("a platform A/A run (it has no options)");
              return Reply.ok(PlatformAaWatch.check(aa(), alerts, c.project()));
            }).withQuery("project"));
  }

  private PlatformAa aa() {
    return analysis.orElseThrow(() -> DomainException.conflict("no_warehouse",
        "no analysis warehouse is configured: start the server with --warehouse-url", List.of())).platformAa();
  }
}
