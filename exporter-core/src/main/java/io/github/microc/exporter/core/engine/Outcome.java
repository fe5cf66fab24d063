package io.github.microc.exporter.core.engine;

import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.time.Instant;

/**
 * The result of one collection by one collector.
 *
 * @param snapshots what it returned; when it failed, what it gathered before (usually nothing)
 * @param error why it failed; null on success
 * @param duration how long it took, or the timeout when it timed out
 * @param finished when it ended
 * @param noData whether it failed because its source does not exist on this host
 */
record Outcome(MetricSnapshots snapshots, String error, Duration duration, Instant finished,
    boolean noData) {

  static Outcome success(MetricSnapshots snapshots, Duration duration, Instant finished) {
    return new Outcome(snapshots, null, duration, finished, false);
  }

  static Outcome failure(String error, Duration duration, Instant finished) {
    return new Outcome(MetricSnapshots.of(), error, duration, finished, false);
  }

  /** A collector that found nothing to read here ({@code NoDataException}). */
  static Outcome noData(String error, Duration duration, Instant finished) {
    return new Outcome(MetricSnapshots.of(), error, duration, finished, true);
  }

  /** The same outcome with what a collector gathered before it failed. */
  Outcome withSnapshots(MetricSnapshots gathered) {
    return new Outcome(gathered, error, duration, finished, noData);
  }

  boolean succeeded() {
    return error == null;
  }
}
