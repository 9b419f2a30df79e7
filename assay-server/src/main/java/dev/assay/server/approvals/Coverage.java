package dev.assay.server.approvals;

import dev.assay.server.domain.WriteGuard;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.FlagEnvironment;
import dev.assay.server.domain.model.FlagRule;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which policies cover a write (docs/safety.md, "Approvals"). A flag's write is covered in an
 * environment when what that environment serves of it changes: its settings there, or its type,
 * default value or prerequisites (served everywhere); creating a flag is covered only where it
 * has settings, deleting one only where it had them. An experiment's write is covered when it is
 * running or paused and served in the environment: a flag's rule there names it, or no flag names
 * it (then it is served under its own key everywhere).
 */
final class Coverage {
  private Coverage() {}

  static List<Policy> covering(StoreTransaction tx, WriteGuard.Write w, List<Policy> policies) {
    return policies.stream().filter(p -> covers(tx, w, p.environment())).toList();
  }

  static boolean covers(StoreTransaction tx, WriteGuard.Write w, String env) {
    if (w.kind() == Kind.FLAG) {
      Optional<Flag> before = w.before().map(Flag.class::cast);
      Optional<Flag> after = w.after().map(Flag.class::cast);
      if (before.isEmpty() || after.isEmpty()) {
        return before.or(() -> after).flatMap(f -> f.environment(env)).isPresent();
      }
      return !served(before.get(), env).equals(served(after.get(), env));
    }
    if (w.kind() == Kind.EXPERIMENT) {
      Optional<Experiment> before = w.before().map(Experiment.class::cast);
      boolean live = before.map(e -> e.status() == ExperimentStatus.RUNNING || e.status() == ExperimentStatus.PAUSED)
          .orElse(false);
      return live && servedIn(tx, w.scope(), w.key(), env);
    }
    return false;
  }

  private static List<Object> served(Flag f, String env) {
    return java.util.Arrays.asList(f.type(), f.defaultValue(), f.prerequisites(), f.environment(env).orElse(null));
  }

  private static boolean servedIn(StoreTransaction tx, String scope, String experiment, String env) {
    boolean named = false;
    for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
      Flag f = ModelJson.fromStored(Flag.class, e.body());
      for (FlagEnvironment fe : f.environments().values()) {
        named |= names(fe, experiment);
      }
      if (f.environment(env).map(fe -> names(fe, experiment)).orElse(false)) {
        return true;
      }
    }
    return !named;
  }

  private static boolean names(FlagEnvironment fe, String experiment) {
    return fe.rules().stream().map(FlagRule::experiment).anyMatch(x -> x.isPresent() && Objects.equals(x.get(), experiment));
  }
}
