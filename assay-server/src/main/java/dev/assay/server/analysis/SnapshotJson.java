package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.AnalysisSnapshot.Breakdown;
import dev.assay.server.analysis.AnalysisSnapshot.Health;
import dev.assay.server.analysis.AnalysisSnapshot.Interaction;
import dev.assay.server.analysis.AnalysisSnapshot.QuantileRow;
import dev.assay.server.analysis.AnalysisSnapshot.Result;
import dev.assay.server.analysis.AnalysisSnapshot.RunningState;
import dev.assay.server.analysis.AnalysisSnapshot.Settings;
import dev.assay.server.analysis.AnalysisSnapshot.UnitCount;
import dev.assay.server.domain.model.Analysis;
import dev.assay.server.domain.model.Correction;
import dev.assay.server.domain.model.Engine;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.MetricResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The one JSON form of analysis results: the stored snapshot ({@link AnalysisSnapshot}), and the
 * settings and result rows the CLI's {@code analyze --format json} prints. JSON has no NaN or
 * infinity, so an undefined number is written as null (the result's notes say why) and read back
 * as empty. Snapshots stored before the {@code format} field existed read the same.
 */
public final class SnapshotJson {
  /** The version of the stored format; written as {@code format}. */
  public static final int FORMAT = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotJson() {}

  // ---- writing ----

  /** The stored form of a snapshot. */
  public static ObjectNode write(AnalysisSnapshot s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT);
    o.put("experiment", s.experiment());
    o.put("phase", s.phase());
    o.put("computedAt", s.computedAt().toString());
    o.put("from", s.from().toString());
    s.to().ifPresent(t -> o.put("to", t.toString()));
    o.set("settings", settings(s.settings()));
    o.set("health", health(s.health()));
    o.set("sufficientStatistics", s.sufficientStatistics().deepCopy());
    ArrayNode results = o.putArray("results");
    s.results().forEach(r -> results.add(r.row().deepCopy()));
    if (!s.quantileResults().isEmpty()) {
      ArrayNode q = o.putArray("quantileResults");
      s.quantileResults().forEach(r -> q.add(quantile(r)));
    }
    if (!s.dimensions().isEmpty()) {
      ObjectNode dims = o.putObject("dimensions");
      s.dimensions().forEach((name, b) -> dims.set(name, breakdown(b)));
    }
    s.design().cluster().ifPresent(c -> o.set("cluster", DesignResultsJson.cluster(c)));
    s.design().trigger().ifPresent(t -> o.set("trigger", DesignResultsJson.trigger(t)));
    s.design().stratification().ifPresent(t -> o.set("stratification", DesignResultsJson.stratification(t)));
    ArrayNode running = o.putArray("runningStates");
    for (RunningState st : s.runningStates()) {
      ObjectNode r = running.addObject().put("metric", st.metric()).put("variant", st.variant())
          .put("looks", st.looks()).put("pValue", st.pValue());
      if (Double.isFinite(st.ciLower())) {
        r.put("ciLower", st.ciLower());
      }
      if (Double.isFinite(st.ciUpper())) {
        r.put("ciUpper", st.ciUpper());
      }
    }
    return o;
  }

  /** The settings as written in a snapshot (and printed by the CLI). */
  public static ObjectNode settings(Settings s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("engine", s.engine().wire()).put("alpha", s.alpha()).put("sequential", s.sequential())
        .put("cuped", s.cuped()).put("correction", s.correction().wire());
    s.plannedUnits().ifPresent(p -> o.put("plannedUnits", p));
    return o;
  }

  /** The snapshot settings of the statistics engine's settings. */
  public static Settings settings(AnalysisSettings a) {
    return new Settings(Engine.of(a.engine().name().toLowerCase(Locale.ROOT)), a.alpha(), a.sequential(), a.cuped(),
        Correction.of(a.correction().name().toLowerCase(Locale.ROOT)),
        a.plannedUnits() > 0 ? Optional.of(a.plannedUnits()) : Optional.empty());
  }

  /** A result of the statistics engine as a snapshot result (its row with undefined numbers null). */
  public static Result result(MetricResult r) {
    return new Result(r.metric(), r.variant(), finite(r.controlMean()), finite(r.effect()), finite(r.ciLower()),
        finite(r.ciUpper()), finite(r.lift()), finite(r.liftCiLower()), finite(r.liftCiUpper()), finite(r.pValue()),
        finite(r.pValueAdjusted()), finite(r.cupedVarianceReduction()), finite(r.chanceToWin()), r.significant(),
        r.looks(), r.notes(), row(JSON.valueToTree(r)));
  }

  /** The results of the statistics engine as JSON rows (the CLI prints these). */
  public static ArrayNode results(List<MetricResult> results) {
    ArrayNode out = JSON.createArrayNode();
    results.forEach(r -> out.add(result(r).row()));
    return out;
  }

  /** A JSON row with every non-finite number, at any depth, replaced by null. */
  public static ObjectNode row(ObjectNode o) {
    List<String> undefined = new ArrayList<>();
    o.properties().forEach(e -> {
      if (e.getValue().isNumber() && !Double.isFinite(e.getValue().asDouble())) {
        undefined.add(e.getKey());
      } else if (e.getValue() instanceof ObjectNode child) {
        row(child);
      }
    });
    undefined.forEach(o::putNull);
    return o;
  }

  // ---- reading ----

  /**
   * Reads a stored snapshot. Missing parts read as empty (a snapshot stored by an older server
   * lacks newer fields); a number stored as null or as a non-finite string reads as empty.
   */
  public static AnalysisSnapshot read(JsonNode o) {
    JsonNode h = o.path("health");
    List<UnitCount> units = new ArrayList<>();
    h.path("units").forEach(u -> units.add(new UnitCount(u.path("variant").asText(), u.path("units").asLong(),
        u.path("share").asDouble(), u.path("expectedShare").asDouble())));
    List<String> warnings = new ArrayList<>();
    h.path("warnings").forEach(w -> warnings.add(w.asText()));
    Health health = new Health(units, number(h, "srmPValue").orElse(Double.NaN),
        number(h, "srmSequentialPValue").orElse(Double.NaN), h.path("srm").asBoolean(),
        h.path("multipleExposureUnits").asLong(), number(h, "multipleExposureRate").orElse(0),
        h.path("tooSmall").asBoolean(), number(h, "progress"), warnings, readQuality(h.path("dataQuality")));
    List<Result> results = new ArrayList<>();
    o.path("results").forEach(r -> results.add(readResult(r)));
    List<QuantileRow> quantiles = new ArrayList<>();
    o.path("quantileResults").forEach(q -> quantiles.add(readQuantile(q)));
    Map<String, Breakdown> dimensions = new LinkedHashMap<>();
    o.path("dimensions").properties().forEach(d -> dimensions.put(d.getKey(), readBreakdown(d.getValue())));
    List<RunningState> running = new ArrayList<>();
    o.path("runningStates").forEach(st -> running.add(new RunningState(st.path("metric").asText(),
        st.path("variant").asText(), st.path("looks").asInt(), st.path("pValue").asDouble(Double.NaN),
        number(st, "ciLower").orElse(Double.NEGATIVE_INFINITY), number(st, "ciUpper").orElse(Double.POSITIVE_INFINITY))));
    JsonNode sufficient = o.path("sufficientStatistics");
    return new AnalysisSnapshot(o.path("experiment").asText(), o.path("phase").asInt(),
        instant(o.path("computedAt")).orElse(Instant.EPOCH), instant(o.path("from")).orElse(Instant.EPOCH),
        instant(o.path("to")), readSettings(o.path("settings")),
        health, sufficient instanceof ObjectNode so ? so.deepCopy() : JSON.createObjectNode(), results, quantiles,
        dimensions, running, new DesignResults(DesignResultsJson.readCluster(o.path("cluster")),
        DesignResultsJson.readTrigger(o.path("trigger")), DesignResultsJson.readStratification(o.path("stratification"))));
  }

  /**
   * Per mean or proportion metric of a snapshot's {@code sufficientStatistics}, each variation's n,
   * mean and variance from its stored sums (n, sumY, sumY2), in variation order; ratio and
   * quantile metrics are left out.
   */
  public static Map<String, List<dev.assay.stats.SampleStats>> meanStatistics(JsonNode sufficient) {
    Map<String, List<dev.assay.stats.SampleStats>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> m : sufficient.properties()) {
      List<dev.assay.stats.SampleStats> arms = new ArrayList<>();
      for (JsonNode a : m.getValue()) {
        if (!a.has("sumY") || !a.has("sumY2")) {
          arms = null;
          break;
        }
        arms.add(dev.assay.stats.SampleStats.fromSums(a.path("n").asLong(), a.path("sumY").asDouble(),
            a.path("sumY2").asDouble()));
      }
      if (arms != null && !arms.isEmpty()) {
        out.put(m.getKey(), List.copyOf(arms));
      }
    }
    return out;
  }

  /** One variation's sums of a metric: units, Σy and Σy². */
  public record Sums(long n, double sum, double sumOfSquares) {}

  /**
   * Per mean, count or proportion metric of a {@code sufficientStatistics} object, each
   * variation's n, Σy and Σy² as stored, in variation order; ratio and quantile metrics are left out.
   */
  public static Map<String, List<Sums>> meanSums(JsonNode sufficient) {
    Map<String, List<Sums>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> m : sufficient.properties()) {
      List<Sums> arms = new ArrayList<>();
      for (JsonNode a : m.getValue()) {
        if (!a.has("sumY") || !a.has("sumY2")) {
          arms = null;
          break;
        }
        arms.add(new Sums(a.path("n").asLong(), a.path("sumY").asDouble(), a.path("sumY2").asDouble()));
      }
      if (arms != null && !arms.isEmpty()) {
        out.put(m.getKey(), List.copyOf(arms));
      }
    }
    return out;
  }

  /** Settings as stored; an old snapshot without some reads the defaults. */
  public static Settings readSettings(JsonNode s) {
    Analysis defaults = Analysis.DEFAULTS;
    long planned = s.path("plannedUnits").asLong(0);
    return new Settings(s.path("engine").isTextual() ? Engine.of(s.path("engine").asText()) : defaults.engine(),
        number(s, "alpha").orElse(defaults.alpha()), s.path("sequential").asBoolean(defaults.sequential()),
        s.path("cuped").asBoolean(defaults.cuped()),
        s.path("correction").isTextual() ? Correction.of(s.path("correction").asText()) : defaults.correction(),
        planned > 0 ? Optional.of(planned) : Optional.empty());
  }

  private static Result readResult(JsonNode r) {
    List<String> notes = new ArrayList<>();
    r.path("notes").forEach(n -> notes.add(n.asText()));
    return new Result(r.path("metric").asText(), r.path("variant").asText(), number(r, "controlMean"),
        number(r, "effect"), number(r, "ciLower"), number(r, "ciUpper"), number(r, "lift"), number(r, "liftCiLower"),
        number(r, "liftCiUpper"), number(r, "pValue"), number(r, "pValueAdjusted"), number(r, "cupedVarianceReduction"),
        number(r, "chanceToWin"), r.path("significant").asBoolean(), r.path("looks").asInt(), notes,
        r instanceof ObjectNode row ? row.deepCopy() : JSON.createObjectNode());
  }

  private static QuantileRow readQuantile(JsonNode q) {
    return new QuantileRow(q.path("metric").asText(), q.path("variant").asText(), q.path("method").asText(),
        number(q, "level"), number(q, "controlQuantile"), number(q, "variantQuantile"), number(q, "effect"),
        number(q, "ciLower"), number(q, "ciUpper"), number(q, "pValue"), number(q, "lift"), number(q, "liftCiLower"),
        number(q, "liftCiUpper"), text(q, "note"));
  }

  private static Breakdown readBreakdown(JsonNode d) {
    Map<String, List<ObjectNode>> levels = new LinkedHashMap<>();
    d.path("levels").properties().forEach(l -> {
      List<ObjectNode> rows = new ArrayList<>();
      l.getValue().forEach(r -> rows.add(r instanceof ObjectNode row ? row.deepCopy() : JSON.createObjectNode()));
      levels.put(l.getKey(), rows);
    });
    List<Interaction> interactions = new ArrayList<>();
    d.path("interaction").forEach(i -> interactions.add(new Interaction(i.path("metric").asText(),
        i.path("variant").asText(), i.path("method").asText(), number(i, "q"), number(i, "df"), number(i, "pValue"),
        number(i, "iSquared"), text(i, "note"))));
    return new Breakdown(levels, interactions);
  }

  static OptionalDouble number(JsonNode o, String field) {
    JsonNode v = o.path(field);
    return v.isNumber() ? finite(v.asDouble()) : OptionalDouble.empty();
  }

  static Optional<String> text(JsonNode o, String field) {
    JsonNode v = o.path(field);
    return v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
  }

  static Optional<Instant> instant(JsonNode v) {
    try {
      return v.isTextual() ? Optional.of(Instant.parse(v.asText())) : Optional.empty();
    } catch (java.time.format.DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static AnalysisSnapshot.DataQuality readQuality(JsonNode q) {
    if (!q.isObject()) {
      return AnalysisSnapshot.DataQuality.NONE;
    }
    List<AnalysisSnapshot.Excluded> excluded = new ArrayList<>();
    q.path("excluded").forEach(x -> excluded.add(new AnalysisSnapshot.Excluded(x.path("kind").asText(),
        x.path("reason").asText(), x.path("events").asLong())));
    List<AnalysisSnapshot.QualityCheck> checks = new ArrayList<>();
    q.path("checks").forEach(c -> checks.add(new AnalysisSnapshot.QualityCheck(c.path("check").asText(),
        c.path("status").asText(), number(c, "value"), c.path("message").asText())));
    return new AnalysisSnapshot.DataQuality(excluded, checks, q.path("exposureEvents").asLong(-1));
  }

  /** The health part of a snapshot as stored (the halt webhook sends it too). */
  public static ObjectNode health(Health h) {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode units = o.putArray("units");
    for (UnitCount u : h.units()) {
      units.addObject().put("variant", u.variant()).put("units", u.units()).put("share", u.share())
          .put("expectedShare", u.expectedShare());
    }
    o.put("srmPValue", h.srmPValue()).put("srmSequentialPValue", h.srmSequentialPValue()).put("srm", h.srm())
        .put("multipleExposureUnits", h.multipleExposureUnits()).put("multipleExposureRate", h.multipleExposureRate())
        .put("tooSmall", h.tooSmall());
    h.progress().ifPresent(p -> o.put("progress", p));
    ArrayNode warnings = o.putArray("warnings");
    h.warnings().forEach(warnings::add);
    ObjectNode q = o.putObject("dataQuality");
    ArrayNode excluded = q.putArray("excluded");
    h.dataQuality().excluded().forEach(x -> excluded.addObject().put("kind", x.kind()).put("reason", x.reason())
        .put("events", x.events()));
    ArrayNode checks = q.putArray("checks");
    for (AnalysisSnapshot.QualityCheck c : h.dataQuality().checks()) {
      ObjectNode n = checks.addObject().put("check", c.check()).put("status", c.status());
      put(n, "value", c.value());
      n.put("message", c.message());
    }
    q.put("exposureEvents", h.dataQuality().exposureEvents());
    return o;
  }

  private static ObjectNode quantile(QuantileRow q) {
    ObjectNode o = JSON.createObjectNode();
    o.put("metric", q.metric()).put("variant", q.variant()).put("method", q.method());
    put(o, "level", q.level());
    put(o, "controlQuantile", q.controlQuantile());
    put(o, "variantQuantile", q.variantQuantile());
    put(o, "effect", q.effect());
    put(o, "ciLower", q.ciLower());
    put(o, "ciUpper", q.ciUpper());
    put(o, "pValue", q.pValue());
    put(o, "lift", q.lift());
    put(o, "liftCiLower", q.liftCiLower());
    put(o, "liftCiUpper", q.liftCiUpper());
    q.note().ifPresent(n -> o.put("note", n));
    return o;
  }

  private static ObjectNode breakdown(Breakdown b) {
    ObjectNode o = JSON.createObjectNode();
    ObjectNode levels = o.putObject("levels");
    b.levels().forEach((level, rows) -> {
      ArrayNode a = levels.putArray(level);
      rows.forEach(r -> a.add(r.deepCopy()));
    });
    ArrayNode interactions = o.putArray("interaction");
    for (Interaction i : b.interaction()) {
      ObjectNode x = interactions.addObject().put("metric", i.metric()).put("variant", i.variant())
          .put("method", i.method());
      put(x, "q", i.q());
      put(x, "df", i.df());
      if (i.pValue().isPresent()) {
        x.put("pValue", i.pValue().getAsDouble());
      } else {
        x.putNull("pValue");
      }
      put(x, "iSquared", i.iSquared());
      i.note().ifPresent(n -> x.put("note", n));
    }
    return o;
  }

  static void put(ObjectNode o, String field, OptionalDouble v) {
    v.ifPresent(d -> o.put(field, d));
  }

  static OptionalDouble finite(double v) {
    return Double.isFinite(v) ? OptionalDouble.of(v) : OptionalDouble.empty();
  }

  static OptionalDouble finite(Double v) {
    return v == null ? OptionalDouble.empty() : finite(v.doubleValue());
  }
}
