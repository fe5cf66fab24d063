package io.github.microc.exporter.push;

import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.github.microc.exporter.push.prompb.Remote;
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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * <p>The request is written field by field with protobuf-java's {@link CodedOutputStream}, with
 * the field numbers of the classes generated from {@code remote.proto} (compile-time constants,
 * so the generated classes and protobuf's descriptors are not loaded at run time); the tests
 * parse it back with the generated classes and compare it byte for byte with their own
 * serialization. Building the generated messages instead loaded some 80 more classes and made
 * a few objects per label of every sample.
 *
 * <p>Not thread-safe: one per endpoint.
 */
final class BatchEncoder {

  /** Prometheus's staleness marker: a NaN that no computation yields. */
  static final double STALE_NAN = Double.longBitsToDouble(0x7ff0000000000002L);

  private static final int LENGTH_DELIMITED = WireFormat.WIRETYPE_LENGTH_DELIMITED;

  /** A label of a series. */
  private record Label(String name, String value) {
    int size() {
      return string(Remote.Label.NAME_FIELD_NUMBER, name) + string(Remote.Label.VALUE_FIELD_NUMBER, value);
    }
  }

  private final List<Label> external;
  private final SnappyCompressor snappy = new SnappyCompressor();
  /** The series of the previous batch, by their labels. */
  private Map<String, List<Label>> previous = new HashMap<>();

  BatchEncoder(Map<String, String> externalLabels) {
    List<Label> labels = new ArrayList<>();
    externalLabels.forEach((name, value) -> labels.add(new Label(name, value)));
    this.external = List.copyOf(labels);
  }

  /**
   * @param timestamp the collection's time, in milliseconds since the epoch
   * @param metadata whether to send the families' metadata along
   */
  Batch encode(MetricSnapshots snapshots, long timestamp, boolean metadata) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    CodedOutputStream request = CodedOutputStream.newInstance(bytes, 8192);
    Series series = new Series(request, timestamp);
    List<Object[]> metadataList = new ArrayList<>();
    for (MetricSnapshot snapshot : snapshots) {
      if (snapshot.getDataPoints().isEmpty()) {
        continue;
      }
      String name = snapshot.getMetadata().getPrometheusName();
      String family = name;
      int type;
      if (snapshot instanceof CounterSnapshot counter) {
        family = name + "_total";
        type = Remote.MetricMetadata.MetricType.COUNTER_VALUE;
        for (CounterSnapshot.CounterDataPointSnapshot point : counter.getDataPoints()) {
          series.add(family, point, point.getValue());
        }
      } else if (snapshot instanceof GaugeSnapshot gauge) {
        type = Remote.MetricMetadata.MetricType.GAUGE_VALUE;
        for (GaugeSnapshot.GaugeDataPointSnapshot point : gauge.getDataPoints()) {
          series.add(name, point, point.getValue());
        }
      } else if (snapshot instanceof UnknownSnapshot unknown) {
        type = Remote.MetricMetadata.MetricType.UNKNOWN_VALUE;
        for (UnknownSnapshot.UnknownDataPointSnapshot point : unknown.getDataPoints()) {
          series.add(name, point, point.getValue());
        }
      } else if (snapshot instanceof InfoSnapshot info) {
        family = name + "_info";
        type = Remote.MetricMetadata.MetricType.GAUGE_VALUE;
        for (InfoSnapshot.InfoDataPointSnapshot point : info.getDataPoints()) {
          series.add(family, point, 1);
        }
      } else if (snapshot instanceof StateSetSnapshot stateSet) {
        type = Remote.MetricMetadata.MetricType.GAUGE_VALUE;
        for (StateSetSnapshot.StateSetDataPointSnapshot point : stateSet.getDataPoints()) {
          for (int i = 0; i < point.size(); i++) {
            series.add(name, point, name, point.getName(i), point.isTrue(i) ? 1 : 0);
          }
        }
      } else if (snapshot instanceof SummarySnapshot summary) {
        type = Remote.MetricMetadata.MetricType.SUMMARY_VALUE;
        if (!summary(series, name, summary)) {
          continue;
        }
      } else if (snapshot instanceof HistogramSnapshot histogram) {
        type = histogram.isGaugeHistogram() ? Remote.MetricMetadata.MetricType.GAUGEHISTOGRAM_VALUE
            : Remote.MetricMetadata.MetricType.HISTOGRAM_VALUE;
        histogram(series, name, histogram);
      } else {
        continue;
      }
      if (metadata) {
        String help = snapshot.getMetadata().getHelp();
        metadataList.add(new Object[] {type, family, help == null ? "" : help});
      }
    }
    try {
      for (Map.Entry<String, List<Label>> gone : previous.entrySet()) {
        if (!series.seen.containsKey(gone.getKey())) {
          series.write(gone.getValue(), STALE_NAN, timestamp);
        }
      }
      previous = series.seen;
      for (Object[] m : metadataList) {
        writeMetadata(request, (int) m[0], (String) m[1], (String) m[2]);
      }
      request.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] raw = bytes.toByteArray();
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

  private static void writeMetadata(CodedOutputStream out, int type, String family, String help)
      throws IOException {
    int size = (type == 0 ? 0 : CodedOutputStream.computeEnumSize(Remote.MetricMetadata.TYPE_FIELD_NUMBER, type))
        + string(Remote.MetricMetadata.METRIC_FAMILY_NAME_FIELD_NUMBER, family)
        + string(Remote.MetricMetadata.HELP_FIELD_NUMBER, help);
    out.writeTag(Remote.WriteRequest.METADATA_FIELD_NUMBER, LENGTH_DELIMITED);
    out.writeUInt32NoTag(size);
    if (type != 0) {
      out.writeEnum(Remote.MetricMetadata.TYPE_FIELD_NUMBER, type);
    }
    writeString(out, Remote.MetricMetadata.METRIC_FAMILY_NAME_FIELD_NUMBER, family);
    writeString(out, Remote.MetricMetadata.HELP_FIELD_NUMBER, help);
  }

  /** A string field's size; proto3 leaves out an empty one. */
  private static int string(int field, String value) {
    return value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(field, value);
  }

  private static void writeString(CodedOutputStream out, int field, String value) throws IOException {
    if (!value.isEmpty()) {
      out.writeString(field, value);
    }
  }

  /** Writes time series to the request, labels sorted by name, external ones where missing. */
  private final class Series {
    private final CodedOutputStream out;
    private final long timestamp;
    private final List<Label> labels = new ArrayList<>();
    private final StringBuilder key = new StringBuilder();
    final Map<String, List<Label>> seen = new HashMap<>();
    int samples;

    Series(CodedOutputStream out, long timestamp) {
      this.out = out;
      this.timestamp = timestamp;
    }

    void add(String name, DataPointSnapshot point, double value) {
      add(name, point, null, null, value);
    }

    /** With one more label, such as {@code le}, when {@code extraName} is not null. */
    void add(String name, DataPointSnapshot point, String extraName, String extraValue, double value) {
      labels.clear();
      labels.add(new Label("__name__", name));
      Labels own = point.getLabels();
      for (int i = 0; i < own.size(); i++) {
        labels.add(new Label(own.getPrometheusName(i), own.getValue(i)));
      }
      if (extraName != null) {
        labels.add(new Label(extraName, extraValue));
      }
      for (Label label : external) {
        if (!has(label.name())) {
          labels.add(label);
        }
      }
      labels.sort((a, b) -> a.name().compareTo(b.name()));
      key.setLength(0);
      for (Label label : labels) {
        key.append(label.name()).append('\0').append(label.value()).append('\0');
      }
      List<Label> sorted = List.copyOf(labels);
      seen.put(key.toString(), sorted);
      long time = point.hasScrapeTimestamp() ? point.getScrapeTimestampMillis() : timestamp;
      try {
        write(sorted, value, time);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** One TimeSeries with one sample. */
    void write(List<Label> labels, double value, long time) throws IOException {
      boolean hasValue = Double.doubleToRawLongBits(value) != 0;
      int sample = (hasValue ? CodedOutputStream.computeDoubleSize(Remote.Sample.VALUE_FIELD_NUMBER, value) : 0)
          + (time != 0 ? CodedOutputStream.computeInt64Size(Remote.Sample.TIMESTAMP_FIELD_NUMBER, time) : 0);
      int size = CodedOutputStream.computeTagSize(Remote.TimeSeries.SAMPLES_FIELD_NUMBER)
          + CodedOutputStream.computeUInt32SizeNoTag(sample) + sample;
      for (Label label : labels) {
        int labelSize = label.size();
        size += CodedOutputStream.computeTagSize(Remote.TimeSeries.LABELS_FIELD_NUMBER)
            + CodedOutputStream.computeUInt32SizeNoTag(labelSize) + labelSize;
      }
      out.writeTag(Remote.WriteRequest.TIMESERIES_FIELD_NUMBER, LENGTH_DELIMITED);
      out.writeUInt32NoTag(size);
      for (Label label : labels) {
        out.writeTag(Remote.TimeSeries.LABELS_FIELD_NUMBER, LENGTH_DELIMITED);
        out.writeUInt32NoTag(label.size());
        writeString(out, Remote.Label.NAME_FIELD_NUMBER, label.name());
        writeString(out, Remote.Label.VALUE_FIELD_NUMBER, label.value());
      }
      out.writeTag(Remote.TimeSeries.SAMPLES_FIELD_NUMBER, LENGTH_DELIMITED);
      out.writeUInt32NoTag(sample);
      if (hasValue) {
        out.writeDouble(Remote.Sample.VALUE_FIELD_NUMBER, value);
      }
      if (time != 0) {
        out.writeInt64(Remote.Sample.TIMESTAMP_FIELD_NUMBER, time);
      }
      samples++;
    }

    private boolean has(String name) {
      for (Label label : labels) {
        if (label.name().equals(name)) {
          return true;
        }
      }
      return false;
    }
  }

  /** The request body of {@code batch}, uncompressed, for tests and stand-in receivers. */
  static Remote.WriteRequest decode(byte[] body) throws com.google.protobuf.InvalidProtocolBufferException {
    return Remote.WriteRequest.parseFrom(uncompressed(body));
  }

  /** A body without its snappy compression. */
  static byte[] uncompressed(byte[] body) {
    byte[] raw = new byte[SnappyDecompressor.getUncompressedLength(body, 0)];
    new SnappyDecompressor().decompress(body, 0, body.length, raw, 0, raw.length);
    return raw;
  }
}
