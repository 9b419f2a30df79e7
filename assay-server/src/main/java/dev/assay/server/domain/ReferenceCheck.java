package dev.assay.server.domain;

import static dev.assay.server.domain.Entities.noun;
import static dev.assay.server.domain.Entities.read;

import dev.assay.server.domain.model.Conditions;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.FlagRule;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricRefs;
import dev.assay.server.domain.model.MetricType;
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

  /** Checks that everything {@code record} refers to exists in {@code scope}. */
  static void check(StoreTransaction tx, String scope, Object record) {
    switch (record) {
      case User u -> {
        for (int i = 0; i < u.projects().size(); i++) {
          require(tx, Kind.PROJECT, "", u.projects().get(i), "projects[" + i + "]");
        }
      }
      case Experiment e -> experiment(tx, scope, e);
      case Flag f -> flag(tx, scope, f);
      case Metric m when m.type() == MetricType.RATIO -> {
        require(tx, Kind.METRIC, scope, m.numerator().orElseThrow(), "numerator");
        require(tx, Kind.METRIC, scope, m.denominator().orElseThrow(), "denominator");
      }
      case Holdout h -> {
        for (int i = 0; i < h.flags().size(); i++) {
          require(tx, Kind.FLAG, scope, h.flags().get(i), "flags[" + i + "]");
        }
        for (int i = 0; i < h.experiments().size(); i++) {
          require(tx, Kind.EXPERIMENT, scope, h.experiments().get(i), "experiments[" + i + "]");
        }
      }
      case Segment s -> {
        for (String seg : Conditions.segmentRefs(s.condition())) {
          if (seg.equals(s.key())) {
            throw DomainException.invalid("condition", "a segment cannot refer to itself");
          }
          require(tx, Kind.SEGMENT, scope, seg, "condition");
        }
      }
      default -> { }
    }
  }

  private static void experiment(StoreTransaction tx, String scope, Experiment e) {
    e.layer().ifPresent(l -> require(tx, Kind.LAYER, scope, l, "layer"));
    MetricRefs m = e.metrics();
    m.primary().ifPresent(p -> require(tx, Kind.METRIC, scope, p, "metrics.primary"));
    for (int i = 0; i < m.secondary().size(); i++) {
      require(tx, Kind.METRIC, scope, m.secondary().get(i), "metrics.secondary[" + i + "]");
    }
    for (int i = 0; i < m.guardrails().size(); i++) {
      require(tx, Kind.METRIC, scope, m.guardrails().get(i).metric(), "metrics.guardrails[" + i + "].metric");
    }
    for (String seg : Conditions.segmentRefs(e.condition())) {
      require(tx, Kind.SEGMENT, scope, seg, "condition");
    }
  }

  private static void flag(StoreTransaction tx, String scope, Flag f) {
    checkPrerequisites(tx, scope, f);
    for (var env : f.environments().entrySet()) {
      require(tx, Kind.ENVIRONMENT, scope, env.getKey(), "environments." + env.getKey());
      List<FlagRule> rules = env.getValue().rules();
      for (int i = 0; i < rules.size(); i++) {
        String field = "environments." + env.getKey() + ".rules[" + i + "]";
        rules.get(i).experiment().ifPresent(x -> require(tx, Kind.EXPERIMENT, scope, x, field + ".experiment"));
        for (String seg : Conditions.segmentRefs(rules.get(i).condition())) {
          require(tx, Kind.SEGMENT, scope, seg, field + ".condition");
        }
      }
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
