package io.github.microc.exporter.core;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import java.util.List;

/** Families of one unlabelled sample, for the exporter's own process and JVM metrics. */
final class SingleValue {

  private SingleValue() {}

  static GaugeSnapshot gauge(MetricMetadata metadata, double value) {
    return new GaugeSnapshot(metadata, List.of(new GaugeDataPointSnapshot(value, Labels.EMPTY, null)));
  }

  static CounterSnapshot counter(MetricMetadata metadata, double value) {
    return new CounterSnapshot(metadata, List.of(new CounterDataPointSnapshot(value, Labels.EMPTY, null, 0)));
  }
}
