package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.domain.DomainException;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A metric of the catalogue. Its source is a built-in event ({@code event}, optionally with a
 * {@code valueProperty} and property {@code filters}) or {@code sql} over the warehouse (a query
 * returning unit_id, timestamp and value); a ratio metric names its {@code numerator} and
 * {@code denominator} metrics instead. The sandbox rules for {@code sql} ({@link
 * dev.assay.server.domain.MetricSql}) are checked when a metric is written and again before its
 * SQL runs, not when a stored metric is read: a metric saved before a rule existed still reads,
 * and is refused when it would run.
 *
 * @param conversionWindowHours how long after a unit's first exposure its events count (default 72)
 * @param cupedLookbackDays the pre-exposure window of the CUPED covariate; 0 turns CUPED off
 * @param minimumSample units per variation below which results are not shown as final
 * @param unit the attribute naming the unit whose id the metric's events carry (e.g. {@code id} for
 *     users); empty: the unit an experiment randomizes by. An experiment randomized by another
 *     attribute must declare {@code analysis.unit} equal to it (a cluster analysis), else the
 *     write is refused (ADR 0039)
 */
public record Metric(String key, String name, MetricType type, Optional<String> event, String valueProperty,
    Map<String, JsonNode> filters, Optional<String> sql, Optional<String> numerator, Optional<String> denominator,
    Optional<Double> quantile, Direction direction, Double conversionWindowHours, Optional<Double> capping,
    Optional<Double> cappingPercentile, Integer cupedLookbackDays, Integer minimumSample,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> unit) implements Keyed {
  /** The conversion window of a metric that names none. */
  public static final double DEFAULT_CONVERSION_WINDOW_HOURS = 72;

  public Metric(String key, @Nullable String name, @Nullable MetricType type, @Nullable Optional<String> event,
      @Nullable String valueProperty, @Nullable Map<String, JsonNode> filters, @Nullable Optional<String> sql,
      @Nullable Optional<String> numerator, @Nullable Optional<String> denominator,
      @Nullable Optional<Double> quantile, @Nullable Direction direction, @Nullable Double conversionWindowHours,
      @Nullable Optional<Double> capping, @Nullable Optional<Double> cappingPercentile,
      @Nullable Integer cupedLookbackDays, @Nullable Integer minimumSample, @Nullable Optional<String> unit) {
    this.key = Check.key("key", key);
    this.name = Check.text("name", name, NAME_MAX);
    this.type = Check.required("type", type);
    this.numerator = Check.optional(numerator);
    this.denominator = Check.optional(denominator);
    Optional<String> ev = Check.optional(event);
    Optional<String> q = Check.optional(sql);
    if (this.type == MetricType.RATIO) {
      String num = Check.key("numerator", this.numerator.orElse(null));
      String den = Check.key("denominator", this.denominator.orElse(null));
      if (num.equals(key) || den.equals(key)) {
        throw DomainException.invalid("numerator", "a ratio metric cannot use itself");
      }
      if (ev.isPresent() || q.isPresent()) {
        throw DomainException.invalid("event", "a ratio metric takes numerator and denominator metrics, not an event or sql");
      }
    } else {
      if (this.numerator.isPresent() || this.denominator.isPresent()) {
        throw DomainException.invalid("numerator", "only a ratio metric has a numerator and denominator");
      }
      if (ev.isPresent() == q.isPresent()) {
        throw DomainException.invalid("event", "give exactly one source: 'event' (a tracked event name) or 'sql'");
      }
      ev = ev.map(e -> Check.requiredText("event", e, NAME_MAX));
      q = q.map(s -> Check.requiredText("sql", s, 20_000));
    }
    this.event = ev;
    this.sql = q;
    this.valueProperty = valueProperty == null ? "value" : Check.requiredText("valueProperty", valueProperty, NAME_MAX);
    this.filters = filters(filters);
    this.quantile = quantile(this.type, Check.optional(quantile));
    this.direction = direction == null ? Direction.INCREASE : direction;
    this.conversionWindowHours = conversionWindowHours == null ? DEFAULT_CONVERSION_WINDOW_HOURS : conversionWindowHours;
    if (!(this.conversionWindowHours > 0 && this.conversionWindowHours <= 24 * 365)) {
      throw DomainException.invalid("conversionWindowHours", "must be in (0, 8760], was " + conversionWindowHours);
    }
    this.capping = Check.optional(capping);
    this.cappingPercentile = Check.optional(cappingPercentile);
    checkCapping(this.capping, this.cappingPercentile);
    this.cupedLookbackDays = cupedLookbackDays == null ? 14 : cupedLookbackDays;
    if (this.cupedLookbackDays < 0 || this.cupedLookbackDays > 365) {
      throw DomainException.invalid("cupedLookbackDays", "must be between 0 (no CUPED) and 365, was " + cupedLookbackDays);
    }
    this.minimumSample = minimumSample == null ? 100 : minimumSample;
    if (this.minimumSample < 0) {
      throw DomainException.invalid("minimumSample", "must not be negative, was " + minimumSample);
    }
    this.unit = Check.optional(unit).map(u -> Check.requiredText("unit", u, NAME_MAX));
  }

  /** Whether the metric is defined by its own SQL rather than a tracked event. */
  public boolean sqlDefined() {
    return sql.isPresent();
  }

  private static Map<String, JsonNode> filters(@Nullable Map<String, JsonNode> filters) {
    Map<String, JsonNode> out = filters == null ? Map.of() : Map.copyOf(filters);
    if (out.size() > 20) {
      throw DomainException.invalid("filters", "at most 20 property filters, got " + out.size());
    }
    for (Map.Entry<String, JsonNode> f : out.entrySet()) {
      Check.requiredText("filters", f.getKey(), NAME_MAX);
      if (!f.getValue().isValueNode()) {
        throw DomainException.invalid("filters." + f.getKey(), "must be a string, number or boolean to compare with");
      }
    }
    return out;
  }

  private static Optional<Double> quantile(MetricType type, Optional<Double> quantile) {
    if (type == MetricType.QUANTILE) {
      double q = Check.required("quantile", quantile.orElse(null));
      if (!(q > 0 && q < 1)) {
        throw DomainException.invalid("quantile", "must be in (0, 1), e.g. 0.9 for p90, was " + q);
      }
    } else if (quantile.isPresent()) {
      throw DomainException.invalid("quantile", "only a quantile metric has a quantile");
    }
    return quantile;
  }

  private static void checkCapping(Optional<Double> capping, Optional<Double> percentile) {
    capping.filter(c -> !(c > 0)).ifPresent(c -> {
      throw DomainException.invalid("capping", "must be positive, was " + c);
    });
    percentile.filter(c -> !(c > 0 && c < 1)).ifPresent(c -> {
      throw DomainException.invalid("cappingPercentile", "must be in (0, 1), e.g. 0.999, was " + c);
    });
    if (capping.isPresent() && percentile.isPresent()) {
      throw DomainException.invalid("capping", "give an absolute 'capping' or a 'cappingPercentile', not both");
    }
  }
}
