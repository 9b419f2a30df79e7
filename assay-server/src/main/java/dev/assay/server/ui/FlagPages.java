package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import dev.assay.server.ui.UiModel.Flag;
import dev.assay.server.ui.UiModel.FlagContext;
import dev.assay.server.ui.UiModel.FlagInput;
import dev.assay.server.ui.UiModel.FlagRow;
import dev.assay.server.ui.UiModel.Preview;
import dev.assay.server.ui.UiModel.RuleInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The flag pages: the list (search, tag, owner, lifecycle; stale and killed marks), creating a
 * flag, and a flag's page with its settings, per-environment rules (force, percentage rollout,
 * targeting condition, prerequisites), a preview of what a unit gets, the kill switch and its
 * history. Every change goes through {@link UiDomain} to the domain services the API uses.
 */
public final class FlagPages implements UiRoutes.Area {
  static final Set<String> SETTINGS = Set.of("key", "type", "defaultValue", "description", "owner", "tags", "lifecycle");
  /** Rules a form offers per environment beyond the stored ones (one empty "new rule"). */
  static final int NEW_RULES = 1;
  private final UiContext ui;

  FlagPages(UiContext ui) {
    this.ui = ui;
  }

  /** {@code flags/list.jte}. */
  public record ListView(Shell shell, List<FlagRow> flags, Form filter, List<String> tags, List<String> owners) {}

  /** {@code flags/new.jte}. */
  public record NewView(Shell shell, Form form, FormErrors errors) {}

  /**
   * {@code flags/flag.jte}: {@code form} and {@code errors} are those of the form last posted
   * ({@code formId} names which), so a rejected change shows what was typed with its messages.
   */
  public record FlagView(Shell shell, Flag flag, FlagContext context, String formId, Form form, FormErrors errors,
      Optional<Preview> preview, Form previewForm, SafetyModel.FlagSafety safety) {
    /** The posted value of an input of the posted form, else the stored value. */
    public String value(String form, String input, String stored) {
      return form.equals(formId) && this.form.has(input) ? this.form.get(input) : stored;
    }

    /** The settings form: as posted, else filled from the flag. */
    public Form settingsForm() {
      return formId.equals("settings") ? form : Form.of(java.util.Map.of("defaultValue", flag.defaultValue(),
          "owner", flag.owner(), "tags", String.join(", ", flag.tags()), "lifecycle", flag.lifecycle(),
          "description", flag.description()));
    }

    public FormErrors errorsOf(String formId) {
      return formId.equals(this.formId) ? errors : FormErrors.NONE;
    }

    /** The posted form when it is {@code formId}, else an empty one. */
    public Form formOf(String formId) {
      return formId.equals(this.formId) ? form : Form.empty();
    }

    /** The flag's rules in an environment (none when it has no entry yet). */
    public UiModel.FlagEnvironment environment(String env) {
      return flag.environments().stream().filter(e -> e.key().equals(env)).findFirst()
          .orElse(new UiModel.FlagEnvironment(env, true, List.of()));
    }

    public List<String> operators() {
      return FlagDocuments.OPERATORS;
    }

    public int newRules() {
      return NEW_RULES;
    }
  }

  @Override
  public List<String> navIds() {
    return List.of("flags");
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/flags", Permission.READ, this::list);
    pages.get("/ui/flags/new", Permission.WRITE_CONFIG, c -> newPage(c, 200, Form.empty(), FormErrors.NONE));
    pages.post("/ui/flags", Permission.WRITE_CONFIG, this::create);
    pages.get("/ui/flags/{key}", Permission.READ, c -> flagPage(c, 200, "", Form.empty(), FormErrors.NONE, Optional.empty()));
    pages.get("/ui/flags/{key}/preview", Permission.READ, this::preview);
    pages.post("/ui/flags/{key}/settings", Permission.WRITE_CONFIG, this::saveSettings);
    pages.post("/ui/flags/{key}/environments/{env}", Permission.WRITE_CONFIG, this::saveEnvironment);
    pages.post("/ui/flags/{key}/prerequisites", Permission.WRITE_CONFIG, this::savePrerequisites);
    pages.post("/ui/flags/{key}/kill", Permission.WRITE_CONFIG, c -> {
      ui.domain().kill(c.project(), c.path("key"), c.form().get("reason"), c.actor());
      return UiResponse.redirect(flagLink(c), "Flag " + c.path("key") + " killed: everyone gets its default value.");
    });
    pages.post("/ui/flags/{key}/versions/{n}/restore", Permission.WRITE_CONFIG, c -> {
      long n = UiHistory.number(c);
      ui.domain().restoreVersion(c.project(), Kind.FLAG, c.path("key"), n, version(c), false, c.form().get("reason"),
          c.actor());
      return UiResponse.redirect(flagLink(c), "Flag " + c.path("key") + ": version " + n + " restored as a new version.");
    });
    pages.post("/ui/flags/{key}/restore", Permission.WRITE_CONFIG, c -> {
      ui.domain().restore(c.project(), c.path("key"), c.actor());
      return UiResponse.redirect(flagLink(c), "Flag " + c.path("key") + " restored: its rules apply again.");
    });
  }

