package dev.assay.server.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The customer's own tables as the analysis's {@link WarehouseSchema}: a YAML (or JSON) file naming
 * where exposures and metric events are, each a table or a query over the customer's schema, and
 * the columns the two sources share (docs/warehouses.md, "Your own tables"):
 *
 * <pre>{@code
 * exposures: |
 *   SELECT user_id, assigned_at, experiment, variant_index FROM analytics.assignments
 * metrics: analytics.events
 * columns:
 *   unitId: user_id
 *   timestamp: assigned_at        # the time column of both sources
 *   timestampIsMillis: false      # a TIMESTAMP, not epoch milliseconds
 *   experimentKey: experiment
 *   variationId: variant_index    # 0-based, in the experiment's variant order
 *   eventName: event
 *   value: amount
 * }</pre>
 *
 * <p>A source query runs as a derived table on the analysis connection, so it has that connection's
 * limits (the sandbox, a read-only role); it is the operator's text, as trusted as the warehouse URL.
 * Columns not named take Assay's names; the optional {@code attributes}, {@code properties},
 * {@code project} and {@code flag} columns exist only when named.
 */
public final class WarehouseMapping {
  /** Largest mapping file read. */
  public static final int MAX_BYTES = 256 * 1024;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP = Set.of("exposures", "metrics", "columns");
  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("unitId", "unit_id");
    DEFAULTS.put("timestamp", "ts");
    DEFAULTS.put("experimentKey", "experiment_key");
    DEFAULTS.put("variationId", "variation_id");
    DEFAULTS.put("eventName", "name");
    DEFAULTS.put("value", "value");
    DEFAULTS.put("attributes", null);
    DEFAULTS.put("properties", null);
    DEFAULTS.put("project", null);
    DEFAULTS.put("flag", null);
  }

  private WarehouseMapping() {}

  /** A mapping the file does not describe: what is wrong, with the field's path. */
  public static final class Invalid extends IllegalArgumentException {
    private final String field;

    Invalid(String field, String message) {
      super(field + ": " + message);
      this.field = field;
    }

    /** The path of the field at fault, e.g. {@code columns.unitId}. */
    public String field() {
      return field;
    }
  }

  /** Reads a mapping file; {@link Invalid} names the field at fault. */
  public static WarehouseSchema read(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new Invalid("file", "is over " + MAX_BYTES / 1024 + " KiB");
    }
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new Invalid("file", "is not YAML or JSON (line " + e.getLocation().getLineNr() + ")");
    }
    return parse(root);
  }

  /** The schema a parsed mapping describes. */
  public static WarehouseSchema parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new Invalid("file", "must be a mapping with exposures, metrics and columns");
    }
    unknown(root, TOP, "");
    String exposures = source(root, "exposures");
    String metrics = source(root, "metrics");
    JsonNode columns = root.path("columns");
    if (!columns.isMissingNode() && !columns.isObject()) {
      throw new Invalid("columns", "must be a mapping of column names");
    }
    Set<String> known = new java.util.HashSet<>(DEFAULTS.keySet());
    known.add("timestampIsMillis");
    unknown(columns, known, "columns.");
    Map<String, String> c = new LinkedHashMap<>();
    DEFAULTS.forEach((key, fallback) -> c.put(key, column(columns, key, fallback)));
    JsonNode millis = columns.path("timestampIsMillis");
    if (!millis.isMissingNode() && !millis.isBoolean()) {
      throw new Invalid("columns.timestampIsMillis", "must be true (epoch milliseconds) or false (a TIMESTAMP)");
    }
    try {
      return new WarehouseSchema(exposures, metrics, c.get("unitId"), c.get("timestamp"), millis.asBoolean(true),
          c.get("experimentKey"), c.get("variationId"), c.get("eventName"), c.get("value"), c.get("attributes"),
          c.get("properties"), c.get("project"), c.get("flag"));
    } catch (IllegalArgumentException e) {
      throw new Invalid("exposures", e.getMessage());
    }
  }

  private static void unknown(JsonNode node, Set<String> known, String prefix) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        throw new Invalid(prefix + name, "is not a field (known: " + String.join(", ", new java.util.TreeSet<>(known))
            + ")");
      }
    }
  }

  private static String source(JsonNode root, String field) {
    JsonNode n = root.path(field);
    if (!n.isTextual() || n.asText().isBlank()) {
      throw new Invalid(field, "must be a table name (schema.table) or a SELECT query");
    }
    String text = n.asText().strip();
    if (WarehouseSchema.isQuery(text)) {
      if (text.contains(";")) {
        throw new Invalid(field, "a source query is one statement, without ';'");
      }
      return text;
    }
    return identifier(field, text);
  }

  private static String column(JsonNode columns, String key, String fallback) {
    JsonNode n = columns.path(key);
    if (n.isMissingNode() || n.isNull()) {
      return fallback;
    }
    if (!n.isTextual()) {
      throw new Invalid("columns." + key, "must be a column name");
    }
    String name = identifier("columns." + key, n.asText());
    if (name.contains(".")) {
      throw new Invalid("columns." + key, "must be a column name without a table, was '" + name + "'");
    }
    return name;
  }

  private static String identifier(String field, String name) {
    try {
      Dialect.DUCKDB.ident(name);
      return name;
    } catch (IllegalArgumentException e) {
      throw new Invalid(field, "must be a plain SQL identifier (letters, digits, '_', dots between parts), was '"
          + (name.length() > 60 ? name.substring(0, 60) + "…" : name) + "'");
    }
  }
}
