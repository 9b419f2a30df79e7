package dev.assay.openfeature;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ClientStatus;
import dev.assay.sdk.EventLogger;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.EventProvider;
import dev.openfeature.sdk.ImmutableMetadata;
import dev.openfeature.sdk.Metadata;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.ProviderEventDetails;
import dev.openfeature.sdk.Reason;
import dev.openfeature.sdk.TrackingEventDetails;
import dev.openfeature.sdk.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * An OpenFeature provider that evaluates Assay flags and experiments in process, with the same
 * engine as {@link ExperimentClient}: a unit gets the same value and variation through OpenFeature
 * as through the Assay SDK directly.
 *
 * <pre>{@code
 * AssayClient assay = AssayClient.builder("https://assay.example.com", "sdk-abc123").build();
 * OpenFeatureAPI.getInstance().setProviderAndWait(AssayProvider.of(assay));
 * Client flags = OpenFeatureAPI.getInstance().getClient();
 * boolean on = flags.getBooleanValue("new-checkout", false, new ImmutableContext(userId));
 * }</pre>
 *
 * <h2>Evaluation</h2>
 * The evaluation context becomes the unit's {@link Attributes}: its targeting key becomes {@code id}
 * (unless the context sets {@code id} itself) and every other attribute a plain Java value
 * (structures become maps, lists lists, instants ISO-8601 strings). Reasons:
 *
 * <ul>
 *   <li>a force rule: {@code STATIC} when it is the feature's first rule and applies to everybody,
 *       otherwise {@code TARGETING_MATCH};
 *   <li>an experiment: {@code SPLIT}, with the variation's key as the variant;
 *   <li>no rule applied, or a prerequisite not met: {@code DEFAULT};
 *   <li>the provider turned off ({@link Builder#enabled(boolean)}): {@code DISABLED}, with the
 *       caller's default value;
 *   <li>an unknown feature ({@code FLAG_NOT_FOUND}), a value of another type ({@code TYPE_MISMATCH}),
 *       cyclic prerequisites or an internal failure ({@code GENERAL}): {@code ERROR}, with the
 *       caller's default value.
 * </ul>
 *
 * Flag metadata carries {@code ruleId}, {@code source} (the SDK's reason, e.g. {@code force}) and,
 * for an experiment, {@code experimentKey}, {@code variationId} and {@code inExperiment}.
 *
 * <h2>Events</h2>
 * Over an {@link AssayClient}: the OpenFeature SDK emits {@code PROVIDER_READY} once
 * {@link #initialize} returns (after at most the client's initial timeout). If the client then
 * serves a bootstrap or cached payload the provider emits {@code PROVIDER_STALE}; if it serves only
 * code defaults, {@code PROVIDER_ERROR} with the reason, and stays usable (every flag returns the
 * caller's default). Later status changes emit {@code PROVIDER_STALE}, {@code PROVIDER_ERROR} or
 * {@code PROVIDER_READY} again, and every configuration change {@code
 * PROVIDER_CONFIGURATION_CHANGED} with the changed keys in {@code flagsChanged}. Status is checked
 * every {@link Builder#statusCheckInterval(Duration)}.
 *
 * <h2>Tracking</h2>
 * {@code Client.track(name, context, details)} becomes a metric event of the Assay SDK's
 * {@link EventLogger}: the name, the unit's {@code id} (the targeting key), the details' value and
 * their other fields as properties. The logger is the one given with
 * {@link Builder#eventLogger(EventLogger)}, else the {@link AssayClient}'s (built with
 * {@link AssayClient.Builder#logEvents()}); without either the event goes only to the
 * {@link TrackingListener}, if any. A listener given with {@link Builder#onTrack} hears every call too.
 *
 * <p>Thread-safe. Evaluation never blocks on the network and never throws.
 */
public final class AssayProvider extends EventProvider {

  /** The provider's name in OpenFeature metadata. */
  public static final String NAME = "assay";

  private static final Logger LOG = Logger.getLogger(AssayProvider.class.getName());
  private static final Metadata METADATA = () -> NAME;

  private final AssayClient.@Nullable Builder clientBuilder;
  private final boolean ownsClient;
  private final TrackingListener tracking;
  private final @Nullable EventLogger eventLogger;
  private final Duration statusCheckInterval;
  private final Object lock = new Object();

  private volatile @Nullable ExperimentClient features;
  private volatile @Nullable AssayClient client;
  private volatile StaticRules staticRules = StaticRules.NONE;
  private volatile boolean enabled;
  private volatile boolean shutDown;
  private @Nullable ScheduledExecutorService watcher;
  private @Nullable AssayClient subscribedTo;
  /** The client state last reported as an event (READY is what the SDK reports after initialize). */
  private ClientStatus.@Nullable State reported;

  private AssayProvider(Builder b) {
    this.features = b.experimentClient;
    this.client = b.assayClient;
    this.clientBuilder = b.assayClientBuilder;
    this.ownsClient = b.ownsClient || b.assayClientBuilder != null;
    this.tracking = b.tracking;
    this.eventLogger = b.eventLogger;
    this.statusCheckInterval = b.statusCheckInterval;
    this.enabled = b.enabled;
    AssayClient c = b.assayClient;
    if (c != null) {
      this.features = c.features();
    }
  }

  /** A provider over a synchronising client, which the application keeps and closes itself. */
  public static AssayProvider of(AssayClient client) {
    return builder().assayClient(client).build();
  }

  /** A provider over a local client (payload from a file, a string, or the application's own sync). */
  public static AssayProvider of(ExperimentClient client) {
    return builder().experimentClient(client).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Metadata getMetadata() {
    return METADATA;
  }

  /**
   * Gets the configuration ready: builds the {@link AssayClient} when the provider was given a
   * builder (which waits at most the client's initial timeout for the server), subscribes to its
   * changes and starts watching its status. Never fails because the server is unreachable.
   */
  @Override
  public void initialize(EvaluationContext evaluationContext) throws Exception {
    synchronized (lock) {
      shutDown = false;
      AssayClient c = client;
      if (c == null && clientBuilder != null) {
        c = clientBuilder.build();
        client = c;
        features = c.features();
      }
      if (c == null) {
        return;
      }
      AssayClient subscribed = c;
      staticRules = StaticRules.of(c.payload().orElse(null));
      if (subscribedTo != c) {
        // A client cannot drop a listener, so subscribe once; onChange ignores other clients.
        c.addChangeListener(changed -> onChange(subscribed, changed));
        subscribedTo = c;
      }
      reported = ClientStatus.State.READY;
      if (watcher == null) {
        ScheduledExecutorService w = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "assay-openfeature-status");
          t.setDaemon(true);
          return t;
        });
        // The first check runs one interval after initialize returns: the OpenFeature SDK marks the
        // provider READY when initialize returns, so a STALE or ERROR emitted earlier would be lost.
        long ms = statusCheckInterval.toMillis();
        w.scheduleWithFixedDelay(this::checkStatus, ms, ms, TimeUnit.MILLISECONDS);
        watcher = w;
      }
    }
  }

  /** Stops watching the client, and closes it if the provider built it or was told to own it. */
  @Override
  public void shutdown() {
    AssayClient toClose;
    synchronized (lock) {
      shutDown = true;
      if (watcher != null) {
        watcher.shutdownNow();
        watcher = null;
      }
      toClose = ownsClient ? client : null;
      if (clientBuilder != null) {
        client = null;
        features = null;
      }
    }
    // Outside the lock: closing joins the client's sync thread, which may be waiting in onChange.
    if (toClose != null) {
      toClose.close();
    }
    super.shutdown();
  }

  /**
   * Turns the provider off or on at run time. While off, every evaluation returns the caller's
   * default with reason {@code DISABLED}, without evaluating anything (a kill switch for
   * experiments and flags served through OpenFeature).
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean isEnabled() {
    return enabled;
  }

  // ---- events ----

  private void onChange(AssayClient source, Set<String> changed) {
    if (shutDown || source != client) {
      return;
    }
    staticRules = StaticRules.of(source.payload().orElse(null));
    List<String> keys = new ArrayList<>(changed);
    Collections.sort(keys);
    emitProviderConfigurationChanged(ProviderEventDetails.builder()
        .flagsChanged(keys)
        .message("Assay configuration changed: " + keys.size() + " feature(s)")
        .build());
    checkStatus();
  }

  private void checkStatus() {
    try {
      synchronized (lock) {
        AssayClient c = client;
        if (shutDown || c == null) {
          return;
        }
        ClientStatus status = c.status();
        ClientStatus.State state = status.state();
        if (state == reported || state == ClientStatus.State.CLOSED) {
          return;
        }
        reported = state;
        switch (state) {
          case READY -> emitProviderReady(ProviderEventDetails.builder()
              .message("Assay configuration is current").build());
          case STALE -> emitProviderStale(ProviderEventDetails.builder()
              .message("Assay is serving a " + status.source().name().toLowerCase(java.util.Locale.ROOT)
                  + " configuration that may be out of date" + status.error().map(e -> ": " + e).orElse(""))
              .build());
          case DEFAULTS -> emitProviderError(ProviderEventDetails.builder()
              .errorCode(ErrorCode.GENERAL)
              .message("Assay has no configuration yet, every flag returns its code default"
                  + status.error().map(e -> ": " + e).orElse(""))
              .build());
          default -> { }
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "checking the Assay client status failed", e);
    }
  }

  // ---- evaluation ----

  @Override
  public ProviderEvaluation<Boolean> getBooleanEvaluation(String key, Boolean defaultValue, EvaluationContext ctx) {
    return evaluate(key, defaultValue, ctx, "boolean", v -> v instanceof Boolean b ? b : null);
  }

  @Override
  public ProviderEvaluation<String> getStringEvaluation(String key, String defaultValue, EvaluationContext ctx) {
    return evaluate(key, defaultValue, ctx, "string", v -> v instanceof String s ? s : null);
  }

  @Override
  public ProviderEvaluation<Integer> getIntegerEvaluation(String key, Integer defaultValue, EvaluationContext ctx) {
    return evaluate(key, defaultValue, ctx, "integer", v -> v instanceof Number n ? Values.toInteger(n) : null);
  }

  @Override
  public ProviderEvaluation<Double> getDoubleEvaluation(String key, Double defaultValue, EvaluationContext ctx) {
    return evaluate(key, defaultValue, ctx, "number", v -> v instanceof Number n ? n.doubleValue() : null);
  }

  @Override
  public ProviderEvaluation<Value> getObjectEvaluation(String key, Value defaultValue, EvaluationContext ctx) {
    return evaluate(key, defaultValue, ctx, "object", Values::toValue);
  }

  /**
   * Forwards an OpenFeature tracking call to the SDK's {@link EventLogger} (when there is one) and
   * to the {@link TrackingListener}. Never blocks and never throws: an event the logger cannot take
   * (no unit id in the context, a full queue) is dropped and counted in its stats.
   */
  @Override
  public void track(String eventName, EvaluationContext context, @Nullable TrackingEventDetails details) {
    OptionalDouble value = OptionalDouble.empty();
    Map<String, Object> fields = Map.of();
    Attributes attributes;
    try {
      if (details != null) {
        value = details.getValue().map(n -> OptionalDouble.of(n.doubleValue())).orElse(OptionalDouble.empty());
        fields = Collections.unmodifiableMap(Values.toJava(details));
      }
      attributes = Values.attributes(context);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot read the OpenFeature tracking event '" + eventName + "'", e);
      return;
    }
    EventLogger logger = eventLogger();
    if (logger != null) {
      String unitId = attributes.value("id").map(String::valueOf).orElse("");
      boolean queued = value.isPresent()
          ? logger.track(eventName, unitId, value.getAsDouble(), fields)
          : logger.track(eventName, unitId, fields);
      if (!queued) {
        LOG.log(Level.FINE, () -> "Assay event logger dropped tracking event '" + eventName + "'"
            + (unitId.isEmpty() ? ": the evaluation context has no targeting key" : ""));
      }
    }
    try {
      tracking.onTrack(eventName, attributes, value, fields);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the Assay tracking listener failed for event '" + eventName + "'", e);
    }
  }

  private @Nullable EventLogger eventLogger() {
    if (eventLogger != null) {
      return eventLogger;
    }
    AssayClient c = client;
    return c == null ? null : c.events().orElse(null);
  }

  private <T> ProviderEvaluation<T> evaluate(String key, T defaultValue, @Nullable EvaluationContext ctx,
      String type, Function<Object, @Nullable T> convert) {
    if (!enabled) {
      return ProviderEvaluation.<T>builder().value(defaultValue).reason(Reason.DISABLED.name()).build();
    }
    ExperimentClient f = features;
    if (f == null) {
      return error(defaultValue, ErrorCode.PROVIDER_NOT_READY, "the Assay provider is not initialized");
    }
    FeatureResult r;
    try {
      r = f.evaluate(key, Values.attributes(ctx));
    } catch (RuntimeException e) {
      return error(defaultValue, ErrorCode.GENERAL, "evaluating feature '" + key + "' failed: " + e);
    }
    Reason reason;
    switch (r.source()) {
      case UNKNOWN_FEATURE:
        return error(defaultValue, ErrorCode.FLAG_NOT_FOUND, "no feature '" + key + "' in the Assay configuration");
      case CYCLIC_PREREQUISITE:
        return error(defaultValue, ErrorCode.GENERAL, "feature '" + key + "' has cyclic prerequisites");
      case ERROR:
        return error(defaultValue, ErrorCode.GENERAL, "evaluating feature '" + key + "' failed");
      case PREREQUISITE:
        return ProviderEvaluation.<T>builder().value(defaultValue).reason(Reason.DEFAULT.name())
            .flagMetadata(metadata(r)).build();
      case EXPERIMENT:
        reason = Reason.SPLIT;
        break;
      case FORCE:
        reason = staticRules.isStatic(key, r.ruleId()) ? Reason.STATIC : Reason.TARGETING_MATCH;
        break;
      case OVERRIDE:
        reason = Reason.STATIC;
        break;
      case DEFAULT_VALUE:
      default:
        reason = Reason.DEFAULT;
        break;
    }
    Object raw = r.value().orElse(null);
    String variant = r.experimentResult().map(ExperimentResult::key).orElse(null);
    if (raw == null) {
      // JSON null: the feature has no value for this unit, so the caller's default stands.
      return ProviderEvaluation.<T>builder().value(defaultValue).reason(reason.name()).variant(variant)
          .flagMetadata(metadata(r)).build();
    }
    T value;
    try {
      value = convert.apply(raw);
    } catch (RuntimeException e) {
      value = null;
    }
    if (value == null) {
      return error(defaultValue, ErrorCode.TYPE_MISMATCH,
          "feature '" + key + "' is " + article(Values.jsonType(raw)) + ", not " + article(type));
    }
    return ProviderEvaluation.<T>builder().value(value).reason(reason.name()).variant(variant)
        .flagMetadata(metadata(r)).build();
  }

  private static <T> ProviderEvaluation<T> error(T defaultValue, ErrorCode code, String message) {
    return ProviderEvaluation.<T>builder().value(defaultValue).reason(Reason.ERROR.name()).errorCode(code)
        .errorMessage(message).build();
  }

  private static ImmutableMetadata metadata(FeatureResult r) {
    ImmutableMetadata.ImmutableMetadataBuilder m = ImmutableMetadata.builder()
        .addString("source", r.source().wireName());
    if (!r.ruleId().isEmpty()) {
      m.addString("ruleId", r.ruleId());
    }
    r.experimentResult().ifPresent(e -> {
      r.experiment().ifPresent(x -> m.addString("experimentKey", x.key()));
      m.addInteger("variationId", e.variationId());
      m.addBoolean("inExperiment", e.inExperiment());
    });
    return m.build();
  }

  private static String article(String type) {
    return (type.startsWith("a") || type.startsWith("o") || type.startsWith("i") ? "an " : "a ") + type;
  }

  /** Configures an {@link AssayProvider}: exactly one client source, and optional settings. */
  public static final class Builder {
    private @Nullable ExperimentClient experimentClient;
    private @Nullable AssayClient assayClient;
    private AssayClient.@Nullable Builder assayClientBuilder;
    private boolean ownsClient;
    private boolean enabled = true;
    private TrackingListener tracking = TrackingListener.NONE;
    private @Nullable EventLogger eventLogger;
    private Duration statusCheckInterval = Duration.ofSeconds(1);

    private Builder() {}

    /** Evaluate with a local client; the provider emits no configuration or status events. */
    public Builder experimentClient(ExperimentClient client) {
      this.experimentClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /** Evaluate with a synchronising client the application built (and closes, unless {@link #ownsClient}). */
    public Builder assayClient(AssayClient client) {
      this.assayClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * Build the client in {@link AssayProvider#initialize}, so that {@code setProviderAndWait} waits
     * for the server (at most the client's initial timeout). The provider owns and closes it.
     */
    public Builder assayClient(AssayClient.Builder builder) {
      this.assayClientBuilder = Objects.requireNonNull(builder, "builder");
      return this;
    }

    /** Whether {@link AssayProvider#shutdown} closes the {@link AssayClient}. Default false. */
    public Builder ownsClient(boolean owns) {
      this.ownsClient = owns;
      return this;
    }

    /** Start turned off ({@code DISABLED}); see {@link AssayProvider#setEnabled}. Default true. */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /**
     * Sends {@code Client.track(...)} calls to this logger. Needed only over an
     * {@link ExperimentClient} (build it with {@code .onExposure(logger)} to log exposures too);
     * over an {@link AssayClient} built with {@code logEvents()} its logger is used by default.
     * The provider does not close it.
     */
    public Builder eventLogger(EventLogger logger) {
      this.eventLogger = Objects.requireNonNull(logger, "logger");
      return this;
    }

    /** Also hands {@code Client.track(...)} calls to this listener. Default: none. */
    public Builder onTrack(TrackingListener listener) {
      this.tracking = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** How often the {@link AssayClient}'s status is checked for STALE, ERROR and READY events. Default 1 s. */
    public Builder statusCheckInterval(Duration interval) {
      Objects.requireNonNull(interval, "statusCheckInterval");
      if (interval.isNegative() || interval.toMillis() < 1) {
        throw new IllegalArgumentException("statusCheckInterval must be at least 1 ms, was " + interval);
      }
      this.statusCheckInterval = interval;
      return this;
    }

    /**
     * Builds the provider.
     *
     * @throws IllegalStateException unless exactly one of experimentClient, assayClient (a client or
     *     a builder) was set
     */
    public AssayProvider build() {
      int sources = (experimentClient != null ? 1 : 0) + (assayClient != null ? 1 : 0)
          + (assayClientBuilder != null ? 1 : 0);
      if (sources != 1) {
        throw new IllegalStateException("set exactly one of experimentClient or assayClient, got " + sources);
      }
      if (ownsClient && experimentClient != null) {
        throw new IllegalStateException("ownsClient applies to an assayClient, not an experimentClient");
      }
      return new AssayProvider(this);
    }
  }
}
