package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.safety.BreakerConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The forms of the rollout and breaker sections of the flag and experiment pages: pause,
 * resume, advance or roll back a flag's progressive rollout in an environment (with a reason),
 * start one (steps, dwell, least units, error-rate, latency, sample-ratio and guardrail gates),
 * and re-arm a circuit breaker. They call the services {@code api.RolloutsApi} and {@code
 * api.BreakersApi} call; a refused form shows the flag page again with the message next to its
 * input. Under an approval policy a start, advance or resume opens a rollout change request
 * instead (ADR 0049).
 */
final class SafetyPages implements UiRoutes.Area {
  private static final Set<String> START_INPUTS = startInputs();
  private final UiContext ui;
  private final FlagPages flags;

  SafetyPages(UiContext ui) {
    this.ui = ui;
    this.flags = new FlagPages(ui);
  }

  @Override
  public List<String> navIds() {
    return List.of();
  }

  @Override
  public void register(Pages pages) {
    pages.post("/ui/flags/{key}/rollout/{env}", Permission.WRITE_CONFIG, this::act);
    pages.post("/ui/flags/{key}/rollout/{env}/start", Permission.WRITE_CONFIG, this::start);
    for (BreakerConfig.Target target : BreakerConfig.Target.values()) {
      String area = "/ui/" + target.wire() + "s/";
      pages.post(area + "{key}/breaker/rearm", Permission.WRITE_CONFIG, c -> {
        ui.safety().rearm(c.project(), target, c.path("key"), c.actor());
        return UiResponse.redirect(c.link(area + c.path("key")) + "#breaker", "Breaker re-armed.");
      });
    }
  }

  /*
   * A hand action. Under an approval policy (the form then carries changeRequest) an advance or
   * resume opens a change request instead; pause and rollback are always made directly.
   */
  private UiResponse act(UiCall c) {
    String env = c.path("env");
    String action = c.form().get("action");
    try {
      if (action.isEmpty()) {
        throw DomainException.invalid("action", "is required: pause, resume, advance or rollback");
      }
      if (c.form().checked("changeRequest") && (action.equals("advance") || action.equals("resume"))) {
        String id = ui.safety().requestAction(c.project(), c.path("key"), env, action, c.form().raw("reason"),
            c.principal());
        return opened(c, id);
      }
      ui.safety().act(c.project(), c.path("key"), env, action, c.form().raw("reason"), c.actor());
    } catch (DomainException e) {
      if (e.code().equals("version_conflict") || e.category() == DomainException.Category.NOT_FOUND) {
        throw e;
      }
      return flags.flagPage(c, FlagPages.status(e), "rollout-" + env, c.form(), FormErrors.of(e, Set.of("reason")),
          Optional.empty());
    }
    return UiResponse.redirect(c.link("/ui/flags/" + c.path("key")) + "#rollout-" + env, "Rollout in " + env + ": "
        + switch (action) {
          case "pause" -> "paused.";
          case "resume" -> "resumed.";
          case "advance" -> "advanced to its next step.";
          default -> "rolled back one step.";
        });
  }

  private UiResponse start(UiCall c) {
    String env = c.path("env");
    Form f = c.form();
    SafetyDomain.RolloutInput in = SafetyDomain.RolloutInput.of(f, "", f.get("rule"));
    List<String> metrics = flags.metricKeys(c);
    try {
      if (f.checked("changeRequest")) {
        return opened(c, ui.safety().requestStart(c.project(), c.path("key"), env, in, metrics, f.raw("title"),
            c.principal()));
      }
      ui.safety().start(c.project(), c.path("key"), env, in, metrics, c.actor());
    } catch (DomainException e) {
      if (e.category() == DomainException.Category.NOT_FOUND) {
        throw e;
      }
      return flags.flagPage(c, FlagPages.status(e), "rollout-start-" + env, f, FormErrors.of(e, START_INPUTS),
          Optional.empty());
    }
    return UiResponse.redirect(c.link("/ui/flags/" + c.path("key")) + "#rollout-" + env, "Rollout in " + env
        + " started at its first step.");
  }

  private static UiResponse opened(UiCall c, String id) {
    return UiResponse.redirect(c.link("/ui/change-requests/" + id), "Change request opened: the rollout change is"
        + " made once another person approves it.");
  }

  private static Set<String> startInputs() {
    Set<String> out = new HashSet<>(Set.of("rule", "steps", "dwellSeconds", "minUnitsPerStep",
        "gates.errorRateMargin", "gates.latencyMarginMillis", "gates.srm", "title"));
    for (int i = 0; i < SafetyModel.GUARDRAIL_ROWS; i++) {
      out.add("gates.guardrails[" + i + "].metric");
      out.add("gates.guardrails[" + i + "].margin");
    }
    return Set.copyOf(out);
  }
}
