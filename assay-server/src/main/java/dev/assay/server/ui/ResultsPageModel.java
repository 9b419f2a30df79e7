package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.safety.GuardrailMonitor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the results page shows, read from an experiment and its latest snapshot: per metric and
 * variant the numbers and a verdict, grouped into primary, secondary and guardrail sections, the
 * health banners, and the dimension breakdowns. The verdict rules are in {@link #verdict}; the
 * guardrail breach is the guardrail monitor's own rule ({@link GuardrailMonitor#harmful}).
 * Immutable.
 */
public final class ResultsPageModel {
  private ResultsPageModel() {}

  /** A metric's verdict for one variant against control. */
  public enum Verdict {
    WIN("win"), LOSS("loss"), FLAT("flat"), GUARDRAIL_BREACHED("guardrail breached"),
    NOT_ENOUGH_DATA("not enough data");

    private final String label;

    Verdict(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    /** The CSS class of its badge. */
    public String css() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Which list of the experiment a metric is on. */
  public enum Role { PRIMARY, SECONDARY, GUARDRAIL }

  /** The numbers of one result that decide its verdict (null: missing). */
  record Numbers(Double effect, Double ciLower, Double ciUpper, Double controlMean, Double chanceToWin,
      boolean significant) {}

  /**
   * The verdict of one metric for one variant: not enough data while a variation is below the
   * metrics' minimum sample or the numbers are missing; for a guardrail, breached when its
   * interval lies entirely beyond the tolerated degradation (the monitor's rule); otherwise a
   * win or a loss when the result is significant (the analysis decided that: adjusted p below α,
   * or for the Bayesian engine a clear chance to win), in the direction that is better for this
   * metric, and flat when it is not.
   */
  static Verdict verdict(Role role, boolean higherIsBetter, boolean tooSmall, boolean bayesian, double threshold,
      Numbers n) {
    if (tooSmall || n.effect() == null || (bayesian ? n.chanceToWin() == null : n.ciLower() == null
        || n.ciUpper() == null)) {
      return Verdict.NOT_ENOUGH_DATA;
    }
    if (role == Role.GUARDRAIL && n.ciLower() != null && n.ciUpper() != null && n.controlMean() != null
        && GuardrailMonitor.harmful(higherIsBetter, threshold, n.controlMean(), n.ciLower(), n.ciUpper())) {
      return Verdict.GUARDRAIL_BREACHED;
    }
    if (!n.significant()) {
      return Verdict.FLAT;
    }
    boolean better = bayesian ? n.chanceToWin() > 0.5 : (n.effect() > 0) == higherIsBetter;
    return better ? Verdict.WIN : Verdict.LOSS;
  }

  /** One metric for one variant. */
  public record Row(String metric, String variant, Role role, Verdict verdict, Double controlMean,
      Double variantMean, Double effect, Double ciLower, Double ciUpper, Double lift, Double liftCiLower,
      Double liftCiUpper, Double pValue, Double pValueAdjusted, Double chanceToWin, Double cupedVarianceReduction,
      Double unadjustedEffect, String method, List<String> notes) {

    public String number(Double v) {
      return format(v);
    }

    public String percent(Double v) {
      return v == null ? "–" : String.format(Locale.ROOT, "%+.2f%%", 100 * v);
    }

    public String interval(Double lo, Double hi) {
      return "[" + format(lo) + ", " + format(hi) + "]";
    }

    public String percentInterval(Double lo, Double hi) {
      return "[" + percent(lo) + ", " + percent(hi) + "]";
    }

    public String p(Double v) {
      return v == null ? "–" : String.format(Locale.ROOT, v < 1e-4 ? "%.1e" : "%.4f", v);
    }

    public String chance() {
      return chanceToWin == null ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * chanceToWin);
    }

    public String cuped() {
      return cupedVarianceReduction == null ? "–"
          : String.format(Locale.ROOT, "−%.0f%% variance", 100 * cupedVarianceReduction);
    }
  }

  public record Section(Role role, String title, List<Row> rows) {
    public String id() {
      return role.name().toLowerCase(Locale.ROOT);
    }

    /** The section's metrics, in order, once each (one pair of plots each). */
    public List<String> metrics() {
      // quantile comparisons have no plots (the plot data is of the mean-type results)
      return rows.stream().filter(r -> !r.method().startsWith("quantile")).map(Row::metric).distinct().toList();
    }
  }

  /** A health banner: {@code level} is ok, warn or bad. */
  public record Banner(String level, String kind, String text) {}

  public record Units(String variant, long units, double share, double expectedShare) {
    public String shares() {
      return String.format(Locale.ROOT, "%.1f%% (expected %.1f%%)", 100 * share, 100 * expectedShare);
    }
  }

  /** A breakdown: per level the rows, and the interaction tests (does the effect differ?). */
  public record Dimension(String name, Map<String, List<Row>> levels, List<String> interactions) {}

  /** Everything the page shows. */
  public record Results(int phase, Instant computedAt, String engine, double alpha, boolean sequential,
      String correction, List<Section> sections, List<Banner> banners, List<Units> units, List<Dimension> dimensions,
      int snapshots, long snapshotId) {
    public boolean bayesian() {
      return engine.equals("bayesian");
    }

    public String confidence() {
      return String.format(Locale.ROOT, "%.0f%%", 100 * (1 - alpha));
    }
  }

  /**
   * The results of a snapshot of this experiment.
   *
   * @param higherIsBetter the catalogue's direction of each metric (a guardrail's own direction wins)
   */
  static Results of(JsonNode experiment, JsonNode snapshot, Map<String, Boolean> higherIsBetter, int snapshots) {
    JsonNode settings = snapshot.path("settings");
    boolean bayesian = settings.path("engine").asText().equals("bayesian");
    JsonNode health = snapshot.path("health");
    boolean tooSmall = health.path("tooSmall").asBoolean(false);
    Map<String, Role> roles = new LinkedHashMap<>();
    Map<String, JsonNode> guardrails = new LinkedHashMap<>();
    JsonNode refs = experiment.path("metrics");
    if (refs.path("primary").isTextual()) {
      roles.put(refs.path("primary").asText(), Role.PRIMARY);
    }
    refs.path("secondary").forEach(m -> roles.putIfAbsent(m.asText(), Role.SECONDARY));
    refs.path("guardrails").forEach(g -> {
      roles.putIfAbsent(g.path("metric").asText(), Role.GUARDRAIL);
      guardrails.putIfAbsent(g.path("metric").asText(), g);
    });
    RowReader reader = new RowReader(roles, guardrails, higherIsBetter, tooSmall, bayesian);
    Map<Role, List<Row>> byRole = new LinkedHashMap<>();
    for (Role r : Role.values()) {
      byRole.put(r, new ArrayList<>());
    }
    for (JsonNode r : snapshot.path("results")) {
      Row row = reader.row(r);
      byRole.get(row.role()).add(row);
    }
    for (JsonNode q : snapshot.path("quantileResults")) {
      Row row = reader.quantileRow(q, settings.path("alpha").asDouble(0.05));
      byRole.get(row.role()).add(row);
    }
    List<Section> sections = List.of(new Section(Role.PRIMARY, "Primary metric", byRole.get(Role.PRIMARY)),
        new Section(Role.SECONDARY, "Secondary metrics", byRole.get(Role.SECONDARY)),
        new Section(Role.GUARDRAIL, "Guardrails", byRole.get(Role.GUARDRAIL)));
    List<Units> units = new ArrayList<>();
    health.path("units").forEach(u -> units.add(new Units(u.path("variant").asText(), u.path("units").asLong(),
        u.path("share").asDouble(), u.path("expectedShare").asDouble())));
    List<Dimension> dimensions = new ArrayList<>();
    snapshot.path("dimensions").fields().forEachRemaining(d -> {
      Map<String, List<Row>> levels = new LinkedHashMap<>();
      d.getValue().path("levels").fields().forEachRemaining(l -> {
        List<Row> rows = new ArrayList<>();
        l.getValue().forEach(r -> rows.add(reader.row(r)));
        levels.put(l.getKey(), rows);
      });
      List<String> interactions = new ArrayList<>();
      for (JsonNode i : d.getValue().path("interaction")) {
        interactions.add(i.path("metric").asText() + " / " + i.path("variant").asText() + ": " + (i.path("pValue")
            .isNumber() ? String.format(Locale.ROOT, "Cochran's Q p = %.3g%s", i.path("pValue").asDouble(),
            i.path("pValue").asDouble() < settings.path("alpha").asDouble(0.05) ? " — the effect differs between levels"
                : "") : i.path("note").asText("not computed")));
      }
      dimensions.add(new Dimension(d.getKey(), levels, interactions));
    });
    return new Results(snapshot.path("phase").asInt(), Instant.parse(snapshot.path("computedAt").asText()),
        settings.path("engine").asText("frequentist"), settings.path("alpha").asDouble(0.05),
        settings.path("sequential").asBoolean(true), settings.path("correction").asText("benjamini_hochberg"), sections,
        banners(experiment, snapshot), units, dimensions, snapshots, snapshot.path("snapshotId").asLong(0));
  }

  /* Reads result objects of a snapshot into rows with their verdicts. */
  private record RowReader(Map<String, Role> roles, Map<String, JsonNode> guardrails,
      Map<String, Boolean> higherIsBetter, boolean tooSmall, boolean bayesian) {
    Row row(JsonNode r) {
      String metric = r.path("metric").asText();
      Role role = roles.getOrDefault(metric, Role.SECONDARY);
      boolean higher = higherIsBetter.getOrDefault(metric, true);
      double threshold = 0;
      JsonNode g = guardrails.get(metric);
      if (role == Role.GUARDRAIL && g != null) {
        if (g.path("direction").isTextual()) {
          higher = !g.path("direction").asText().equals("decrease");
        }
        threshold = g.path("threshold").asDouble(0);
      }
      Numbers n = new Numbers(num(r, "effect"), num(r, "ciLower"), num(r, "ciUpper"), num(r, "controlMean"),
          num(r, "chanceToWin"), r.path("significant").asBoolean(false));
      List<String> notes = new ArrayList<>();
      r.path("notes").forEach(x -> notes.add(x.asText()));
      return new Row(metric, r.path("variant").asText(), role, verdict(role, higher, tooSmall, bayesian, threshold, n),
          n.controlMean(), num(r, "variantMean"), n.effect(), n.ciLower(), n.ciUpper(), num(r, "lift"),
          num(r, "liftCiLower"), num(r, "liftCiUpper"), num(r, "pValue"), num(r, "pValueAdjusted"), n.chanceToWin(),
          num(r, "cupedVarianceReduction"), num(r, "unadjustedEffect"), r.path("method").asText(""), notes);
    }

    /* A quantile metric's comparison (its own fixed-horizon test, read at the experiment's α). */
    Row quantileRow(JsonNode q, double alpha) {
      String metric = q.path("metric").asText();
      Role role = roles.getOrDefault(metric, Role.SECONDARY);
      boolean higher = higherIsBetter.getOrDefault(metric, true);
      double threshold = 0;
      JsonNode g = guardrails.get(metric);
      if (role == Role.GUARDRAIL && g != null) {
        if (g.path("direction").isTextual()) {
          higher = !g.path("direction").asText().equals("decrease");
        }
        threshold = g.path("threshold").asDouble(0);
      }
      Double p = num(q, "pValue");
      Numbers n = new Numbers(num(q, "effect"), num(q, "ciLower"), num(q, "ciUpper"), num(q, "controlQuantile"), null,
          p != null && p < alpha);
      List<String> notes = q.path("note").isTextual() ? List.of(q.path("note").asText()) : List.of();
      return new Row(metric + String.format(Locale.ROOT, " (p%.0f)", 100 * q.path("level").asDouble()),
          q.path("variant").asText(), role, verdict(role, higher, tooSmall, false, threshold, n), n.controlMean(),
          num(q, "variantQuantile"), n.effect(), n.ciLower(), n.ciUpper(), num(q, "lift"), num(q, "liftCiLower"),
          num(q, "liftCiUpper"), p, p, null, null, null, q.path("method").asText(""), notes);
    }
  }

  /* The rows flagged at ingestion and left out, by reason, and each data-quality check not ok (ADR 0042). */
  private static void dataQualityBanners(JsonNode q, List<Banner> out) {
    StringBuilder excluded = new StringBuilder();
    long total = 0;
    for (JsonNode x : q.path("excluded")) {
      total += x.path("events").asLong();
      excluded.append(excluded.isEmpty() ? "" : ", ").append(x.path("events").asLong()).append(' ')
          .append(x.path("kind").asText()).append(x.path("events").asLong() == 1 ? " (" : "s (")
          .append(x.path("reason").asText().replace('_', ' ')).append(')');
    }
    if (total > 0) {
      out.add(new Banner("info", "excluded", "Excluded as flagged at ingestion: " + excluded + "."));
    }
    for (JsonNode c : q.path("checks")) {
      String status = c.path("status").asText();
      if (!status.equals("ok")) {
        out.add(new Banner(status.equals("fail") ? "bad" : "warn", "data-quality-" + c.path("check").asText(),
            "Data quality, " + c.path("check").asText().replace('_', ' ') + ": " + c.path("message").asText() + "."));
      }
    }
  }

  static List<Banner> banners(JsonNode experiment, JsonNode snapshot) {
    JsonNode h = snapshot.path("health");
    List<Banner> out = new ArrayList<>();
    JsonNode halted = experiment.path("halted");
    if (halted.isObject()) {
      out.add(new Banner("bad", "halted", "Halted by " + halted.path("by").asText() + ": " + halted.path("reason")
          .asText() + " — traffic goes to control."));
    }
    if (h.path("srm").asBoolean(false)) {
      out.add(new Banner("bad", "srm", String.format(Locale.ROOT, "Sample ratio mismatch (χ² p = %.3g, sequential p ="
          + " %.3g): the split differs from the weights; do not trust these results.", h.path("srmPValue").asDouble(),
          h.path("srmSequentialPValue").asDouble())));
    } else {
      out.add(new Banner("ok", "srm", String.format(Locale.ROOT, "Sample ratio ok (χ² p = %.3g).",
          h.path("srmPValue").asDouble(1))));
    }
    long multiple = h.path("multipleExposureUnits").asLong(0);
    if (multiple > 0) {
      out.add(new Banner(h.path("multipleExposureRate").asDouble() > 0.01 ? "warn" : "ok", "multiple-exposures",
          String.format(Locale.ROOT, "%d units saw more than one variation (%.2f%%) and are excluded.", multiple,
              100 * h.path("multipleExposureRate").asDouble())));
    }
    if (h.path("tooSmall").asBoolean(false)) {
      out.add(new Banner("warn", "small-sample", "Too few units in a variation for the metrics' minimum sample:"
          + " the verdicts wait for more data."));
    }
    if (h.path("progress").isNumber()) {
      long planned = experiment.path("plannedUnits").asLong(0);
      out.add(new Banner(h.path("progress").asDouble() >= 1 ? "ok" : "info", "progress", String.format(Locale.ROOT,
          "Progress to the planned sample: %.0f%% of %,d units.", 100 * h.path("progress").asDouble(), planned)));
    }
    designBanners(snapshot, out);
    dataQualityBanners(h.path("dataQuality"), out);
    Optional<Instant> from = Optional.ofNullable(snapshot.path("from").textValue()).map(Instant::parse);
    from.ifPresent(f -> {
      // Up to the phase's end, or to when this snapshot was computed.
      Instant to = Optional.ofNullable(snapshot.path("to").textValue()).or(() ->
          Optional.ofNullable(snapshot.path("computedAt").textValue())).map(Instant::parse).orElse(f);
      long days = Duration.between(f, to).toDays();
      out.add(new Banner("info", "runtime", "Phase " + snapshot.path("phase").asInt() + " has run " + days
          + (days == 1 ? " day" : " days") + (days < 7 ? ": run at least a full week to cover weekly cycles." : ".")));
    });
    return out;
  }

  /* The cluster randomization and the triggered analysis of a snapshot (docs/designs.md, ADR 0039). */
  private static void designBanners(JsonNode snapshot, List<Banner> out) {
    JsonNode c = snapshot.path("cluster");
    if (c.isObject()) {
      long clusters = 0;
      long units = 0;
      for (JsonNode v : c.path("variants")) {
        clusters += v.path("clusters").asLong();
        units += v.path("units").asLong();
      }
      out.add(new Banner("info", "cluster", String.format(Locale.ROOT, "Cluster randomization by '%s': results per"
          + " '%s' (%,d units in %,d clusters), intervals at the cluster level; the unit counts below are clusters.",
          c.path("randomizedBy").asText(), c.path("unit").asText(), units, clusters)));
    }
    JsonNode st = snapshot.path("stratification");
    if (st.isObject()) {
      StringBuilder rows = new StringBuilder();
      for (JsonNode d : st.path("results")) {
        rows.append(String.format(Locale.ROOT, " %s/%s %s [%s, %s] (variance −%.0f%%);", d.path("metric").asText(),
            d.path("variant").asText(), format(num(d, "effect")), format(num(d, "ciLower")), format(num(d, "ciUpper")),
            100 * d.path("varianceReduction").asDouble()));
      }
      out.add(new Banner("info", "stratification", "Post-stratified by '" + st.path("attribute").asText() + "':"
          + rows));
    }
    JsonNode t = snapshot.path("trigger");
    if (t.isObject()) {
      StringBuilder diluted = new StringBuilder();
      for (JsonNode d : t.path("diluted")) {
        diluted.append(String.format(Locale.ROOT, " %s/%s %s [%s, %s];", d.path("metric").asText(),
            d.path("variant").asText(), format(num(d, "effect")), format(num(d, "ciLower")), format(num(d, "ciUpper"))));
      }
      out.add(new Banner("info", "trigger", String.format(Locale.ROOT, "Triggered analysis on '%s': %,d of %,d exposed"
          + " units (%.1f%%). Effects diluted to all exposed units:%s", t.path("event").asText(),
          t.path("triggeredUnits").asLong(), t.path("exposedUnits").asLong(), 100 * t.path("share").asDouble(),
          diluted)));
    }
  }

  static Double num(JsonNode o, String field) {
    JsonNode v = o.path(field);
    return v.isNumber() && Double.isFinite(v.asDouble()) ? v.asDouble() : null;
  }

  static String format(Double v) {
    if (v == null) {
      return "–";
    }
    double d = v;
    return Math.abs(d) >= 1e5 || (Math.abs(d) < 1e-3 && d != 0) ? String.format(Locale.ROOT, "%.3e", d)
        : String.format(Locale.ROOT, "%.4f", d);
  }
}
