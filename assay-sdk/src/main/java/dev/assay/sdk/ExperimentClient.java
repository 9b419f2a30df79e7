package dev.assay.sdk;

import dev.assay.sdk.FeatureResult.Source;
import dev.assay.sdk.TypedValue.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Evaluates feature flags and experiments in process, from a GrowthBook-compatible payload.
 * Create one per process and share it: it is thread-safe, evaluation takes no lock and does no
 * I/O, and a new payload ({@link #update}) is parsed and compiled off the evaluation path, then
 * swapped in atomically.
 *
 * <p>Evaluation never throws into the caller. An unknown feature, a value of the wrong type, or
 * an unexpected internal error gives the default value. The typed getters come in one family:
 * {@link #getBoolean}, {@link #getString}, {@link #getDouble}, {@link #getLong} answer the value;
 * {@link #getBooleanDetails} and its siblings the same value with the reason (and
 * {@link #evaluate} the full explanation).
 *
 * <pre>{@code
 * ExperimentClient client = ExperimentClient.builder()
 *     .payloadFile(Path.of("features.json"))
 *     .onExposure((experiment, result) -> exposures.log(experiment.key(), result))
 *     .build();
 * boolean newCheckout = client.isOn("new-checkout", Attributes.of("id", userId, "country", "US"));
 * }</pre>
 */
public final class ExperimentClient {

  private final Engine.Settings settings;
  private final @Nullable String decryptionKey;
  private final Set<Engine.ExposureKey> exposed = Engine.newExposureSet();
  private volatile Engine engine;

  private ExperimentClient(Builder b, Ruleset ruleset, ExposureListener extra) {
    this.settings = new Engine.Settings(Map.copyOf(b.forcedVariations), b.enabled, b.qaMode, b.stickyBuckets,
        both(b.listener, extra));
    this.decryptionKey = b.decryptionKey;
    this.engine = new Engine(ruleset, settings, exposed);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Both listeners in turn; a failure of the first does not keep the second from hearing. */
  private static ExposureListener both(ExposureListener first, ExposureListener second) {
    if (second == ExposureListener.NONE) {
      return first;
    }
    if (first == ExposureListener.NONE) {
      return second;
    }
    return (experiment, result) -> {
      try {
        first.onExposure(experiment, result);
      } finally {
        second.onExposure(experiment, result);
      }
    };
  }

  /**
   * Replaces the ruleset with a new payload. The payload is parsed and compiled first; only if
   * that succeeds is it swapped in, so a bad payload leaves the previous ruleset in force.
   *
   * @throws PayloadException with the JSON path and reason when the payload is malformed
   */
  public void update(String payload) {
    Ruleset next = Ruleset.parse(payload, decryptionKey);
    engine = new Engine(next, settings, exposed);
  }

  /** The feature keys of the current ruleset. */
  public Set<String> featureKeys() {
    return engine.ruleset().features.keySet();
  }

  /** The {@code dateUpdated} of the current payload, or empty string. */
  public String payloadDate() {
    return engine.ruleset().dateUpdated;
  }

  /** Evaluates a feature for a unit, with the full explanation of its value. */
  public FeatureResult evaluate(String featureKey, Attributes attributes) {
    try {
      Engine e = engine;
      return e.evalFeature(featureKey, attributes, true, e.callFor(attributes));
    } catch (RuntimeException e) {
      return FeatureResult.failed(featureKey, e);
    }
  }

  /** Evaluates every feature of the ruleset for a unit, in key order. */
  public Map<String, FeatureResult> evaluateAll(Attributes attributes) {
    Engine e = engine;
    Map<String, FeatureResult> out = new LinkedHashMap<>();
    e.ruleset().features.keySet().stream().sorted().forEach(k -> {
      try {
        out.put(k, e.evalFeature(k, attributes, true, e.callFor(attributes)));
      } catch (RuntimeException ex) {
        out.put(k, FeatureResult.failed(k, ex));
      }
    });
    return out;
  }

  /** Whether the feature's value is truthy for this unit (false for unknown features). */
  public boolean isOn(String featureKey, Attributes attributes) {
    return JsSemantics.truthy(value(featureKey, attributes));
  }

  /*
   * One typed-getter family: getX answers the value (no allocation beyond the evaluation itself, for
   * hot paths) and getXDetails the same value with the reason it was returned. Both convert through
   * the same asX function, so they can never disagree.
   */

  /** The feature's boolean value, or {@code defaultValue} if unknown or not a boolean. */
  public boolean getBoolean(String featureKey, Attributes attributes, boolean defaultValue) {
    Boolean b = asBoolean(value(featureKey, attributes));
    return b != null ? b : defaultValue;
  }

  /** The feature's string value, or {@code defaultValue} if unknown or not a string. */
  public String getString(String featureKey, Attributes attributes, String defaultValue) {
    String s = asString(value(featureKey, attributes));
    return s != null ? s : defaultValue;
  }

  /** The feature's numeric value, or {@code defaultValue} if unknown or not a number. */
  public double getDouble(String featureKey, Attributes attributes, double defaultValue) {
    return value(featureKey, attributes) instanceof Number n ? n.doubleValue() : defaultValue;
  }

  /**
   * The feature's integral value, or {@code defaultValue} if unknown or not a whole number that
   * fits a long (a fractional number is a type mismatch).
   */
  public long getLong(String featureKey, Attributes attributes, long defaultValue) {
    Long l = asLong(value(featureKey, attributes));
    return l != null ? l : defaultValue;
  }

  /**
   * {@link #getBoolean} with the reason the value was returned: the default, with the reason, when
   * the client has no configuration yet, the feature is unknown, null, not a boolean, or
   * evaluation failed.
   */
  public TypedValue<Boolean> getBooleanDetails(String featureKey, Attributes attributes, boolean defaultValue) {
    return typed(featureKey, attributes, defaultValue, "a boolean", ExperimentClient::asBoolean);
  }

  /** {@link #getString} with the reason the value was returned (see {@link #getBooleanDetails}). */
  public TypedValue<String> getStringDetails(String featureKey, Attributes attributes, String defaultValue) {
    Objects.requireNonNull(defaultValue, "defaultValue");
    return typed(featureKey, attributes, defaultValue, "a string", ExperimentClient::asString);
  }

  /** {@link #getDouble} with the reason the value was returned (see {@link #getBooleanDetails}). */
  public TypedValue<Double> getDoubleDetails(String featureKey, Attributes attributes, double defaultValue) {
    return typed(featureKey, attributes, defaultValue, "a number", v -> v instanceof Number n ? n.doubleValue() : null);
  }

  /** {@link #getLong} with the reason the value was returned (see {@link #getBooleanDetails}). */
  public TypedValue<Long> getLongDetails(String featureKey, Attributes attributes, long defaultValue) {
    return typed(featureKey, attributes, defaultValue, "a whole number", ExperimentClient::asLong);
  }

  /**
   * @deprecated renamed {@link #getBooleanDetails}, one getter family; goes in the next release
   */
  @Deprecated(since = "0.1.0", forRemoval = true)
  public TypedValue<Boolean> booleanValue(String featureKey, Attributes attributes, boolean defaultValue) {
    return getBooleanDetails(featureKey, attributes, defaultValue);
  }

  /**
   * @deprecated renamed {@link #getStringDetails}, one getter family; goes in the next release
   */
  @Deprecated(since = "0.1.0", forRemoval = true)
  public TypedValue<String> stringValue(String featureKey, Attributes attributes, String defaultValue) {
    return getStringDetails(featureKey, attributes, defaultValue);
  }

  /**
   * @deprecated renamed {@link #getDoubleDetails}, one getter family; goes in the next release
   */
  @Deprecated(since = "0.1.0", forRemoval = true)
  public TypedValue<Double> doubleValue(String featureKey, Attributes attributes, double defaultValue) {
    return getDoubleDetails(featureKey, attributes, defaultValue);
  }

  /**
   * @deprecated renamed {@link #getLongDetails}, one getter family; goes in the next release
   */
  @Deprecated(since = "0.1.0", forRemoval = true)
  public TypedValue<Long> longValue(String featureKey, Attributes attributes, long defaultValue) {
    return getLongDetails(featureKey, attributes, defaultValue);
  }

  private <T> TypedValue<T> typed(String featureKey, Attributes attributes, T defaultValue, String wanted,
      Function<Object, @Nullable T> convert) {
    boolean pending = engine.ruleset() == Ruleset.PENDING;
    FeatureResult r = evaluate(featureKey, attributes);
    Object raw = r.rawValue();
    if (r.source() == Source.UNKNOWN_FEATURE) {
      return pending
          ? new TypedValue<>(defaultValue, Reason.NOT_READY, "no configuration loaded yet", r)
          : new TypedValue<>(defaultValue, Reason.UNKNOWN_FEATURE, "no feature '" + featureKey + "' in the ruleset", r);
    }
    if (r.source() == Source.ERROR) {
      return new TypedValue<>(defaultValue, Reason.ERROR, "evaluating feature '" + featureKey + "' failed: "
          + r.error().map(x -> x.getClass().getSimpleName() + ": " + x.getMessage()).orElse("unknown cause"), r);
    }
    if (raw == null) {
      return new TypedValue<>(defaultValue, Reason.NULL_VALUE, "feature '" + featureKey + "' is null", r);
    }
    T converted = convert.apply(raw);
    if (converted == null) {
      return new TypedValue<>(defaultValue, Reason.TYPE_MISMATCH, "feature '" + featureKey + "' is "
          + jsonType(raw) + " (" + shortJson(raw) + "), not " + wanted, r);
    }
    return new TypedValue<>(converted, Reason.EVALUATED, "feature '" + featureKey + "' from "
        + r.source().wireName() + (r.ruleId().isEmpty() ? "" : " rule '" + r.ruleId() + "'"), r);
  }

  private static @Nullable Boolean asBoolean(@Nullable Object v) {
    return v instanceof Boolean b ? b : null;
  }

  private static @Nullable String asString(@Nullable Object v) {
    return v instanceof String s ? s : null;
  }

  private static @Nullable Long asLong(@Nullable Object v) {
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) < 0x1p63) {
      return n.longValue();
    }
    return null;
  }

  /** Whether a payload was loaded: false only for an {@link AssayClient}'s evaluator before its first load. */
  public boolean hasConfiguration() {
    return engine.ruleset() != Ruleset.PENDING;
  }

  private static String jsonType(Object v) {
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Number) {
      return "a number";
    }
    if (v instanceof List) {
      return "an array";
    }
    return "an object";
  }

  private static String shortJson(Object v) {
    String json = Json.write(v);
    return json.length() <= 40 ? json : json.substring(0, 37) + "...";
  }

  private @Nullable Object value(String featureKey, Attributes attributes) {
    try {
      Engine e = engine;
      return e.evalFeature(featureKey, attributes, false, e.callFor(attributes)).rawValue();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Runs an experiment defined in code for a unit. Never throws; failures are "not in experiment". */
  public ExperimentResult run(Experiment experiment, Attributes attributes) {
    try {
      Engine e = engine;
      return e.run(experiment, null, attributes, true, e.callFor(attributes));
    } catch (RuntimeException e) {
      return experiment.result(-1, false, false, experiment.hashAttribute, "", Double.NaN, null, false);
    }
  }

  /** Configures a client. */
  public static final class Builder {
    private @Nullable String payload;
    private @Nullable String decryptionKey;
    private @Nullable StickyBucketService stickyBuckets;
    private ExposureListener listener = ExposureListener.NONE;
    private Map<String, Integer> forcedVariations = Map.of();
    private boolean enabled = true;
    private boolean qaMode;

    private Builder() {}

    /** The payload JSON (GrowthBook SDK payload shape). Without one the client starts empty. */
    public Builder payload(String payloadJson) {
      this.payload = Objects.requireNonNull(payloadJson, "payloadJson");
      return this;
    }

    /** Reads the payload from a UTF-8 file. */
    public Builder payloadFile(Path file) {
      try {
        this.payload = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read payload file " + file + ": " + e.getMessage(), e);
      }
      return this;
    }

    /** Base64 AES-128 key for encrypted payloads. */
    public Builder decryptionKey(String key) {
      this.decryptionKey = Objects.requireNonNull(key, "key");
      return this;
    }

    public Builder stickyBucketService(StickyBucketService service) {
      this.stickyBuckets = Objects.requireNonNull(service, "service");
      return this;
    }

    /** Called once per unit, experiment and variation when a unit is exposed. */
    public Builder onExposure(ExposureListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Forces variations by experiment key (QA, previews). */
    public Builder forcedVariations(Map<String, Integer> forced) {
      this.forcedVariations = Map.copyOf(forced);
      return this;
    }

    /** A disabled client puts nobody in an experiment (force rules still apply). */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** QA mode: nobody is put in an experiment unless forced. */
    public Builder qaMode(boolean qaMode) {
      this.qaMode = qaMode;
      return this;
    }

    /**
     * Builds the client, parsing and compiling the payload.
     *
     * @throws PayloadException with the JSON path and reason when the payload is malformed
     */
    public ExperimentClient build() {
      return build(ExposureListener.NONE);
    }

    /** Builds the client with a listener told of exposures after the builder's own (an event logger). */
    ExperimentClient build(ExposureListener extra) {
      Ruleset ruleset = payload == null ? Ruleset.EMPTY : Ruleset.parse(payload, decryptionKey);
      return new ExperimentClient(this, ruleset, extra);
    }

    /**
     * Builds the evaluator of an {@link AssayClient}: from {@code initialPayload} (its bootstrap), or
     * pending (getters answer {@link TypedValue.Reason#NOT_READY}) until the client loads one. The
     * builder's own payload, if any, is ignored: the client manages the payload.
     */
    ExperimentClient build(ExposureListener extra, @Nullable String initialPayload) {
      Ruleset ruleset = initialPayload == null ? Ruleset.PENDING : Ruleset.parse(initialPayload, decryptionKey);
      return new ExperimentClient(this, ruleset, extra);
    }
  }
}
