package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.DomainException;
import dev.assay.server.ui.ExperimentPagesModel.Decision;
import dev.assay.server.ui.ExperimentPagesModel.Experiment;
import dev.assay.server.ui.ExperimentPagesModel.Guardrail;
import dev.assay.server.ui.ExperimentPagesModel.Phase;
import dev.assay.server.ui.ExperimentPagesModel.Variant;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Experiment documents to {@link ExperimentPagesModel} values, and the wizard's form to an
 * experiment document. The form's inputs are named by their paths in the document
 * ({@code variants[1].weight}, {@code metrics.guardrails[0].threshold}, {@code analysis.alpha}),
 * so the domain's error for a field lands next to its input. Only the conversion of typed text is
 * checked here ("is not a number"); every rule about experiments is the domain's.
 */
final class ExperimentPagesDocuments {
  /** Rows of variants and guardrails the wizard offers. */
  static final int VARIANT_ROWS = 4;
  static final int GUARDRAIL_ROWS = 3;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ExperimentPagesDocuments() {}

  static Experiment experiment(JsonNode e) {
    List<Variant> variants = new ArrayList<>();
    e.path("variants").forEach(v -> variants.add(new Variant(v.path("key").asText(), v.path("name").asText(""),
        v.path("weight").asDouble(), UiDomain.text(v.get("value")))));
    JsonNode metrics = e.path("metrics");
    List<Guardrail> guardrails = new ArrayList<>();
    metrics.path("guardrails").forEach(g -> guardrails.add(new Guardrail(g.path("metric").asText(),
        g.path("direction").asText(""), g.path("threshold").isNumber() ? g.path("threshold").asText() : "")));
    List<Phase> phases = new ArrayList<>();
    e.path("phases").forEach(p -> phases.add(new Phase(p.path("number").asInt(),
        Instant.ofEpochMilli(p.path("startedAt").asLong()), p.path("coverage").asDouble(1))));
    JsonNode d = e.path("decision");
    Optional<Decision> decision = d.isObject() ? Optional.of(new Decision(d.path("outcome").asText(),
        d.path("variant").asText(""), d.path("audience").asText(""), d.path("writeUp").asText(""))) : Optional.empty();
    JsonNode h = e.path("halted");
    Optional<String> halted = h.isObject() ? Optional.of(h.path("reason").asText() + " (by " + h.path("by").asText()
        + " at " + h.path("at").asText() + ")") : Optional.empty();
    JsonNode a = e.path("analysis");
    JsonNode range = e.path("range");
    return new Experiment(e.path("key").asText(), e.path("version").asLong(), e.path("name").asText(""),
        e.path("hypothesis").asText(""), e.path("owner").asText(""), e.path("type").asText("ab"),
        e.path("status").asText("draft"), e.path("hashAttribute").asText("id"), e.path("fallbackAttribute").asText(""),
        e.path("condition").isNull() || e.path("condition").isMissingNode() ? "" : e.get("condition").toString(),
        e.path("coverage").asDouble(1), variants, e.path("layer").asText(""),
        range.isObject() ? "[" + range.path("start").asText() + ", " + range.path("end").asText() + ")" : "",
        metrics.path("primary").asText(""), UiDomain.strings(metrics.path("secondary")), guardrails,
        e.path("plannedUnits").asLong(0), plannedRun(e), a.path("engine").asText("frequentist"), a.path("alpha").asDouble(0.05),
        a.path("sequential").asBoolean(true), a.path("cuped").asBoolean(true),
        a.path("correction").asText("benjamini_hochberg"), a.path("autoHalt").asBoolean(true), phases, decision,
        halted, e.path("killed").isObject(), Instant.parse(e.path("updatedAt").asText()));
  }

  /* "at least 7 days · 5000 units per variant · excludes a, b" (the as-code design fields), or "". */
  private static String plannedRun(JsonNode e) {
    List<String> parts = new ArrayList<>();
    if (e.path("minimumRuntimeDays").isNumber()) {
      parts.add("at least " + e.path("minimumRuntimeDays").asInt() + " days");
    }
    if (e.path("targetSampleSizePerVariant").isNumber()) {
      parts.add(e.path("targetSampleSizePerVariant").asLong() + " units per variant");
    }
    List<String> excluded = UiDomain.strings(e.path("excludedExperiments"));
    if (!excluded.isEmpty()) {
      parts.add("excludes " + String.join(", ", excluded) + " (not yet enforced)");
    }
    return String.join(" · ", parts);
  }

