package dev.assay.server.ascode;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.DomainException.Detail;
import dev.assay.server.domain.model.Keyed;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.events.DataContracts;
import dev.assay.server.events.EventSchema;
import dev.assay.server.events.SchemaChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The event schemas' part of a plan and an apply (ADR 0052). They are read from and written to
 * {@link DataContracts}, which owns them, and every change is judged by the rule its put applies
 * ({@link SchemaChange#decide}): a compatible change is an update to the next version, a breaking
 * one is a problem of the plan naming the field unless the file declares the next version, and
 * the write is made against the schema version the plan read.
 */
final class EventSchemaPlan {
  private EventSchemaPlan() {}

  /** A project's schemas as resources, versioned by their schema version. */
  static List<Versioned<Keyed>> current(DataContracts contracts, String project) {
    List<Versioned<Keyed>> out = new ArrayList<>();
    for (EventSchema s : contracts.schemas(project)) {
      Instant at = parse(s.updatedAt());
      out.add(new Versioned<>(new DeclaredSchema(s, Optional.empty()), project, s.version(), at, at));
    }
    return out;
  }

  private static Instant parse(String at) {
    try {
      return Instant.parse(at);
    } catch (java.time.format.DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  /** Adds a problem, in file terms, for each schema of the files that the server would refuse. */
  static void check(Submission submission, Map<String, Versioned<Keyed>> server, List<Detail> problems) {
    for (Submission.Resource r : submission.resources()) {
      if (r.record() instanceof DeclaredSchema d) {
        try {
          decide(d, Optional.ofNullable(server.get(r.key())));
        } catch (DomainException e) {
          String where = r.document().where();
          boolean breaking = e.code().equals("breaking_change");
          long next = Optional.ofNullable(server.get(r.key())).map(v -> v.version() + 1).orElse(1L);
          for (Detail x : e.details()) {
            problems.add(new Detail(where + x.field(), breaking ? x.message() + ": a breaking change of event '"
                + r.key() + "' schema version " + (next - 1) + " (events valid now would be refused); add 'version: "
                + next + "' to the file to apply it as the next version" : e.getMessage()));
          }
        }
      }
    }
  }

  private static SchemaChange.Decision decide(DeclaredSchema d, Optional<Versioned<Keyed>> stored) {
    return SchemaChange.decide(stored.map(v -> ((DeclaredSchema) v.value()).schema()), d.schema(), d.declared());
  }

  /** The planned change of one schema of the files (its decision is checked already). */
  static Change change(Submission.Resource r, Optional<Versioned<Keyed>> stored) {
    DeclaredSchema d = (DeclaredSchema) r.record();
    Optional<String> file = Optional.of(r.file());
    SchemaChange.Decision decision = decide(d, stored);
    if (stored.isEmpty()) {
      return new Change(r.kind(), r.key(), file, Change.Action.CREATE, List.of(), Optional.of(d), 0, false);
    }
    long was = stored.get().version();
    if (decision.outcome() == DataContracts.Outcome.UNCHANGED) {
      return new Change(r.kind(), r.key(), file, Change.Action.UNCHANGED, List.of(), Optional.of(d), was, false);
    }
    List<FieldDiff.Field> fields = new ArrayList<>();
    JsonNodeFactory f = JsonNodeFactory.instance;
    fields.add(new FieldDiff.Field("version", f.numberNode(was), f.numberNode(decision.version())));
    fields.addAll(FieldDiff.of(FileFormat.toFile(r.kind(), stored.get().value()), FileFormat.toFile(r.kind(), d)));
    String evolution = decision.outcome() == DataContracts.Outcome.NEW_VERSION ? "breaking" : "compatible";
    return new Change(r.kind(), r.key(), file, Change.Action.UPDATE, fields, Optional.of(d), was, false,
        Optional.of(evolution));
  }

  /** Writes one planned change, against the schema version the plan read. */
  static void write(DataContracts contracts, String project, Change c, String actor) {
    switch (c.action()) {
      case CREATE, UPDATE -> {
        DeclaredSchema d = (DeclaredSchema) c.record().orElseThrow();
        contracts.put(project, d.schema(), d.declared(), OptionalLong.of(c.version()), actor);
      }
      case DELETE -> contracts.delete(project, c.key(), OptionalLong.of(c.version()), actor);
      case UNCHANGED -> { }
    }
  }
}
