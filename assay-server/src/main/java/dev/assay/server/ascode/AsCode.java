package dev.assay.server.ascode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.DomainException.Detail;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Keyed;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.events.DataContracts;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Plan, apply and export of a project's configuration as files (ADR 0022). A plan compares the
 * files' resources with the project read in one snapshot; apply writes each change in its own
 * transaction of the config service, against the version the plan read (a concurrent change is
 * a {@code version_conflict}; the changes before it stay applied). Event schemas are read and
 * written through the data contracts, which own them ({@link EventSchemaPlan}, ADR 0052).
 * Thread-safe.
 */
public final class AsCode {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build()).build();
  private static final Set<Kind> KINDS = Arrays.stream(DocKind.values()).filter(k -> k.config).map(k -> k.store)
      .collect(Collectors.toCollection(() -> EnumSet.noneOf(Kind.class)));

  private final ConfigService config;
  private final DataContracts contracts;

  /** Over the config service and, for event schemas, the data contracts (ADR 0052). */
  public AsCode(ConfigService config, DataContracts contracts) {
    this.config = config;
    this.contracts = contracts;
  }

  /** What applying the files would change; 400 {@code validation_failed} listing every problem. */
  public ObjectNode plan(String project, List<AsCodeFile> files, boolean prune) {
    return json(project, false, changes(project, files, prune));
  }

  /**
   * Applies the files: creates, updates and (with {@code prune}) deletes, in plan order. A running
   * experiment's allocation changes only with {@code newPhase} (else 422 {@code
   * new_phase_required}, nothing applied).
   */
  public ObjectNode apply(String project, List<AsCodeFile> files, boolean prune, boolean newPhase, String actor) {
    List<Change> changes = changes(project, files, prune);
    List<Change> needPhase = changes.stream().filter(Change::newPhaseRequired).toList();
    if (!newPhase && !needPhase.isEmpty()) {
      throw new DomainException(DomainException.Category.UNPROCESSABLE, "new_phase_required",
          needPhase.get(0).subject() + " is running and its variants or allocation change: this starts a new phase"
              + " (units are re-randomized); re-run with --new-phase (new_phase=true). Nothing was applied.",
          needPhase.stream().map(c -> new Detail(c.file().orElse("") + ":variants", c.kind().wire() + " '" + c.key()
              + "' changes allocation while running")).toList());
    }
    int applied = 0;
    for (Change c : changes) {
      try {
        write(project, c, newPhase && c.newPhaseRequired(), actor);
      } catch (DomainException e) {
        throw new DomainException(e.category(), e.code(), c.subject() + ": " + e.getMessage() + " (" + applied
            + (applied == 1 ? " change before it in plan order was applied and stays" : " changes before it in plan"
                + " order were applied and stay") + " applied; plan again)", e.details());
      }
      if (c.action() != Change.Action.UNCHANGED) {
        applied++;
      }
    }
    return json(project, true, changes);
  }

  private void write(String project, Change c, boolean newPhase, String actor) {
    if (!c.kind().config) {
      EventSchemaPlan.write(contracts, project, c, actor);
      return;
    }
    Kind kind = c.kind().store;
    project = kind == Kind.PROJECT ? "" : project;
    switch (c.action()) {
      case CREATE -> config.create(kind, project, c.record().orElseThrow(), actor);
      case UPDATE -> config.update(kind, project, c.record().orElseThrow(), c.version(), newPhase, actor);
      case DELETE -> config.delete(kind, project, c.key(), c.version(), actor);
      case UNCHANGED -> { }
    }
  }

  /** The project as files: one per resource, {@code <kind>s/<key>.yaml}, sorted by path. */
  public List<AsCodeFile> export(String project) {
    Map<Kind, List<Versioned<Keyed>>> current = current(project);
    List<AsCodeFile> out = new ArrayList<>();
    for (DocKind k : DocKind.values()) {
      for (Versioned<Keyed> v : current.getOrDefault(k.store, List.of())) {
        String name = k.config ? v.value().key() : EventSchemaFile.fileName(v.value().key());
        out.add(new AsCodeFile(k.folder() + "/" + name + ".yaml", yaml(FileFormat.minimal(k, v.value()))));
      }
    }
    out.sort(Comparator.comparing(AsCodeFile::path));
    return out;
  }

  static String yaml(JsonNode doc) {
    try {
      return YAML.writeValueAsString(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a document could not be written as YAML", e);
    }
  }

  private List<Change> changes(String project, List<AsCodeFile> files, boolean prune) {
    List<Detail> problems = new ArrayList<>();
    Submission submission = Submission.read(files, problems);
    submission.resources().stream().filter(r -> r.kind() == DocKind.PROJECT && !r.key().equals(project))
        .forEach(r -> problems.add(new Detail(r.document().where() + "key", "a project document describes the"
            + " project applied to ('" + project + "'), was '" + r.key() + "'; apply another project with --project")));
    boolean exists = config.projectKeys().contains(project);
    if (!exists && problems.isEmpty() && !submission.defines(DocKind.PROJECT, project)) {
      throw DomainException.notFound("project '" + project + "' not found; create it, or add a document"
          + " 'kind: project' with 'key: " + project + "' to the files");
    }
    Map<Kind, List<Versioned<Keyed>>> current = exists ? current(project) : Map.of();
    Map<DocKind, Map<String, Versioned<Keyed>>> server = new EnumMap<>(DocKind.class);
    for (DocKind k : DocKind.values()) {
      Map<String, Versioned<Keyed>> byKey = new HashMap<>();
      current.getOrDefault(k.store, List.of()).forEach(v -> byKey.put(v.value().key(), v));
      server.put(k, byKey);
    }
    submission.checkReferences((k, key) -> submission.defines(k, key) || (!prune && server.getOrDefault(k, Map.of()).containsKey(key)),
        prune ? "in these files (with prune, what the files do not define is deleted)"
            : "in these files nor in project '" + project + "'", problems);
    Map<String, Versioned<Keyed>> serverMetrics = prune ? Map.of() : server.getOrDefault(DocKind.METRIC, Map.of());
    submission.checkUnits(key -> Optional.ofNullable(serverMetrics.get(key)).map(Versioned::value)
        .filter(v -> v instanceof Metric).map(v -> (Metric) v), problems);
    EventSchemaPlan.check(submission, server.getOrDefault(DocKind.EVENT_SCHEMA, Map.of()), problems);
    if (!problems.isEmpty()) {
      throw Submission.failure(problems);
    }
    List<Change> out = new ArrayList<>();
    for (Submission.Resource r : submission.resources()) {
      Optional<Versioned<Keyed>> stored = Optional.ofNullable(server.getOrDefault(r.kind(), Map.of()).get(r.key()));
      out.add(r.kind().config ? change(r, stored) : EventSchemaPlan.change(r, stored));
    }
    if (prune) {
      out.addAll(deletes(submission, server));
    }
    return out;
  }

  /*
   * The project's resources, and of the projects only this one. The event schemas are a second
   * read (the data contracts own them): nothing refers to them, so no reference spans the two.
   */
  private Map<Kind, List<Versioned<Keyed>>> current(String project) {
    Map<Kind, List<Versioned<Keyed>>> all = new EnumMap<>(config.records(project, KINDS));
    all.computeIfPresent(Kind.PROJECT, (k, list) -> list.stream().filter(v -> v.value().key().equals(project)).toList());
    all.put(Kind.EVENT_SCHEMA, EventSchemaPlan.current(contracts, project));
    return all;
  }

  private static Change change(Submission.Resource r, Optional<Versioned<Keyed>> stored) {
    Optional<String> file = Optional.of(r.file());
    if (stored.isEmpty()) {
      return new Change(r.kind(), r.key(), file, Change.Action.CREATE, List.of(), Optional.of(r.record()), 0, false);
    }
    Keyed now = stored.get().value();
    List<FieldDiff.Field> fields = FieldDiff.of(FileFormat.toFile(r.kind(), now), FileFormat.toFile(r.kind(), r.record()));
    boolean phase = now instanceof Experiment was && r.record() instanceof Experiment next && was.live()
        && !was.sameAllocation(next);
    return new Change(r.kind(), r.key(), file, fields.isEmpty() ? Change.Action.UNCHANGED : Change.Action.UPDATE,
        fields, Optional.of(r.record()), stored.get().version(), phase);
  }

  /* What the server has and the files do not: deleted last, referrers before what they name. */
  private static List<Change> deletes(Submission submission, Map<DocKind, Map<String, Versioned<Keyed>>> server) {
    List<Change> out = new ArrayList<>();
    List<DocKind> kinds = new ArrayList<>(Arrays.asList(DocKind.values()));
    java.util.Collections.reverse(kinds);
    kinds.remove(DocKind.PROJECT); // prune never deletes the project it applies to
    for (DocKind k : kinds) {
      List<Versioned<Keyed>> gone = server.getOrDefault(k, Map.of()).values().stream()
          .filter(v -> !submission.defines(k, v.value().key()))
          .sorted(Comparator.comparing((Versioned<Keyed> v) -> v.value().key())).toList();
      List<Submission.Resource> ordered = Submission.ordered(gone.stream()
          .map(v -> new Submission.Resource(k, v.value().key(), placeholder(k), v.value())).toList());
      Map<String, Long> versions = new HashMap<>();
      gone.forEach(v -> versions.put(v.value().key(), v.version()));
      for (int i = ordered.size() - 1; i >= 0; i--) {
        String key = ordered.get(i).key();
        out.add(new Change(k, key, Optional.empty(), Change.Action.DELETE, List.of(), Optional.empty(),
            versions.getOrDefault(key, 0L), false));
      }
    }
    return out;
  }

  private static Document placeholder(DocKind k) {
    return new Document("", 1, false, k, F.objectNode());
  }

  private static ObjectNode json(String project, boolean applied, List<Change> changes) {
    ObjectNode out = F.objectNode();
    out.put("project", project);
    out.put("applied", applied);
    ArrayNode list = out.putArray("changes");
    Map<Change.Action, Integer> counts = new EnumMap<>(Change.Action.class);
    for (Change.Action a : Change.Action.values()) {
      counts.put(a, 0);
    }
    for (Change c : changes) {
      counts.merge(c.action(), 1, Integer::sum);
      ObjectNode o = list.addObject();
      o.put("kind", c.kind().wire());
      o.put("key", c.key());
      if (c.file().isPresent()) {
        o.put("file", c.file().get());
      } else {
        o.putNull("file");
      }
      o.put("action", c.action().wire());
      if (c.action() == Change.Action.UPDATE) {
        ArrayNode fs = o.putArray("fields");
        for (FieldDiff.Field f : c.fields()) {
          fs.addObject().put("path", f.path()).<ObjectNode>set("before", f.before()).set("after", f.after());
        }
      }
      if (c.newPhaseRequired()) {
        o.put("newPhaseRequired", true);
      }
      c.evolution().ifPresent(e -> o.put("evolution", e));
    }
    ObjectNode summary = out.putObject("summary");
    for (Change.Action a : List.of(Change.Action.CREATE, Change.Action.UPDATE, Change.Action.UNCHANGED,
        Change.Action.DELETE)) {
      summary.put(a.wire(), counts.get(a));
    }
    return out;
  }

  /** Reads a JSON {@code {"files": [{"path", "content"}]}} body; 400 naming the field otherwise. */
  public static List<AsCodeFile> files(JsonNode body) {
    JsonNode files = body.get("files");
    if (!body.isObject() || files == null || !files.isArray()) {
      throw DomainException.invalid("files", "is required: an array of {\"path\", \"content\"}");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!f.equals("files")) {
        throw DomainException.invalid(f, "unknown field; the body has only 'files'");
      }
    });
    List<AsCodeFile> out = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      JsonNode f = files.get(i);
      JsonNode path = f.get("path");
      JsonNode content = f.get("content");
      if (path == null || !path.isTextual() || path.asText().isBlank()) {
        throw DomainException.invalid("files[" + i + "].path", "is required: the file's name, e.g. 'flags.yaml'");
      }
      if (content == null || !content.isTextual()) {
        throw DomainException.invalid("files[" + i + "].content", "is required: the file's text");
      }
      if (f.size() != 2) {
        throw DomainException.invalid("files[" + i + "]", "has only 'path' and 'content'");
      }
      out.add(new AsCodeFile(path.asText(), content.asText()));
    }
    return out;
  }
}
