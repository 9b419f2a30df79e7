package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The forms of the catalogue kinds (metrics, segments, layers, holdouts): which inputs each has,
 * named by the field paths of the API document so the domain's messages land next to them, and
 * the conversion between a document and the text of its inputs. Only the conversion of typed text
 * is checked here ("is not a number"); every rule is the domain's.
 */
public final class CatalogueForms {
  /** How an input is typed and converted. */
  public enum Type { TEXT, NUMBER, INTEGER, SELECT, TEXTAREA, JSON, LIST, LINES }

  /** One input: the document field it edits, its label, type, choices (select) and a hint. */
  public record Field(String name, String label, Type type, List<String> options, String hint) {
    public Field {
      options = List.copyOf(options);
    }

    static Field of(String name, String label, Type type, String hint) {
      return new Field(name, label, type, List.of(), hint);
    }

    public String id() {
      return "f-" + name;
    }

    public boolean multiline() {
      return type == Type.TEXTAREA || type == Type.JSON || type == Type.LINES;
    }
  }

  /** One catalogue kind: its nav entry and path, the permission to change it, and its inputs. */
  public record Catalogue(String navId, String path, Kind kind, String title, String noun, Permission write,
      String intro, List<Field> fields) {
    public Catalogue {
      fields = List.copyOf(fields);
    }

    Set<String> inputs() {
      return fields.stream().map(Field::name).collect(Collectors.toSet());
    }
  }

  static final Catalogue METRICS = new Catalogue("metrics", "/ui/metrics", Kind.METRIC, "Metrics", "metric",
      Permission.WRITE_METRICS, "The metric catalogue: what experiments measure, from a tracked event or SQL over the"
          + " warehouse.", List.of(
      Field.of("key", "Key", Type.TEXT, "letters, digits, '_', '.', '-'; cannot be changed later"),
      Field.of("name", "Name", Type.TEXT, ""),
      new Field("type", "Type", Type.SELECT, List.of("proportion", "mean", "sum", "count", "ratio", "quantile"), ""),
      Field.of("event", "Event name", Type.TEXT, "the tracked event this metric reads (or give SQL)"),
      Field.of("valueProperty", "Value property", Type.TEXT, "the event property with the value (default: value)"),
      Field.of("filters", "Property filters (JSON)", Type.JSON, "e.g. {\"currency\": \"EUR\"}"),
      Field.of("sql", "SQL", Type.TEXTAREA, "a query returning unit_id, timestamp and value (instead of an event)"),
      Field.of("numerator", "Numerator metric", Type.TEXT, "ratio metrics only"),
      Field.of("denominator", "Denominator metric", Type.TEXT, "ratio metrics only"),
      Field.of("quantile", "Quantile", Type.NUMBER, "quantile metrics only, e.g. 0.9"),
      new Field("direction", "Good direction", Type.SELECT, List.of("increase", "decrease"), ""),
      Field.of("conversionWindowHours", "Conversion window (hours)", Type.NUMBER, "empty: the whole phase"),
      Field.of("capping", "Capping (absolute)", Type.NUMBER, ""),
      Field.of("cappingPercentile", "Capping percentile", Type.NUMBER, "e.g. 0.999"),
      Field.of("cupedLookbackDays", "CUPED lookback (days)", Type.INTEGER, "0: no CUPED; default 14"),
      Field.of("minimumSample", "Minimum sample per variant", Type.INTEGER, "default 100")));

  static final Catalogue SEGMENTS = new Catalogue("segments", "/ui/segments", Kind.SEGMENT, "Segments", "segment",
      Permission.WRITE_CONFIG, "Saved groups that targeting conditions refer to with $inGroup: a condition, or a list"
          + " of IDs of one attribute.", List.of(
      Field.of("key", "Key", Type.TEXT, "cannot be changed later"),
      Field.of("name", "Name", Type.TEXT, ""),
      Field.of("condition", "Condition (JSON)", Type.JSON, "e.g. {\"country\": {\"$in\": [\"DE\", \"AT\"]}}; or give IDs"),
      Field.of("attribute", "ID attribute", Type.TEXT, "the attribute the IDs are values of, e.g. id"),
      Field.of("ids", "IDs", Type.LINES, "one per line")));

  static final Catalogue LAYERS = new Catalogue("layers", "/ui/layers", Kind.LAYER, "Layers", "layer",
      Permission.WRITE_CONFIG, "Namespaces: experiments in one layer reserve disjoint ranges, so a unit is in at most"
          + " one of them.", List.of(
      Field.of("key", "Key", Type.TEXT, "cannot be changed later"),
      Field.of("name", "Name", Type.TEXT, ""),
      Field.of("description", "Description", Type.TEXTAREA, "")));

