package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code list} and {@code get} of one kind of entity (flags, experiments, metrics): the
 * collection path and the columns of its table. {@code get} prints the whole entity.
 *
 * @param noun the entity's name in messages ("flag")
 * @param collection the API path of the collection ("/flags")
 * @param columns the table's columns, in order
 */
record ResourceViews(String noun, String collection, List<Column> columns) {
  /** A table column: its header and how to read its cell from an entity. */
  record Column(String header, Function<JsonNode, String> cell) {
    static Column field(String header, String field) {
      return new Column(header, e -> TextTable.cell(e.get(field)));
    }
  }

  static final Column UPDATED = new Column("UPDATED", e -> {
    String at = TextTable.cell(e.get("updatedAt"));
    return at.length() > 19 ? at.substring(0, 16).replace('T', ' ') : at;
  });

  /** {@code list}: every entity of the project, as a table or the server's JSON. */
  int list(RemoteCommand command) {
    JsonNode answer = command.client().get(collection);
    if (command.remote.json()) {
      command.printJson(answer);
      return 0;
    }
    List<JsonNode> items = new ArrayList<>();
    answer.path("items").forEach(items::add);
    if (items.isEmpty()) {
      command.out().println("no " + noun + "s in project '" + command.client().project() + "'");
      command.out().flush();
      return 0;
    }
    TextTable table = new TextTable(columns.stream().map(Column::header).toArray(String[]::new));
    for (JsonNode item : items) {
      table.row(columns.stream().map(c -> c.cell().apply(item)).toArray(String[]::new));
    }
    table.print(command.out());
    return 0;
  }

  /** {@code get KEY}: one entity, as {@code key: value} lines or the server's JSON. */
  int get(RemoteCommand command, String key) {
    JsonNode entity = command.client().get(collection + "/" + ApiClient.encode(key));
    if (command.remote.json()) {
      command.printJson(entity);
    } else {
      TextTable.printEntity(command.out(), entity);
    }
    return 0;
  }
}
