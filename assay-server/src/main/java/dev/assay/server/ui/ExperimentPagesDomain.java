package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.MarkdownReport;
import dev.assay.server.analysis.RefreshProgress;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.RolloutPlan;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.safety.ShipRollouts;
import dev.assay.server.store.Kind;
import dev.assay.server.ui.ExperimentPagesModel.Experiment;
import dev.assay.server.ui.ExperimentPagesModel.ListPage;
import dev.assay.server.ui.ExperimentPagesModel.MetricChoice;
import dev.assay.server.ui.ExperimentPagesModel.RolloutTarget;
import dev.assay.server.ui.ExperimentPagesModel.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The experiment pages' part of the UI's adapter to the domain ({@link UiDomain} is the rest):
 * reads and lifecycle changes through {@link ConfigService} (its validation, versions and audit,
 * as {@code /api/v1/experiments}), refreshes through {@link ExperimentRefresh} (as
 * {@code POST /api/v1/experiments/{key}/refresh}), the report through {@link MarkdownReport}.
 * Wizard input becomes a document in {@link ExperimentPagesDocuments}. Thread-safe.
 */
final class ExperimentPagesDomain {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final ConfigService config;
  private final Optional<ExperimentRefresh> analysis;
  private final ShipRollouts ships;
  private final dev.assay.server.approvals.Policies policies;

