package dev.assay.openfeature;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.EventLogger;
import dev.assay.sdk.ExperimentClient;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.EventProvider;
import dev.openfeature.sdk.Metadata;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.ProviderEventDetails;
import dev.openfeature.sdk.TrackingEventDetails;
import dev.openfeature.sdk.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
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
 * The evaluation context becomes the unit's {@link dev.assay.sdk.Attributes}: its targeting key becomes {@code id}
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
 *   <li>no configuration yet, or the provider not initialized ({@code PROVIDER_NOT_READY}), an
 *       unknown feature ({@code FLAG_NOT_FOUND}), a value of another type ({@code TYPE_MISMATCH}),
 *       cyclic prerequisites or an internal failure ({@code GENERAL}): {@code ERROR}, with the
 *       caller's default value.
 * </ul>
 *
 * Flag metadata carries {@code ruleId}, {@code source} (the SDK's reason, e.g. {@code force}) and,
 * for an experiment, {@code experimentKey}, {@code variationId} and {@code inExperiment}.
 *
 * <h2>Events</h2>
 * Over an {@link AssayClient}: {@link #initialize} waits with {@link AssayClient#awaitReady} for the
 * client's first load (at most {@link Builder#readyTimeout(Duration)}), and the OpenFeature SDK emits
 * {@code PROVIDER_READY} once it returns. If the client then
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

  private static final Metadata METADATA = () -> NAME;

  private final AssayClient.@Nullable Builder clientBuilder;
  private final boolean ownsClient;
  private final TrackingListener tracking;
  private final @Nullable EventLogger eventLogger;
  private final Duration statusCheckInterval;
  private final Duration readyTimeout;
  private final Object lock = new Object();

  private volatile @Nullable ExperimentClient features;
  private volatile @Nullable AssayClient client;
  private volatile StaticRules staticRules = StaticRules.NONE;
  private volatile boolean enabled;
  private volatile boolean shutDown;
  private volatile @Nullable StatusWatcher watcher;
  private @Nullable AssayClient subscribedTo;

  private AssayProvider(Builder b) {
    this.features = b.experimentClient;
    this.client = b.assayClient;
    this.clientBuilder = b.assayClientBuilder;
    this.ownsClient = b.ownsClient || b.assayClientBuilder != null;
    this.tracking = b.tracking;
    this.eventLogger = b.eventLogger;
    this.statusCheckInterval = b.statusCheckInterval;
    this.readyTimeout = b.readyTimeout;
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
   * builder, waits for its first load ({@link AssayClient#awaitReady}, at most the ready timeout),
   * subscribes to its changes and starts watching its status. Never fails because the server is
   * unreachable: the status events say what is served.
   */
  @Override
  public void initialize(EvaluationContext evaluationContext) throws Exception {
    AssayClient c;
    synchronized (lock) {
      shutDown = false;
      c = client;
      if (c == null && clientBuilder != null) {
        c = clientBuilder.build();
        client = c;
        features = c.features();
      }
    }
    if (c == null) {
      return;
    }
    c.awaitReady(readyTimeout); // outside the lock: the sync thread may call onChange meanwhile
    synchronized (lock) {
      if (shutDown || c != client) {
        return;
      }
      // Subscribed after the first load, so that loading it is not reported as a change (the SDK
      // reports PROVIDER_READY when this returns).
      AssayClient subscribed = c;
      staticRules = StaticRules.of(c.payload().orElse(null));
      if (subscribedTo != c) {
        // A client cannot drop a listener, so subscribe once; onChange ignores other clients.
        c.addChangeListener(changed -> onChange(subscribed, changed));
        subscribedTo = c;
      }
      StatusWatcher previous = watcher;
      if (previous != null) {
        previous.close();
      }
      watcher = new StatusWatcher(c, statusCheckInterval, new StatusWatcher.Emitters(
          this::emitProviderReady, this::emitProviderStale, this::emitProviderError));
    }
  }

  /** Stops watching the client, and closes it if the provider built it or was told to own it. */
  @Override
  public void shutdown() {
    AssayClient toClose;
    synchronized (lock) {
      shutDown = true;
      StatusWatcher w = watcher;
      if (w != null) {
        w.close();
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
    StatusWatcher w = watcher;
    if (w != null && !shutDown) {
      w.check();
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
    Tracking.forward(eventName, context, details, eventLogger(), tracking);
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
      return Resolver.disabled(defaultValue);
    }
    return Resolver.resolve(features, staticRules, key, defaultValue, ctx, type, convert);
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
    private Duration readyTimeout = Duration.ofSeconds(30);

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
     * for its first load (the server's first answer, at most the client's initial timeout). The
     * provider owns and closes it.
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
     * The longest {@link AssayProvider#initialize} waits for the {@link AssayClient}'s first load
     * ({@link AssayClient#awaitReady}); it usually returns sooner, after the client's initial
     * timeout at most. Default 30 s.
     */
    public Builder readyTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "readyTimeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("readyTimeout must not be negative, was " + timeout);
      }
      this.readyTimeout = timeout;
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
