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
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

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

  private enum Type { GAUGE, COUNTER, INFO, UNTYPED }

  private static final int CACHE_SIZE = 8192;
  private static final Map<NameAndHelp, MetricMetadata> METADATA = new ConcurrentHashMap<>();
  private static final Map<LabelPair, Labels> LABELS = new ConcurrentHashMap<>();

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

  /**
   * An untyped family ({@code # TYPE name untyped}), for the values node_exporter exposes
   * without a type, such as {@code node_vmstat_*} and {@code node_netstat_*}.
   */
  public static MetricFamily untyped(String name, String help, String... labelNames) {
    return new MetricFamily(Type.UNTYPED, name, help, labelNames);
  }

  /** An untyped family with one unlabelled value. */
  public static MetricSnapshot untyped(String name, String help, double value) {
    return untyped(name, help, new String[0]).add(value).build();
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
      case UNTYPED -> new UnknownDataPointSnapshot(value, labels, null);
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
      case UNTYPED -> new UnknownSnapshot(metadata, (List<UnknownDataPointSnapshot>) (List<?>) points);
    };
  }

  /**
   * The metadata of a family, made once: client_java validates a name each time it makes
   * one, with a new charset encoder, and collectors build the same families on every scrape.
   */
  private static MetricMetadata metadata(String name, String help) {
    return cached(METADATA, new NameAndHelp(name, help),
        k -> new MetricMetadata(k.name(), k.help()));
  }

  /**
   * A value from a cache, made on a miss. Names and label values made from data (a plugin's,
   * container names) could grow a cache without bound, so it stops growing at
   * {@value #CACHE_SIZE} entries and later misses are made each time.
   */
  private static <K, V> V cached(Map<K, V> cache, K key, Function<K, V> make) {
    V value = cache.get(key);
    if (value == null) {
      value = make.apply(key);
      if (cache.size() < CACHE_SIZE) {
        cache.putIfAbsent(key, value);
      }
    }
    return value;
  }

  private Labels labels(String[] values) {
    if (values.length != labelNames.length) {
      throw new IllegalArgumentException(name + ": " + labelNames.length + " label values expected, got "
          + values.length);
    }
    if (values.length == 0) {
      return Labels.EMPTY;
    }
    Labels labels = label(labelNames[0], values[0]);
    for (int i = 1; i < values.length; i++) {
      labels = labels.merge(label(labelNames[i], values[i]));
    }
    return labels;
  }

  /**
   * One label, made once: {@code Labels.of} validates every name with a new charset encoder,
   * which on a scrape cost more than all the rest of building the samples. Merging two label
   * sets does not validate again.
   */
  private static Labels label(String name, String value) {
    return cached(LABELS, new LabelPair(name, value == null ? "" : value),
        k -> Labels.of(k.name(), k.value()));
  }

  private record LabelPair(String name, String value) {}

  private record NameAndHelp(String name, String help) {}
}
