package dev.assay.server.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.SnapshotLineage.Definition;
import dev.assay.server.analysis.SnapshotLineage.Query;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The stored and served format of a {@link SnapshotLineage} (version {@value #FORMAT}), and the
 * canonical JSON its definition hashes are taken of. Numbers keep their JSON type: a query's
 * result values and parameters read back as {@code Long} (integral), {@code Double} or
 * {@code String}, so a parameter binds as it bound when the query first ran.
 */
public final class LineageJson {
  /** The format version written. */
  public static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private LineageJson() {}

  /** The lineage as JSON. */
  public static ObjectNode write(SnapshotLineage l) {
    ObjectNode o = F.objectNode();
    o.put("format", FORMAT);
    o.put("project", l.project()).put("experiment", l.experiment()).put("phase", l.phase());
    o.put("computedAt", l.computedAt().toString());
    ObjectNode window = o.putObject("window");
    window.put("from", l.from().toString());
    l.to().ifPresentOrElse(t -> window.put("to", t.toString()), () -> window.putNull("to"));
    window.put("open", l.to().isEmpty());
    ArrayNode variants = o.putArray("variants");
    l.variants().forEach(variants::add);
    o.putObject("warehouse").put("kind", l.warehouse().kind()).put("version", l.warehouse().version());
    o.put("assayVersion", l.assayVersion());
    o.set("settings", l.settings().deepCopy());
    ObjectNode def = o.putObject("definition");
    def.put("experimentSha256", l.definition().experimentSha256());
    ObjectNode metrics = def.putObject("metricsSha256");
    l.definition().metricsSha256().forEach(metrics::put);
    def.put("canonicalization", "SHA-256 of the UTF-8 JSON with object keys sorted and no white space");
    ArrayNode queries = o.putArray("queries");
    for (int i = 0; i < l.queries().size(); i++) {
      queries.add(query(i, l.queries().get(i)));
    }
    return o;
  }

  private static ObjectNode query(int index, Query q) {
    ObjectNode o = F.objectNode();
    o.put("index", index).put("purpose", q.purpose());
    strings(o.putArray("metrics"), q.metrics());
    strings(o.putArray("events"), q.events());
    o.put("sql", q.sql());
    values(o.putArray("params"), q.params());
    strings(o.putArray("columns"), q.columns());
    ArrayNode rows = o.putArray("rows");
    q.rows().forEach(r -> values(rows.addArray(), r));
    o.put("rowsReturned", q.rows().size());
    ObjectNode read = o.putObject("rowsRead");
    read.put("exposures", q.exposuresRead());
    q.metricEventsRead().ifPresentOrElse(n -> read.put("metricEvents", n), () -> read.putNull("metricEvents"));
    ArrayNode counts = o.putArray("counts");
    for (MetricQueries.SqlQuery c : q.counts()) {
      ObjectNode co = counts.addObject().put("sql", c.sql());
      values(co.putArray("params"), c.params());
    }
    return o;
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }

  /** Values as JSON: null, text, booleans and numbers of their own type. */
  static void values(ArrayNode a, List<Object> values) {
    for (Object v : values) {
      switch (v) {
        case null -> a.addNull();
        case Long n -> a.add(n);
        case Integer n -> a.add(n.longValue());
        case Double n -> a.add(n);
        case BigInteger n -> a.add(n);
        case BigDecimal n -> a.add(n);
        case Boolean b -> a.add(b);
        default -> a.add(v.toString());
      }
    }
  }

  /** Reads a stored lineage. */
  public static SnapshotLineage read(JsonNode o) {
    JsonNode w = o.path("window");
    List<String> variants = texts(o.path("variants"));
    JsonNode def = o.path("definition");
    Map<String, String> metrics = new LinkedHashMap<>();
    def.path("metricsSha256").properties().forEach(e -> metrics.put(e.getKey(), e.getValue().asText()));
    List<Query> queries = new ArrayList<>();
    for (JsonNode q : o.path("queries")) {
      List<List<Object>> rows = new ArrayList<>();
      q.path("rows").forEach(r -> rows.add(objects(r)));
      List<MetricQueries.SqlQuery> counts = new ArrayList<>();
      q.path("counts").forEach(c -> counts.add(new MetricQueries.SqlQuery(c.path("sql").asText(),
          objects(c.path("params")))));
      JsonNode read = q.path("rowsRead");
      queries.add(new Query(q.path("purpose").asText(), texts(q.path("metrics")), texts(q.path("events")),
          q.path("sql").asText(), objects(q.path("params")), texts(q.path("columns")), rows,
          read.path("exposures").asLong(), read.path("metricEvents").isNumber()
              ? OptionalLong.of(read.path("metricEvents").asLong()) : OptionalLong.empty(), counts));
    }
    JsonNode settings = o.path("settings");
    return new SnapshotLineage(o.path("project").asText(), o.path("experiment").asText(), o.path("phase").asInt(),
        Instant.parse(o.path("computedAt").asText()), Instant.parse(w.path("from").asText()),
        w.path("to").isTextual() ? Optional.of(Instant.parse(w.path("to").asText())) : Optional.empty(), variants,
        new SnapshotLineage.Warehouse(o.path("warehouse").path("kind").asText(),
            o.path("warehouse").path("version").asText()),
        o.path("assayVersion").asText(), settings instanceof ObjectNode s ? s.deepCopy() : F.objectNode(),
        new Definition(def.path("experimentSha256").asText(), metrics), queries);
  }

  private static List<String> texts(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(v -> out.add(v.asText()));
    return out;
  }

  private static List<Object> objects(JsonNode a) {
    List<Object> out = new ArrayList<>();
    for (JsonNode v : a) {
      out.add(v.isNull() ? null : v.isIntegralNumber() ? (v.canConvertToLong() ? (Object) v.asLong() : v.bigIntegerValue())
          : v.isNumber() ? (Object) v.doubleValue() : v.isBoolean() ? (Object) v.booleanValue() : v.asText());
    }
    return out;
  }

  /**
   * Values as they compare between a recording and a reproduction: each written as JSON and read
   * back (so a value stored and one just returned by the warehouse compare by their JSON text).
   */
  static List<JsonNode> comparable(List<Object> values) {
    ArrayNode a = F.arrayNode();
    values(a, values);
    try {
      JsonNode back = JSON.readTree(a.toString());
      List<JsonNode> out = new ArrayList<>();
      back.forEach(out::add);
      return out;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SHA-256 (hex) of the canonical JSON of {@code node}: object keys sorted, no white space. */
  public static String sha256(JsonNode node) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(JSON.writeValueAsString(canonical(node)).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      node.properties().forEach(e -> sorted.put(e.getKey(), canonical(e.getValue())));
      ObjectNode o = F.objectNode();
      sorted.forEach(o::set);
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = F.arrayNode();
      node.forEach(v -> a.add(canonical(v)));
      return a;
    }
    return node;
  }
}
