package dev.assay.server.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The ε each experiment has spent on differentially private exports ({@link Kind#DP_BUDGET},
 * keyed by the experiment), against the project's budget per experiment
 * ({@link PrivacySettings#epsilonBudget()}). Spending is one store transaction that reads the
 * budget and the ledger, refuses an export that would exceed the budget (409 naming what
 * remains) and otherwise adds the ε and appends the audit entry: under basic sequential
 * composition the ε of successive exports add up (Dwork &amp; Roth 2014, Theorem 3.16).
 * Thread-safe: concurrent spends on one experiment serialize on the ledger's version.
 */
public final class PrivacyBudget {
  /** Slack for sums of decimal ε (0.1 + 0.2 spends exactly a budget of 0.3). */
  static final double TOLERANCE = 1e-9;
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final ConfigStore store;
  private final AuditLog audit;

  /** The stored ledger of one experiment. */
  record Ledger(double spent, int exports) {}

  /** An experiment's budget: the total, what was spent, what remains. */
  public record Status(double total, double spent, double remaining, int exports) {}

  public PrivacyBudget(ConfigStore store, AuditLog audit) {
    this.store = Objects.requireNonNull(store, "store");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  /** The experiment's budget now (nothing spent yet: the whole budget remains). */
  public Status status(String project, String experiment) {
    return store.read(tx -> {
      PrivacySettingsService.requireProject(tx, project);
      if (tx.get(Kind.EXPERIMENT, project, experiment).isEmpty()) {
        throw DomainException.notFound("experiment '" + experiment + "' not found in project '" + project + "'");
      }
      double total = PrivacySettingsService.read(tx, project).epsilonBudget();
      Ledger l = tx.get(Kind.DP_BUDGET, project, experiment).map(e -> read(e.body())).orElse(new Ledger(0, 0));
      return new Status(total, l.spent(), Math.max(0, total - l.spent()), l.exports());
    });
  }

  /**
   * Spends ε on an export of the experiment, or refuses: 409 {@code privacy_budget_exceeded} naming
   * the remaining budget, and nothing is recorded.
   *
   * @param detail what was released (mechanism, δ), kept in the audit entry
   */
  public Status spend(String project, String experiment, double epsilon,
      com.fasterxml.jackson.databind.node.ObjectNode detail, String actor) {
    return store.write(tx -> {
      PrivacySettingsService.requireProject(tx, project);
      double total = PrivacySettingsService.read(tx, project).epsilonBudget();
      Optional<StoredEntity> current = tx.get(Kind.DP_BUDGET, project, experiment);
      Ledger before = current.map(e -> read(e.body())).orElse(new Ledger(0, 0));
      double remaining = Math.max(0, total - before.spent());
      if (before.spent() + epsilon > total + TOLERANCE) {
        throw DomainException.conflict("privacy_budget_exceeded", String.format(Locale.ROOT,
            "epsilon %s exceeds the remaining privacy budget of experiment '%s': %s of %s remains", epsilon, experiment,
            remaining, total), List.of(new DomainException.Detail("epsilon", String.format(Locale.ROOT,
            "at most %s (the remaining budget)", remaining))));
      }
      Ledger after = new Ledger(before.spent() + epsilon, before.exports() + 1);
      String body = write(after);
      if (current.isPresent()) {
        tx.update(Kind.DP_BUDGET, project, experiment, current.get().version(), body);
      } else {
        tx.insert(Kind.DP_BUDGET, project, experiment, body);
      }
      com.fasterxml.jackson.databind.node.ObjectNode entry = JSON.createObjectNode().put("epsilon", epsilon)
          .put("spent", after.spent()).put("total", total);
      entry.set("release", detail.deepCopy());
      audit.append(tx, actor, "dp-export", Kind.DP_BUDGET.name(), project, experiment, current.map(StoredEntity::body),
          Optional.of(entry.toString()));
      return new Status(total, after.spent(), Math.max(0, total - after.spent()), after.exports());
    });
  }

  private static Ledger read(String body) {
    try {
      return JSON.readValue(body, Ledger.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String write(Ledger l) {
    try {
      return JSON.writeValueAsString(l);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
