package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data of the results page's plots, as JSON the page's script ({@code results.js}) fetches
 * and draws with uPlot: per metric a forest plot (each variant's estimate and interval against
 * control: relative lift when every variant has a lift interval, else the absolute effect) and
 * the estimate with its headline interval (always-valid when the analysis is sequential) over
 * the stored snapshots of the latest snapshot's phase, oldest first. Missing values are null.
 */
final class ResultsPagePlots {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ResultsPagePlots() {}

  /**
   * @param snapshots newest first, as the store returns them; the first is the latest
   * @param verdicts the verdict of each metric and variant ({@code metric + "/" + variant})
   */
  static ObjectNode of(List<JsonNode> snapshots, Map<String, String> verdicts) {
    ObjectNode out = NODES.objectNode();
    ArrayNode metrics = out.putArray("metrics");
    if (snapshots.isEmpty()) {
      return out;
    }
    JsonNode latest = snapshots.get(0);
    int phase = latest.path("phase").asInt();
    List<JsonNode> series = new ArrayList<>();
    for (int i = snapshots.size() - 1; i >= 0; i--) {
      if (snapshots.get(i).path("phase").asInt() == phase) {
        series.add(snapshots.get(i));
      }
    }
    out.put("phase", phase);
    out.put("sequential", latest.path("settings").path("sequential").asBoolean(true));
    out.put("alpha", latest.path("settings").path("alpha").asDouble(0.05));
    ArrayNode times = out.putArray("times");
    series.forEach(s -> times.add(Instant.parse(s.path("computedAt").asText()).getEpochSecond()));
    Map<String, List<JsonNode>> byMetric = new LinkedHashMap<>();
    latest.path("results").forEach(r -> byMetric.computeIfAbsent(r.path("metric").asText(), k -> new ArrayList<>()).add(r));
    for (Map.Entry<String, List<JsonNode>> m : byMetric.entrySet()) {
      ObjectNode metric = metrics.addObject();
      metric.put("key", m.getKey());
      boolean relative = m.getValue().stream().allMatch(r -> r.path("liftCiLower").isNumber()
          && r.path("liftCiUpper").isNumber() && r.path("lift").isNumber());
      metric.put("forestScale", relative ? "relative lift" : "absolute effect");
      ArrayNode forest = metric.putArray("forest");
      for (JsonNode r : m.getValue()) {
        ObjectNode f = forest.addObject();
        String variant = r.path("variant").asText();
        f.put("variant", variant);
        f.put("verdict", verdicts.getOrDefault(m.getKey() + "/" + variant, ""));
        f.set("estimate", value(r, relative ? "lift" : "effect"));
        f.set("lower", value(r, relative ? "liftCiLower" : "ciLower"));
        f.set("upper", value(r, relative ? "liftCiUpper" : "ciUpper"));
      }
      ArrayNode overTime = metric.putArray("series");
      for (JsonNode r : m.getValue()) {
        String variant = r.path("variant").asText();
        ObjectNode v = overTime.addObject();
        v.put("variant", variant);
        ArrayNode estimate = v.putArray("estimate");
        ArrayNode lower = v.putArray("lower");
        ArrayNode upper = v.putArray("upper");
        for (JsonNode s : series) {
          JsonNode at = find(s, m.getKey(), variant);
          estimate.add(value(at, "effect"));
          lower.add(value(at, "ciLower"));
          upper.add(value(at, "ciUpper"));
        }
      }
    }
    return out;
  }

  private static JsonNode find(JsonNode snapshot, String metric, String variant) {
    for (JsonNode r : snapshot.path("results")) {
      if (r.path("metric").asText().equals(metric) && r.path("variant").asText().equals(variant)) {
        return r;
      }
    }
    return NODES.objectNode();
  }

  private static JsonNode value(JsonNode r, String field) {
    JsonNode v = r.path(field);
    return v.isNumber() && Double.isFinite(v.asDouble()) ? NODES.numberNode(v.asDouble()) : NODES.nullNode();
  }
}
