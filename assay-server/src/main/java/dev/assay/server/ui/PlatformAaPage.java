package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.PlatformAa;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The platform A/A page (ADR 0048, docs/designs.md "Platform A/A"): the pooled verdict of {@code GET
 * /api/v1/platform/aa} — healthy, biased or insufficient, the false-positive rate with its binomial
 * p, the Kolmogorov–Smirnov uniformity test — a histogram of the pooled p-values (uPlot bars,
 * {@code designs.js}), the false-positive rate and the uniformity p-value per run over time (the
 * API's {@code overTime}), the recent runs, and what the newest run skipped and tested. "Run now" posts
 * {@code /ui/platform/aa/runs} with the permission of {@code POST /api/v1/platform/aa/runs}; HTMX
 * swaps the new verdict in.
 */
public final class PlatformAaPage implements UiRoutes.Area {
  /** Runs listed at most (the verdict pools {@value PlatformAa#RUNS_KEPT}). */
  static final int RUNS_SHOWN = 20;
  private final UiContext ui;

  PlatformAaPage(UiContext ui) {
    this.ui = ui;
  }

  /** {@code platform/aa.jte}; its body {@code platform/aaBody.jte} is what "Run now" swaps. */
  public record View(Shell shell, String status, String verdict, Optional<String> reason, int runs, int pValues,
      List<Stat> stats, List<Run> recent, List<PlatformAa.AaSkip> skipped, List<Test> tests, String histogram,
      String overTime, Optional<String> error) {
    public String link(String suffix) {
      return shell.link("/ui/platform/aa" + suffix);
    }
  }

  /** A figure of the verdict: its label, test id, text shown, and the API's value as JSON text ("null" when absent). */
  public record Stat(String label, String id, String text, String value) {}

  /** A run: when, how many tests, how many were below α. */
  public record Run(String at, int tests, int falsePositives) {}

  /** A test of the newest run. */
  public record Test(String experiment, String metric, long unitsA, long unitsB, String pValue) {}

  @Override
  public List<String> navIds() {
    return List.of("platform");
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/platform/aa", Permission.READ, c -> UiResponse.ok(ui.views().render("platform/aa.jte",
        view(c, Optional.empty()))));
    pages.post("/ui/platform/aa/runs", Permission.WRITE_METRICS, this::run);
  }

  private UiResponse run(UiCall c) {
    if (!c.htmx()) {
      ui.designs().runAa(c.project());
      return UiResponse.redirect(c.link("/ui/platform/aa"), "Platform A/A run done.");
    }
    Optional<String> error = Optional.empty();
    try {
      ui.designs().runAa(c.project());
    } catch (DomainException e) {
      error = Optional.of(e.getMessage());
    }
    // HTMX swaps only successful answers in: a refused run is a 200 that shows why.
    return UiResponse.ok(ui.views().render("platform/aaBody.jte", view(c, error)));
  }

  private View view(UiCall c, Optional<String> error) {
    ObjectNode r = ui.designs().aaResults(c.project());
    String status = r.path("status").asText();
    String verdict = switch (status) {
      case "ok" -> "Healthy: the pooled p-values look uniform";
      case "biased" -> "Biased: the platform's own A/A tests reject too often or unevenly";
      default -> "Not enough p-values for a verdict yet";
    };
    double alpha = r.path("alpha").asDouble();
    List<Stat> stats = List.of(
        stat("False-positive rate (p < " + alpha + ")", "aa-fpr", r.path("falsePositiveRate"), "%.3f"),
        stat("Binomial p of that rate", "aa-binomial-p", r.path("binomialPValue"), "%.3g"),
        stat("Kolmogorov–Smirnov D", "aa-ks-d", r.path("ksStatistic"), "%.3f"),
        stat("Kolmogorov–Smirnov p (uniformity)", "aa-ks-p", r.path("ksPValue"), "%.3g"));
    List<Run> recent = new ArrayList<>();
    for (JsonNode s : r.path("series")) {
      if (recent.size() < RUNS_SHOWN) {
        recent.add(new Run(s.path("at").asText(), s.path("tests").asInt(), s.path("falsePositives").asInt()));
      }
    }
    Optional<PlatformAa.AaRun> latest = ui.designs().aaLatest(c.project());
    List<Test> tests = latest.map(l -> l.tests().stream().map(t -> new Test(t.experiment(), t.metric(), t.unitsA(),
        t.unitsB(), String.format(Locale.ROOT, "%.4f", t.pValue()))).toList()).orElse(List.of());
    ObjectNode histogram = JsonNodeFactory.instance.objectNode();
    histogram.put("pValues", r.path("pValues").asInt());
    histogram.set("histogram", r.path("histogram"));
    return new View(c.shell("Platform A/A", "platform"), status, verdict,
        r.hasNonNull("reason") ? Optional.of(r.get("reason").asText()) : Optional.empty(), r.path("runs").asInt(),
        r.path("pValues").asInt(), stats, recent, latest.map(PlatformAa.AaRun::skipped).orElse(List.of()), tests,
        histogram.toString(), r.path("overTime").toString(), error);
  }

  private static Stat stat(String label, String id, JsonNode v, String format) {
    String text = v.isNumber() ? String.format(Locale.ROOT, format, v.asDouble()) : "–";
    return new Stat(label, id, text, v.isNumber() ? v.asText() : "null");
  }
}
