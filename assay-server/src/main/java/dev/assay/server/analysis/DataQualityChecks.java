package dev.assay.server.analysis;

import dev.assay.server.analysis.AnalysisSnapshot.DataQuality;
import dev.assay.server.analysis.AnalysisSnapshot.Excluded;
import dev.assay.server.analysis.AnalysisSnapshot.QualityCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The data-quality checks of one refresh (ADR 0042), each {@code ok}, {@code warn} or
 * {@code fail}, from the counts of {@link DataQualityQueries} (pure; no I/O):
 *
 * <ul>
 *   <li>{@code exposure_volume}: the exposures of the last full UTC day against the experiment's
 *       own earlier full days of the phase, as z = (last − mean) / max(sd, √mean) (the Poisson sd
 *       as a floor, so steady low traffic is not an anomaly); warn at |z| > 3, fail at |z| > 5;
 *       ok with a note below {@value #MIN_DAYS} earlier full days;
 *   <li>{@code multiple_exposure}: the share of units exposed to more than one variation; warn
 *       from 1 %, fail from 5 %;
 *   <li>{@code metric_sources}: metrics whose event has no events in the phase; warn, fail when it
 *       is the goal metric (SQL-defined metrics are not checked);
 *   <li>{@code late_data}: exposure rows with a time before the previous refresh that arrived after
 *       it, as a share of those rows now; warn above 1 %, fail above 5 %.
 * </ul>
 */
final class DataQualityChecks {
  static final int MIN_DAYS = 3;
  private static final String OK = "ok";
  private static final String WARN = "warn";
  private static final String FAIL = "fail";

  private DataQualityChecks() {}

  /**
   * @param goalEvent the event name of the goal metric, if it is event-defined
   * @param previousExposureEvents the previous refresh's {@link DataQuality#exposureEvents} of this phase
   */
  static DataQuality of(DataQualityQueries.Counts c, double multipleExposureRate, Optional<String> goalEvent,
      long startMillis, long nowMillis, long previousExposureEvents) {
    List<Excluded> excluded = new ArrayList<>();
    c.excluded().forEach((kind, byReason) -> byReason.forEach((reason, n) -> excluded.add(new Excluded(kind, reason, n))));
    List<QualityCheck> checks = new ArrayList<>();
    checks.add(volume(c.exposuresByDay(), startMillis, nowMillis));
    checks.add(multiple(multipleExposureRate));
    checks.add(sources(c.metricEvents(), goalEvent));
    checks.add(late(c, previousExposureEvents));
    return new DataQuality(excluded, checks, c.exposuresBeforeNow());
  }

  static QualityCheck volume(Map<Long, Long> byDay, long startMillis, long nowMillis) {
    long first = Math.floorDiv(startMillis, DataQualityQueries.DAY) + 1; // the start day is partial
    long last = Math.floorDiv(nowMillis, DataQualityQueries.DAY) - 1; // so is today
    long days = last - first; // earlier full days, before the last full one
    if (days < MIN_DAYS) {
      return new QualityCheck("exposure_volume", OK, OptionalDouble.empty(), "not enough history: " + Math.max(0, days)
          + " earlier full days, the check needs " + MIN_DAYS);
    }
    double sum = 0;
    double sq = 0;
    for (long d = first; d < last; d++) {
      double n = byDay.getOrDefault(d, 0L);
      sum += n;
      sq += n * n;
    }
    double mean = sum / days;
    double sd = Math.sqrt(Math.max(0, (sq - days * mean * mean) / (days - 1)));
    double scale = Math.max(sd, Math.sqrt(Math.max(mean, 1)));
    long lastCount = byDay.getOrDefault(last, 0L);
    double z = (lastCount - mean) / scale;
    String status = Math.abs(z) > 5 ? FAIL : Math.abs(z) > 3 ? WARN : OK;
    return new QualityCheck("exposure_volume", status, OptionalDouble.of(z), String.format(Locale.ROOT,
        "%d exposures on the last full day against %.1f ± %.1f per day over %d earlier days (z = %.2f)", lastCount,
        mean, sd, days, z));
  }

  static QualityCheck multiple(double rate) {
    String status = rate >= 0.05 ? FAIL : rate >= 0.01 ? WARN : OK;
    return new QualityCheck("multiple_exposure", status, OptionalDouble.of(rate), String.format(Locale.ROOT,
        "%.2f%% of exposed units saw more than one variation (excluded from the analysis)", rate * 100));
  }

  static QualityCheck sources(Map<String, Long> events, Optional<String> goalEvent) {
    List<String> missing = events.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).toList();
    if (missing.isEmpty()) {
      return new QualityCheck("metric_sources", OK, OptionalDouble.of(0), "every metric's event has events in the phase");
    }
    boolean goal = goalEvent.map(missing::contains).orElse(false);
    return new QualityCheck("metric_sources", goal ? FAIL : WARN, OptionalDouble.of(missing.size()),
        "no events in the phase for " + missing + (goal ? " (the goal metric's event)" : ""));
  }

  static QualityCheck late(DataQualityQueries.Counts c, long previous) {
    if (c.exposuresBeforeCutoff().isEmpty() || previous < 0) {
      return new QualityCheck("late_data", OK, OptionalDouble.empty(), "first refresh of the phase: nothing to compare");
    }
    long now = c.exposuresBeforeCutoff().getAsLong();
    long late = Math.max(0, now - previous);
    double share = now == 0 ? 0 : (double) late / now;
    String status = share > 0.05 ? FAIL : share > 0.01 ? WARN : OK;
    return new QualityCheck("late_data", status, OptionalDouble.of(share), String.format(Locale.ROOT,
        "%d exposures with a time before the previous refresh arrived after it (%.2f%% of %d)", late, share * 100, now));
  }
}
