package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import dev.assay.server.ui.ExperimentPagesModel.Experiment;
import dev.assay.server.ui.ExperimentPagesModel.ListPage;
import dev.assay.server.ui.ExperimentPagesModel.MetricChoice;
import dev.assay.server.ui.ExperimentPagesModel.Power;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The experiments area: the list (status filter, search, pages), the creation wizard with its
 * power calculator, the experiment page and its lifecycle (start, pause, stop, conclude with a
 * decision and a write-up — a "ship" optionally rolled out gradually in the same write, ADR 0051
 * — archive). Every change goes through {@link ExperimentPagesDomain} to
 * the services the API calls; a domain error is shown next to the input it names; a stale
 * version is the foundation's "changed by someone else" page ({@link Pages}). The results page
 * is {@link ResultsPage}.
 */
public final class ExperimentPages implements UiRoutes.Area {
  static final int PAGE_SIZE = 50;
  private static final Set<String> WIZARD_INPUTS = wizardInputs();
  private static final Set<String> CONCLUDE_INPUTS = concludeInputs();
  private final UiContext ui;

  ExperimentPages(UiContext ui) {
    this.ui = ui;
  }

  /** {@code experiments/list.jte}. */
  public record ListView(Shell shell, ListPage page, List<String> statuses) {
    /** The list link for another page number, keeping the filter. */
    public String pageLink(int number) {
      return shell.link("/ui/experiments?status=" + Http.encode(page.status()) + "&q=" + Http.encode(page.search())
          + "&page=" + number);
    }
  }

  /** {@code experiments/new.jte}: the wizard, with what was typed, its errors and the calculator's answer. */
  public record WizardView(Shell shell, Form form, FormErrors errors, List<MetricChoice> metrics, List<String> layers,
      Optional<Power> power) {
    public List<Integer> variantRows() {
      return IntStream.range(0, ExperimentPagesDocuments.VARIANT_ROWS).boxed().toList();
    }

    public List<Integer> guardrailRows() {
      return IntStream.range(0, ExperimentPagesDocuments.GUARDRAIL_ROWS).boxed().toList();
    }

    public boolean secondary(String metric) {
      return form.all("metrics.secondary").contains(metric);
    }

    /** The planned units: the calculator's total when it just ran, else what was typed. */
    public String plannedUnits() {
      return power.map(p -> Long.toString(p.total())).orElse(form.get("plannedUnits"));
    }
  }

  /** {@code experiments/show.jte}. */
  public record ShowView(Shell shell, Experiment experiment, Form form, FormErrors errors, boolean hasResults,
      List<UiModel.HistoryEntry> history, java.util.Optional<SafetyModel.BreakerRow> breaker,
      List<ExperimentPagesModel.RolloutTarget> rolloutTargets, List<String> metricKeys) {}

  @Override
  public List<String> navIds() {
    return List.of("experiments");
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/experiments", Permission.READ, this::list);
    pages.get("/ui/experiments/new", Permission.WRITE_CONFIG, c -> wizard(c, 200, defaults(), FormErrors.NONE,
        Optional.empty()));
    pages.post("/ui/experiments", Permission.WRITE_CONFIG, this::create);
    pages.post("/ui/experiments/power", Permission.WRITE_CONFIG, this::power);
    new ResultsPage(ui).register(pages);
    new LineagePage(ui).register(pages);
    new SwitchbackPage(ui).register(pages);
    new BanditPage(ui).register(pages);
    pages.get("/ui/experiments/{key}", Permission.READ, c -> show(c, 200, Form.empty(), FormErrors.NONE));
    pages.post("/ui/experiments/{key}/conclude", Permission.WRITE_CONFIG, this::conclude);
    pages.post("/ui/experiments/{key}/versions/{n}/restore", Permission.WRITE_CONFIG, this::restore);
    pages.post("/ui/experiments/{key}/{action}", Permission.WRITE_CONFIG, this::transition);
  }

