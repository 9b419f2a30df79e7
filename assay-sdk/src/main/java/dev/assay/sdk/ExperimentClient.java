package dev.assay.sdk;

import dev.assay.sdk.FeatureResult.Source;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Evaluates feature flags and experiments in process, from a GrowthBook-compatible payload.
 * Create one per process and share it: it is thread-safe, evaluation takes no lock and does no
 * I/O, and a new payload ({@link #update}) is parsed and compiled off the evaluation path, then
 * swapped in atomically.
 *
 * <p>Evaluation never throws into the caller. An unknown feature, a value of the wrong type, or
 * an unexpected internal error gives the default value; {@link #evaluate} says why.
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
      return new FeatureResult(featureKey, null, Source.ERROR, "", null, null);
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
        out.put(k, new FeatureResult(k, null, Source.ERROR, "", null, null));
      }
    });
    return out;
  }

  /** Whether the feature's value is truthy for this unit (false for unknown features). */
  public boolean isOn(String featureKey, Attributes attributes) {
    return Conditions.truthy(value(featureKey, attributes));
  }

  /** The feature's boolean value, or {@code defaultValue} if unknown or not a boolean. */
  public boolean getBoolean(String featureKey, Attributes attributes, boolean defaultValue) {
    return value(featureKey, attributes) instanceof Boolean b ? b : defaultValue;
  }

  /** The feature's string value, or {@code defaultValue} if unknown or not a string. */
  public String getString(String featureKey, Attributes attributes, String defaultValue) {
    return value(featureKey, attributes) instanceof String s ? s : defaultValue;
  }

  /** The feature's numeric value, or {@code defaultValue} if unknown or not a number. */
  public double getDouble(String featureKey, Attributes attributes, double defaultValue) {
    return value(featureKey, attributes) instanceof Number n ? n.doubleValue() : defaultValue;
  }

  /** The feature's integral value, or {@code defaultValue} if unknown or not an integral number. */
  public long getLong(String featureKey, Attributes attributes, long defaultValue) {
    Object v = value(featureKey, attributes);
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    return defaultValue;
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
  }
}
