package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.RefreshProgress;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.ConfigService.Action;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code /experiments}: CRUD plus the lifecycle actions start, pause, stop, conclude, archive. */
final class ExperimentsApi implements Resource {
  private final ConfigService config;
  private final Optional<ExperimentRefresh> analysis;
  private final dev.assay.server.safety.Rollouts rollouts;

  ExperimentsApi(ConfigService config, Optional<ExperimentRefresh> analysis, dev.assay.server.safety.Rollouts rollouts) {
    this.config = config;
    this.analysis = analysis;
    this.rollouts = rollouts;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>(
        Crud.endpoints(config, Kind.EXPERIMENT, "/experiments", Permission.WRITE_CONFIG, true));
    for (Action a : Action.values()) {
      String name = a.name().toLowerCase(Locale.ROOT);
      out.add(Endpoint.action("/experiments/{key}/" + name, Permission.WRITE_CONFIG,
          "Lifecycle: " + name + (a == Action.CONCLUDE ? " (body: {\"decision\": {...}}; with a ship decision, an"
              + " optional \"rollout\": {flag, environment, plan} starts its progressive rollout in the same write)" : ""),
          c -> Reply.ok(a == Action.CONCLUDE ? ShipRollout.conclude(config, rollouts, c)
              : config.transition(c.project(), c.path("key"), a, c.json(), c.actor())))
          .withRequestSchema(a == Action.CONCLUDE ? ShipRollout.schema() : null)
          .withQuery("project"));
    }
    out.addAll(KillSwitch.endpoints(config, Kind.EXPERIMENT, "/experiments"));
    out.addAll(HistoryApi.endpoints(config, Kind.EXPERIMENT, "/experiments"));
    out.add(Endpoint.action("/experiments/{key}/refresh", Permission.WRITE_METRICS,
        "Recompute results from the warehouse now and store a snapshot (?dimensions=country,platform,"
            + " ?phase=N, ?async=true answers 202 at once; follow it at GET .../refresh; ?full=true recomputes"
            + " without the incremental aggregates)", this::refresh)
        .withQuery("project", "dimensions", "phase", "async", "full"));
    out.add(Endpoint.get("/experiments/{key}/refresh", Permission.READ,
        "Progress of the latest refresh: state (running, done, failed), step, stepsDone/stepsTotal", c -> {
          ExperimentRefresh refresh = warehouse();
          config.get(Kind.EXPERIMENT, c.project(), c.path("key"));
          return Reply.ok(progress(refresh.progress(c.project(), c.path("key")).orElseThrow(() ->
              DomainException.notFound("no refresh of experiment '" + c.path("key") + "' since the server started"))));
        }).withQuery("project"));
    out.add(Endpoint.get("/experiments/{key}/results", Permission.READ,
        "Latest results snapshot (?history=N for the newest N)", this::results)
        .withQuery("project", "history"));
    out.add(Endpoint.get("/experiments/{key}/report.md", Permission.READ,
        "Markdown report of the latest results (decision-relevant summary)", this::report)
        .withQuery("project"));
    return out;
  }

  /* POST /experiments/{key}/refresh: validates the query, then refreshes now or starts one (async). */
  private Reply refresh(Call c) {
    c.noFields("a refresh (its options are query parameters)");
    ExperimentRefresh refresh = warehouse();
    List<String> dims = c.query("dimensions").map(v -> List.of(v.split(","))).orElse(List.of()).stream()
        .map(String::strip).filter(x -> !x.isEmpty()).toList();
    for (String dim : dims) {
      if (!dim.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
        throw DomainException.invalid("dimensions", "'" + dim + "' is not an exposure attribute name"
            + " (letters, digits and '_')");
      }
    }
    if (dims.size() > 5) {
      throw DomainException.invalid("dimensions", "at most 5 dimensions per refresh");
    }
    int phase = c.query("phase").map(v -> {
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw DomainException.invalid("phase", "must be a phase number (1, 2, ...), was '" + v + "'");
      }
    }).orElse(0);
    if (c.query("phase").isPresent() && phase < 1) {
      throw DomainException.invalid("phase", "must be a phase number (1, 2, ...), was " + phase);
    }
    boolean async = flag(c, "async");
    ExperimentRefresh.Options options = new ExperimentRefresh.Options(dims, phase, flag(c, "full"));
    if (async) {
      return Reply.json(202, progress(refresh.start(c.project(), c.path("key"), options)));
    }
    return Reply.ok(refresh.refresh(c.project(), c.path("key"), step -> { }, options));
  }

  /* A true/false query parameter, false when absent. */
  private static boolean flag(Call c, String name) {
    return c.query(name).map(v -> switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw DomainException.invalid(name, "must be true or false, was '" + v + "'");
    }).orElse(false);
  }

  /* GET /experiments/{key}/results: the latest snapshot, or the newest N with ?history=N. */
  private Reply results(Call c) {
    config.get(Kind.EXPERIMENT, c.project(), c.path("key"));
    int n = c.query("history").map(h -> {
      try {
        return Integer.parseInt(h);
      } catch (NumberFormatException e) {
        throw DomainException.invalid("history", "must be a whole number between 1 and 1000");
      }
    }).orElse(0);
    if (n < 0 || n > 1000) {
      throw DomainException.invalid("history", "must be a whole number between 1 and 1000");
    }
    List<JsonNode> snaps = config.snapshots(c.project(), c.path("key"), Math.max(1, n));
    if (snaps.isEmpty()) {
      throw DomainException.notFound("no results yet for experiment '" + c.path("key")
          + "': POST /api/v1/experiments/" + c.path("key") + "/refresh");
    }
    if (n == 0) {
      return Reply.ok(snaps.get(0));
    }
    ArrayNode items = JsonNodeFactory.instance.arrayNode();
    snaps.forEach(items::add);
    ObjectNode res = JsonNodeFactory.instance.objectNode();
    res.set("items", items);
    return Reply.ok(res);
  }

  /* GET /experiments/{key}/report.md: the latest snapshot as Markdown. */
  private Reply report(Call c) {
    ObjectNode exp = config.get(Kind.EXPERIMENT, c.project(), c.path("key"));
    List<JsonNode> snaps = config.snapshots(c.project(), c.path("key"), 1);
    if (snaps.isEmpty()) {
      throw DomainException.notFound("no results yet for experiment '" + c.path("key")
          + "': POST /api/v1/experiments/" + c.path("key") + "/refresh");
    }
    return new Reply(200, "text/markdown; charset=utf-8",
        dev.assay.server.analysis.MarkdownReport.render(exp, snaps.get(0), snaps.get(0).path("snapshotId").asLong(),
            c.project()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private ExperimentRefresh warehouse() {
    return analysis.orElseThrow(() -> DomainException.conflict("no_warehouse",
        "no analysis warehouse is configured: start the server with --warehouse-url", List.of()));
  }

  private static ObjectNode progress(RefreshProgress p) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("experiment", p.experiment());
    o.put("state", p.state().name().toLowerCase(Locale.ROOT));
    o.put("step", p.step());
    o.put("stepsDone", p.stepsDone());
    o.put("stepsTotal", p.stepsTotal());
    o.put("startedAt", p.startedAt().toString());
    p.finishedAt().ifPresent(t -> o.put("finishedAt", t.toString()));
    p.error().ifPresent(e -> o.put("error", e));
    return o;
  }
}
