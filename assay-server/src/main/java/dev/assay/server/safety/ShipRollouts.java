package dev.assay.server.safety;

import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.ConfigService.Action;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.Outcome;
import dev.assay.server.domain.model.RolloutPlan;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import java.util.Optional;

/**
 * "Ship and roll out in one call" (docs/safety.md, ADR 0036, ADR 0051): concludes an experiment
 * with a "ship" decision and starts the progressive rollout of the shipped variant on the flag rule
 * that names the experiment, in ONE store transaction (the conclusion, the rollout at its first
 * step, both audit entries), so either both are on disk or neither. {@code POST
 * /experiments/{key}/conclude} with a {@code rollout} and the UI's conclude form both call it.
 *
 * <p>Errors are named by the fields of the conclude body: {@code rollout} for a decision other
 * than "ship", {@code rollout.plan.<field>} for a plan the flag cannot take (checked before
 * anything is written); the flag not found is a 404; an approval policy on the environment refuses
 * it as it refuses {@code PUT /flags/{key}/rollout} (409 {@code approval_required}) inside the
 * transaction, so the conclusion is undone with it. Thread-safe.
 */
public final class ShipRollouts {
  private final ConfigService config;
  private final Rollouts rollouts;

  /** The rollout to start with the conclusion: a flag's rule in an environment and its plan. */
  public record Start(String flag, String environment, RolloutPlan plan) {}

  public ShipRollouts(ConfigService config, Rollouts rollouts) {
    this.config = config;
    this.rollouts = rollouts;
  }

  /**
   * Concludes experiment {@code key} with {@code decision} (based on {@code version}, if given)
   * and starts {@code start} in the same transaction; SDKs get one recompiled payload after the
   * commit. Returns the concluded experiment as stored.
   */
  public StoredEntity conclude(String project, String key, Optional<Decision> decision, Optional<Long> version,
      Start start, String actor) {
    if (decision.map(d -> d.outcome() != Outcome.SHIP).orElse(true)) {
      throw DomainException.invalid("rollout", "only a 'ship' decision starts a rollout of the shipped variant");
    }
    try {
      start.plan().start(start.flag(), start.environment(), "check", "1970-01-01T00:00:00Z");
      rollouts.checkShipping(project, start.flag(), start.environment(), start.plan(), key);
    } catch (DomainException e) {
      throw e.category() == DomainException.Category.INVALID ? e.within("rollout.plan") : e;
    }
    StoredEntity[] concluded = new StoredEntity[1];
    config.transition(project, key, Action.CONCLUDE, decision, version, actor, tx -> {
      rollouts.start(tx, project, start.flag(), start.environment(), start.plan(), actor);
      concluded[0] = tx.get(Kind.EXPERIMENT, project, key).orElseThrow();
    });
    return concluded[0];
  }
}
