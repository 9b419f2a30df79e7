package dev.assay.server.domain;

import static dev.assay.server.domain.Entities.noun;
import static dev.assay.server.domain.Entities.read;

import dev.assay.server.domain.model.Conditions;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.FlagRule;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.Prerequisite;
import dev.assay.server.domain.model.SdkConnection;
import dev.assay.server.domain.model.Segment;
import dev.assay.server.domain.model.User;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reference integrity between entities of a project: what a record names must exist (checked on
 * every write, 422 naming the field), and what other entities name cannot be deleted (409 listing
 * them). Runs inside the caller's store transaction.
 */
final class ReferenceCheck {
  private ReferenceCheck() {}

  /** Checks that everything {@code record} refers to ({@link References}) exists in {@code scope}. */
  static void check(StoreTransaction tx, String scope, Object record) {
    if (record instanceof User u) {
      for (int i = 0; i < u.projects().size(); i++) {
        require(tx, Kind.PROJECT, "", u.projects().get(i), "projects[" + i + "]");
      }
      return;
    }
    if (record instanceof Segment s && Conditions.segmentRefs(s.condition()).contains(s.key())) {
      throw DomainException.invalid("condition", "a segment cannot refer to itself");
    }
    if (record instanceof Flag f) {
      checkPrerequisites(tx, scope, f);
    }
    for (References.Ref r : References.of(record)) {
      if (r.ordering()) {
        require(tx, r.kind(), scope, r.key(), r.field());
      }
    }
    if (record instanceof Experiment x) {
      UnitCheck.check(x, key -> tx.get(Kind.METRIC, scope, key).map(e -> read(Metric.class, e)));
    }
  }

  /**
   * Prerequisites name existing flags, expect a value of the parent's type, and form no cycle with
   * the prerequisites already stored (a cycle would make every flag on it unevaluable).
   */
  private static void checkPrerequisites(StoreTransaction tx, String scope, Flag f) {
    Map<String, List<String>> graph = new HashMap<>();
    Map<String, Flag> flags = new HashMap<>();
    for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
      Flag stored = read(Flag.class, e);
      flags.put(e.key(), stored);
      graph.put(e.key(), stored.prerequisites().stream().map(Prerequisite::flag).toList());
    }
    graph.put(f.key(), f.prerequisites().stream().map(Prerequisite::flag).toList());
    for (int i = 0; i < f.prerequisites().size(); i++) {
      Prerequisite p = f.prerequisites().get(i);
      String field = "prerequisites[" + i + "]";
      Flag parent = flags.get(p.flag());
      if (parent == null) {
        throw DomainException.badReference(field + ".flag", "flag '" + p.flag() + "' does not exist");
      }
      parent.type().check(field + ".value", p.value());
      List<String> path = new ArrayList<>(List.of(f.key()));
      if (reaches(graph, p.flag(), f.key(), path, new HashSet<>())) {
        throw DomainException.badReference(field + ".flag", "would form a prerequisite cycle: "
            + String.join(" -> ", path));
      }
    }
  }

  /* Depth-first: whether {@code target} is reachable from {@code from}; {@code path} ends as the cycle. */
  private static boolean reaches(Map<String, List<String>> graph, String from, String target, List<String> path,
      Set<String> seen) {
    path.add(from);
    if (from.equals(target)) {
      return true;
    }
    if (seen.add(from)) {
      for (String next : graph.getOrDefault(from, List.of())) {
        if (reaches(graph, next, target, path, seen)) {
          return true;
        }
      }
    }
    path.remove(path.size() - 1);
    return false;
  }

  static void require(StoreTransaction tx, Kind kind, String scope, String key, String field) {
    if (tx.get(kind, scope, key).isEmpty()) {
      throw DomainException.badReference(field, noun(kind) + " '" + key + "' does not exist");
    }
  }

  /** Entities that refer to (kind, key): what blocks its deletion. */
  static List<String> referrers(StoreTransaction tx, String scope, Kind kind, String key) {
    List<String> out = new ArrayList<>();
    switch (kind) {
      case METRIC, LAYER, SEGMENT -> {
        for (StoredEntity e : tx.list(Kind.EXPERIMENT, scope)) {
          Experiment x = read(Experiment.class, e);
          boolean uses = switch (kind) {
            case METRIC -> x.metrics().all().contains(key);
            case LAYER -> x.layer().filter(key::equals).isPresent();
            default -> Conditions.segmentRefs(x.condition()).contains(key);
          };
          if (uses) {
            out.add("experiment '" + e.key() + "'");
          }
        }
        if (kind == Kind.METRIC) {
          for (StoredEntity e : tx.list(Kind.METRIC, scope)) {
            Metric m = read(Metric.class, e);
            if (m.numerator().filter(key::equals).isPresent() || m.denominator().filter(key::equals).isPresent()) {
              out.add("metric '" + e.key() + "'");
            }
          }
          for (StoredEntity e : tx.list(Kind.HOLDOUT, scope)) {
            if (read(Holdout.class, e).metrics().all().contains(key)) {
              out.add("holdout '" + e.key() + "'");
            }
          }
        }
        if (kind == Kind.SEGMENT) {
          for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
            if (rules(read(Flag.class, e)).stream().anyMatch(r -> Conditions.segmentRefs(r.condition()).contains(key))) {
              out.add("flag '" + e.key() + "'");
            }
          }
          for (StoredEntity e : tx.list(Kind.SEGMENT, scope)) {
            if (Conditions.segmentRefs(read(Segment.class, e).condition()).contains(key)) {
              out.add("segment '" + e.key() + "'");
            }
          }
        }
      }
      case ENVIRONMENT -> {
        for (StoredEntity e : tx.list(Kind.SDK_CONNECTION, scope)) {
          if (key.equals(read(SdkConnection.class, e).environment())) {
            out.add("sdk connection '" + e.key() + "'");
          }
        }
        for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
          if (read(Flag.class, e).environments().containsKey(key)) {
            out.add("flag '" + e.key() + "'");
          }
        }
      }
      case EXPERIMENT, FLAG -> flagsAndHoldouts(tx, scope, kind, key, out);
      default -> { }
    }
    return out;
  }

  private static void flagsAndHoldouts(StoreTransaction tx, String scope, Kind kind, String key, List<String> out) {
    for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
      Flag f = read(Flag.class, e);
      if (kind == Kind.EXPERIMENT && rules(f).stream().anyMatch(r -> r.experiment().filter(key::equals).isPresent())) {
        out.add("flag '" + e.key() + "'");
      }
      if (kind == Kind.FLAG && f.prerequisites().stream().anyMatch(p -> p.flag().equals(key))) {
        out.add("flag '" + e.key() + "' (prerequisite)");
      }
    }
    for (StoredEntity e : tx.list(Kind.HOLDOUT, scope)) {
      Holdout h = read(Holdout.class, e);
      if ((kind == Kind.FLAG ? h.flags() : h.experiments()).contains(key)) {
        out.add("holdout '" + e.key() + "'");
      }
    }
  }

  private static List<FlagRule> rules(Flag f) {
    return f.environments().values().stream().flatMap(env -> env.rules().stream()).toList();
  }
}
