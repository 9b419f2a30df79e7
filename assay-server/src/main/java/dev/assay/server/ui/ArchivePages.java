package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.store.Kind;
import java.util.List;

/**
 * The archive: concluded and archived experiments with their decisions and write-ups, searchable
 * by key, name, hypothesis, outcome and write-up, so what was learned stays findable; each has a
 * record page with its comments.
 */
public final class ArchivePages implements UiRoutes.Area {
  private final UiContext ui;
  private final CommentPages comments;

  ArchivePages(UiContext ui) {
    this.ui = ui;
    this.comments = new CommentPages(ui);
  }

  /** One concluded experiment and its decision. */
  public record Entry(String key, String name, String hypothesis, String status, String outcome, String variant,
      String writeUp, String concludedAt) {
    static Entry of(JsonNode e) {
      JsonNode d = e.path("decision");
      return new Entry(e.path("key").asText(), e.path("name").asText(), e.path("hypothesis").asText(),
          e.path("status").asText(), d.path("outcome").asText(), d.path("variant").asText(""),
          d.path("writeUp").asText(""), e.path("updatedAt").asText());
    }
  }

  /** The model of {@code archive/index.jte}. */
  public record View(Shell shell, String query, List<Entry> entries) {}

  /** The model of {@code archive/record.jte}. */
  public record Record(Shell shell, Entry entry, CommentPages.Block comments) {}

  @Override
  public List<String> navIds() {
    return List.of("archive");
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/archive", Permission.READ, c -> {
      String q = c.query().get("q");
      List<Entry> entries = ui.admin().archive(c.project(), q).stream().map(Entry::of).toList();
      return UiResponse.ok(ui.views().render("archive/index.jte", new View(c.shell("Archive", "archive"), q, entries)));
    });
    pages.get("/ui/archive/{key}", Permission.READ, c -> {
      Entry entry = Entry.of(ui.admin().get(Kind.EXPERIMENT, c.project(), c.path("key")));
      Record view = new Record(c.shell("Experiment " + entry.key(), "archive"), entry,
          comments.block(c, "experiments", entry.key()));
      return UiResponse.ok(ui.views().render("archive/record.jte", view));
    });
  }
}
