package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The warehouse check page ({@code /ui/warehouse}; docs/warehouses.md "Your own tables"): the
 * report of {@code GET /api/v1/warehouse}, with its permission (admins: sample rows are raw
 * warehouse data). Per source — exposures and metric events, Assay's tables or the customer's own
 * through {@code --warehouse-schema} — the table or query, each field of the analysis with the
 * column it is read from and that column's type, OK or the problems next to the field at fault
 * (named as in the mapping file, {@code columns.variationId}), and the sample rows. A source that
 * cannot be read shows the sandbox's message with its log reference, never the database's text.
 */
public final class WarehousePage implements UiRoutes.Area {
  /** The path of the page. */
  static final String PATH = "/ui/warehouse";
  /* The analysis's name of each role of the mapping, in the order the page lists them. */
  private static final Map<String, String> NAMES = new LinkedHashMap<>();

  static {
    NAMES.put("unitId", "Unit id");
    NAMES.put("timestamp", "Time");
    NAMES.put("experimentKey", "Experiment key");
    NAMES.put("variationId", "Variation index");
    NAMES.put("attributes", "Attributes (JSON)");
    NAMES.put("eventName", "Event name");
    NAMES.put("value", "Value");
    NAMES.put("properties", "Properties (JSON)");
    NAMES.put("project", "Project");
    NAMES.put("flag", "Flag");
  }

  private final UiContext ui;

  WarehousePage(UiContext ui) {
    this.ui = ui;
  }

  /**
   * The model of {@code admin/warehouse.jte}.
   *
   * @param report empty when the server has no analysis warehouse
   */
  public record View(Shell shell, Optional<Report> report) {}

  /** The check: the SQL dialect, the engine as its driver names it, whether both sources are usable. */
  public record Report(String dialect, String engine, boolean ok, List<Source> sources) {}

  /**
   * One source.
   *
   * @param kind "table" or "query"
   * @param failure why it could not be read at all (the sandbox's message, with a log reference)
   * @param other problems not of one field
   * @param columns the columns the source has, with their types
   */
  public record Source(String name, String kind, String definition, boolean ok, Optional<String> failure,
      List<Field> fields, List<String> other, List<Column> columns, List<List<String>> rows) {}

  /**
   * A field the analysis reads.
   *
   * @param key the mapping file's field ({@code columns.unitId})
   * @param label the analysis's name for it
   * @param type the column's type in the source; empty when it has no such column
   */
  public record Field(String key, String label, String column, Optional<String> type, List<String> problems) {}

  /** A column of the source and its type. */
  public record Column(String name, String type) {}

  @Override
  public List<String> navIds() {
    return List.of("warehouse");
  }

  @Override
  public void register(Pages pages) {
    pages.get(PATH, Permission.ADMIN, c -> UiResponse.ok(ui.views().render("admin/warehouse.jte",
        new View(c.shell("Warehouse", "warehouse"), ui.designs().warehouseCheck().map(WarehousePage::report)))));
  }

  static Report report(ObjectNode r) {
    List<Source> sources = new ArrayList<>();
    for (JsonNode s : r.path("sources")) {
      sources.add(source(s));
    }
    return new Report(r.path("dialect").asText(), r.path("engine").asText("–"), r.path("ok").asBoolean(), sources);
  }

  private static Source source(JsonNode s) {
    String name = s.path("source").asText();
    Map<String, String> types = new LinkedHashMap<>();
    List<Column> columns = new ArrayList<>();
    for (JsonNode c : s.path("columns")) {
      columns.add(new Column(c.path("name").asText(), c.path("type").asText()));
      types.put(c.path("name").asText().toLowerCase(java.util.Locale.ROOT), c.path("type").asText());
    }
    Map<String, List<String>> byField = new LinkedHashMap<>();
    Optional<String> failure = Optional.empty();
    List<String> other = new ArrayList<>();
    for (JsonNode p : s.path("problems")) {
      String field = p.path("field").asText();
      String text = p.path("problem").asText();
      if (field.equals(name)) {
        failure = Optional.of(text);
      } else if (field.equals("columns.timestampIsMillis")) {
        byField.computeIfAbsent("timestamp", k -> new ArrayList<>()).add(field + ": " + text);
      } else if (field.startsWith("columns.") && s.path("mapping").has(field.substring("columns.".length()))) {
        byField.computeIfAbsent(field.substring("columns.".length()), k -> new ArrayList<>()).add(text);
      } else {
        other.add(field + ": " + text);
      }
    }
    List<Field> fields = new ArrayList<>();
    JsonNode mapping = s.path("mapping");
    NAMES.forEach((role, label) -> {
      if (mapping.has(role)) {
        String column = mapping.get(role).asText();
        fields.add(new Field("columns." + role, label, column,
            Optional.ofNullable(types.get(column.toLowerCase(java.util.Locale.ROOT))),
            byField.getOrDefault(role, List.of())));
      }
    });
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode row : s.path("sample")) {
      List<String> cells = new ArrayList<>();
      for (Column c : columns) {
        JsonNode v = row.path(c.name());
        cells.add(v.isMissingNode() || v.isNull() ? "NULL" : v.asText());
      }
      rows.add(cells);
    }
    String kind = s.has("query") ? "query" : "table";
    return new Source(name, kind, s.path(kind).asText(), s.path("ok").asBoolean(), failure, fields, other, columns,
        rows);
  }
}
