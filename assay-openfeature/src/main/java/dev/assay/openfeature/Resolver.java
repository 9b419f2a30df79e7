package dev.assay.openfeature;

import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.ImmutableMetadata;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.Reason;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turns an Assay {@link FeatureResult} into an OpenFeature {@link ProviderEvaluation}: the reason,
 * variant, error code and flag metadata that {@link AssayProvider}'s javadoc lists. Stateless apart
 * from the static-rule index it is given; never throws.
 */
final class Resolver {

  private Resolver() {}

  static <T> ProviderEvaluation<T> disabled(T defaultValue) {
    return ProviderEvaluation.<T>builder().value(defaultValue).reason(Reason.DISABLED.name()).build();
  }

  static <T> ProviderEvaluation<T> resolve(@Nullable ExperimentClient features, StaticRules staticRules,
      String key, T defaultValue, @Nullable EvaluationContext ctx, String type, Function<Object, @Nullable T> convert) {
    if (features == null) {
      return error(defaultValue, ErrorCode.PROVIDER_NOT_READY, "the Assay provider is not initialized");
    }
    if (!features.hasConfiguration()) {
      return error(defaultValue, ErrorCode.PROVIDER_NOT_READY,
          "Assay has no configuration yet (loading, or neither the server nor a cache or bootstrap is available)");
    }
    FeatureResult r;
    try {
      r = features.evaluate(key, Values.attributes(ctx));
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
        return error(defaultValue, ErrorCode.GENERAL, "evaluating feature '" + key + "' failed"
            + r.error().map(e -> ": " + e).orElse(""));
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
    return typed(r, key, defaultValue, reason, type, convert);
  }

  /** The evaluated value converted to the requested type, or a type mismatch. */
  private static <T> ProviderEvaluation<T> typed(FeatureResult r, String key, T defaultValue, Reason reason,
      String type, Function<Object, @Nullable T> convert) {
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
}
