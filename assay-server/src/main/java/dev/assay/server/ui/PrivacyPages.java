package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.privacy.PrivacySettings;
import java.util.List;

/**
 * The project's privacy settings page ({@code /ui/project/privacy}; docs/privacy.md, ADR 0044):
 * everyone who may read the project sees them, admins (the permission of {@code PUT
 * /api/v1/privacy}) get a form that saves through the same {@code PrivacySettingsService}: consent
 * policy, redaction rules per property, retention per event type, the small-cell k and the ε
 * budget. Clip bounds are shown and kept as they are (set them through the API). A bad value is a
 * 400 page with the domain's message next to the input that caused it; nothing is saved.
 */
public final class PrivacyPages implements UiRoutes.Area {
  /** The path of the page. */
  static final String PATH = "/ui/project/privacy";
  private final UiContext ui;

  PrivacyPages(UiContext ui) {
    this.ui = ui;
  }

  /** One row of a name → value table in the form: a redaction (rule, truncate length) or a retention (days). */
  public record Row(int index, String name, String value, String length) {}

  /**
   * The model of {@code project/privacy.jte}.
   *
   * @param stored the settings as saved (the read-only view shows these)
   * @param form the values in the form: the stored ones, or what the admin sent when it was refused
   */
  public record View(Shell shell, PrivacySettings stored, Form form, List<Row> redactions, List<Row> retention,
      FormErrors errors, List<String> consents, List<String> rules) {
    public boolean editable() {
      return shell.allows(Permission.ADMIN);
    }

    public String consent(PrivacySettings s) {
      return s.consent().name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Override
  public List<String> navIds() {
    return List.of();
  }

  @Override
  public void register(Pages pages) {
    pages.get(PATH, Permission.READ, c -> {
      PrivacySettings s = ui.privacy().get(c.project());
      return page(c, 200, s, PrivacyForm.of(s), FormErrors.NONE);
    });
    pages.post(PATH, Permission.ADMIN, this::save);
  }

  private UiResponse save(UiCall c) {
    PrivacySettings current = ui.privacy().get(c.project());
    PrivacyForm.Parsed parsed = PrivacyForm.parse(c.form());
    if (!parsed.errors().isEmpty()) {
      return page(c, 400, current, c.form(), new FormErrors(parsed.errors(), java.util.Optional.empty()));
    }
    try {
      PrivacySettings next = new PrivacySettings(parsed.consent(), parsed.redactions(), parsed.retention(),
          parsed.minCellUnits(), parsed.epsilonBudget(), current.clipBounds());
      ui.privacy().set(c.project(), next, c.actor());
      return UiResponse.redirect(c.link(PATH), "Privacy settings of " + c.project() + " saved.");
    } catch (DomainException e) {
      FormErrors errors = FormErrors.of(e, PrivacyForm.inputs(c.form()), parsed.inputOf());
      return page(c, CataloguePages.status(e), current, c.form(), errors);
    }
  }

  private UiResponse page(UiCall c, int status, PrivacySettings stored, Form form, FormErrors errors) {
    View view = new View(c.shell("Privacy · " + c.project(), "project"), stored, form,
        PrivacyForm.rows(form, PrivacyForm.REDACTION), PrivacyForm.rows(form, PrivacyForm.RETENTION), errors,
        PrivacyForm.CONSENTS, PrivacyForm.RULES);
    return new UiResponse.Html(status, ui.views().render("project/privacy.jte", view));
  }
}
