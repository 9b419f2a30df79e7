package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import java.util.List;

/**
 * The top navigation: every area of the UI, in order. An area whose pages are not built yet shows
 * a plain "coming" page at its path ({@link ComingPages}); building it means registering its pages
 * in {@link UiRoutes} and nothing here changes.
 */
public final class Nav {
  /** One entry: its label, its path, the nav id pages use to mark it current, and who sees it. */
  public record Item(String id, String label, String path, Permission shownTo) {
    Item(String id, String label, String path) {
      this(id, label, path, Permission.READ);
    }
  }

  static final List<Item> ITEMS = List.of(
      new Item("flags", "Flags", "/ui/flags"),
      new Item("experiments", "Experiments", "/ui/experiments"),
      new Item("archive", "Archive", "/ui/archive"),
      new Item("metrics", "Metrics", "/ui/metrics"),
      new Item("segments", "Segments", "/ui/segments"),
      new Item("layers", "Layers", "/ui/layers"),
      new Item("holdouts", "Holdouts", "/ui/holdouts"),
      new Item("events", "Events", "/ui/events"),
      new Item("audit", "Audit", "/ui/audit"),
      new Item("changes", "Changes", "/ui/change-requests"),
      new Item("users", "Users & keys", "/ui/users"),
      new Item("warehouse", "Warehouse", "/ui/warehouse", Permission.ADMIN),
      new Item("platform", "Platform A/A", "/ui/platform/aa", Permission.READ_AUDIT),
      new Item("project", "Project", "/ui/project"));

  private Nav() {}
}