  static final Catalogue HOLDOUTS = new Catalogue("holdouts", "/ui/holdouts", Kind.HOLDOUT, "Holdouts", "holdout",
      Permission.WRITE_CONFIG, "A share of units kept out of some flags and experiments, to measure their long-term"
          + " effect.", List.of(
      Field.of("key", "Key", Type.TEXT, "cannot be changed later"),
      Field.of("name", "Name", Type.TEXT, ""),
      Field.of("description", "Description", Type.TEXTAREA, ""),
      Field.of("fraction", "Fraction held out", Type.NUMBER, "in (0, 0.5], e.g. 0.05"),
      Field.of("hashAttribute", "Hash attribute", Type.TEXT, "default: id"),
      Field.of("flags", "Flags", Type.LIST, "keys, comma-separated"),
      Field.of("experiments", "Experiments", Type.LIST, "keys, comma-separated"),
      Field.of("metrics", "Metrics (JSON)", Type.JSON, "what the analysis compares, e.g. {\"primary\": \"purchase\","
          + " \"secondary\": [\"revenue\"]}")));

  static final List<Catalogue> ALL = List.of(METRICS, SEGMENTS, LAYERS, HOLDOUTS);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private CatalogueForms() {}

  /** The inputs of a stored document, as text. */
  static Form form(Catalogue cat, JsonNode doc) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Field f : cat.fields()) {
      JsonNode v = doc.get(f.name());
      String text = v == null || v.isNull() ? "" : switch (f.type()) {
        case JSON -> v.isObject() && v.isEmpty() ? "" : v.toString();
        case LIST -> join(v, ", ");
        case LINES -> join(v, "\n");
        default -> v.asText();
      };
      out.put(f.name(), text);
    }
    return Form.of(out);
  }

  /** The document of a form's inputs; empty inputs are left out, so the domain's defaults apply. */
  static ObjectNode document(Catalogue cat, Form form) {
    ObjectNode doc = NODES.objectNode();
    for (Field f : cat.fields()) {
      String text = f.type() == Type.TEXTAREA || f.type() == Type.LINES ? form.raw(f.name()).strip() : form.get(f.name());
      if (text.isEmpty()) {
        continue;
      }
      switch (f.type()) {
        case NUMBER -> doc.set(f.name(), number(f.name(), text, false));
        case INTEGER -> doc.set(f.name(), number(f.name(), text, true));
        case JSON -> doc.set(f.name(), FlagDocuments.jsonValue(f.name(), text));
        case LIST -> doc.set(f.name(), array(text.split(",")));
        case LINES -> doc.set(f.name(), array(text.split("\\R")));
        default -> doc.put(f.name(), f.type() == Type.TEXTAREA ? form.raw(f.name()) : text);
      }
    }
    return doc;
  }

  /** A short description of an entry for the list. */
  static String summary(Catalogue cat, JsonNode d) {
    return switch (cat.kind()) {
      case METRIC -> d.path("type").asText() + " · " + (d.hasNonNull("sql") ? "SQL"
          : d.hasNonNull("numerator") ? d.path("numerator").asText() + " / " + d.path("denominator").asText()
          : "event " + d.path("event").asText()) + " · " + d.path("direction").asText();
      case SEGMENT -> d.path("ids").size() > 0 ? d.path("ids").size() + " IDs of " + d.path("attribute").asText()
          : d.path("condition").toString();
      case HOLDOUT -> BigDecimal.valueOf(d.path("fraction").asDouble()).movePointRight(2).stripTrailingZeros()
          .toPlainString() + "% held out of " + (d.path("flags").size() + d.path("experiments").size())
          + " flags and experiments";
      default -> d.path("description").asText();
    };
  }

  private static JsonNode number(String field, String text, boolean integer) {
    try {
      BigDecimal n = new BigDecimal(text);
      if (integer) {
        return NODES.numberNode(n.intValueExact());
      }
      return NODES.numberNode(n);
    } catch (NumberFormatException | ArithmeticException e) {
      throw DomainException.invalid(field, "must be " + (integer ? "a whole number" : "a number") + ", was '" + text + "'");
    }
  }

  private static ArrayNode array(String[] parts) {
    ArrayNode a = NODES.arrayNode();
    for (String p : parts) {
      if (!p.isBlank()) {
        a.add(p.strip());
      }
    }
    return a;
  }

  private static String join(JsonNode v, String sep) {
    StringBuilder sb = new StringBuilder();
    v.forEach(n -> sb.append(sb.isEmpty() ? "" : sep).append(n.asText()));
    return sb.toString();
  }
}
