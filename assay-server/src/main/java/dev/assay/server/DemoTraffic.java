package dev.assay.server;

import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.server.domain.DemoData;
import dev.assay.server.events.Event;
import dev.assay.server.events.EventStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Simulated traffic for the demo project ({@link DemoData}): {@value #USERS} visitors over the
 * {@link DemoData#HISTORY} since the running experiments started, each assigned by the SDK's own
 * evaluation of the demo payload, with their exposures and metric events appended through the
 * event store's API. Deterministic: a seeded random source, times relative to the clock.
 *
 * <p>The effects are known: in {@value DemoData#EXPERIMENT} the green button raises purchase from
 * 10% to 14% (revenue per user follows), page load is the same in both arms (its guardrail is
 * flat), and referral (0.3% of users) has too few conversions to show anything; the A/A test
 * {@value DemoData#AA_EXPERIMENT} has no effect by construction. Not thread-safe; called once.
 */
final class DemoTraffic {
  /* The demo's traffic comes from its web SDK connection, which is in production. */
  private static final String ENVIRONMENT = "production";


  static final int USERS = 20_000;
  private static final long SEED = 20_261_201L;
  private static final int BATCH = 5_000;
  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;
  private static final String[] COUNTRIES = {"US", "US", "US", "DE", "DE", "GB", "FR", "NL"};

  private final ExperimentClient sdk;
  private final EventStore store;
  private final long start;
  private final long end;
  private final SplittableRandom random = new SplittableRandom(SEED);
  private final List<Event> batch = new ArrayList<>(BATCH);
  private int appended;

  private DemoTraffic(ExperimentClient sdk, EventStore store, Clock clock) {
    this.sdk = sdk;
    this.store = store;
    this.end = clock.millis() - MINUTE;
    this.start = clock.millis() - DemoData.HISTORY.toMillis() + MINUTE;
  }

  /**
   * Appends the demo traffic and waits until the store committed it.
   *
   * @param payloadJson the demo SDK connection's compiled payload (assignment as the SDK does it)
   * @return the number of events appended
   */
  static int seed(byte[] payloadJson, EventStore store, Clock clock) {
    ExperimentClient sdk = ExperimentClient.builder().payload(new String(payloadJson, StandardCharsets.UTF_8)).build();
    DemoTraffic traffic = new DemoTraffic(sdk, store, clock);
    for (int i = 1; i <= USERS; i++) {
      traffic.visitor(String.format("demo-user-%05d", i));
    }
    traffic.flush();
    return traffic.appended;
  }

  private void visitor(String unit) {
    String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
    // Visits come 2 h or more before now, so most conversions fall inside the phase.
    long visit = start + (long) (random.nextDouble() * (end - start - 2 * HOUR));
    Attributes attributes = Attributes.of("id", unit, "country", country);
    String json = "{\"id\":\"" + unit + "\",\"country\":\"" + country + "\"}";
    Optional<Integer> checkout = expose(unit, DemoData.EXPERIMENT, attributes, json, visit);
    expose(unit, DemoData.AA_EXPERIMENT, attributes, json, visit + 1);
    boolean green = checkout.orElse(0) == 1;
    for (int i = 0; i < 2; i++) {
      metric(unit, "page_load", visit + 2 + i * MINUTE, Math.max(120, 800 + 150 * gaussian()), i);
    }
    if (random.nextDouble() < (green ? 0.14 : 0.10)) {
      double basket = Math.round(Math.exp(3.6 + 0.5 * gaussian()) * 100) / 100.0;
      metric(unit, "purchase", later(visit), basket, 0);
    }
    if (random.nextDouble() < 0.003) {
      metric(unit, "referral", later(visit), null, 0);
    }
  }

  /** A time after the visit, within 48 h and before the end. */
  private long later(long visit) {
    return visit + 10 + (long) (random.nextDouble() * Math.min(48 * HOUR, end - visit - 10));
  }

  private double gaussian() {
    return random.nextGaussian();
  }

  /** Evaluates the experiment's feature like an application would; logs the exposure if in it. */
  private Optional<Integer> expose(String unit, String experiment, Attributes attributes, String json, long ts) {
    Optional<ExperimentResult> result = sdk.evaluate(experiment, attributes).experimentResult()
        .filter(ExperimentResult::inExperiment);
    result.ifPresent(r -> add(new Event("demo-" + unit + "-" + experiment, Event.Type.EXPOSURE, ts, unit,
        r.hashAttribute(), experiment, r.variationId(), null, null, json, DemoData.PROJECT, ENVIRONMENT)));
    return result.map(ExperimentResult::variationId);
  }

  private void metric(String unit, String name, long ts, Double value, int n) {
    add(new Event("demo-" + unit + "-" + name + "-" + n, Event.Type.METRIC, ts, unit, null, null, -1, name, value,
        "{}", DemoData.PROJECT, ENVIRONMENT));
  }

  private void add(Event e) {
    batch.add(e);
    if (batch.size() == BATCH) {
      flush();
    }
  }

  private void flush() {
    if (!batch.isEmpty()) {
      appended += store.append(List.copyOf(batch)).join().accepted();
      batch.clear();
    }
  }
}
