package dev.assay.server.analysis;

import static dev.assay.server.analysis.SnapshotJson.finite;
import static dev.assay.server.analysis.SnapshotJson.instant;
import static dev.assay.server.analysis.SnapshotJson.number;
import static dev.assay.server.analysis.SnapshotJson.put;
import static dev.assay.server.analysis.SnapshotJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The stored form of a snapshot's design sections: cluster, trigger and stratification (ADR 0039). */
final class DesignResultsJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DesignResultsJson() {}

  static ObjectNode cluster(DesignResults.Cluster c) {
    ObjectNode o = JSON.createObjectNode().put("unit", c.unit()).put("randomizedBy", c.randomizedBy());
    ArrayNode v = o.putArray("variants");
    c.variants().forEach(k -> v.addObject().put("variant", k.variant()).put("clusters", k.clusters())
        .put("units", k.units()));
    return o;
  }

  static ObjectNode trigger(DesignResults.Trigger t) {
    ObjectNode o = JSON.createObjectNode().put("event", t.event()).put("exposedUnits", t.exposedUnits())
        .put("triggeredUnits", t.triggeredUnits());
    put(o, "share", finite(t.share()));
    ArrayNode d = o.putArray("diluted");
    for (DesignResults.Diluted x : t.diluted()) {
      ObjectNode r = d.addObject().put("metric", x.metric()).put("variant", x.variant());
      put(r, "effect", x.effect());
      put(r, "ciLower", x.ciLower());
      put(r, "ciUpper", x.ciUpper());
    }
    return o;
  }

  static ObjectNode stratification(DesignResults.Stratification s) {
    ObjectNode o = JSON.createObjectNode().put("attribute", s.attribute());
    ArrayNode rows = o.putArray("results");
    for (DesignResults.Stratified x : s.results()) {
      ObjectNode r = rows.addObject().put("metric", x.metric()).put("variant", x.variant());
      put(r, "effect", x.effect());
      put(r, "se", x.se());
      put(r, "ciLower", x.ciLower());
      put(r, "ciUpper", x.ciUpper());
      put(r, "pValue", x.pValue());
      put(r, "unadjustedSe", x.unadjustedSe());
      put(r, "varianceReduction", x.varianceReduction());
      r.put("strata", x.strata()).put("droppedShare", x.droppedShare());
    }
    return o;
  }

  static Optional<DesignResults.Stratification> readStratification(JsonNode s) {
    if (!s.isObject()) {
      return Optional.empty();
    }
    List<DesignResults.Stratified> rows = new ArrayList<>();
    s.path("results").forEach(x -> rows.add(new DesignResults.Stratified(x.path("metric").asText(),
        x.path("variant").asText(), number(x, "effect"), number(x, "se"), number(x, "ciLower"), number(x, "ciUpper"),
        number(x, "pValue"), number(x, "unadjustedSe"), number(x, "varianceReduction"), x.path("strata").asInt(),
        x.path("droppedShare").asDouble())));
    return Optional.of(new DesignResults.Stratification(s.path("attribute").asText(), rows));
  }

  static Optional<DesignResults.Cluster> readCluster(JsonNode c) {
    if (!c.isObject()) {
      return Optional.empty();
    }
    List<DesignResults.ClusterCount> variants = new ArrayList<>();
    c.path("variants").forEach(v -> variants.add(new DesignResults.ClusterCount(v.path("variant").asText(),
        v.path("clusters").asLong(), v.path("units").asLong())));
    return Optional.of(new DesignResults.Cluster(c.path("unit").asText(), c.path("randomizedBy").asText(), variants));
  }

  static Optional<DesignResults.Trigger> readTrigger(JsonNode t) {
    if (!t.isObject()) {
      return Optional.empty();
    }
    List<DesignResults.Diluted> diluted = new ArrayList<>();
    t.path("diluted").forEach(x -> diluted.add(new DesignResults.Diluted(x.path("metric").asText(),
        x.path("variant").asText(), number(x, "effect"), number(x, "ciLower"), number(x, "ciUpper"))));
    return Optional.of(new DesignResults.Trigger(t.path("event").asText(), t.path("exposedUnits").asLong(),
        t.path("triggeredUnits").asLong(), number(t, "share").orElse(Double.NaN), diluted));
  }
}
