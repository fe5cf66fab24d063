package io.github.microc.exporter.core.host;

import io.prometheus.metrics.model.snapshots.MetricMetadata;
import java.lang.reflect.Field;

/**
 * Family metadata under any name node_exporter exposes. client_java refuses a name ending in
 * {@code _total}, {@code _info}, {@code _bucket} or {@code _created} whatever the family's
 * type, since its own counters, info metrics and histograms add those suffixes; node_exporter
 * has such gauges and untyped families where a source names them so (a textfile's
 * {@code backup_files_total}, a kstat). The text and OpenMetrics writers take the name as given,
 * with the underscore escaping Prometheus negotiates, so such a name is set on metadata made
 * under a stand-in name. client_java's {@code dots} and {@code values} escaping schemes, which
 * a scraper may ask for in its {@code Accept} header and Prometheus 2 never does, make the
 * metadata again and refuse such a name.
 */
final class Metadata {

  private static final Field NAME = field("name");
  private static final Field PROMETHEUS_NAME = field("prometheusName");

  private Metadata() {}

  /** Metadata for {@code name}, made as client_java makes it where client_java allows the name. */
  static MetricMetadata of(String name, String help) {
    try {
      return new MetricMetadata(name, help);
    } catch (IllegalArgumentException reserved) {
      if (!name.endsWith("_total") && !name.endsWith("_info") && !name.endsWith("_bucket")
          && !name.endsWith("_created")) {
        throw reserved; // not a name node_exporter could expose either
      }
      MetricMetadata metadata = new MetricMetadata("stand_in", help);
      try {
        NAME.set(metadata, name);
        PROMETHEUS_NAME.set(metadata, name);
      } catch (IllegalAccessException | RuntimeException e) {
        throw new IllegalStateException("cannot expose " + name + ": " + reserved.getMessage(), e);
      }
      return metadata;
    }
  }

  private static Field field(String name) {
    try {
      Field field = MetricMetadata.class.getDeclaredField(name);
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
