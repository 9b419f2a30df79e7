package dev.assay.server.safety;

import dev.assay.server.domain.ConfigService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Finishes circuit-breaker trips that were recorded but never applied (docs/safety.md, "Tripping,
 * once"): at start and every tick, on the one replica holding the job lease {@code
 * breaker-recovery} (ADR 0029), {@link CircuitBreakers#recoverTrips} halts or kills the target of
 * every trip older than {@link #GRACE} still marked unapplied.
 */
public final class BreakerRecovery implements AutoCloseable {
  /** A trip younger than this may still be being applied by the replica that won it. */
  public static final Duration GRACE = Duration.ofSeconds(5);
  private static final Logger LOG = Logger.getLogger(BreakerRecovery.class.getName());

  private final CircuitBreakers breakers;
  private final ConfigService config;
  private final Duration tick;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "assay-breaker-recovery");
    t.setDaemon(true);
    return t;
  });

  /** Starts the recovery thread: a first pass at once, then one every {@code tick}. */
  public BreakerRecovery(CircuitBreakers breakers, ConfigService config, Duration tick) {
    this.breakers = breakers;
    this.config = config;
    this.tick = tick;
    executor.scheduleWithFixedDelay(this::runOnce, 0, Math.max(1, tick.toMillis()), TimeUnit.MILLISECONDS);
  }

  private void runOnce() {
    try {
      config.runOncePerInterval("breaker-recovery", tick, () -> breakers.recoverTrips(GRACE));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "breaker recovery pass failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
