package io.github.microc.exporter.docker;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * One metric family built from ready-made {@link Labels}. The containers collector keeps each
 * container's label sets from one scrape to the next, because building and validating them
 * per sample was most of a scrape's cost; label sets differ between series (empty label
 * values are left out, which Prometheus treats the same), so core's fixed-name
 * {@code MetricFamily} does not fit. Callers guarantee unique label sets. Not thread-safe.
 */
final class Family {

  private enum Type { GAUGE, COUNTER, INFO }

  private final Type type;
  private final String name;
  private final String help;
  private final List<Object> points = new ArrayList<>();

  private Family(Type type, String name, String help) {
    this.type = type;
    this.name = name;
    this.help = help;
  }

  static Family gauge(String name, String help) {
    return new Family(Type.GAUGE, name, help);
  }

  /** {@code name} ends with {@code _total}, as exposed. */
  static Family counter(String name, String help) {
    return new Family(Type.COUNTER, name.substring(0, name.length() - "_total".length()), help);
  }

  /** {@code name} ends with {@code _info}, as exposed. */
  static Family info(String name, String help) {
    return new Family(Type.INFO, name.substring(0, name.length() - "_info".length()), help);
  }

  /** Adds a sample unless {@code value} is negative, which stands for unknown. */
  Family addKnown(double value, Labels labels) {
    return value < 0 ? this : add(value, labels);
  }

  Family add(double value, Labels labels) {
    points.add(switch (type) {
      case GAUGE -> GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
      case COUNTER -> CounterDataPointSnapshot.builder().value(value).labels(labels).build();
      case INFO -> InfoDataPointSnapshot.builder().labels(labels).build();
    });
    return this;
  }

  boolean isEmpty() {
    return points.isEmpty();
  }

  MetricSnapshot build() {
    return switch (type) {
      case GAUGE -> {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        points.forEach(p -> b.dataPoint((GaugeDataPointSnapshot) p));
        yield b.build();
      }
      case COUNTER -> {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        points.forEach(p -> b.dataPoint((CounterDataPointSnapshot) p));
        yield b.build();
      }
      case INFO -> {
        InfoSnapshot.Builder b = InfoSnapshot.builder().name(name).help(help);
        points.forEach(p -> b.dataPoint((InfoDataPointSnapshot) p));
        yield b.build();
      }
    };
  }
}