  private UiResponse list(UiCall c) {
    Form q = c.query();
    List<FlagRow> all = ui.domain().flags(c.project());
    String text = q.get("q").toLowerCase(Locale.ROOT);
    List<FlagRow> shown = all.stream()
        .filter(f -> text.isEmpty() || f.key().toLowerCase(Locale.ROOT).contains(text)
            || f.description().toLowerCase(Locale.ROOT).contains(text))
        .filter(f -> q.get("tag").isEmpty() || f.tags().contains(q.get("tag")))
        .filter(f -> q.get("owner").isEmpty() || f.owner().equals(q.get("owner")))
        .filter(f -> q.get("lifecycle").isEmpty() || f.lifecycle().equals(q.get("lifecycle"))
            || q.get("lifecycle").equals("stale") && f.stale())
        .toList();
    List<String> tags = all.stream().flatMap(f -> f.tags().stream()).distinct().sorted().toList();
    List<String> owners = all.stream().map(FlagRow::owner).filter(o -> !o.isEmpty()).distinct().sorted().toList();
    return UiResponse.ok(ui.views().render("flags/list.jte", new ListView(c.shell("Flags", "flags"), shown, q, tags, owners)));
  }

  private UiResponse newPage(UiCall c, int status, Form form, FormErrors errors) {
    return new UiResponse.Html(status, ui.views().render("flags/new.jte", new NewView(c.shell("New flag", "flags"), form, errors)));
  }

  private UiResponse create(UiCall c) {
    Form f = c.form();
    try {
      Flag flag = ui.domain().createFlag(c.project(), input(f), c.actor());
      return UiResponse.redirect(c.link("/ui/flags/" + flag.key()), "Flag " + flag.key() + " created.");
    } catch (DomainException e) {
      return newPage(c, status(e), f, FormErrors.of(e, SETTINGS));
    }
  }

  private static FlagInput input(Form f) {
    return new FlagInput(f.get("key"), f.get("type"), f.raw("defaultValue"), f.get("description"), f.get("owner"),
        f.get("tags"), f.get("lifecycle"));
  }

  private UiResponse saveSettings(UiCall c) {
    try {
      return saveOrPropose(c, ui.domain().settingsDocument(c.project(), c.path("key"), version(c), input(c.form())),
          flagLink(c), "Settings saved.");
    } catch (DomainException e) {
      if (e.code().equals("version_conflict")) {
        throw e;
      }
      return flagPage(c, status(e), "settings", c.form(), errors(e, SETTINGS), Optional.empty());
    }
  }

  private UiResponse saveEnvironment(UiCall c) {
    String env = c.path("env");
    Form f = c.form();
    String prefix = "environments." + env + ".rules[";
    List<RuleInput> rules = new ArrayList<>();
    Set<String> inputs = new HashSet<>();
    for (int i = 0; f.has(prefix + i + "].kind"); i++) {
      String at = prefix + i + "].";
      for (String name : List.of("kind", "value", "coverage", "hashAttribute", "condition", "operator", "experiment")) {
        inputs.add(at + name);
      }
      inputs.add(prefix + i + "]");
      boolean blankNew = f.get(at + "new").equals("true") && f.get(at + "value").isEmpty();
      if (f.checked(at + "remove") || blankNew) {
        continue;
      }
      String kind = f.get(at + "kind");
      rules.add(new RuleInput(kind, f.raw(at + "condition"), kind.equals("experiment") ? f.get(at + "experiment")
          : f.raw(at + "value"), f.get(at + "coverage"), f.get(at + "hashAttribute"), f.get(at + "attribute"),
          f.get(at + "operator"), f.raw(at + "operand"), f.get(at + "segment")));
    }
    try {
      return saveOrPropose(c, ui.domain().environmentDocument(c.project(), c.path("key"), version(c), env,
          f.checked("enabled"), rules), flagLink(c) + "#env-" + env, "Rules of " + env + " saved.");
    } catch (DomainException e) {
      if (e.code().equals("version_conflict")) {
        throw e;
      }
      return flagPage(c, status(e), "env-" + env, f, errors(e, inputs), Optional.empty());
    }
  }

