package dev.assay.server.ascode;

import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.DomainException.Detail;
import dev.assay.server.domain.References;
import dev.assay.server.domain.model.Keyed;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * The resources a set of files describes, each checked on its own (syntax, schema, the record's
 * rules) and against the others (one document per kind and key), in apply order: by kind
 * ({@link DocKind}), and within a kind what another names first (a ratio metric after its
 * metrics, a flag after its prerequisites).
 */
final class Submission {
  /** One resource of the files. */
  record Resource(DocKind kind, String key, Document document, Keyed record) {
    String file() {
      return document.file();
    }
  }

  private final List<Document> documents;
  private final List<Resource> resources;

  private Submission(List<Document> documents, List<Resource> resources) {
    this.documents = documents;
    this.resources = resources;
  }

  /** Reads the files; every problem found is added to {@code problems}. */
  static Submission read(List<AsCodeFile> files, List<Detail> problems) {
    List<Document> docs = Documents.parse(files, problems);
    List<Resource> out = new ArrayList<>();
    Map<String, Document> seen = new HashMap<>();
    for (Document d : docs) {
      if (!FileSchemas.validate(d, problems)) {
        continue;
      }
      Optional<Keyed> record = FileFormat.toRecord(d, problems);
      if (record.isEmpty()) {
        continue;
      }
      String id = d.kind().wire() + " '" + record.get().key() + "'";
      Document first = seen.putIfAbsent(id, d);
      if (first != null) {
        problems.add(new Detail(d.where() + (d.kind() == DocKind.EVENT_SCHEMA ? "name" : "key"), id + " is already defined in " + first.where()
            .substring(0, first.where().length() - 1)));
        continue;
      }
      out.add(new Resource(d.kind(), record.get().key(), d, record.get()));
    }
    return new Submission(docs, ordered(out));
  }

  List<Resource> resources() {
    return resources;
  }

  List<Document> documents() {
    return documents;
  }

  boolean defines(DocKind kind, String key) {
    return resources.stream().anyMatch(r -> r.kind() == kind && r.key().equals(key));
  }

  /**
   * Adds a problem for each reference to a resource that {@code exists} does not know, naming
   * the field in file terms; {@code where} says where the check looked.
   */
  void checkReferences(BiPredicate<DocKind, String> exists, String where, List<Detail> problems) {
    for (Resource r : resources) {
      for (References.Ref ref : References.of(r.record())) {
        Optional<DocKind> kind = DocKind.of(ref.kind());
        if (kind.isPresent() && !exists.test(kind.get(), ref.key())) {
          problems.add(new Detail(r.document().where() + FileFormat.fileField(r.kind(), ref.field()),
              kind.get().wire() + " '" + ref.key() + "' is not defined " + where));
        }
      }
    }
  }

  /**
   * The analysis-unit rule ({@link dev.assay.server.domain.UnitCheck}, ADR 0039) on every experiment
   * of the files, with the metrics the files define or {@code elsewhere} knows (the server, for plan).
   */
  void checkUnits(java.util.function.Function<String, Optional<dev.assay.server.domain.model.Metric>> elsewhere,
      List<Detail> problems) {
    java.util.Map<String, dev.assay.server.domain.model.Metric> metrics = new java.util.HashMap<>();
    resources.stream().filter(r -> r.record() instanceof dev.assay.server.domain.model.Metric)
        .forEach(r -> metrics.put(r.key(), (dev.assay.server.domain.model.Metric) r.record()));
    for (Resource r : resources) {
      if (r.record() instanceof dev.assay.server.domain.model.Experiment e) {
        dev.assay.server.domain.UnitCheck.problems(e, k -> metrics.containsKey(k) ? Optional.of(metrics.get(k))
            : elsewhere.apply(k)).forEach(p -> problems.add(new Detail(r.document().where()
            + FileFormat.fileField(r.kind(), dev.assay.server.domain.UnitCheck.FIELD), p)));
      }
    }
  }

  /** The 400 for these problems: every one as a detail, the first in the message. */
  static DomainException failure(List<Detail> problems) {
    Detail first = problems.get(0);
    String message = problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in the files; first: "
        + first.field() + " " + first.message();
    return new DomainException(DomainException.Category.INVALID, "validation_failed", message, problems);
  }

  /* By kind, then within a kind referenced before referrer, else by key. */
  static List<Resource> ordered(List<Resource> resources) {
    List<Resource> out = new ArrayList<>();
    for (DocKind k : DocKind.values()) {
      Map<String, Resource> byKey = new LinkedHashMap<>();
      resources.stream().filter(r -> r.kind() == k).sorted(Comparator.comparing(Resource::key))
          .forEach(r -> byKey.put(r.key(), r));
      Set<String> done = new HashSet<>();
      for (Resource r : byKey.values()) {
        visit(r, byKey, done, new HashSet<>(), out);
      }
    }
    return out;
  }

  private static void visit(Resource r, Map<String, Resource> byKey, Set<String> done, Set<String> path,
      List<Resource> out) {
    if (done.contains(r.key()) || !path.add(r.key())) {
      return; // a cycle is left to the write-time check, which names it
    }
    for (References.Ref ref : References.of(r.record())) {
      Resource dep = ref.ordering() && ref.kind() == r.kind().store ? byKey.get(ref.key()) : null;
      if (dep != null) {
        visit(dep, byKey, done, path, out);
      }
    }
    done.add(r.key());
    out.add(r);
  }
}
