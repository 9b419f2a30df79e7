package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.ui.UiModel.Environment;
import dev.assay.server.ui.UiModel.SdkConnection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The project page: its environments and SDK connections; creating a connection and copying its
 * client key with a Java and a JavaScript snippet.
 */
public final class ProjectPages implements UiRoutes.Area {
  private static final Set<String> INPUTS = Set.of("environment", "name", "encrypt");
  private final UiContext ui;

  ProjectPages(UiContext ui) {
    this.ui = ui;
  }

  /** The model of {@code project/index.jte}; {@code selected} is the connection whose snippets are shown. */
  public record View(Shell shell, List<Environment> environments, List<SdkConnection> connections,
      Optional<SdkConnection> selected, String origin, Form form, FormErrors errors) {
    public String javaSnippet(SdkConnection c) {
      return "AssayClient assay = AssayClient.builder(\"" + origin + "\", \"" + c.clientKey() + "\")"
          + c.encryptionKey().map(k -> "\n    .decryptionKey(\"" + k + "\")").orElse("")
          + "\n    .build();\nboolean on = assay.features().isOn(\"my-flag\", Attributes.of(\"id\", userId));";
    }

    public String jsSnippet(SdkConnection c) {
      return "import { GrowthBook } from \"@growthbook/growthbook\";\n\nconst gb = new GrowthBook({\n  apiHost: \""
          + origin + "\",\n  clientKey: \"" + c.clientKey() + "\","
          + c.encryptionKey().map(k -> "\n  decryptionKey: \"" + k + "\",").orElse("")
          + "\n  attributes: { id: userId },\n});\nawait gb.init({ streaming: true });\nif (gb.isOn(\"my-flag\")) { /* ... */ }";
    }
  }

  @Override
  public List<String> navIds() {
    return List.of("project");
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/project", Permission.READ, c -> page(c, 200, c.query().get("connection"), Form.empty(), FormErrors.NONE));
    pages.post("/ui/project/sdk-connections", Permission.WRITE_CONFIG, c -> {
      Form f = c.form();
      try {
        SdkConnection created = ui.domain().createSdkConnection(c.project(), f.get("environment"), f.get("name"),
            f.checked("encrypt"), c.actor());
        return UiResponse.redirect(c.link("/ui/project") + "&connection=" + Http.encode(created.clientKey()),
            "SDK connection " + created.clientKey() + " created.");
      } catch (DomainException e) {
        return page(c, 400, "", f, FormErrors.of(e, INPUTS));
      }
    });
  }

  private UiResponse page(UiCall c, int status, String connection, Form form, FormErrors errors) {
    List<SdkConnection> connections = ui.domain().sdkConnections(c.project());
    Optional<SdkConnection> selected = connections.stream().filter(k -> k.clientKey().equals(connection)).findFirst()
        .or(() -> connections.stream().findFirst());
    View view = new View(c.shell("Project " + c.project(), "project"), ui.domain().environments(c.project()),
        connections, selected, c.origin(), form, errors);
    return new UiResponse.Html(status, ui.views().render("project/index.jte", view));
  }
}
