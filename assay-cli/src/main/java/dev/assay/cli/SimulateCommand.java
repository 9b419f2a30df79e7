package dev.assay.cli;

import dev.assay.sdk.Attributes;
import dev.assay.sdk.EventLogger;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.PayloadException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code assay simulate}: streams realistic traffic for one experiment against a running server,
 * the way an application would: the SDK assigns each simulated user from the server's payload,
 * and the SDK's {@link EventLogger} sends the exposures and conversion events.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Stream simulated users for an experiment to a running server: SDK assignment from the server's"
          + " payload, exposures and conversion events through the SDK's event logger.",
      "Treatment users (variation 1 and up) convert at baseline × (1 + effect); control at the baseline.",
    },
    footer = {
      "",
      "Example:",
      "  assay simulate --server http://localhost:8080 --key sdk-... --experiment checkout-button \\",
      "      --users 5000 --effect 0.1 --rate 200",
      "",
      "Exit codes: 0 every event delivered, 1 some were dropped, 2 bad input (unreachable server, unknown"
          + " experiment).",
    })
final class SimulateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--server", required = true, paramLabel = "URL", description = "Assay server, e.g. http://localhost:8080.")
  String server;

  @Option(names = "--key", required = true, paramLabel = "CLIENT_KEY",
      description = "SDK client key (sdk-...): reads /api/features/KEY and sends events with it.")
  String key;

  @Option(names = "--experiment", required = true, paramLabel = "KEY",
      description = "Running experiment to simulate (its feature in the payload has the experiment's key).")
  String experiment;

  @Option(names = "--users", defaultValue = "1000", paramLabel = "N", description = "Simulated users. Default: ${DEFAULT-VALUE}.")
  int users;

  @Option(names = "--effect", defaultValue = "0.1", paramLabel = "X",
      description = "Relative lift of the treatment's conversion rate, e.g. 0.1 for +10%%. Default: ${DEFAULT-VALUE}.")
  double effect;

  @Option(names = "--rate", defaultValue = "100", paramLabel = "R",
      description = "Users per second (0: as fast as possible). Default: ${DEFAULT-VALUE}.")
  double rate;

  @Option(names = "--baseline", defaultValue = "0.1", paramLabel = "P",
      description = "Control conversion rate. Default: ${DEFAULT-VALUE}.")
  double baseline;

  @Option(names = "--event", defaultValue = "purchase", paramLabel = "NAME",
      description = "Name of the conversion event (a metric's event). Default: ${DEFAULT-VALUE}.")
  String event;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
      description = "Random seed; also part of the user ids (sim-S-1, sim-S-2, ...). Default: ${DEFAULT-VALUE}.")
  long seed;

  private void check() {
    if (!(server.startsWith("http://") || server.startsWith("https://"))) {
      throw new CliInputException("--server: must be an http(s) URL, was '" + server + "'");
    }
    if (users < 1) {
      throw new CliInputException("--users: must be at least 1, was " + users);
    }
    if (!(baseline > 0 && baseline < 1)) {
      throw new CliInputException("--baseline: must be in (0, 1), was " + baseline);
    }
    double treated = baseline * (1 + effect);
    if (!(treated >= 0 && treated <= 1)) {
      throw new CliInputException("--effect: the treatment's rate baseline × (1 + effect) must be in [0, 1], was "
          + Numbers.plain(treated));
    }
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      throw new CliInputException("--rate: must be 0 or a positive number of users per second, was " + rate);
    }
  }

  @Override
  public Integer call() {
    check();
    String base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    String payload = PayloadUrl.fetch("--server", base + "/api/features/" + key);
    PrintWriter out = spec.commandLine().getOut();
    try (EventLogger events = EventLogger.builder(base, key).build()) {
      ExperimentClient sdk = client(payload, events);
      Tally tally = run(sdk, events, out);
      events.flush(Duration.ofSeconds(30));
      EventLogger.Stats stats = events.stats();
      out.printf("Done: %,d users, %,d exposed (control %,d, treatment %,d), %,d conversions (control %,d,"
              + " treatment %,d); events delivered %,d, duplicates %,d, dropped %,d%n", users, tally.exposed(),
          tally.users[0], tally.users[1], tally.conversions(), tally.conversions[0], tally.conversions[1],
          stats.delivered(), stats.duplicates(), stats.dropped());
      out.flush();
      return stats.dropped() == 0 ? 0 : 1;
    }
  }

  private ExperimentClient client(String payload, EventLogger events) {
    ExperimentClient sdk;
    try {
      sdk = ExperimentClient.builder().payload(payload).onExposure(events).build();
    } catch (PayloadException e) {
      throw new CliInputException("--key: the server's payload cannot be read: " + e.getMessage());
    }
    if (!sdk.featureKeys().contains(experiment)) {
      throw new CliInputException("--experiment: no feature '" + experiment + "' in the payload of " + key
          + " (is the experiment running in this environment?); features: " + sdk.featureKeys());
    }
    return sdk;
  }

  /** Users and conversions per arm: [0] control, [1] all treatments. */
  private static final class Tally {
    final long[] users = new long[2];
    final long[] conversions = new long[2];

    long exposed() {
      return users[0] + users[1];
    }

    long conversions() {
      return conversions[0] + conversions[1];
    }
  }

  private Tally run(ExperimentClient sdk, EventLogger events, PrintWriter out) {
    SplittableRandom random = new SplittableRandom(seed);
    Tally tally = new Tally();
    long t0 = System.nanoTime();
    long nextProgress = t0 + 1_000_000_000L;
    for (int i = 1; i <= users; i++) {
      pace(t0, i);
      String unit = "sim-" + seed + "-" + i;
      Optional<ExperimentResult> r = sdk.evaluate(experiment, Attributes.of("id", unit)).experimentResult()
          .filter(ExperimentResult::inExperiment);
      if (r.isPresent()) {
        int arm = r.get().variationId() == 0 ? 0 : 1;
        tally.users[arm]++;
        if (random.nextDouble() < (arm == 0 ? baseline : baseline * (1 + effect))) {
          tally.conversions[arm]++;
          events.track(event, unit);
        }
      }
      if (System.nanoTime() >= nextProgress || i == users) {
        progress(out, i, tally, events.stats());
        nextProgress = System.nanoTime() + 1_000_000_000L;
      }
    }
    return tally;
  }

  /** Waits until user i is due at the requested rate. */
  private void pace(long t0, int i) {
    if (rate == 0) {
      return;
    }
    long due = t0 + (long) ((i - 1) / rate * 1e9);
    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
      LockSupport.parkNanos(wait);
    }
  }

  private void progress(PrintWriter out, int done, Tally tally, EventLogger.Stats stats) {
    out.printf("simulate: %,d/%,d users · exposed %,d · conversions %,d · events delivered %,d, dropped %,d%n",
        done, users, tally.exposed(), tally.conversions(), stats.delivered(), stats.dropped());
    out.flush();
  }
}
