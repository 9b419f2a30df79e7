package dev.assay.server.ui;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The typed values the experiment pages show, made by {@link ExperimentPagesDomain} from the
 * domain's experiment documents (as {@link UiModel} is for the foundation's pages). Public only
 * because the precompiled templates live in their own package.
 */
public final class ExperimentPagesModel {
  private ExperimentPagesModel() {}

  /** The lifecycle states in their order (ARCHITECTURE §5). */
  public static final List<String> STATUSES = List.of("draft", "running", "paused", "stopped", "concluded", "archived");

  /** An experiment in the list. */
  public record Row(String key, String name, String status, String owner, String type, int variants,
      String primaryMetric, boolean killed, boolean halted, Instant updatedAt) {}

  /** One page of the filtered list; {@code page} counts from 1. */
  public record ListPage(List<Row> rows, int total, int page, int pageSize, String status, String search) {
    public ListPage {
      rows = List.copyOf(rows);
    }

    public int pages() {
      return Math.max(1, (total + pageSize - 1) / pageSize);
    }

    public boolean hasPrevious() {
      return page > 1;
    }

    public boolean hasNext() {
      return page < pages();
    }
  }

  public record Variant(String key, String name, double weight, String value) {
    public String percent() {
      return String.format(java.util.Locale.ROOT, "%.4g%%", weight * 100);
    }
  }

  public record Guardrail(String metric, String direction, String threshold) {}

  public record Phase(int number, Instant startedAt, double coverage) {}

  /** How an experiment ended; {@code variant} and {@code audience} only for "ship". */
  public record Decision(String outcome, String variant, String audience, String writeUp) {}

  /** An experiment as its page shows it. */
  public record Experiment(String key, long version, String name, String hypothesis, String owner, String type,
      String status, String hashAttribute, String fallbackAttribute, String condition, double coverage,
      List<Variant> variants, String layer, String range, String primaryMetric, List<String> secondaryMetrics,
      List<Guardrail> guardrails, long plannedUnits, String plannedRun, String engine, double alpha, boolean sequential, boolean cuped,
      String correction, boolean autoHalt, List<Phase> phases, Optional<Decision> decision, Optional<String> halted,
      boolean killed, Instant updatedAt) {

    /** The lifecycle actions the domain allows from this status (its transition table). */
    public List<String> actions() {
      return switch (status) {
        case "draft" -> List.of("start", "archive");
        case "running" -> List.of("pause", "stop");
        case "paused" -> List.of("start", "stop");
        case "stopped" -> List.of("conclude");
        case "concluded" -> List.of("archive");
        default -> List.of();
      };
    }

    public boolean started() {
      return !phases.isEmpty();
    }

    public String displayName() {
      return name.isEmpty() ? key : name;
    }
  }

  /**
   * A flag rule that names an experiment, in an environment: where a "ship" can be rolled out
   * gradually ({@code rule} counts from 0). {@link #value()} is its option in the conclude form.
   */
  public record RolloutTarget(String flag, String environment, int rule, boolean needsApproval) {
    public String value() {
      return flag + ":" + environment + ":" + rule;
    }

    public String label() {
      return flag + " in " + environment + " (rule " + (rule + 1) + ")" + (needsApproval ? " · needs approval" : "");
    }
  }

  /** A metric of the catalogue, to choose from in the wizard. */
  public record MetricChoice(String key, String name, String type, String direction) {}

  /** The power calculator's answer; {@code perVariant} units in each variant. */
  public record Power(String kind, long perVariant, int variants, long total, Optional<Long> days,
      double treatmentValue, String method) {}
}