  /*
   * The list page reads every experiment of a project; parsing 2,000 documents per request costs
   * more than the page may take (docs/performance.md). So the rows of a project are kept, with the
   * change generation they were read at: every committed change (this process's, or another
   * replica's through the store's change channel) bumps the generation, and rows read at an older
   * one are read again. A change during a read leaves rows of the old generation, never stale
   * rows marked current. The plot data of an experiment is kept the same way, also keyed by its
   * newest snapshot.
   */
  private final AtomicLong generation = new AtomicLong();
  private final Map<String, Cached<List<Indexed>>> rows = new ConcurrentHashMap<>();
  private final Map<String, Cached<byte[]>> plots = java.util.Collections.synchronizedMap(
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached<byte[]>> eldest) {
          return size() > PLOTS_KEPT;
        }
      });
  private static final int PLOTS_KEPT = 32;

  private record Cached<T>(long generation, String version, T value) {}

  /* A row and the lower-case text the search looks in (key, name, owner, hypothesis). */
  private record Indexed(Row row, String text) {}

  ExperimentPagesDomain(ConfigService config, Optional<ExperimentRefresh> analysis, ShipRollouts ships,
      dev.assay.server.approvals.Policies policies) {
    this.config = config;
    this.analysis = analysis;
    this.ships = ships;
    this.policies = policies;
    config.onChange(p -> generation.incrementAndGet());
    config.onRemoteChange(p -> generation.incrementAndGet());
  }

  /** One page of the experiments, newest change first, filtered by status and a search of key, name, owner, hypothesis. */
  ListPage list(String project, String status, String search, int page, int pageSize) {
    String needle = search.toLowerCase(Locale.ROOT);
    List<Row> matching = new ArrayList<>();
    for (Indexed i : indexed(project)) {
      if ((status.isEmpty() || i.row().status().equals(status)) && (needle.isEmpty() || i.text().contains(needle))) {
        matching.add(i.row());
      }
    }
    int pages = Math.max(1, (matching.size() + pageSize - 1) / pageSize);
    int p = Math.min(Math.max(page, 1), pages);
    List<Row> slice = matching.subList((p - 1) * pageSize, Math.min(matching.size(), p * pageSize));
    return new ListPage(slice, matching.size(), p, pageSize, status, search);
  }

  private List<Indexed> indexed(String project) {
    long gen = generation.get();
    Cached<List<Indexed>> cached = rows.get(project);
    if (cached != null && cached.generation() == gen) {
      return cached.value();
    }
    List<Indexed> out = new ArrayList<>();
    for (ObjectNode e : config.list(Kind.EXPERIMENT, project)) {
      Row row = new Row(e.path("key").asText(), e.path("name").asText(), e.path("status").asText("draft"),
          e.path("owner").asText(), e.path("type").asText("ab"), e.path("variants").size(),
          e.path("metrics").path("primary").asText(""), e.path("killed").isObject(), e.path("halted").isObject(),
          Instant.parse(e.path("updatedAt").asText()));
      String text = String.join("\n", row.key(), row.name(), row.owner(), e.path("hypothesis").asText(""))
          .toLowerCase(Locale.ROOT);
      out.add(new Indexed(row, text));
    }
    out.sort(Comparator.comparing((Indexed i) -> i.row().updatedAt()).reversed()
        .thenComparing(i -> i.row().key()));
    List<Indexed> value = List.copyOf(out);
    rows.put(project, new Cached<>(gen, "", value));
    return value;
  }

  /**
   * The plot data of an experiment, computed by {@code compute} from its snapshots unless the
   * configuration and its newest snapshot are as when it was last computed.
   */
  byte[] plots(String project, String key, java.util.function.Supplier<byte[]> compute) {
    long gen = generation.get();
    List<JsonNode> newest = snapshots(project, key, 1);
    String version = newest.isEmpty() ? "" : newest.get(0).path("computedAt").asText();
    Cached<byte[]> cached = plots.get(project + "/" + key);
    if (cached != null && cached.generation() == gen && cached.version().equals(version)) {
      return cached.value();
    }
    byte[] value = compute.get();
    plots.put(project + "/" + key, new Cached<>(gen, version, value));
    return value;
  }

  Experiment experiment(String project, String key) {
    return ExperimentPagesDocuments.experiment(document(project, key));
  }

  ObjectNode document(String project, String key) {
    return config.get(Kind.EXPERIMENT, project, key);
  }

  List<MetricChoice> metrics(String project) {
    return config.list(Kind.METRIC, project).stream().map(m -> new MetricChoice(m.path("key").asText(),
        m.path("name").asText(""), m.path("type").asText(), m.path("direction").asText("increase"))).toList();
  }

  /** Whether each metric's higher values are better, by key (the catalogue's direction). */
  Map<String, Boolean> higherIsBetter(String project) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    metrics(project).forEach(m -> out.put(m.key(), !m.direction().equals("decrease")));
    return out;
  }

  List<String> layers(String project) {
    return config.list(Kind.LAYER, project).stream().map(l -> l.path("key").asText()).toList();
  }

  /** Creates a draft experiment from the wizard's form; errors name the form's fields. */
  Experiment create(String project, Form form, String actor) {
    return ExperimentPagesDocuments.experiment(config.create(Kind.EXPERIMENT, project,
        ExperimentPagesDocuments.fromWizard(form), actor));
  }

  /** A lifecycle action (start, pause, stop, archive) at the version the page showed. */
  Experiment transition(String project, String key, ConfigService.Action action, long version, String actor) {
    ObjectNode body = NODES.objectNode().put("version", version);
    return ExperimentPagesDocuments.experiment(config.transition(project, key, action, body, actor));
  }

  /** Concludes with a decision; a "ship" keeps the experiment's targeting unless the audience is everyone. */
  Experiment conclude(String project, String key, long version, Form form, String actor) {
    return ExperimentPagesDocuments.experiment(config.transition(project, key, ConfigService.Action.CONCLUDE,
        decision(version, form), actor));
  }

  /**
   * Concludes with a "ship" decision and starts the rollout of the shipped variant the form
   * describes ({@code rollout.rule}: a {@link RolloutTarget}, {@code rollout.plan.*}: the plan as
   * the flag page's start form has it) in one transaction ({@link ShipRollouts}). Errors name the
   * form's inputs; nothing is written when one is thrown.
   */
  Experiment concludeAndRollOut(String project, String key, long version, Form form, String actor) {
    ObjectNode body = decision(version, form);
    Optional<Decision> decision = ModelJson.action("conclude", true, body);
    String chosen = form.get("rollout.rule");
    RolloutTarget target = rolloutTargets(project, key).stream().filter(t -> t.value().equals(chosen)).findFirst()
        .orElseThrow(() -> DomainException.invalid("rollout.rule", chosen.isEmpty()
            ? "is required: the flag rule that names experiment '" + key + "' and is to roll out the shipped variant"
            : "no flag rule naming experiment '" + key + "' is '" + chosen + "'"));
    RolloutPlan plan;
    try {
      plan = SafetyDomain.parse(SafetyDomain.RolloutInput.of(form, "rollout.plan.", Integer.toString(target.rule())),
          metrics(project).stream().map(MetricChoice::key).toList());
    } catch (DomainException e) {
      throw e.within("rollout.plan");
    }
    return ExperimentPagesDocuments.experiment(ModelJson.view(ships.conclude(project, key, decision,
        Optional.of(version), new ShipRollouts.Start(target.flag(), target.environment(), plan), actor)));
  }

  /**
   * The flag rules that name experiment {@code key}, by flag and environment, each marked when an
   * approval policy holds its environment's rollouts (the one-write start is refused there).
   */
  List<RolloutTarget> rolloutTargets(String project, String key) {
    java.util.Set<String> policed = policies.list(project).stream().map(dev.assay.server.approvals.Policy::environment)
        .collect(java.util.stream.Collectors.toSet());
    List<RolloutTarget> out = new ArrayList<>();
    for (Versioned<Flag> v : config.configuration(project).flags()) {
      Flag flag = v.value();
      new java.util.TreeMap<>(flag.environments()).forEach((env, settings) -> {
        for (int i = 0; i < settings.rules().size(); i++) {
          if (settings.rules().get(i).experiment().filter(key::equals).isPresent()) {
            out.add(new RolloutTarget(flag.key(), env, i, policed.contains(env)));
          }
        }
      });
    }
    out.sort(Comparator.comparing(RolloutTarget::flag).thenComparing(RolloutTarget::environment));
    return out;
  }

  private static ObjectNode decision(long version, Form form) {
    ObjectNode body = NODES.objectNode().put("version", version);
    ObjectNode d = body.putObject("decision");
    String outcome = form.get("decision.outcome");
    if (!outcome.isEmpty()) {
      d.put("outcome", outcome);
    }
    if (outcome.equals("ship")) {
      d.put("variant", form.get("decision.variant"));
      if (!form.get("decision.audience").isEmpty()) {
        d.put("audience", form.get("decision.audience"));
      }
    }
    d.put("writeUp", form.get("decision.writeUp"));
    return body;
  }

  /** The newest {@code limit} snapshots, newest first. */
  List<JsonNode> snapshots(String project, String key, int limit) {
    return config.snapshots(project, key, limit);
  }

  /** A factorial experiment's effects from a snapshot of it; empty for an experiment without factors. */
  Optional<dev.assay.server.analysis.FactorialResults> factorial(String project, String key, JsonNode snapshot) {
    var factors = config.experiment(project, key).value().factors();
    return factors.isEmpty() ? Optional.empty()
        : Optional.of(dev.assay.server.analysis.FactorialResults.of(factors, snapshot));
  }

  Optional<RefreshProgress> progress(String project, String key) {
    return analysis.flatMap(a -> a.progress(project, key));
  }

  /** Starts a refresh in the background (HTMX shows its progress). */
  RefreshProgress startRefresh(String project, String key, List<String> dimensions) {
    return warehouse().start(project, key, new ExperimentRefresh.Options(dimensions, 0));
  }

  /** Refreshes and waits (a browser without script posts the form and reloads). */
  void refresh(String project, String key, List<String> dimensions) {
    warehouse().refresh(project, key, step -> { }, new ExperimentRefresh.Options(dimensions, 0));
  }

  /** A holdout's results as the API answers them, or empty before the first refresh or without a warehouse. */
  Optional<JsonNode> holdoutResults(String project, String key) {
    try {
      return analysis.map(a -> a.holdouts().results(project, key));
    } catch (DomainException e) {
      return Optional.empty();
    }
  }

  boolean canRefresh() {
    return analysis.isPresent();
  }

  /** A snapshot's lineage (ADR 0043), as the API answers it. */
  ObjectNode lineage(String project, long snapshotId) {
    return dev.assay.server.analysis.SnapshotReproduction.lineage(config, project, snapshotId);
  }

  /** The Markdown report of the latest snapshot. */
  String report(String project, String key) {
    ObjectNode exp = document(project, key);
    List<JsonNode> snaps = snapshots(project, key, 1);
    if (snaps.isEmpty()) {
      throw DomainException.notFound("no results yet for experiment '" + key + "': refresh them first");
    }
    return MarkdownReport.render(exp, snaps.get(0), snaps.get(0).path("snapshotId").asLong(), project);
  }

  /** Exposure attributes to break results down by, as the API checks them. */
  static List<String> dimensions(String text) {
    List<String> dims = new ArrayList<>();
    for (String d : text.split(",")) {
      String dim = d.strip();
      if (dim.isEmpty()) {
        continue;
      }
      if (!dim.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
        throw DomainException.invalid("dimensions", "'" + dim + "' is not an exposure attribute name (letters, digits"
            + " and '_')");
      }
      dims.add(dim);
    }
    if (dims.size() > 5) {
      throw DomainException.invalid("dimensions", "at most 5 dimensions per refresh");
    }
    return dims;
  }

  /** The typed switchback {@code key} (404 when it is another type). */
  dev.assay.server.domain.model.Experiment switchbackExperiment(String project, String key) {
    dev.assay.server.domain.model.Experiment e = config.experiment(project, key).value();
    if (e.type() != dev.assay.server.domain.model.ExperimentType.SWITCHBACK) {
      throw DomainException.notFound("experiment '" + key + "' is not a switchback");
    }
    return e;
  }

  /** A switchback's window × region analysis, as {@code GET /api/v1/experiments/{key}/switchback}. */
  dev.assay.server.analysis.SwitchbackStatistics.Result switchback(String project,
      dev.assay.server.domain.model.Experiment e) {
    String primary = e.metrics().primary().orElseThrow(() -> DomainException.conflict("no_primary_metric",
        "switchback '" + e.key() + "' has no primary metric to analyse", List.of()));
    return warehouse().switchbacks().analyse(project, e, config.metric(project, primary), e.analysis().alpha());
  }

  private ExperimentRefresh warehouse() {
    return analysis.orElseThrow(() -> DomainException.conflict("no_warehouse",
        "no analysis warehouse is configured: start the server with --warehouse-url", List.of()));
  }
}
