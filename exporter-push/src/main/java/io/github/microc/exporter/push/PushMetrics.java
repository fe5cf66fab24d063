package io.github.microc.exporter.push;

import io.github.microc.exporter.core.spi.MetricFamily;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.List;
import java.util.function.Supplier;

/**
 * Push mode's self-metrics, one set per endpoint, on {@code /metrics} and pushed with the rest.
 *
 * <pre>
 * microc_push_sent_batches_total{endpoint="central"} 240
 * microc_push_sent_samples_total{endpoint="central"} 171840
 * microc_push_sent_bytes_total{endpoint="central"} 3.1e6
 * microc_push_failed_requests_total{endpoint="central",reason="network"} 3
 * microc_push_retries_total{endpoint="central"} 3
 * microc_push_dropped_batches_total{endpoint="central",reason="buffer_full"} 0
 * microc_push_dropped_samples_total{endpoint="central",reason="buffer_full"} 0
 * microc_push_pending_batches{endpoint="central"} 0
 * microc_push_pending_samples{endpoint="central"} 0
 * microc_push_pending_bytes{endpoint="central"} 0
 * microc_push_pending_oldest_timestamp_seconds{endpoint="central"} 0
 * microc_push_last_success_timestamp_seconds{endpoint="central"} 1.7648e9
 * microc_push_send_duration_seconds_count{endpoint="central"} 243
 * microc_push_send_duration_seconds_sum{endpoint="central"} 1.92
 * </pre>
 */
final class PushMetrics implements MultiCollector {

  private final Supplier<List<EndpointPusher>> pushers;

  PushMetrics(Supplier<List<EndpointPusher>> pushers) {
    this.pushers = pushers;
  }

  @Override
  public MetricSnapshots collect() {
    MetricFamily sentBatches = MetricFamily.counter("microc_push_sent_batches_total",
        "Batches (one collection each) the receiver accepted.", "endpoint");
    MetricFamily sentSamples = MetricFamily.counter("microc_push_sent_samples_total",
        "Samples the receiver accepted.", "endpoint");
    MetricFamily sentBytes = MetricFamily.counter("microc_push_sent_bytes_total",
        "Request bytes (protobuf, snappy) the receiver accepted.", "endpoint");
    MetricFamily failed = MetricFamily.counter("microc_push_failed_requests_total",
        "Requests that got no answer (network, timeout, tls) or an error status (status_429,"
            + " status_5xx: retried; status_4xx: dropped).", "endpoint", "reason");
    MetricFamily retries = MetricFamily.counter("microc_push_retries_total",
        "Attempts to send a batch again after a failure.", "endpoint");
    MetricFamily droppedBatches = MetricFamily.counter("microc_push_dropped_batches_total",
        "Batches given up on: rejected by the receiver, buffer_full, too_old, corrupt or"
            + " write_failed.", "endpoint", "reason");
    MetricFamily droppedSamples = MetricFamily.counter("microc_push_dropped_samples_total",
        "Samples of the batches given up on.", "endpoint", "reason");
    MetricFamily pendingBatches = MetricFamily.gauge("microc_push_pending_batches",
        "Batches in the on-disk buffer, not sent yet.", "endpoint");
    MetricFamily pendingSamples = MetricFamily.gauge("microc_push_pending_samples",
        "Samples in the on-disk buffer, not sent yet.", "endpoint");
    MetricFamily pendingBytes = MetricFamily.gauge("microc_push_pending_bytes",
        "Size of the on-disk buffer's segment files.", "endpoint");
    MetricFamily oldest = MetricFamily.gauge("microc_push_pending_oldest_timestamp_seconds",
        "Collection time of the oldest batch in the buffer; 0 when it is empty.", "endpoint");
    MetricFamily lastSuccess = MetricFamily.gauge("microc_push_last_success_timestamp_seconds",
        "When the receiver last accepted a batch; 0 before it did.", "endpoint");
    SummarySnapshot.Builder duration = SummarySnapshot.builder()
        .name("microc_push_send_duration_seconds")
        .help("Time from sending a request to its answer (or its failure).");
    for (EndpointPusher pusher : pushers.get()) {
      String name = pusher.settings().name();
      EndpointStats stats = pusher.stats();
      sentBatches.add(stats.sentBatches.sum(), name);
      sentSamples.add(stats.sentSamples.sum(), name);
      sentBytes.add(stats.sentBytes.sum(), name);
      for (EndpointStats.Failure failure : EndpointStats.Failure.values()) {
        failed.add(stats.failures(failure), name, failure.label());
      }
      retries.add(stats.retries.sum(), name);
      for (Drop drop : Drop.values()) {
        droppedBatches.add(stats.droppedBatches(drop), name, drop.label());
        droppedSamples.add(stats.droppedSamples(drop), name, drop.label());
      }
      SegmentBuffer.Pending pending = pusher.pending();
      pendingBatches.add(pending.batches(), name);
      pendingSamples.add(pending.samples(), name);
      pendingBytes.add(pending.bytes(), name);
      oldest.add(pending.oldest() / 1000.0, name);
      lastSuccess.add(stats.lastSuccess() / 1000.0, name);
      duration.dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder()
          .labels(Labels.of("endpoint", name))
          .quantiles(Quantiles.EMPTY)
          .count(stats.sends.sum())
          .sum(stats.sendSeconds())
          .build());
    }
    return MetricSnapshots.of(sentBatches.build(), sentSamples.build(), sentBytes.build(), failed.build(),
        retries.build(), droppedBatches.build(), droppedSamples.build(), pendingBatches.build(),
        pendingSamples.build(), pendingBytes.build(), oldest.build(), lastSuccess.build(),
        duration.build());
  }
}
