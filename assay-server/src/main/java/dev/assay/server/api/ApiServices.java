package dev.assay.server.api;

import dev.assay.server.alerts.AlertOutbox;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.delivery.PayloadSubscriptions;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.events.EventGovernance;
import dev.assay.server.events.EventStore;
import dev.assay.server.store.ConfigStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the HTTP edge calls: the services below it, already started, and the two settings of the
 * SDK-facing routes. The wiring ({@code ServerWiring}) builds one; {@link HttpApi} builds its
 * routes from it.
 *
 * @param store the config store (audit reads, readiness)
 * @param config configuration rules
 * @param keys API keys and, through them, server keys
 * @param audit the audit log
 * @param payloads compiled SDK payloads by client key
 * @param subscriptions SSE subscriptions to payload changes
 * @param meters the Prometheus registry served at {@code /metrics}
 * @param ready whether the server is ready, and the state of its parts ({@code /health/ready})
 * @param analysis experiment refreshes, when configured
 * @param events where ingested events go (the embedded store, or Kafka)
 * @param eventGovernance privacy, retention and erasure of stored events
 * @param guard the connection guard of the listener (body timeouts)
 * @param sseHeartbeat interval of SSE heartbeats on idle streams
 * @param ofrepRateLimit OFREP token bucket per client key
 * @param alerts alert channels and the outbox
 * @param breakers the circuit breakers, fed by event ingestion
 * @param schedules scheduled changes of flags and experiments
 * @param rollouts progressive rollouts of flag rules
 * @param policies approval policies per environment
 * @param changeRequests change requests awaiting approval (their guard is on config's writes)
 * @param privacy the privacy settings per project, compiled for ingestion
 * @param contracts event schemas, data-quality settings and the ingestion checks (ADR 0042)
 */
public record ApiServices(ConfigStore store, ConfigService config, ApiKeys keys, AuditLog audit,
    PayloadCache payloads, PayloadSubscriptions subscriptions, PrometheusMeterRegistry meters, Supplier<Readiness> ready,
    Optional<ExperimentRefresh> analysis, EventStore events, EventGovernance eventGovernance, ConnectionGuard guard,
    Duration sseHeartbeat, OfrepApi.RateLimit ofrepRateLimit, AlertOutbox alerts,
    dev.assay.server.safety.CircuitBreakers breakers, dev.assay.server.safety.ScheduledChanges schedules,
    dev.assay.server.safety.Rollouts rollouts,
    dev.assay.server.approvals.Policies policies, dev.assay.server.approvals.ChangeRequests changeRequests,
    dev.assay.server.privacy.PrivacySettingsService privacy,
    dev.assay.server.events.DataContracts contracts) {
  public ApiServices {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(payloads, "payloads");
    Objects.requireNonNull(subscriptions, "subscriptions");
    Objects.requireNonNull(meters, "meters");
    Objects.requireNonNull(ready, "ready");
    Objects.requireNonNull(analysis, "analysis");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(eventGovernance, "eventGovernance");
    Objects.requireNonNull(guard, "guard");
    Objects.requireNonNull(sseHeartbeat, "sseHeartbeat");
    Objects.requireNonNull(ofrepRateLimit, "ofrepRateLimit");
    Objects.requireNonNull(alerts, "alerts");
    Objects.requireNonNull(breakers, "breakers");
    Objects.requireNonNull(schedules, "schedules");
    Objects.requireNonNull(rollouts, "rollouts");
    Objects.requireNonNull(policies, "policies");
    Objects.requireNonNull(changeRequests, "changeRequests");
    Objects.requireNonNull(privacy, "privacy");
    Objects.requireNonNull(contracts, "contracts");
  }
}
