package dev.assay.server.ui;

import dev.assay.server.auth.LoginThrottle;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.approvals.ChangeRequests;
import dev.assay.server.approvals.Policies;
import dev.assay.server.safety.CircuitBreakers;
import dev.assay.server.safety.Rollouts;
import dev.assay.server.auth.Logins;
import dev.assay.server.delivery.PayloadEvaluators;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.ConfigStore;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The web UI (ARCHITECTURE §2, §4; ADR 0017): server-rendered HTML pages under {@code /ui/},
 * reached from {@code /}, with their assets under {@code /ui/assets/}. It is an edge like the
 * management API and calls the same services; nothing else depends on it. Register it on the
 * routing before the API, whose fallback answers every path nobody claimed.
 */
public final class WebUi {
  private final UiContext ui;

  public WebUi(ConfigService config, PayloadEvaluators evaluators, ConfigStore store, Logins logins,
      LoginThrottle throttle, Clock clock, dev.assay.server.audit.AuditLog audit, dev.assay.server.auth.ApiKeys keys,
      dev.assay.server.events.EventStore events, dev.assay.server.events.DataContracts contracts,
      Optional<ExperimentRefresh> analysis, Safety safety,
      dev.assay.server.privacy.PrivacySettingsService privacy) {
    this.ui = new UiContext(logins, throttle, new UiDomain(config, evaluators, clock), new Views(),
        Assets.load(), new AdminDomain(config, store, audit, keys, events, contracts, clock),
        new ExperimentPagesDomain(config, analysis,
            new dev.assay.server.safety.ShipRollouts(config, safety.rollouts()), safety.policies()),
        new SafetyDomain(safety),
        new DesignDomain(config, analysis, safety.alerts()), privacy);
  }

  /**
   * The safety services the UI's approval, rollout and breaker pages call: the same instances the
   * API uses (the change requests' guard is installed once, on the config service), and the
   * alerts a platform A/A run raises when it finds the platform biased.
   */
  public record Safety(Policies policies, ChangeRequests changeRequests, Rollouts rollouts,
      CircuitBreakers breakers, dev.assay.server.alerts.Alerts alerts) {}

  /** Registers the UI's routes. */
  public void routing(HttpRouting.Builder routing) {
    routing.get("/", (req, res) -> Http.redirect(req, res, "/ui/flags"));
    routing.get("/ui", (req, res) -> Http.redirect(req, res, "/ui/flags"));
    routing.get("/ui/", (req, res) -> Http.redirect(req, res, "/ui/flags"));
    routing.get(Assets.PREFIX + "{file}", (req, res) -> {
      Optional<Assets.Asset> asset = ui.assets().byUrl(req.path().path());
      if (asset.isEmpty()) {
        ui.errorPage(res, 404, "Not found", "There is no such asset.", Optional.empty());
        return;
      }
      Http.securityHeaders(res);
      res.status(Status.OK_200);
      res.header(HeaderNames.CACHE_CONTROL, "public, max-age=31536000, immutable");
      res.header(HeaderNames.CONTENT_TYPE, asset.get().contentType());
      res.send(asset.get().bytes());
    });
    new SignInPages(ui).routing(routing);
    Pages pages = new Pages(routing, ui);
    Set<String> built = new HashSet<>();
    for (UiRoutes.Area area : UiRoutes.areas(ui)) {
      area.register(pages);
      built.addAll(area.navIds());
    }
    new ComingPages(ui, built).register(pages);
    routing.any("/ui/*", (req, res) ->
        ui.errorPage(res, 404, "Not found", "There is no page " + req.path().path() + ".", Optional.of("/ui/")));
  }
}
