package io.github.microc.exporter.core.spi;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds one metric family from values and label values, under the name it is exposed with:
 *
 * <pre>{@code
 * MetricFamily.counter("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", "cpu", "mode")
 *     .add(123.4, "0", "idle")
 *     .add(5.6, "0", "user")
 *     .build();
 * }</pre>
 *
 * <p>A counter's {@code _total} and an info's {@code _info} suffix are handled here, so code
 * and docs use the name Prometheus sees. A second sample with the same label values is
 * dropped (the first one wins) rather than failing the whole family, and a null label value
 * is exposed as the empty string. Not thread-safe; build one per collection.
 */
public final class MetricFamily {

  private enum Type { GAUGE, COUNTER, INFO }

  private static final int METADATA_CACHE_SIZE = 4096;
  private static final Map<String, MetricMetadata> METADATA = new ConcurrentHashMap<>();

  private final Type type;
  private final String name;
  private final String help;
  private final String[] labelNames;
  private final List<Object> points = new ArrayList<>();
  private final Set<Labels> seen = new HashSet<>();

  private MetricFamily(Type type, String name, String help, String[] labelNames) {
    this.type = type;
    this.name = name;
    this.help = help;
    this.labelNames = labelNames.clone();
  }

  /** A gauge: a value that goes up and down. */
  public static MetricFamily gauge(String name, String help, String... labelNames) {
    return new MetricFamily(Type.GAUGE, name, help, labelNames);
  }

  /** A counter; {@code name} ends with {@code _total}. */
  public static MetricFamily counter(String name, String help, String... labelNames) {
    if (!name.endsWith("_total")) {
      throw new IllegalArgumentException("a counter's name ends with _total: " + name);
    }
    return new MetricFamily(Type.COUNTER, name.substring(0, name.length() - "_total".length()),
        help, labelNames);
  }

  /**
   * An info metric: labels with the value 1; {@code name} ends with {@code _info}. Exposed as
   * a gauge in the text format, as node_exporter's {@code node_uname_info} is.
   */
  public static MetricFamily info(String name, String help, String... labelNames) {
    if (!name.endsWith("_info")) {
      throw new IllegalArgumentException("an info metric's name ends with _info: " + name);
    }
    return new MetricFamily(Type.INFO, name.substring(0, name.length() - "_info".length()), help,
        labelNames);
  }

  /** A gauge with one unlabelled value. */
  public static MetricSnapshot gauge(String name, String help, double value) {
    return gauge(name, help, new String[0]).add(value).build();
  }

  /** A counter with one unlabelled value. */
  public static MetricSnapshot counter(String name, String help, double value) {
    return counter(name, help, new String[0]).add(value).build();
  }

  /** Adds a sample; for an info metric the value is ignored. */
  public MetricFamily add(double value, String... labelValues) {
    Labels labels = labels(labelValues);
    return seen.add(labels) ? add(value, labels) : this;
  }

  /**
   * Adds a sample with a ready-made label set, whatever the label names given to the factory:
   * for collectors that keep their label sets from one scrape to the next, or whose series
   * differ in label names. The caller guarantees that the set is unique in the family; it is
   * not checked, since hashing every set would cost more than building the sample.
   */
  public MetricFamily add(double value, Labels labels) {
    points.add(switch (type) {
      case GAUGE -> new GaugeDataPointSnapshot(value, labels, null);
      case COUNTER -> new CounterDataPointSnapshot(value, labels, null, 0);
      case INFO -> new InfoDataPointSnapshot(labels);
    });
    return this;
  }

  /** Adds an info sample. */
  public MetricFamily addInfo(String... labelValues) {
    return add(1, labelValues);
  }

  /** Whether no sample was added. */
  public boolean isEmpty() {
    return points.isEmpty();
  }

  @SuppressWarnings("unchecked")
  public MetricSnapshot build() {
    MetricMetadata metadata = metadata(name, help);
    return switch (type) {
      case GAUGE -> new GaugeSnapshot(metadata, (List<GaugeDataPointSnapshot>) (List<?>) points);
      case COUNTER -> new CounterSnapshot(metadata, (List<CounterDataPointSnapshot>) (List<?>) points);
      case INFO -> new InfoSnapshot(metadata, (List<InfoDataPointSnapshot>) (List<?>) points);
    };
  }

  /**
   * The metadata of a family, made once: client_java validates a name each time it makes
   * one, with a new charset encoder, and collectors build the same families on every scrape.
   * Names made from data (a plugin's, say) could grow the cache without bound, so it stops
   * growing at {@value #METADATA_CACHE_SIZE} entries.
   */
  private static MetricMetadata metadata(String name, String help) {
    String key = name + '\n' + help;
    MetricMetadata cached = METADATA.get(key);
    if (cached == null) {
      cached = new MetricMetadata(name, help);
      if (METADATA.size() < METADATA_CACHE_SIZE) {
        METADATA.putIfAbsent(key, cached);
      }
    }
    return cached;
  }

  private Labels labels(String[] values) {
    if (values.length != labelNames.length) {
      throw new IllegalArgumentException(name + ": " + labelNames.length + " label values expected, got "
          + values.length);
    }
    if (values.length == 0) {
      return Labels.EMPTY;
    }
    String[] cleaned = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      cleaned[i] = values[i] == null ? "" : values[i];
    }
    return Labels.of(labelNames, cleaned);
  }
}
