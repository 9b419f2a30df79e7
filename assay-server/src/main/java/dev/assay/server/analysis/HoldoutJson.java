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

/** The stored form of a holdout refresh and its results view with a plot-ready series (ADR 0037). */
public final class HoldoutJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HoldoutJson() {}

  /** The stored form of a holdout refresh. */
  public static ObjectNode writeHoldout(HoldoutResults r) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", SnapshotJson.FORMAT).put("holdout", r.holdout()).put("computedAt", r.computedAt().toString())
        .put("from", r.from().toString()).put("fraction", r.fraction()).put("alpha", r.alpha());
    o.putObject("units").put("held-out", r.heldOutUnits()).put("general", r.generalUnits());
    o.put("multipleExposureUnits", r.multipleExposures());
    ArrayNode metrics = o.putArray("metrics");
    for (HoldoutResults.Row m : r.metrics()) {
      ObjectNode x = metrics.addObject().put("metric", m.metric()).put("role", m.role())
          .put("higherIsBetter", m.higherIsBetter());
      put(x.putObject("heldOut").put("units", m.heldOutN()), "mean", finite(m.heldOutMean()));
      put(x.putObject("general").put("units", m.generalN()), "mean", finite(m.generalMean()));
      nullable(x, "effect", m.effect());
      nullable(x, "ciLower", m.ciLower());
      nullable(x, "ciUpper", m.ciUpper());
      nullable(x, "pValue", m.pValue());
      nullable(x, "relative", m.relative());
      nullable(x, "relativeCiLower", m.relativeLower());
      nullable(x, "relativeCiUpper", m.relativeUpper());
      m.missing().ifPresent(n -> x.put("note", n));
    }
    return o;
  }

  /** A stored holdout refresh read back (an absent number is NaN). */
  public static HoldoutResults readHoldout(JsonNode o) {
    List<HoldoutResults.Row> rows = new ArrayList<>();
    for (JsonNode m : o.path("metrics")) {
      rows.add(new HoldoutResults.Row(m.path("metric").asText(), m.path("role").asText(),
          m.path("higherIsBetter").asBoolean(true), m.at("/heldOut/units").asLong(), nan(m.path("heldOut"), "mean"),
          m.at("/general/units").asLong(), nan(m.path("general"), "mean"), nan(m, "effect"), nan(m, "ciLower"),
          nan(m, "ciUpper"), nan(m, "pValue"), nan(m, "relative"), nan(m, "relativeCiLower"),
          nan(m, "relativeCiUpper"), text(m, "note")));
    }
    return new HoldoutResults(o.path("holdout").asText(), instant(o.path("computedAt")).orElse(Instant.EPOCH),
        instant(o.path("from")).orElse(Instant.EPOCH), o.path("fraction").asDouble(), o.path("alpha").asDouble(),
        o.at("/units/held-out").asLong(), o.at("/units/general").asLong(), o.path("multipleExposureUnits").asLong(),
        rows);
  }

  /**
   * The results of a holdout: its newest refresh (first of {@code newestFirst}) as stored, plus
   * {@code series}, plot-ready and oldest first: {@code t} (epoch ms of each refresh) and per
   * metric {@code effect}, {@code ciLower}, {@code ciUpper} and {@code units} (both arms) at each t.
   */
  public static ObjectNode holdoutView(List<HoldoutResults> newestFirst) {
    ObjectNode o = writeHoldout(newestFirst.get(0));
    o.put("refreshes", newestFirst.size());
    ObjectNode series = o.putObject("series");
    ArrayNode t = series.putArray("t");
    ObjectNode metrics = series.putObject("metrics");
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      HoldoutResults r = newestFirst.get(i);
      t.add(r.computedAt().toEpochMilli());
      for (HoldoutResults.Row m : r.metrics()) {
        ObjectNode line = metrics.has(m.metric()) ? (ObjectNode) metrics.get(m.metric()) : metrics.putObject(m.metric());
        pad(line, t.size() - 1);
        addNullable(line.withArray("effect"), m.effect());
        addNullable(line.withArray("ciLower"), m.ciLower());
        addNullable(line.withArray("ciUpper"), m.ciUpper());
        line.withArray("units").add(m.heldOutN() + m.generalN());
      }
      // a metric not analysed at this refresh (added later, or removed) has no value here
      metrics.properties().forEach(e -> pad((ObjectNode) e.getValue(), t.size()));
    }
    return o;
  }

  private static void pad(ObjectNode line, int size) {
    for (String f : List.of("effect", "ciLower", "ciUpper", "units")) {
      while (line.withArray(f).size() < size) {
        line.withArray(f).addNull();
      }
    }
  }

  private static void nullable(ObjectNode o, String field, double v) {
    if (Double.isFinite(v)) {
      o.put(field, v);
    } else {
      o.putNull(field);
    }
  }

  private static void addNullable(ArrayNode a, double v) {
    if (Double.isFinite(v)) {
      a.add(v);
    } else {
      a.addNull();
    }
  }

  private static double nan(JsonNode o, String field) {
    return number(o, field).orElse(Double.NaN);
  }
}
