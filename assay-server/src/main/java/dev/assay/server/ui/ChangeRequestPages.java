package dev.assay.server.ui;

import dev.assay.server.approvals.ChangeRequest;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.ui.SafetyModel.ChangeDetail;
import dev.assay.server.ui.SafetyModel.ChangeRow;
import dev.assay.server.ui.SafetyModel.PolicyRow;
import java.util.List;
import java.util.Set;

/**
 * The approval pages (docs/ui.md "Changes", ADR 0032): the project's change requests (filtered
 * by status), a request's page with its diff against the target as it is now, its approvals and
 * rejections, and the forms to approve, reject or withdraw it with a comment; and the approval
 * policies per environment (admins edit them). The four-eyes rules are the service's: the
 * author's own approval, a role below the policy's or a request no longer open is refused, and
 * the page shows why next to the form.
 */
public final class ChangeRequestPages implements UiRoutes.Area {
  static final Set<String> ACTIONS = Set.of("approve", "reject", "withdraw");
  private static final Set<String> POLICY_INPUTS = Set.of("environment", "approvals", "role");
  private final UiContext ui;

  ChangeRequestPages(UiContext ui) {
    this.ui = ui;
  }

  /** {@code changes/list.jte}: {@code errors} is on the status filter. */
  public record ListView(Shell shell, List<ChangeRow> requests, String status, List<String> statuses,
      FormErrors errors) {}

  /** {@code changes/show.jte}: {@code formId} is the action last posted, with what was typed and its errors. */
  public record ShowView(Shell shell, ChangeDetail request, String formId, Form form, FormErrors errors) {
    public FormErrors errorsOf(String action) {
      return action.equals(formId) ? errors : FormErrors.NONE;
    }

    public String comment(String action) {
      return action.equals(formId) ? form.raw("comment") : "";
    }
  }

  /** {@code changes/policies.jte}. */
  public record PoliciesView(Shell shell, List<PolicyRow> policies, List<String> environments, Form form,
      FormErrors errors) {
    public List<String> roles() {
      return List.of("viewer", "analyst", "experimenter", "admin");
    }
  }

  @Override
  public List<String> navIds() {
    return List.of("changes");
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/change-requests", Permission.READ, this::list);
    pages.get("/ui/change-requests/{id}", Permission.READ, c -> show(c, 200, "", Form.empty(), FormErrors.NONE));
    pages.post("/ui/change-requests/{id}/{action}", Permission.WRITE_CONFIG, this::review);
    pages.get("/ui/approval-policies", Permission.READ, c -> policies(c, 200, Form.empty(), FormErrors.NONE));
    pages.post("/ui/approval-policies", Permission.ADMIN, this::setPolicy);
    pages.post("/ui/approval-policies/{env}/delete", Permission.ADMIN, c -> {
      ui.safety().deletePolicy(c.project(), c.path("env"), c.actor());
      return UiResponse.redirect(c.link("/ui/approval-policies"), "Approval policy of " + c.path("env") + " removed.");
    });
  }

  private UiResponse list(UiCall c) {
    String status = c.query().get("status");
    List<ChangeRow> rows;
    FormErrors errors = FormErrors.NONE;
    int code = 200;
    try {
      rows = ui.safety().changeRequests(c.project(), status);
    } catch (DomainException e) {
      if (e.category() != DomainException.Category.INVALID) {
        throw e;
      }
      errors = FormErrors.of(e, Set.of("status"));
      rows = ui.safety().changeRequests(c.project(), "");
      code = 400;
    }
    return new UiResponse.Html(code, ui.views().render("changes/list.jte",
        new ListView(c.shell("Change requests", "changes"), rows, status, ChangeRequest.STATUSES, errors)));
  }

  private UiResponse show(UiCall c, int status, String formId, Form form, FormErrors errors) {
    ChangeDetail d = ui.safety().changeRequest(c.project(), c.path("id"), c.principal());
    String title = "Change request " + (d.row().title().isEmpty() ? d.row().key() : d.row().title());
    return new UiResponse.Html(status, ui.views().render("changes/show.jte",
        new ShowView(c.shell(title, "changes"), d, formId, form, errors)));
  }

  private UiResponse review(UiCall c) {
    String action = c.path("action");
    if (!ACTIONS.contains(action)) {
      throw DomainException.notFound("a change request can be approved, rejected or withdrawn, not '" + action + "'");
    }
    try {
      String status = ui.safety().review(c.project(), c.path("id"), action, c.principal(),
          c.form().raw("comment").strip());
      return UiResponse.redirect(c.link("/ui/change-requests/" + c.path("id")), switch (action) {
        case "approve" -> status.equals("applied") ? "Approved: the change is applied."
            : status.equals("stale") ? "Approved, but the target changed meanwhile: the request is stale and"
                + " nothing was written." : "Approved: it needs more approvals.";
        case "reject" -> "Rejected: nothing was written.";
        default -> "Withdrawn.";
      });
    } catch (DomainException e) {
      if (e.category() == DomainException.Category.NOT_FOUND) {
        throw e;
      }
      return show(c, FlagPages.status(e), action, c.form(), FormErrors.of(e, Set.of("comment")));
    }
  }

  private UiResponse policies(UiCall c, int status, Form form, FormErrors errors) {
    List<String> envs = ui.domain().environments(c.project()).stream().map(UiModel.Environment::key).toList();
    return new UiResponse.Html(status, ui.views().render("changes/policies.jte",
        new PoliciesView(c.shell("Approval policies", "changes"), ui.safety().policies(c.project()), envs, form,
            errors)));
  }

  private UiResponse setPolicy(UiCall c) {
    Form f = c.form();
    try {
      ui.safety().setPolicy(c.project(), f.get("environment"), f.get("approvals"), f.get("role"), c.actor());
      return UiResponse.redirect(c.link("/ui/approval-policies"), "Approval policy of " + f.get("environment")
          + " saved.");
    } catch (DomainException e) {
      FormErrors errors = e.category() == DomainException.Category.NOT_FOUND
          ? FormErrors.field("environment", e.getMessage()) : FormErrors.of(e, POLICY_INPUTS);
      return policies(c, FlagPages.status(e), f, errors);
    }
  }
}
