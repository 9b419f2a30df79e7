package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.CommentStore.Comment;
import dev.assay.server.store.Kind;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The comments block of a flag or an experiment: who wrote what and when, and a form to add one
 * (roles with the comment permission). A page includes it with
 * {@code @template.comments.include(shell = ..., kind = "flags", key = ...)}, which loads the block
 * from {@code /ui/comments/{kind}/{key}}; adding a comment answers HTMX with the block again and a
 * plain form post with a redirect back to the page it came from.
 */
public final class CommentPages implements UiRoutes.Area {
  private static final Map<String, Kind> KINDS = Map.of("flags", Kind.FLAG, "experiments", Kind.EXPERIMENT);
  private final UiContext ui;

  CommentPages(UiContext ui) {
    this.ui = ui;
  }

  /** The model of {@code comments/block.jte}: the comments, and the text typed when adding failed. */
  public record Block(Shell shell, String kind, String key, List<Comment> comments, String text,
      Optional<String> error, String back) {
    public String action() {
      return shell.link("/ui/comments/" + kind + "/" + key);
    }

    public boolean mayComment() {
      return shell.allows(Permission.COMMENT);
    }
  }

  @Override
  public List<String> navIds() {
    return List.of();
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/comments/{kind}/{key}", Permission.READ, c -> UiResponse.ok(
        ui.views().render("comments/block.jte", block(c, "", Optional.empty(), c.query().get("back")))));
    pages.post("/ui/comments/{kind}/{key}", Permission.COMMENT, c -> {
      String back = SignInPages.safeNext(c.form().get("back"));
      try {
        ui.admin().comment(kind(c), c.project(), c.path("key"), c.form().raw("text"), c.actor());
      } catch (DomainException e) {
        if (e.category() != DomainException.Category.INVALID) {
          throw e;
        }
        String message = e.details().isEmpty() ? e.getMessage() : e.details().get(0).message();
        return new UiResponse.Html(400, ui.views().render("comments/block.jte",
            block(c, c.form().raw("text"), Optional.of(message), back)));
      }
      return c.htmx() ? UiResponse.ok(ui.views().render("comments/block.jte", block(c, "", Optional.empty(), back)))
          : UiResponse.redirect(back, "Comment added.");
    });
  }

  /** The block of one entity for a page that renders it in place (no separate request). */
  Block block(UiCall c, String kind, String key) {
    return new Block(c.shell("", ""), kind, key, ui.admin().comments(KINDS.get(kind), c.project(), key), "",
        Optional.empty(), c.link(c.shell("", "").path()));
  }

  private Block block(UiCall c, String text, Optional<String> error, String back) {
    Kind kind = kind(c);
    return new Block(c.shell("", ""), c.path("kind"), c.path("key"), ui.admin().comments(kind, c.project(), c.path("key")),
        text, error, back.isEmpty() ? "/ui/" : back);
  }

  private static Kind kind(UiCall c) {
    Kind kind = KINDS.get(c.path("kind"));
    if (kind == null) {
      throw DomainException.notFound("there are comments on flags and experiments only, not on '" + c.path("kind") + "'");
    }
    return kind;
  }
}