  private UiResponse list(UiCall c) {
    String status = c.query().get("status");
    if (!status.isEmpty() && !ExperimentPagesModel.STATUSES.contains(status)) {
      status = "";
    }
    int page = 1;
    try {
      page = c.query().get("page").isEmpty() ? 1 : Integer.parseInt(c.query().get("page"));
    } catch (NumberFormatException e) {
      page = 1;
    }
    ListPage p = ui.experiments().list(c.project(), status, c.query().get("q"), page, PAGE_SIZE);
    return UiResponse.ok(ui.views().render("experiments/list.jte",
        new ListView(c.shell("Experiments", "experiments"), p, ExperimentPagesModel.STATUSES)));
  }

  private UiResponse create(UiCall c) {
    Form f = c.form();
    Optional<Power> power = Optional.empty();
    if (f.has("_calc")) {
      try {
        power = Optional.of(ExperimentPagesPower.compute(powerInput(f)));
      } catch (DomainException e) {
        return wizard(c, 400, f, FormErrors.of(e, WIZARD_INPUTS), Optional.empty());
      }
      return wizard(c, 200, f, FormErrors.NONE, power);
    }
    try {
      Experiment created = ui.experiments().create(c.project(), f, c.actor());
      return UiResponse.redirect(c.link("/ui/experiments/" + Http.encode(created.key())),
          "Experiment " + created.key() + " created as a draft.");
    } catch (DomainException e) {
      return wizard(c, e.category() == DomainException.Category.CONFLICT ? 409 : 400, f,
          FormErrors.of(e, WIZARD_INPUTS), power);
    }
  }

  /* HTMX: the calculator's fieldset alone, with the planned units filled in. */
  private UiResponse power(UiCall c) {
    Form f = c.form();
    Optional<Power> power = Optional.empty();
    FormErrors errors = FormErrors.NONE;
    try {
      power = Optional.of(ExperimentPagesPower.compute(powerInput(f)));
    } catch (DomainException e) {
      errors = FormErrors.of(e, WIZARD_INPUTS);
    }
    WizardView view = wizardView(c, f, errors, power);
    return new UiResponse.Html(errors.any() ? 400 : 200, ui.views().render("experiments/power.jte", view));
  }

  static ExperimentPagesPower.Input powerInput(Form f) {
    int variants = (int) IntStream.range(0, ExperimentPagesDocuments.VARIANT_ROWS)
        .filter(i -> !f.get("variants[" + i + "].key").isEmpty()).count();
    double coverage = 1;
    try {
      coverage = f.get("coverage").isEmpty() ? 1 : Double.parseDouble(f.get("coverage"));
    } catch (NumberFormatException e) {
      throw DomainException.invalid("coverage", "must be a number, was '" + f.get("coverage") + "'");
    }
    return new ExperimentPagesPower.Input(f.get("power.kind"), f.get("power.baseline"), f.get("power.sd"),
        f.get("power.mde"), f.get("analysis.alpha"), f.get("power.power"), f.get("power.cupedRho"),
        f.get("power.dailyUnits"), Math.max(2, variants), coverage);
  }

  private UiResponse wizard(UiCall c, int status, Form form, FormErrors errors, Optional<Power> power) {
    return new UiResponse.Html(status, ui.views().render("experiments/new.jte", wizardView(c, form, errors, power)));
  }

  private WizardView wizardView(UiCall c, Form form, FormErrors errors, Optional<Power> power) {
    return new WizardView(c.shell("New experiment", "experiments"), form, errors, ui.experiments().metrics(c.project()),
        ui.experiments().layers(c.project()), power);
  }

