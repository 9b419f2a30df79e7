package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import java.util.List;
import java.util.Set;

/** A plain "coming" page at the path of every nav entry whose area is not built yet. */
final class ComingPages implements UiRoutes.Area {
  private final UiContext ui;
  private final Set<String> built;

  ComingPages(UiContext ui, Set<String> built) {
    this.ui = ui;
    this.built = Set.copyOf(built);
  }

  @Override
  public List<String> navIds() {
    return Nav.ITEMS.stream().map(Nav.Item::id).filter(id -> !built.contains(id)).toList();
  }

  @Override
  public void register(Pages pages) {
    for (Nav.Item item : Nav.ITEMS) {
      if (!built.contains(item.id())) {
        pages.get(item.path(), Permission.READ, c ->
            UiResponse.ok(ui.views().render("coming.jte", new CoreViews.Coming(c.shell(item.label(), item.id()), item.label()))));
      }
    }
  }
}
