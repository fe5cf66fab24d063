package io.github.microc.exporter.docker.client;

import java.time.Duration;

/**
 * How long to wait before the n-th try of something that keeps failing: {@code initial},
 * doubled after each failure, at most {@code max}. The one rule for every retry against the
 * daemon (the metadata watcher's and the watchdog's reconnects) and for the watchdog's restarts.
 * Immutable; {@link Attempts} counts the failures of one retry loop.
 *
 * @param initial the wait before the first retry
 * @param max the longest wait
 */
public record Backoff(Duration initial, Duration max) {

  public Backoff {
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("a backoff from " + initial + " to " + max);
    }
  }

  /** The wait before try {@code attempt} (1 for the first retry): initial * 2^(attempt-1), at most max. */
  public Duration delay(int attempt) {
    Duration delay = initial;
    for (int i = 1; i < attempt && delay.compareTo(max) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(max) > 0 ? max : delay;
  }

  /** A count of failures in a row, for one retry loop. Not thread-safe. */
  public Attempts attempts() {
    return new Attempts(this);
  }

  /** The failures in a row of one retry loop and the wait each one calls for. */
  public static final class Attempts {
    private final Backoff backoff;
    private int failures;

    private Attempts(Backoff backoff) {
      this.backoff = backoff;
    }

    /** Counts one more failure; returns the wait before the next try. */
    public Duration failed() {
      if (failures < Integer.MAX_VALUE) {
        failures++;
      }
      return backoff.delay(failures);
    }

    /**
     * Counts one more failure; returns the wait before the next try, at least {@code atLeast}
     * (and at most the longest wait): for a failure that trying again soon will not mend.
     */
    public Duration failed(Duration atLeast) {
      Duration delay = failed();
      Duration floor = atLeast.compareTo(backoff.max) > 0 ? backoff.max : atLeast;
      return delay.compareTo(floor) < 0 ? floor : delay;
    }

    /** A success: the next failure waits the initial delay again. */
    public void succeeded() {
      failures = 0;
    }

    /** Failures since the last success. */
    public int failures() {
      return failures;
    }
  }
}
