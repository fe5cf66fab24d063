package io.github.microc.exporter.core.spi;

import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;

/**
 * Thrown by a collector's {@code collect()} that gathered some families and then failed: the
 * scrape exposes what it gathered and reports
 * {@code microc_scrape_collector_success{collector="<name>"} 0} with the cause, as node_exporter
 * exposes what a collector sent before it returned an error. A {@link NoDataException} cause is
 * logged at debug level, as one thrown alone.
 *
 * <pre>{@code
 * List<MetricSnapshot> collected = new ArrayList<>();
 * collected.add(readCount());
 * try {
 *   collected.addAll(readStatistics());
 * } catch (RuntimeException e) {
 *   throw new PartialCollectionException(collected, e);
 * }
 * }</pre>
 */
public final class PartialCollectionException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient MetricSnapshots collected;

  /**
   * @param collected what was gathered before the failure
   * @param cause the failure
   */
  public PartialCollectionException(List<MetricSnapshot> collected, RuntimeException cause) {
    super(cause.getMessage(), cause, false, false);
    this.collected = new MetricSnapshots(collected);
  }

  /** What was gathered before the failure. */
  public MetricSnapshots collected() {
    return collected;
  }

  @Override
  public synchronized RuntimeException getCause() {
    return (RuntimeException) super.getCause();
  }
}
