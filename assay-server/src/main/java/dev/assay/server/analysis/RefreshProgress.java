package dev.assay.server.analysis;

import java.time.Instant;
import java.util.Optional;

/**
 * Where a refresh of one experiment's results stands, for long refreshes: its state, the step it
 * is on ("metric 3/5: revenue"), how many of the planned steps are done, and when it started and
 * finished. Immutable; {@link ExperimentRefresh} replaces it at each step.
 *
 * @param experiment experiment key
 * @param state running, done or failed
 * @param step what the refresh is doing (or did last)
 * @param stepsDone steps finished (the one named by {@code step} is under way)
 * @param stepsTotal steps planned (exposure counts, each metric and breakdown, statistics)
 * @param startedAt when the refresh started
 * @param finishedAt when it finished (absent while running)
 * @param error why it failed (absent unless failed)
 */
public record RefreshProgress(String experiment, State state, String step, int stepsDone, int stepsTotal,
    Instant startedAt, Optional<Instant> finishedAt, Optional<String> error) {

  /** The states of a refresh. */
  public enum State {
    RUNNING,
    DONE,
    FAILED
  }

  static RefreshProgress started(String experiment, int stepsTotal, Instant now) {
    return new RefreshProgress(experiment, State.RUNNING, "starting", 0, stepsTotal, now, Optional.empty(),
        Optional.empty());
  }

  RefreshProgress step(String name) {
    int finished = "starting".equals(step) ? 0 : Math.min(stepsTotal, stepsDone + 1);
    return new RefreshProgress(experiment, state, name, finished, stepsTotal, startedAt, finishedAt, error);
  }

  RefreshProgress done(Instant now) {
    return new RefreshProgress(experiment, State.DONE, "done", stepsTotal, stepsTotal, startedAt, Optional.of(now),
        Optional.empty());
  }

  RefreshProgress failed(String message, Instant now) {
    return new RefreshProgress(experiment, State.FAILED, step, stepsDone, stepsTotal, startedAt, Optional.of(now),
        Optional.of(message));
  }

  /** Whether the refresh is still running. */
  public boolean running() {
    return state == State.RUNNING;
  }
}
