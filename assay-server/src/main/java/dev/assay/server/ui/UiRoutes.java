package dev.assay.server.ui;

import java.util.List;

/**
 * The areas of the UI and their pages: one line per area. An area registers its own pages (its
 * class and its templates under {@code src/main/jte/<area>/}); a nav entry without an area here
 * shows a "coming" page.
 */
final class UiRoutes {
  /** An area of the UI: registers its pages. */
  interface Area {
    /** The ids of the {@link Nav} entries whose pages this area serves. */
    List<String> navIds();

    void register(Pages pages);
  }

  private UiRoutes() {}

  static List<Area> areas(UiContext ui) {
    return List.of(
        new ProjectPages(ui),
        new PrivacyPages(ui),
        new FlagPages(ui),
        new CataloguePages(ui),
        new AdminPages(ui),
        new EventsPage(ui),
        new CommentPages(ui),
        new ArchivePages(ui),
        new ExperimentPages(ui),
        new ChangeRequestPages(ui),
        new SafetyPages(ui),
        new PlatformAaPage(ui),
        new WarehousePage(ui));
  }
}
