package dev.assay.server.ui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.ui.CatalogueForms.Catalogue;
import java.util.List;

/**
 * The catalogue pages: metrics, segments, layers and holdouts. Each has a list with a creation
 * form, and a page per entry to edit it (based on the version it was read at, so a concurrent
 * change gives "changed by someone else") or delete it. A role without the write permission sees
 * the same pages without any form.
 */
public final class CataloguePages implements UiRoutes.Area {
  private final UiContext ui;

  CataloguePages(UiContext ui) {
    this.ui = ui;
  }

  /** One entry of a list. */
  public record Row(String key, String name, String summary, long version) {}

  /** The model of {@code catalogue/list.jte}: the entries, and the creation form (as typed, with errors). */
  public record ListView(Shell shell, Catalogue cat, List<Row> rows, Form form, FormErrors errors) {
    public boolean editable() {
      return shell.allows(cat.write());
    }
  }

  /** A metric row of a holdout's latest results: means per arm, the effect (general − held-out) and its CI. */
  public record ResultRow(String metric, String heldOut, String general, String effect, String ci, String pValue) {}

  /**
   * A holdout metric's cumulative impact over its refreshes, as JSON for {@code designs.js}:
   * {@code metric}, {@code t} (epoch ms), {@code effect}, {@code ciLower}, {@code ciUpper}.
   */
  public record HoldoutPlot(String metric, String json) {}

  /** The model of {@code catalogue/edit.jte}; {@code results} and {@code plots} only for a refreshed holdout. */
  public record EditView(Shell shell, Catalogue cat, String key, long version, Form form, FormErrors errors,
      List<ResultRow> results, List<HoldoutPlot> plots, int refreshes) {
    public boolean editable() {
      return shell.allows(cat.write());
    }
  }

  @Override
  public List<String> navIds() {
    return CatalogueForms.ALL.stream().map(Catalogue::navId).toList();
  }

  @Override
  public void register(Pages pages) {
    for (Catalogue cat : CatalogueForms.ALL) {
      pages.get(cat.path(), Permission.READ, c -> list(c, cat, 200, Form.empty(), FormErrors.NONE));
      pages.post(cat.path(), cat.write(), c -> {
        try {
          ObjectNode created = ui.admin().create(cat.kind(), c.project(), CatalogueForms.document(cat, c.form()),
              c.actor());
          String key = created.path("key").asText();
          return UiResponse.redirect(c.link(cat.path() + "/" + Http.encode(key)), cat.noun() + " " + key + " created.");
        } catch (DomainException e) {
          return list(c, cat, status(e), c.form(), FormErrors.of(e, cat.inputs()));
        }
      });
      pages.get(cat.path() + "/{key}", Permission.READ, c -> {
        ObjectNode doc = ui.admin().get(cat.kind(), c.project(), c.path("key"));
        return edit(c, cat, 200, doc.path("version").asLong(), CatalogueForms.form(cat, doc), FormErrors.NONE);
      });
      pages.post(cat.path() + "/{key}", cat.write(), c -> {
        long version = version(c.form());
        try {
          ObjectNode doc = CatalogueForms.document(cat, c.form());
          doc.put("key", c.path("key"));
          doc.put("version", version);
          ui.admin().update(cat.kind(), c.project(), c.path("key"), doc, c.actor());
          return UiResponse.redirect(c.link(cat.path() + "/" + Http.encode(c.path("key"))),
              cat.noun() + " " + c.path("key") + " saved.");
        } catch (DomainException e) {
          if (e.code().equals("version_conflict")) {
            throw e;
          }
          return edit(c, cat, status(e), version, c.form(), FormErrors.of(e, cat.inputs()));
        }
      });
      pages.post(cat.path() + "/{key}/delete", cat.write(), c -> {
        ui.admin().delete(cat.kind(), c.project(), c.path("key"), version(c.form()), c.actor());
        return UiResponse.redirect(c.link(cat.path()), cat.noun() + " " + c.path("key") + " deleted.");
      });
    }
  }

  /** The status the API gives for this failure (a form shown again with its errors). */
  static int status(DomainException e) {
    return switch (e.category()) {
      case INVALID -> 400;
      case UNPROCESSABLE -> 422;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case BUSY -> 429;
    };
  }

  private static long version(Form form) {
    try {
      return Long.parseLong(form.get("version"));
    } catch (NumberFormatException e) {
      throw DomainException.invalid("version", "the form must carry the version it was read at");
    }
  }

  private UiResponse list(UiCall c, Catalogue cat, int status, Form form, FormErrors errors) {
    List<Row> rows = ui.admin().list(cat.kind(), c.project()).stream()
        .map(d -> new Row(d.path("key").asText(), d.path("name").asText(), CatalogueForms.summary(cat, d),
            d.path("version").asLong()))
        .toList();
    ListView view = new ListView(c.shell(cat.title(), cat.navId()), cat, rows, form, errors);
    return new UiResponse.Html(status, ui.views().render("catalogue/list.jte", view));
  }

  private UiResponse edit(UiCall c, Catalogue cat, int status, long version, Form form, FormErrors errors) {
    var holdout = cat != CatalogueForms.HOLDOUTS ? java.util.Optional.<com.fasterxml.jackson.databind.JsonNode>empty()
        : ui.experiments().holdoutResults(c.project(), c.path("key"));
    List<ResultRow> results = holdout.map(CataloguePages::rows).orElse(List.of());
    List<HoldoutPlot> plots = holdout.map(CataloguePages::plots).orElse(List.of());
    EditView view = new EditView(c.shell(cat.noun() + " " + c.path("key"), cat.navId()), cat, c.path("key"), version,
        form, errors, results, plots, holdout.map(h -> h.path("refreshes").asInt()).orElse(0));
    return new UiResponse.Html(status, ui.views().render("catalogue/edit.jte", view));
  }

  private static List<ResultRow> rows(com.fasterxml.jackson.databind.JsonNode r) {
    List<ResultRow> out = new java.util.ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode m : r.path("metrics")) {
      out.add(new ResultRow(m.path("metric").asText(), arm(m.path("heldOut")), arm(m.path("general")),
          number(m.path("effect")), m.path("ciLower").isNumber() ? "[" + number(m.path("ciLower")) + ", "
          + number(m.path("ciUpper")) + "]" : m.path("note").asText(), number(m.path("pValue"))));
    }
    return out;
  }

  /* Per metric of the holdout's plot-ready series (HoldoutJson#holdoutView), one plot. */
  private static List<HoldoutPlot> plots(com.fasterxml.jackson.databind.JsonNode r) {
    List<HoldoutPlot> out = new java.util.ArrayList<>();
    com.fasterxml.jackson.databind.JsonNode series = r.path("series");
    series.path("metrics").properties().forEach(m -> {
      ObjectNode p = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      p.put("metric", m.getKey());
      p.set("t", series.path("t"));
      for (String f : List.of("effect", "ciLower", "ciUpper")) {
        p.set(f, m.getValue().path(f));
      }
      out.add(new HoldoutPlot(m.getKey(), p.toString()));
    });
    return out;
  }

  private static String arm(com.fasterxml.jackson.databind.JsonNode a) {
    return number(a.path("mean")) + " (" + a.path("units").asLong() + " units)";
  }

  private static String number(com.fasterxml.jackson.databind.JsonNode v) {
    return v.isNumber() ? String.format(java.util.Locale.ROOT, "%.4g", v.asDouble()) : "–";
  }
}
