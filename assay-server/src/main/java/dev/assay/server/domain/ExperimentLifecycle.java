package dev.assay.server.domain;

import dev.assay.server.domain.ConfigService.Action;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Halt;
import dev.assay.server.domain.model.Kill;
import dev.assay.server.domain.model.Outcome;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.Range;
import dev.assay.server.domain.model.Variant;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The rules of an experiment's life: draft → running ↔ paused → stopped → concluded (with a
 * decision) → archived; phases (a new one re-seeds assignment); what may change while it runs;
 * mutually exclusive ranges in a layer; halts. Pure rules over records, run inside the caller's
 * store transaction (only the layer check reads other experiments).
 */
final class ExperimentLifecycle {
  private final Clock clock;

  ExperimentLifecycle(Clock clock) {
    this.clock = clock;
  }

  /** The experiment after a lifecycle action; a conflict listing the allowed actions if illegal. */
  Experiment transition(StoreTransaction tx, String scope, Experiment current, Action action,
      Optional<Decision> decision) {
    ExperimentStatus from = current.status();
    ExperimentStatus to = target(from, action).orElseThrow(() -> {
      List<String> allowed = allowed(from);
      return DomainException.conflict("illegal_transition", "cannot " + lower(action)
          + " an experiment that is " + from.wire() + "; allowed: " + (allowed.isEmpty() ? "none" : allowed),
          allowed.stream().map(a -> new DomainException.Detail("action", a)).toList());
    });
    List<Phase> phases = current.phases();
    if (to == ExperimentStatus.RUNNING) {
      ReferenceCheck.check(tx, scope, current);
      checkLayerFree(tx, scope, current);
      if (from == ExperimentStatus.DRAFT) {
        phases = withNewPhase(current);
      }
    }
    decision.ifPresent(d -> {
      String shipped = d.variant().orElse("");
      if (d.outcome() == Outcome.SHIP && current.variants().stream().noneMatch(v -> v.key().equals(shipped))) {
        throw DomainException.invalid("decision.variant", "'" + shipped + "' is not a variant of this experiment");
      }
    });
    return current.withState(to, phases, decision.isPresent() ? decision : current.decision(), current.halted(),
        current.killed());
  }

  /** The halted experiment, or empty when it is not running or paused. */
  Optional<Experiment> halt(Experiment current, String reason, String actor) {
    if (!current.live()) {
      return Optional.empty();
    }
    Halt halt = new Halt(reason, actor, now());
    return Optional.of(current.withState(ExperimentStatus.STOPPED, current.phases(), current.decision(),
        Optional.of(halt), current.killed()));
  }

  /** A kill switch record made now. */
  Kill kill(String actor, String reason) {
    return new Kill(now(), actor, reason);
  }

  /**
   * The stored experiment after a client replaced its design with {@code next}: the state is
   * kept; a running or paused one changes variants or coverage only in a new phase.
   */
  Experiment update(StoreTransaction tx, String scope, Experiment current, Experiment next, boolean newPhase) {
    ExperimentStatus s = current.status();
    if (s == ExperimentStatus.CONCLUDED || s == ExperimentStatus.ARCHIVED || s == ExperimentStatus.STOPPED) {
      throw DomainException.conflict("invalid_state", "a " + s.wire() + " experiment cannot be edited", List.of());
    }
    Experiment updated = next.withState(s, current.phases(), current.decision(), Optional.empty(), current.killed());
    if (current.live()) {
      boolean allocationChanged = !current.sameAllocation(next);
      if (allocationChanged && !newPhase) {
        throw DomainException.conflict("phase_required", "variants or coverage of a " + s.wire()
            + " experiment can only change in a new phase; repeat with ?newPhase=true",
            List.of(new DomainException.Detail("variants", "changed while " + s.wire())));
      }
      checkLayerFree(tx, scope, updated);
      if (newPhase) {
        updated = updated.withState(s, withNewPhase(updated), updated.decision(), Optional.empty(), updated.killed());
      }
    } else if (newPhase) {
      throw DomainException.invalid("newPhase", "only a running or paused experiment can start a new phase");
    }
    return updated;
  }

  /** Refuses deleting an experiment that is neither draft nor archived. */
  static void checkDeletable(Experiment e) {
    if (e.status() != ExperimentStatus.DRAFT && e.status() != ExperimentStatus.ARCHIVED) {
      throw DomainException.conflict("invalid_state", "only draft or archived experiments can be deleted;"
          + " this one is " + e.status().wire(), List.of());
    }
  }

  private List<Phase> withNewPhase(Experiment e) {
    int number = e.phases().size() + 1;
    /* A new phase gets a new hash seed, so units are re-randomized rather than carried over. */
    Phase phase = new Phase(number, e.key() + ":phase-" + number, clock.millis(), e.coverage(),
        e.variants().stream().map(Variant::weight).toList());
    List<Phase> out = new ArrayList<>(e.phases());
    out.add(phase);
    return out;
  }

  private static void checkLayerFree(StoreTransaction tx, String scope, Experiment e) {
    if (e.layer().isEmpty() || e.range().isEmpty()) {
      return;
    }
    String layer = e.layer().get();
    Range range = e.range().get();
    for (StoredEntity other : tx.list(Kind.EXPERIMENT, scope)) {
      if (other.key().equals(e.key())) {
        continue;
      }
      Experiment o = Entities.read(Experiment.class, other);
      if (!o.live() || !o.layer().equals(e.layer()) || o.range().isEmpty()) {
        continue;
      }
      Range r = o.range().get();
      if (range.overlaps(r)) {
        throw DomainException.conflict("layer_overlap", "range: [" + range.start() + ", " + range.end()
            + ") overlaps experiment '" + o.key() + "' [" + r.start() + ", " + r.end() + ") running in layer '"
            + layer + "'", List.of(new DomainException.Detail("range", "overlaps running experiment '" + o.key() + "'")));
      }
    }
  }

  private String now() {
    return Instant.ofEpochMilli(clock.millis()).toString();
  }

  private static Optional<ExperimentStatus> target(ExperimentStatus from, Action action) {
    ExperimentStatus to = switch (action) {
      case START -> from == ExperimentStatus.DRAFT || from == ExperimentStatus.PAUSED ? ExperimentStatus.RUNNING : null;
      case PAUSE -> from == ExperimentStatus.RUNNING ? ExperimentStatus.PAUSED : null;
      case STOP -> from == ExperimentStatus.RUNNING || from == ExperimentStatus.PAUSED ? ExperimentStatus.STOPPED : null;
      case CONCLUDE -> from == ExperimentStatus.STOPPED ? ExperimentStatus.CONCLUDED : null;
      case ARCHIVE -> from == ExperimentStatus.DRAFT || from == ExperimentStatus.CONCLUDED ? ExperimentStatus.ARCHIVED : null;
    };
    return Optional.ofNullable(to);
  }

  private static List<String> allowed(ExperimentStatus from) {
    List<String> out = new ArrayList<>();
    for (Action a : Action.values()) {
      if (target(from, a).isPresent()) {
        out.add(lower(a));
      }
    }
    return out;
  }

  static String lower(Action a) {
    return a.name().toLowerCase(Locale.ROOT);
  }
}
