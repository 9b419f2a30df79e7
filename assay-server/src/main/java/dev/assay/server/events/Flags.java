package dev.assay.server.events;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rules that flag an event at ingestion so that the analysis excludes it (ADR 0042): the event
 * is stored with the reason in its {@code flag} column, and every analysis query reads only rows
 * without one. Applied per project when its settings turn flagging on. The reasons, in the order
 * the rules are tried (an event carries the first that applies):
 *
 * <ul>
 *   <li>{@value #BOT_USER_AGENT}: the request's User-Agent contains a configured substring;
 *   <li>{@value #CLOCK_SKEW_FUTURE}, {@value #CLOCK_SKEW_PAST}: the event's time is more than the
 *       configured bound after or before the time the server received it;
 *   <li>{@value #UNKNOWN_EXPERIMENT}, {@value #UNKNOWN_VARIATION}: an exposure of an experiment the
 *       project does not have, or of a variation index past its last variant;
 *   <li>{@value #EXPERIMENT_STOPPED}: an exposure received while its experiment is stopped,
 *       concluded or archived;
 *   <li>{@value #BOT_RATE}: the unit's events past the configured number in the current minute
 *       (counted per server, in fixed minutes).
 * </ul>
 *
 * Thread-safe: the per-unit counts are a concurrent map replaced at each new minute, holding at
 * most {@link #MAX_UNITS_PER_MINUTE} units (units past that are not rate-checked that minute).
 */
public final class Flags {
  public static final String BOT_USER_AGENT = "bot_user_agent";
  public static final String BOT_RATE = "bot_rate";
  public static final String CLOCK_SKEW_PAST = "clock_skew_past";
  public static final String CLOCK_SKEW_FUTURE = "clock_skew_future";
  public static final String UNKNOWN_EXPERIMENT = "unknown_experiment";
  public static final String UNKNOWN_VARIATION = "unknown_variation";
  public static final String EXPERIMENT_STOPPED = "experiment_stopped";
  /** Every reason, in a stable order (how the health section lists them). */
  public static final List<String> REASONS = List.of(BOT_USER_AGENT, BOT_RATE, CLOCK_SKEW_PAST, CLOCK_SKEW_FUTURE,
      UNKNOWN_EXPERIMENT, UNKNOWN_VARIATION, EXPERIMENT_STOPPED);
  /** Most units whose events are counted in one minute. */
  static final int MAX_UNITS_PER_MINUTE = 1_000_000;

  /** What the rules know of one experiment: how many variants, and whether it takes no more traffic. */
  public record ExperimentState(int variants, boolean stopped) {}

  private record Minute(long minute, Map<String, AtomicInteger> units) {}

  private volatile Minute minute = new Minute(-1, new ConcurrentHashMap<>());

  /**
   * The reason to flag an event, or null to keep it clean.
   *
   * @param bot whether the batch's User-Agent matched a bot substring
   */
  String reason(Event e, ContractSettings s, Map<String, ExperimentState> experiments, boolean bot,
      long receivedMillis) {
    if (bot) {
      return BOT_USER_AGENT;
    }
    long skew = e.timestampMillis() - receivedMillis;
    if (skew > s.clockSkewFutureSeconds() * 1000) {
      return CLOCK_SKEW_FUTURE;
    }
    if (-skew > s.clockSkewPastSeconds() * 1000) {
      return CLOCK_SKEW_PAST;
    }
    if (e.type() == Event.Type.EXPOSURE) {
      ExperimentState x = experiments.get(e.experimentKey());
      if (x == null) {
        return UNKNOWN_EXPERIMENT;
      }
      if (e.variationId() >= x.variants()) {
        return UNKNOWN_VARIATION;
      }
      if (x.stopped()) {
        return EXPERIMENT_STOPPED;
      }
    }
    if (s.maxEventsPerUnitPerMinute() > 0 && overRate(e, s.maxEventsPerUnitPerMinute(), receivedMillis)) {
      return BOT_RATE;
    }
    return null;
  }

  /** Whether the User-Agent contains one of the settings' bot substrings (case-insensitive). */
  static boolean isBot(String userAgent, ContractSettings s) {
    if (userAgent == null || userAgent.isEmpty() || s.botUserAgents().isEmpty()) {
      return false;
    }
    String ua = userAgent.toLowerCase(Locale.ROOT);
    for (String b : s.botUserAgents()) {
      if (ua.contains(b)) {
        return true;
      }
    }
    return false;
  }

  private boolean overRate(Event e, int max, long receivedMillis) {
    long now = receivedMillis / 60_000;
    Minute m = minute;
    if (m.minute() != now) {
      synchronized (this) {
        m = minute;
        if (m.minute() != now) {
          m = new Minute(now, new ConcurrentHashMap<>());
          minute = m;
        }
      }
    }
    String key = e.project() + '\u0000' + e.unitId();
    AtomicInteger n = m.units().get(key);
    if (n == null) {
      if (m.units().size() >= MAX_UNITS_PER_MINUTE) {
        return false;
      }
      n = m.units().computeIfAbsent(key, k -> new AtomicInteger());
    }
    return n.incrementAndGet() > max;
  }
}