  /** The experiment document the wizard's form describes (a draft). */
  static ObjectNode fromWizard(Form f) {
    ObjectNode doc = NODES.objectNode();
    doc.put("key", f.get("key"));
    text(doc, "name", f.get("name"));
    text(doc, "hypothesis", f.get("hypothesis"));
    text(doc, "owner", f.get("owner"));
    text(doc, "type", f.get("type"));
    text(doc, "hashAttribute", f.get("hashAttribute"));
    text(doc, "fallbackAttribute", f.get("fallbackAttribute"));
    if (!f.get("condition").isBlank()) {
      doc.set("condition", FlagDocuments.jsonValue("condition", f.get("condition")));
    }
    if (!f.get("coverage").isBlank()) {
      doc.put("coverage", decimal("coverage", f.get("coverage")));
    }
    ArrayNode variants = doc.putArray("variants");
    for (int i = 0; i < VARIANT_ROWS; i++) {
      String at = "variants[" + i + "].";
      if (f.get(at + "key").isEmpty() && f.get(at + "weight").isEmpty() && f.get(at + "value").isEmpty()) {
        continue;
      }
      ObjectNode v = variants.addObject();
      v.put("key", f.get(at + "key"));
      text(v, "name", f.get(at + "name"));
      if (!f.get(at + "weight").isEmpty()) {
        v.put("weight", decimal("variants[" + (variants.size() - 1) + "].weight", f.get(at + "weight")));
      }
      if (!f.get(at + "value").isEmpty()) {
        v.set("value", FlagDocuments.jsonValue("variants[" + (variants.size() - 1) + "].value", f.get(at + "value")));
      }
    }
    if (!f.get("layer").isEmpty()) {
      doc.put("layer", f.get("layer"));
    }
    if (!f.get("range.start").isEmpty() || !f.get("range.end").isEmpty()) {
      ObjectNode r = doc.putObject("range");
      r.put("start", decimal("range.start", f.get("range.start").isEmpty() ? "0" : f.get("range.start")));
      r.put("end", decimal("range.end", f.get("range.end").isEmpty() ? "1" : f.get("range.end")));
    }
    doc.set("metrics", metrics(f));
    if (!f.get("plannedUnits").isEmpty()) {
      try {
        doc.put("plannedUnits", Long.parseLong(f.get("plannedUnits").replace(",", "")));
      } catch (NumberFormatException e) {
        throw DomainException.invalid("plannedUnits", "must be a whole number of units, was '" + f.get("plannedUnits") + "'");
      }
    }
    ObjectNode a = doc.putObject("analysis");
    text(a, "engine", f.get("analysis.engine"));
    if (!f.get("analysis.alpha").isEmpty()) {
      a.put("alpha", decimal("analysis.alpha", f.get("analysis.alpha")));
    }
    a.put("sequential", f.checked("analysis.sequential"));
    a.put("cuped", f.checked("analysis.cuped"));
    text(a, "correction", f.get("analysis.correction"));
    a.put("autoHalt", f.checked("analysis.autoHalt"));
    return doc;
  }

  private static ObjectNode metrics(Form f) {
    ObjectNode m = NODES.objectNode();
    if (!f.get("metrics.primary").isEmpty()) {
      m.put("primary", f.get("metrics.primary"));
    }
    ArrayNode secondary = m.putArray("secondary");
    f.all("metrics.secondary").stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(secondary::add);
    ArrayNode guardrails = m.putArray("guardrails");
    for (int i = 0; i < GUARDRAIL_ROWS; i++) {
      String at = "metrics.guardrails[" + i + "].";
      if (f.get(at + "metric").isEmpty()) {
        continue;
      }
      ObjectNode g = guardrails.addObject();
      g.put("metric", f.get(at + "metric"));
      text(g, "direction", f.get(at + "direction"));
      if (!f.get(at + "threshold").isEmpty()) {
        g.put("threshold", decimal("metrics.guardrails[" + (guardrails.size() - 1) + "].threshold",
            f.get(at + "threshold")));
      }
    }
    return m;
  }

  private static void text(ObjectNode doc, String field, String value) {
    if (!value.isEmpty()) {
      doc.put(field, value);
    }
  }

  private static BigDecimal decimal(String field, String text) {
    try {
      return new BigDecimal(text.strip());
    } catch (NumberFormatException e) {
      throw DomainException.invalid(field, "must be a number, was '" + text + "'");
    }
  }
}