  /* The wizard's first view: two variants of half each, the analysis defaults of the domain. */
  private static Form defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("type", "ab");
    d.put("hashAttribute", "id");
    d.put("coverage", "1");
    d.put("variants[0].key", "control");
    d.put("variants[0].weight", "0.5");
    d.put("variants[0].value", "false");
    d.put("variants[1].key", "treatment");
    d.put("variants[1].weight", "0.5");
    d.put("variants[1].value", "true");
    d.put("analysis.engine", "frequentist");
    d.put("analysis.alpha", "0.05");
    d.put("analysis.sequential", "true");
    d.put("analysis.cuped", "true");
    d.put("analysis.correction", "benjamini_hochberg");
    d.put("analysis.autoHalt", "true");
    d.put("power.kind", "proportion");
    d.put("power.power", "0.8");
    return Form.of(d);
  }

  private UiResponse show(UiCall c, int status, Form form, FormErrors errors) {
    Experiment e = ui.experiments().experiment(c.project(), c.path("key"));
    boolean results = !ui.experiments().snapshots(c.project(), e.key(), 1).isEmpty();
    boolean concluding = e.actions().contains("conclude");
    return new UiResponse.Html(status, ui.views().render("experiments/show.jte",
        new ShowView(c.shell(e.displayName(), "experiments"), e, form, errors, results,
            ui.domain().history(c.project(), Kind.EXPERIMENT, e.key(), 50),
            ui.safety().breaker(c.project(), dev.assay.server.safety.BreakerConfig.Target.EXPERIMENT, e.key()),
            concluding ? ui.experiments().rolloutTargets(c.project(), e.key()) : List.of(),
            concluding ? ui.experiments().metrics(c.project()).stream().map(MetricChoice::key).toList() : List.of())));
  }

  private UiResponse transition(UiCall c) {
    String action = c.path("action");
    ConfigService.Action a = switch (action) {
      case "start" -> ConfigService.Action.START;
      case "pause" -> ConfigService.Action.PAUSE;
      case "stop" -> ConfigService.Action.STOP;
      case "archive" -> ConfigService.Action.ARCHIVE;
      default -> throw DomainException.notFound("there is no action '" + action + "' for experiments");
    };
    Experiment e = ui.experiments().transition(c.project(), c.path("key"), a, version(c.form()), c.actor());
    return UiResponse.redirect(c.link("/ui/experiments/" + Http.encode(e.key())),
        "Experiment " + e.key() + " is now " + e.status() + ".");
  }

  /*
   * Restores an earlier version. One an approval policy refuses (a live experiment served in a
   * policed environment) shows the page again offering to open a change request with that
   * version's design and a title; the form then carries changeRequest and opens it (ADR 0049).
   */
  private UiResponse restore(UiCall c) {
    long n = UiHistory.number(c);
    Form f = c.form();
    String key = c.path("key");
    boolean newPhase = f.get("newPhase").equals("true");
    try {
      if (f.checked("changeRequest")) {
        String id = ui.safety().open(c.project(), "experiment", key, version(f),
            ui.domain().versionDocument(c.project(), Kind.EXPERIMENT, key, n), newPhase, f.raw("title").strip(),
            c.principal());
        return UiResponse.redirect(c.link("/ui/change-requests/" + id), "Change request opened: version " + n
            + " is restored once another person approves it.");
      }
      ui.domain().restoreVersion(c.project(), Kind.EXPERIMENT, key, n, version(f), newPhase, f.get("reason"),
          c.actor());
    } catch (DomainException e) {
      boolean held = e.code().equals("approval_required");
      if (!held && !(f.checked("changeRequest") && e.category() == DomainException.Category.INVALID)) {
        throw e;
      }
      Map<String, String> typed = new LinkedHashMap<>();
      for (String input : List.of("version", "reason", "newPhase", "title")) {
        typed.put(input, f.raw(input));
      }
      typed.put("restoreVersion", Long.toString(n));
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put("changeRequest", "Restoring version " + n + " needs approval" + (held ? " by the policy of "
          + e.details().stream().map(d -> d.field().replace("environments.", "")).toList() : "")
          + ". Open a change request with it: it is applied when another person approves it.");
      if (!held) {
        FormErrors refused = FormErrors.of(e, Set.of("title"));
        refused.byField().forEach(fields::put);
        refused.general().ifPresent(g -> fields.put("changeRequest", g));
      }
      FormErrors errors = new FormErrors(fields, Optional.empty());
      return show(c, FlagPages.status(e), Form.of(typed), errors);
    }
    return UiResponse.redirect(c.link("/ui/experiments/" + Http.encode(key)), "Experiment " + key + ": version " + n
        + " restored as a new version.");
  }

  /*
   * Concludes; with "ship" and "Roll out gradually" also starts the shipped variant's rollout in
   * the same write (ADR 0051). The option belongs to "ship": with another decision it is ignored
   * (the form hides it then). An approval policy on the rollout's environment refuses the whole
   * write: the form again, 409, saying so, the experiment still stopped.
   */
  private UiResponse conclude(UiCall c) {
    Form f = c.form();
    boolean rollout = f.checked("rollout") && f.get("decision.outcome").equals("ship");
    try {
      Experiment e = rollout ? ui.experiments().concludeAndRollOut(c.project(), c.path("key"), version(f), f, c.actor())
          : ui.experiments().conclude(c.project(), c.path("key"), version(f), f, c.actor());
      String rolled = rollout ? " The rollout of " + f.get("decision.variant") + " started at its first step." : "";
      return UiResponse.redirect(c.link("/ui/experiments/" + Http.encode(e.key())), "Experiment " + e.key()
          + " concluded: " + e.decision().map(d -> d.outcome() + (d.variant().isEmpty() ? "" : " " + d.variant()))
          .orElse("") + "." + rolled);
    } catch (DomainException e) {
      if (rollout && e.code().equals("approval_required")) {
        return show(c, 409, f, new FormErrors(Map.of("rollout", "Rolling out in this environment needs approval ("
            + e.details().stream().map(d -> d.field().replace("environments.", "") + ": " + d.message()).toList()
            + "): open a change request. Nothing was written, the experiment is still stopped: conclude without the"
            + " gradual rollout, then request approval to start it on the flag's page."), Optional.empty()));
      }
      if (e.code().equals("version_conflict") || e.category() != DomainException.Category.INVALID) {
        throw e;
      }
      return show(c, 400, f, FormErrors.of(e, CONCLUDE_INPUTS, Map.of("rollout.plan.rule", "rollout.rule")));
    }
  }

  private static long version(Form f) {
    try {
      return Long.parseLong(f.get("version"));
    } catch (NumberFormatException e) {
      throw DomainException.invalid("version", "is required: the version of the experiment the page showed");
    }
  }

  private static Set<String> concludeInputs() {
    Set<String> out = new java.util.HashSet<>(Set.of("decision", "decision.outcome", "decision.variant",
        "decision.audience", "decision.writeUp", "rollout", "rollout.rule"));
    for (String f : List.of("steps", "dwellSeconds", "minUnitsPerStep", "gates.errorRateMargin",
        "gates.latencyMarginMillis", "gates.srm")) {
      out.add("rollout.plan." + f);
    }
    for (int i = 0; i < SafetyModel.GUARDRAIL_ROWS; i++) {
      out.add("rollout.plan.gates.guardrails[" + i + "].metric");
      out.add("rollout.plan.gates.guardrails[" + i + "].margin");
    }
    return Set.copyOf(out);
  }

  private static Set<String> wizardInputs() {
    List<String> fixed = List.of("key", "name", "hypothesis", "owner", "type", "hashAttribute", "fallbackAttribute",
        "condition", "coverage", "variants", "layer", "range", "range.start", "range.end", "metrics",
        "metrics.primary", "metrics.secondary", "metrics.guardrails", "plannedUnits", "analysis.engine",
        "analysis.alpha", "analysis.correction", "power.baseline", "power.sd", "power.mde", "power.alpha",
        "power.power", "power.cupedRho", "power.dailyUnits");
    Set<String> out = new java.util.HashSet<>(fixed);
    for (int i = 0; i < ExperimentPagesDocuments.VARIANT_ROWS; i++) {
      for (String f : List.of("key", "name", "weight", "value")) {
        out.add("variants[" + i + "]." + f);
      }
    }
    for (int i = 0; i < ExperimentPagesDocuments.GUARDRAIL_ROWS; i++) {
      for (String f : List.of("metric", "direction", "threshold")) {
        out.add("metrics.guardrails[" + i + "]." + f);
      }
    }
    return Set.copyOf(out);
  }
}
