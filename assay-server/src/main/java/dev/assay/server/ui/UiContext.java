package dev.assay.server.ui;

import dev.assay.server.auth.LoginThrottle;
import dev.assay.server.auth.Logins;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Optional;

/**
 * What every page area needs: sign-in, the domain adapter, templates and assets. Built once by
 * {@link WebUi}; immutable and thread-safe.
 */
record UiContext(Logins logins, LoginThrottle throttle, UiDomain domain, Views views, Assets assets,
    AdminDomain admin, ExperimentPagesDomain experiments, SafetyDomain safety, DesignDomain designs,
    dev.assay.server.privacy.PrivacySettingsService privacy) {

  /** The layout data of a page shown to someone not signed in (sign-in, errors). */
  Shell anonymousShell(String title) {
    return new Shell(title, "", "", Optional.empty(), "", List.of(), "", Optional.empty(), assets);
  }

  /** An error page; {@code link} is where to go next (reload, sign in). */
  void errorPage(ServerResponse res, int status, String heading, String message, Optional<String> link) {
    CoreViews.ErrorView view = new CoreViews.ErrorView(anonymousShell(heading), status, heading, message, link);
    Http.html(res, status, views.render("error.jte", view));
  }
}
