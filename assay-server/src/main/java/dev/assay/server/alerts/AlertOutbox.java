package dev.assay.server.alerts;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.AlertStore.Channel;
import dev.assay.server.store.AlertStore.Delivery;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.DuplicateKeyException;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The alerts of a server: channels per project with their subscriptions, and the outbox. An alert
 * ({@link #emit}) becomes one pending outbox row per subscribed channel, written in one store
 * transaction before {@code emit} returns; the {@link AlertDispatcher} delivers the rows in the
 * background. The operator's {@code --webhook-url}, when set, is one more channel of every
 * project, subscribed to {@link AlertType#EXPERIMENT_HALTED} and sent the bare payload, as before.
 * Channel changes are audited (kind {@value #AUDIT_KIND}; the secret never is). Thread-safe.
 */
public final class AlertOutbox implements Alerts {
  /** The channel key of the operator's {@code --webhook-url} (not a valid key of a created channel). */
  public static final String OPERATOR_CHANNEL = "~webhook-url";
  /** The audit kind of channel changes. */
  public static final String AUDIT_KIND = "ALERT_CHANNEL";
  /** Most deliveries one listing returns. */
  public static final int MAX_LIST = 500;
  static final String PENDING = "pending";
  static final String DELIVERED = "delivered";
  static final String DEAD = "dead";
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Logger LOG = Logger.getLogger(AlertOutbox.class.getName());

  private final ConfigStore store;
  private final AuditLog audit;
  private final TargetPolicy policy;
  private final Optional<URI> operatorWebhook;
  private final Clock clock;
  private final SecureRandom random;
  private final Runnable wake;

  /** @param wake called after a row became due (the dispatcher's wake-up) */
  AlertOutbox(ConfigStore store, AuditLog audit, TargetPolicy policy, Optional<URI> operatorWebhook, Clock clock,
      SecureRandom random, Runnable wake) {
    this.store = store;
    this.audit = audit;
    this.policy = policy;
    this.operatorWebhook = operatorWebhook;
    this.clock = clock;
    this.random = random;
    this.wake = wake;
  }

  /** A channel as created: its secret is returned here once and never shown again. */
  public record Created(Channel channel, String secret) {}

  /**
   * Creates a webhook channel. Every failure is a 400 naming the field: {@code key} (1 to 64 of
   * letters, digits, {@code _ . -}), {@code url} (http or https to a public address, resolved now),
   * {@code format} ({@code json} or {@code slack}), {@code types} (known alert types or {@code *}).
   */
  public Created createChannel(String project, String key, String url, String format, List<String> types,
      String actor) {
    if (!KEY.matcher(key).matches()) {
      throw DomainException.invalid("key", "must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
    }
    if (url.length() > 2000) {
      throw DomainException.invalid("url", "must be at most 2000 characters");
    }
    URI uri = TargetPolicy.parse("url", url);
    policy.check("url", uri);
    AlertFormat f = AlertFormat.forChannel(format)
        .orElseThrow(() -> DomainException.invalid("format", "must be json or slack, was '" + format + "'"));
    if (types.isEmpty()) {
      throw DomainException.invalid("types", "must list at least one alert type (or \"*\")");
    }
    for (String t : types) {
      if (!AlertType.subscribable().contains(t)) {
        throw DomainException.invalid("types", "unknown alert type '" + t + "'; known: " + AlertType.subscribable());
      }
    }
    String secret = WebhookSignature.newSecret(random);
    Channel channel = new Channel(project, key, f.wire(), uri.toString(), secret, List.copyOf(types), clock.instant(),
        actor);
    return store.write(tx -> {
      requireProject(tx, project);
      try {
        tx.alerts().insertChannel(channel);
      } catch (DuplicateKeyException e) {
        throw DomainException.conflict("already_exists", "alert channel '" + key + "' exists in project '" + project
            + "'", List.of(new DomainException.Detail("key", "already exists")));
      }
      audit.append(tx, actor, "create", AUDIT_KIND, project, key, Optional.empty(), Optional.of(view(channel).toString()));
      return new Created(channel, secret);
    });
  }

  /** The project's channels, by key. */
  public List<Channel> channels(String project) {
    return store.read(tx -> {
      requireProject(tx, project);
      return tx.alerts().channels(project);
    });
  }

  /** Deletes a channel; its pending deliveries go to the dead-letter list when next due. */
  public void deleteChannel(String project, String key, String actor) {
    store.write(tx -> {
      Channel channel = channel(tx, project, key);
      tx.alerts().deleteChannel(project, key);
      audit.append(tx, actor, "delete", AUDIT_KIND, project, key, Optional.of(view(channel).toString()), Optional.empty());
      return null;
    });
  }

  /** Queues a {@link AlertType#TEST} alert to one channel, whatever it subscribes to. */
  public Delivery test(String project, String key, String actor) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("channel", key).put("requestedBy", actor);
    Delivery d = store.write(tx -> {
      channel(tx, project, key);
      return insert(tx, project, key, AlertType.TEST, "test alert to channel '" + key + "' requested by " + actor,
          payload);
    });
    wake.run();
    return d;
  }

  /** The project's newest deliveries, of one status or all; newest first. */
  public List<Delivery> deliveries(String project, Optional<String> status, int limit) {
    return store.read(tx -> {
      requireProject(tx, project);
      return tx.alerts().deliveries(project, status, Math.min(limit, MAX_LIST));
    });
  }

  /** Moves a dead delivery back to pending with a fresh count of attempts (a 409 unless it is dead). */
  public Delivery retry(String project, String id) {
    Delivery d = store.write(tx -> {
      Delivery found = tx.alerts().delivery(id).filter(x -> x.project().equals(project))
          .orElseThrow(() -> DomainException.notFound("alert delivery '" + id + "' not found in project '" + project + "'"));
      if (!found.status().equals(DEAD)) {
        throw DomainException.conflict("not_dead", "alert delivery '" + id + "' is " + found.status()
            + "; only dead deliveries can be retried", List.of());
      }
      Instant now = clock.instant();
      tx.alerts().updateDelivery(id, PENDING, 0, now, now, found.lastError());
      return tx.alerts().delivery(id).orElseThrow();
    });
    wake.run();
    return d;
  }

  @Override
  public void emit(String project, AlertType type, String summary, ObjectNode payload) {
    queue(project, type, Optional.empty(), summary, payload);
  }

  /**
   * The delivery ids are derived from {@code onceKey} and the channel (HMAC-SHA256), so a second
   * alert with the same key finds its rows and queues nothing; the rows are kept, so it stays
   * raised once across restarts.
   */
  @Override
  public void emitOnce(String project, AlertType type, String onceKey, String summary, ObjectNode payload) {
    queue(project, type, Optional.of(project + "\n" + onceKey), summary, payload);
  }

  private void queue(String project, AlertType type, Optional<String> onceKey, String summary, ObjectNode payload) {
    try {
      int queued = store.write(tx -> {
        int n = 0;
        for (Channel c : tx.alerts().channels(project)) {
          if (c.types().contains(AlertType.ALL) || c.types().contains(type.wire())) {
            n += insertOnce(tx, project, c.key(), type, onceKey, summary, payload);
          }
        }
        if (operatorWebhook.isPresent() && type == AlertType.EXPERIMENT_HALTED) {
          n += insertOnce(tx, project, OPERATOR_CHANNEL, type, onceKey, summary, payload);
        }
        return n;
      });
      if (queued > 0) {
        wake.run();
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not queue alert " + type.wire() + " of project " + project + ": " + e, e);
    }
  }

  /**
   * Alerts for the lifecycle actions of {@link ConfigService}: an experiment started, stopped,
   * concluded or killed, a flag killed. (Halts are raised by the guardrail monitor, with details.)
   */
  public ConfigService.LifecycleListener lifecycleAlerts() {
    return (project, kind, key, action, actor) -> {
      Optional<AlertType> type = switch (action) {
        case "start" -> kind == Kind.EXPERIMENT ? Optional.of(AlertType.EXPERIMENT_STARTED) : Optional.empty();
        case "stop" -> Optional.of(AlertType.EXPERIMENT_STOPPED);
        case "conclude" -> Optional.of(AlertType.EXPERIMENT_CONCLUDED);
        case "kill" -> Optional.of(kind == Kind.FLAG ? AlertType.FLAG_KILLED : AlertType.EXPERIMENT_KILLED);
        default -> Optional.empty();
      };
      String noun = kind == Kind.FLAG ? "flag" : "experiment";
      type.ifPresent(t -> emit(project, t, noun + " '" + key + "': " + action + " by " + actor,
          JsonNodeFactory.instance.objectNode().put(noun, key).put("action", action).put("actor", actor)));
    };
  }

  private int insertOnce(StoreTransaction tx, String project, String channel, AlertType type,
      Optional<String> onceKey, String summary, ObjectNode payload) {
    if (onceKey.isEmpty()) {
      insert(tx, project, channel, type, summary, payload);
      return 1;
    }
    String id = "alr_" + WebhookSignature.hmac(channel, onceKey.get()).substring(0, 24);
    if (tx.alerts().delivery(id).isPresent()) {
      return 0;
    }
    insert(tx, id, project, channel, type, summary, payload);
    return 1;
  }

  private Delivery insert(StoreTransaction tx, String project, String channel, AlertType type, String summary,
      ObjectNode payload) {
    byte[] id = new byte[12];
    random.nextBytes(id);
    return insert(tx, "alr_" + HexFormat.of().formatHex(id), project, channel, type, summary, payload);
  }

  private Delivery insert(StoreTransaction tx, String id, String project, String channel, AlertType type,
      String summary, ObjectNode payload) {
    Instant now = clock.instant();
    String shortSummary = summary.length() > 2000 ? summary.substring(0, 1997) + "..." : summary;
    Delivery d = new Delivery(id, project, channel, type.wire(), shortSummary,
        payload.toString(), PENDING, 0, now, now, now, Optional.empty());
    tx.alerts().insertDelivery(d);
    return d;
  }

  private static Channel channel(StoreTransaction tx, String project, String key) {
    requireProject(tx, project);
    return tx.alerts().channel(project, key).orElseThrow(() -> DomainException.notFound("alert channel '" + key
        + "' not found in project '" + project + "'"));
  }

  private static void requireProject(StoreTransaction tx, String project) {
    if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
  }

  /** A channel as the API shows it: everything but the secret. */
  public static ObjectNode view(Channel c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode().put("key", c.key()).put("project", c.project())
        .put("url", c.url()).put("format", c.format());
    c.types().forEach(o.putArray("types")::add);
    return o.put("createdAt", c.createdAt().toString()).put("createdBy", c.createdBy());
  }

  /** A delivery as the API shows it (without the payload's body). */
  public static ObjectNode view(Delivery d) {
    ObjectNode o = JsonNodeFactory.instance.objectNode().put("id", d.id()).put("channel", d.channelKey())
        .put("type", d.type()).put("summary", d.summary()).put("status", d.status()).put("attempts", d.attempts())
        .put("createdAt", d.createdAt().toString()).put("updatedAt", d.updatedAt().toString());
    if (d.status().equals(PENDING)) {
      o.put("nextAttemptAt", d.nextAttemptAt().toString());
    }
    d.lastError().ifPresent(e -> o.put("lastError", e));
    return o;
  }
}
