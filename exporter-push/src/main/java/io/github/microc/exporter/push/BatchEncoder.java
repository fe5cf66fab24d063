package io.github.microc.exporter.push;

import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.github.microc.exporter.push.prompb.Remote;
import io.github.microc.exporter.push.prompb.Remote.MetricMetadata.MetricType;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One collection as a remote-write 1.0 request body: a protobuf {@code WriteRequest} holding
 * the series the Prometheus text format would show for the same snapshots (a counter's
 * {@code _total}, an info's {@code _info}, a histogram's {@code _bucket}/{@code _count}/
 * {@code _sum}, a summary's quantiles, a state set's one series per state), each with the
 * collection's timestamp, or the data point's own where it has one; then snappy's block
 * format. External labels are added to each series that lacks them. Metadata, when asked
 * for, is what a Prometheus scraping the text format would record: the name and type of the
 * {@code # TYPE} line and the HELP text.
 *
 * <p>A series in the previous batch but not in this one gets a staleness marker (Prometheus's
 * stale NaN) at this batch's time, as a Prometheus scraping {@code /metrics} would write one:
 * a stopped container's series end at once on the receiver instead of five minutes later.
 *
 * <p>Not thread-safe: one per endpoint.
 */
final class BatchEncoder {

  /** Prometheus's staleness marker: a NaN that no computation yields. */
  static final double STALE_NAN = Double.longBitsToDouble(0x7ff0000000000002L);

  private final List<Remote.Label> external;
  private final SnappyCompressor snappy = new SnappyCompressor();
  /** The series of the previous batch, by their labels. */
  private Map<String, List<Remote.Label>> previous = new HashMap<>();

  BatchEncoder(Map<String, String> externalLabels) {
    List<Remote.Label> labels = new ArrayList<>();
    externalLabels.forEach((name, value) -> labels.add(label(name, value)));
    this.external = List.copyOf(labels);
  }

  /**
   * @param timestamp the collection's time, in milliseconds since the epoch
   * @param metadata whether to send the families' metadata along
   */
  Batch encode(MetricSnapshots snapshots, long timestamp, boolean metadata) {
    Remote.WriteRequest.Builder request = Remote.WriteRequest.newBuilder();
    Series series = new Series(request, timestamp);
    for (MetricSnapshot snapshot : snapshots) {
      if (snapshot.getDataPoints().isEmpty()) {
        continue;
      }
      String name = snapshot.getMetadata().getPrometheusName();
      String family = name;
      MetricType type;
      if (snapshot instanceof CounterSnapshot counter) {
        family = name + "_total";
        type = MetricType.COUNTER;
        for (CounterSnapshot.CounterDataPointSnapshot point : counter.getDataPoints()) {
          series.add(family, point, point.getValue());
        }
      } else if (snapshot instanceof GaugeSnapshot gauge) {
        type = MetricType.GAUGE;
        for (GaugeSnapshot.GaugeDataPointSnapshot point : gauge.getDataPoints()) {
          series.add(name, point, point.getValue());
        }
      } else if (snapshot instanceof UnknownSnapshot unknown) {
        type = MetricType.UNKNOWN;
        for (UnknownSnapshot.UnknownDataPointSnapshot point : unknown.getDataPoints()) {
          series.add(name, point, point.getValue());
        }
      } else if (snapshot instanceof InfoSnapshot info) {
        family = name + "_info";
        type = MetricType.GAUGE;
        for (InfoSnapshot.InfoDataPointSnapshot point : info.getDataPoints()) {
          series.add(family, point, 1);
        }
      } else if (snapshot instanceof StateSetSnapshot stateSet) {
        type = MetricType.GAUGE;
        for (StateSetSnapshot.StateSetDataPointSnapshot point : stateSet.getDataPoints()) {
          for (int i = 0; i < point.size(); i++) {
            series.add(name, point, name, point.getName(i), point.isTrue(i) ? 1 : 0);
          }
        }
      } else if (snapshot instanceof SummarySnapshot summary) {
        type = MetricType.SUMMARY;
        if (!summary(series, name, summary)) {
          continue;
        }
      } else if (snapshot instanceof HistogramSnapshot histogram) {
        type = histogram.isGaugeHistogram() ? MetricType.GAUGEHISTOGRAM : MetricType.HISTOGRAM;
        histogram(series, name, histogram);
      } else {
        continue;
      }
      if (metadata) {
        request.addMetadata(Remote.MetricMetadata.newBuilder()
            .setType(type)
            .setMetricFamilyName(family)
            .setHelp(snapshot.getMetadata().getHelp() == null ? "" : snapshot.getMetadata().getHelp()));
      }
    }
    for (Map.Entry<String, List<Remote.Label>> gone : previous.entrySet()) {
      if (!series.seen.containsKey(gone.getKey())) {
        request.addTimeseries(Remote.TimeSeries.newBuilder()
            .addAllLabels(gone.getValue())
            .addSamples(Remote.Sample.newBuilder().setValue(STALE_NAN).setTimestamp(timestamp)));
        series.samples++;
      }
    }
    previous = series.seen;
    byte[] raw = request.build().toByteArray();
    byte[] compressed = new byte[snappy.maxCompressedLength(raw.length)];
    int length = snappy.compress(raw, 0, raw.length, compressed, 0, compressed.length);
    return new Batch(timestamp, series.samples, Arrays.copyOf(compressed, length));
  }

  /** As the text format: nothing for a data point with neither quantiles, count nor sum. */
  private static boolean summary(Series series, String name, SummarySnapshot summary) {
    boolean any = false;
    for (SummarySnapshot.SummaryDataPointSnapshot point : summary.getDataPoints()) {
      if (point.getQuantiles().size() == 0 && !point.hasCount() && !point.hasSum()) {
        continue;
      }
      any = true;
      for (Quantile quantile : point.getQuantiles()) {
        series.add(name, point, "quantile", number(quantile.getQuantile()), quantile.getValue());
      }
      if (point.hasCount()) {
        series.add(name + "_count", point, point.getCount());
      }
      if (point.hasSum()) {
        series.add(name + "_sum", point, point.getSum());
      }
    }
    return any;
  }

  /** Classic buckets, cumulative; a histogram with native buckets only has one, +Inf. */
  private static void histogram(Series series, String name, HistogramSnapshot histogram) {
    for (HistogramSnapshot.HistogramDataPointSnapshot point : histogram.getDataPoints()) {
      ClassicHistogramBuckets buckets = point.getClassicBuckets();
      if (buckets.isEmpty()) {
        buckets = ClassicHistogramBuckets.of(new double[] {Double.POSITIVE_INFINITY},
            new long[] {point.getCount()});
      }
      long cumulative = 0;
      for (int i = 0; i < buckets.size(); i++) {
        cumulative += buckets.getCount(i);
        series.add(name + "_bucket", point, "le", number(buckets.getUpperBound(i)), cumulative);
      }
      String count = histogram.isGaugeHistogram() ? "_gcount" : "_count";
      String sum = histogram.isGaugeHistogram() ? "_gsum" : "_sum";
      if (point.hasCount()) {
        series.add(name + count, point, point.getCount());
      }
      if (point.hasSum()) {
        series.add(name + sum, point, point.getSum());
      }
    }
  }

  /** A double as the text format writes it in a label. */
  static String number(double value) {
    if (value == Double.POSITIVE_INFINITY) {
      return "+Inf";
    }
    if (value == Double.NEGATIVE_INFINITY) {
      return "-Inf";
    }
    return Double.toString(value);
  }

  private static Remote.Label label(String name, String value) {
    return Remote.Label.newBuilder().setName(name).setValue(value).build();
  }

  /** Adds time series to the request, labels sorted by name, external ones where missing. */
  private final class Series {
    private final Remote.WriteRequest.Builder request;
    private final long timestamp;
    private final List<Remote.Label> labels = new ArrayList<>();
    private final StringBuilder key = new StringBuilder();
    final Map<String, List<Remote.Label>> seen = new HashMap<>();
    int samples;

    Series(Remote.WriteRequest.Builder request, long timestamp) {
      this.request = request;
      this.timestamp = timestamp;
    }

    void add(String name, DataPointSnapshot point, double value) {
      add(name, point, null, null, value);
    }

    /** With one more label, such as {@code le}, when {@code extraName} is not null. */
    void add(String name, DataPointSnapshot point, String extraName, String extraValue, double value) {
      labels.clear();
      labels.add(label("__name__", name));
      Labels own = point.getLabels();
      for (int i = 0; i < own.size(); i++) {
        labels.add(label(own.getPrometheusName(i), own.getValue(i)));
      }
      if (extraName != null) {
        labels.add(label(extraName, extraValue));
      }
      for (Remote.Label label : external) {
        if (!has(label.getName())) {
          labels.add(label);
        }
      }
      labels.sort((a, b) -> a.getName().compareTo(b.getName()));
      key.setLength(0);
      for (Remote.Label label : labels) {
        key.append(label.getName()).append('\0').append(label.getValue()).append('\0');
      }
      List<Remote.Label> sorted = List.copyOf(labels);
      seen.put(key.toString(), sorted);
      long time = point.hasScrapeTimestamp() ? point.getScrapeTimestampMillis() : timestamp;
      request.addTimeseries(Remote.TimeSeries.newBuilder()
          .addAllLabels(sorted)
          .addSamples(Remote.Sample.newBuilder().setValue(value).setTimestamp(time)));
      samples++;
    }

    private boolean has(String name) {
      for (Remote.Label label : labels) {
        if (label.getName().equals(name)) {
          return true;
        }
      }
      return false;
    }
  }

  /** The request body of {@code batch}, uncompressed, for tests and stand-in receivers. */
  static Remote.WriteRequest decode(byte[] body) throws com.google.protobuf.InvalidProtocolBufferException {
    byte[] raw = new byte[SnappyDecompressor.getUncompressedLength(body, 0)];
    new SnappyDecompressor().decompress(body, 0, body.length, raw, 0, raw.length);
    return Remote.WriteRequest.parseFrom(raw);
  }
}