  private UiResponse savePrerequisites(UiCall c) {
    Form f = c.form();
    List<UiModel.Prerequisite> list = new ArrayList<>();
    Set<String> inputs = new HashSet<>();
    for (int i = 0; f.has("prerequisites[" + i + "].flag"); i++) {
      String at = "prerequisites[" + i + "].";
      inputs.add(at + "flag");
      inputs.add(at + "value");
      if (!f.get(at + "flag").isEmpty() && !f.checked(at + "remove")) {
        list.add(new UiModel.Prerequisite(f.get(at + "flag"), f.raw(at + "value")));
      }
    }
    try {
      return saveOrPropose(c, ui.domain().prerequisitesDocument(c.project(), c.path("key"), version(c), list),
          flagLink(c) + "#prerequisites", "Prerequisites saved.");
    } catch (DomainException e) {
      if (e.code().equals("version_conflict")) {
        throw e;
      }
      return flagPage(c, status(e), "prerequisites", f, errors(e, inputs), Optional.empty());
    }
  }

  private UiResponse preview(UiCall c) {
    Form q = c.query();
    try {
      Preview p = ui.domain().preview(c.project(), c.path("key"), q.get("environment"), q.raw("attributes"));
      if (c.htmx()) {
        return UiResponse.ok(ui.views().render("flags/preview.jte", new PreviewView(Optional.of(p), FormErrors.NONE)));
      }
      return flagPage(c, 200, "", Form.empty(), FormErrors.NONE, Optional.of(p));
    } catch (DomainException e) {
      FormErrors errors = FormErrors.of(e, Set.of("environment", "attributes"));
      if (c.htmx()) {
        return UiResponse.ok(ui.views().render("flags/preview.jte", new PreviewView(Optional.empty(), errors)));
      }
      return flagPage(c, status(e), "preview", q, errors, Optional.empty());
    }
  }

  /** {@code flags/preview.jte}: the preview's result, or why there is none. */
  public record PreviewView(Optional<Preview> preview, FormErrors errors) {}

  /**
   * Writes the flag's new document; when the form asks for it ({@code changeRequest}, offered
   * after a save an approval policy refused), opens a change request with the document instead
   * and goes to its page.
   */
  private UiResponse saveOrPropose(UiCall c, com.fasterxml.jackson.databind.node.ObjectNode document, String done,
      String saved) {
    if (c.form().checked("changeRequest")) {
      String id = ui.safety().open(c.project(), "flag", c.path("key"), version(c), document, c.form().get("title"),
          c.principal());
      return UiResponse.redirect(c.link("/ui/change-requests/" + id), "Change request opened: it is applied once"
          + " approved.");
    }
    ui.domain().saveFlag(c.project(), c.path("key"), document, c.actor());
    return UiResponse.redirect(done, saved);
  }

  /*
   * A refused form's errors; a refusal by an approval policy also offers, at the form's
   * "changeRequest" button, to open a change request with what was typed.
   */
  static FormErrors errors(DomainException e, Set<String> inputs) {
    Set<String> all = new HashSet<>(inputs);
    all.add("title");
    FormErrors errors = FormErrors.of(e, all);
    if (!e.code().equals("approval_required")) {
      return errors;
    }
    java.util.Map<String, String> fields = new java.util.LinkedHashMap<>(errors.byField());
    fields.put("changeRequest", "This change needs approval. Open a change request with it: it is applied when"
        + " another person approves it.");
    return new FormErrors(fields, errors.general());
  }

  UiResponse flagPage(UiCall c, int status, String formId, Form form, FormErrors errors,
      Optional<Preview> preview) {
    String key = c.path("key");
    Flag flag = ui.domain().flag(c.project(), key);
    FlagContext context = new FlagContext(ui.domain().environments(c.project()), ui.domain().segments(c.project()),
        ui.domain().flags(c.project()).stream().map(FlagRow::key).filter(k -> !k.equals(key)).toList(),
        ui.domain().history(c.project(), Kind.FLAG, key, 50), ui.domain().connectionByEnvironment(c.project()));
    FlagView view = new FlagView(c.shell("Flag " + key, "flags"), flag, context, formId, form, errors, preview,
        formId.equals("preview") ? form : c.query(), ui.safety().flag(c.project(), key, metricKeys(c)));
    return new UiResponse.Html(status, ui.views().render("flags/flag.jte", view));
  }

  /** The project's metric keys (the guardrails a rollout can gate on). */
  List<String> metricKeys(UiCall c) {
    return ui.experiments().metrics(c.project()).stream().map(ExperimentPagesModel.MetricChoice::key).toList();
  }

  private static long version(UiCall c) {
    try {
      return Long.parseLong(c.form().get("version"));
    } catch (NumberFormatException e) {
      throw DomainException.invalid("version", "the form carries no version; reload the page");
    }
  }

  private static String flagLink(UiCall c) {
    return c.link("/ui/flags/" + c.path("key"));
  }

  static int status(DomainException e) {
    return switch (e.category()) {
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case UNPROCESSABLE -> 422;
      case BUSY -> 429;
      case INVALID -> 400;
    };
  }
}
