package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import java.util.ArrayList;
import java.util.List;

/**
 * The lineage page of a results snapshot ({@code GET /api/v1/snapshots/{id}/lineage}, ADR 0043):
 * the data window, the warehouse and Assay versions, the definition hashes and settings, and each
 * warehouse query with its SQL, parameters and the rows it returned and read. Linked from the
 * results page.
 */
public final class LineagePage {
  private final UiContext ui;

  LineagePage(UiContext ui) {
    this.ui = ui;
  }

  /** {@code experiments/lineage.jte}. */
  public record View(Shell shell, long id, String experiment, int phase, String computedAt, String window,
      String warehouse, String assayVersion, String experimentSha256, List<String> metricHashes, String settings,
      List<Query> queries) {}

  /** One recorded query, formatted. */
  public record Query(int index, String purpose, String metrics, long rowsReturned, long exposuresRead,
      String metricEventsRead, String sql, String params) {}

  void register(Pages pages) {
    pages.get("/ui/snapshots/{id}/lineage", Permission.READ, c -> {
      long id;
      try {
        id = Long.parseLong(c.path("id"));
      } catch (NumberFormatException e) {
        throw DomainException.invalid("id", "must be a snapshot id (a positive whole number)");
      }
      ObjectNode l = ui.experiments().lineage(c.project(), id);
      JsonNode w = l.path("window");
      String window = w.path("from").asText() + " to " + (w.path("to").isTextual() ? w.path("to").asText()
          : "open (the latest phase: events arriving later count when it is reproduced)");
      List<String> hashes = new ArrayList<>();
      l.path("definition").path("metricsSha256").properties().forEach(e -> hashes.add(e.getKey() + " "
          + e.getValue().asText()));
      List<Query> queries = new ArrayList<>();
      for (JsonNode q : l.path("queries")) {
        List<String> metrics = new ArrayList<>();
        q.path("metrics").forEach(m -> metrics.add(m.asText()));
        JsonNode read = q.path("rowsRead");
        queries.add(new Query(q.path("index").asInt(), q.path("purpose").asText(), String.join(", ", metrics),
            q.path("rowsReturned").asLong(), read.path("exposures").asLong(),
            read.path("metricEvents").isNumber() ? read.path("metricEvents").asText() : "–", q.path("sql").asText(),
            q.path("params").toString()));
      }
      View view = new View(c.shell("Lineage · snapshot " + id, "experiments"), id, l.path("experiment").asText(),
          l.path("phase").asInt(), l.path("computedAt").asText(), window, l.path("warehouse").path("kind").asText()
              + " " + l.path("warehouse").path("version").asText(), l.path("assayVersion").asText(),
          l.path("definition").path("experimentSha256").asText(), hashes, l.path("settings").toPrettyString(),
          queries);
      return UiResponse.ok(ui.views().render("experiments/lineage.jte", view));
    });
  }
}
