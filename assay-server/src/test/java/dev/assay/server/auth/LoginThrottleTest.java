package dev.assay.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
  /** A clock the test moves. */
  static final class StepClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final StepClock clock = new StepClock();
  private final LoginThrottle throttle = new LoginThrottle(clock, 5, Duration.ofMinutes(1));

  @Test
  void fiveFailuresInAMinute_blockThePair_untilTheOldestLeavesTheWindow() {
    for (int i = 0; i < 5; i++) {
      assertThat(throttle.retryAfterSeconds("ann", "10.0.0.1")).isZero();
      throttle.failed("ann", "10.0.0.1");
      clock.now = clock.now.plusSeconds(10);
    }
    // failures at 0, 10, 20, 30, 40 s; now 50 s: blocked until the first one is 60 s old
    assertThat(throttle.retryAfterSeconds("ann", "10.0.0.1")).isEqualTo(10);
    assertThat(throttle.retryAfterSeconds("ann", "10.0.0.2")).isZero();
    assertThat(throttle.retryAfterSeconds("bob", "10.0.0.1")).isZero();
    clock.now = clock.now.plusSeconds(10);
    assertThat(throttle.retryAfterSeconds("ann", "10.0.0.1")).isZero();
  }

  @Test
  void success_clearsThePair() {
    for (int i = 0; i < 4; i++) {
      throttle.failed("ann", "::1");
    }
    throttle.succeeded("ann", "::1");
    throttle.failed("ann", "::1");
    assertThat(throttle.retryAfterSeconds("ann", "::1")).isZero();
  }
}
