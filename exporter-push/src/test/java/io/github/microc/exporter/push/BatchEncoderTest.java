package io.github.microc.exporter.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.push.prompb.Remote;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The pushed series against client_java's text writer, the oracle of what /metrics serves. */
class BatchEncoderTest {

  private static final long NOW = 1_764_800_000_123L;

  @Test
  void everyTypeGivesTheSeriesAndValuesOfTheTextFormat() throws Exception {
    MetricSnapshots snapshots = MetricSnapshots.of(
        CounterSnapshot.builder().name("requests").help("Requests.")
            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("path", "/a \"quoted\"\\ \n")).value(3).build())
            .build(),
        GaugeSnapshot.builder().name("temperature_celsius").help("Temp.")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("Zone", "1", "a", "x")).value(-1.5).build())
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("Zone", "2", "a", "y")).value(Double.POSITIVE_INFINITY).build())
            .build(),
        UnknownSnapshot.builder().name("odd").help("Untyped.")
            .dataPoint(UnknownSnapshot.UnknownDataPointSnapshot.builder().value(7).build())
            .build(),
        InfoSnapshot.builder().name("build").help("Build.")
            .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                .labels(Labels.of("version", "1.2")).build())
            .build(),
        StateSetSnapshot.builder().name("feature").help("Flags.")
            .dataPoint(StateSetSnapshot.StateSetDataPointSnapshot.builder()
                .state("on", true).state("off", false).build())
            .build(),
        SummarySnapshot.builder().name("latency_seconds").help("Latency.")
            .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder()
                .quantiles(Quantiles.of(new Quantile(0.5, 0.2), new Quantile(0.99, 0.9)))
                .count(10).sum(2.5).build())
            .build(),
        HistogramSnapshot.builder().name("size_bytes").help("Sizes.")
            .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(
                    new double[] {0.005, 100, Double.POSITIVE_INFINITY}, new long[] {1, 2, 3}))
                .sum(500).build())
            .build(),
        GaugeSnapshot.builder().name("stamped").help("With its own time.")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(1)
                .scrapeTimestampMillis(NOW - 5000).build())
            .build());

    byte[] body = new BatchEncoder(Map.of()).encode(snapshots, NOW, false).body();
    Remote.WriteRequest request = BatchEncoder.decode(body);

    assertThat(request.toByteArray()).isEqualTo(BatchEncoder.uncompressed(body));
    assertThat(series(request)).isEqualTo(TextSeries.parse(Exposition.text(snapshots)));
    assertThat(request.getTimeseriesList()).allSatisfy(ts -> {
      assertThat(ts.getSamplesCount()).isEqualTo(1);
      long expected = labels(ts).get("__name__").equals("stamped") ? NOW - 5000 : NOW;
      assertThat(ts.getSamples(0).getTimestamp()).isEqualTo(expected);
    });
    assertThat(request.getMetadataCount()).as("no metadata unless asked").isZero();
  }

  @Test
  void theRealHostCollectorsArePushedAsTheyAreServed() throws Exception {
    try (Microc microc = Microc.builder().environment(Map.of()).build()) {
      MetricSnapshots snapshots = microc.registry().scrape();
      byte[] body = new BatchEncoder(Map.of("job", "microc")).encode(snapshots, NOW, true).body();
      Remote.WriteRequest request = BatchEncoder.decode(body);
      assertThat(request.toByteArray()).as("as the generated classes serialize it")
          .isEqualTo(BatchEncoder.uncompressed(body));
      request = BatchEncoder.decode(new BatchEncoder(Map.of()).encode(snapshots, NOW, true).body());

      Map<String, Double> expected = TextSeries.parse(Exposition.text(snapshots));
      assertThat(series(request)).isEqualTo(expected);
      assertThat(expected.keySet()).anyMatch(s -> s.startsWith("node_cpu_seconds_total{"))
          .anyMatch(s -> s.startsWith("node_load1{"));
      Map<String, String> types = TextSeries.types(Exposition.text(snapshots));
      assertThat(request.getMetadataList()).hasSize(types.size()).allSatisfy(m ->
          assertThat(m.getType().name().toLowerCase().replace("unknown", "untyped"))
              .as(m.getMetricFamilyName()).isEqualTo(types.get(m.getMetricFamilyName())));
    }
  }

  @Test
  void externalLabelsGoWhereASeriesLacksThemAndLabelsAreSortedByName() throws Exception {
    MetricSnapshots snapshots = MetricSnapshots.of(
        GaugeSnapshot.builder().name("up_like").help("x")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("job", "own", "B", "upper")).value(1).build())
            .build());

    Remote.WriteRequest request = BatchEncoder.decode(new BatchEncoder(
        new TreeMap<>(Map.of("job", "microc", "instance", "host:10049", "zone", "a")))
        .encode(snapshots, NOW, false).body());

    Remote.TimeSeries ts = request.getTimeseries(0);
    assertThat(ts.getLabelsList()).extracting(Remote.Label::getName)
        .containsExactly("B", "__name__", "instance", "job", "zone");
    assertThat(labels(ts)).containsEntry("job", "own").containsEntry("instance", "host:10049");
  }

  @Test
  void aSeriesThatIsGoneGetsAStalenessMarkerOnce() throws Exception {
    BatchEncoder encoder = new BatchEncoder(Map.of("job", "microc"));
    encoder.encode(MetricSnapshots.of(
        GaugeSnapshot.builder().name("container_up").help("x")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("name", "a")).value(1).build())
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("name", "b")).value(1).build())
            .build()), NOW, false);
    MetricSnapshots onlyA = MetricSnapshots.of(
        GaugeSnapshot.builder().name("container_up").help("x")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("name", "a")).value(1).build())
            .build());

    Batch second = encoder.encode(onlyA, NOW + 15000, false);
    Remote.WriteRequest request = BatchEncoder.decode(second.body());
    assertThat(request.getTimeseriesCount()).isEqualTo(2);
    Remote.TimeSeries gone = request.getTimeseries(1);
    assertThat(labels(gone)).containsEntry("name", "b").containsEntry("job", "microc");
    assertThat(Double.doubleToRawLongBits(gone.getSamples(0).getValue())).isEqualTo(0x7ff0000000000002L);
    assertThat(gone.getSamples(0).getTimestamp()).isEqualTo(NOW + 15000);
    assertThat(second.samples()).isEqualTo(2);

    assertThat(BatchEncoder.decode(encoder.encode(onlyA, NOW + 30000, false).body()).getTimeseriesCount())
        .as("marked once").isEqualTo(1);
  }

  @Test
  void theBodyIsSnappyBlockFormat() throws Exception {
    Batch batch = new BatchEncoder(Map.of()).encode(MetricSnapshots.of(
        GaugeSnapshot.builder().name("g").help("x")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(2).build()).build()),
        NOW, true);
    // Snappy's block format starts with the uncompressed length as a varint.
    byte[] raw = BatchEncoder.uncompressed(batch.body());
    assertThat(batch.body()[0] & 0xff).isEqualTo(raw.length);
    assertThat(batch.samples()).isEqualTo(1);
    assertThat(BatchEncoder.decode(batch.body()).getMetadata(0).getHelp()).isEqualTo("x");
  }

  static Map<String, String> labels(Remote.TimeSeries ts) {
    Map<String, String> labels = new LinkedHashMap<>();
    ts.getLabelsList().forEach(l -> labels.put(l.getName(), l.getValue()));
    return labels;
  }

  /** Each series as {@code name{a="b",...}} (labels by name) with its value. */
  static Map<String, Double> series(Remote.WriteRequest request) {
    Map<String, Double> result = new TreeMap<>();
    for (Remote.TimeSeries ts : request.getTimeseriesList()) {
      Map<String, String> labels = new TreeMap<>(labels(ts));
      String name = labels.remove("__name__");
      result.put(TextSeries.key(name, labels), ts.getSamples(0).getValue());
    }
    return result;
  }

  /** A small parser of the text format, enough for client_java's output. */
  static final class TextSeries {
    static Map<String, Double> parse(String text) {
      Map<String, Double> result = new TreeMap<>();
      for (String line : text.split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
          i++;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new TreeMap<>();
        if (line.charAt(i) == '{') {
          i++;
          while (line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String label = line.substring(i, eq);
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            while (line.charAt(j) != '"') {
              char c = line.charAt(j);
              if (c == '\\') {
                char n = line.charAt(++j);
                value.append(n == 'n' ? '\n' : n);
              } else {
                value.append(c);
              }
              j++;
            }
            labels.put(label, value.toString());
            i = j + 1;
            if (line.charAt(i) == ',') {
              i++;
            }
          }
          i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        result.put(key(name, labels), parseValue(rest[0]));
      }
      return result;
    }

    static Map<String, String> types(String text) {
      Map<String, String> types = new TreeMap<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("# TYPE ")) {
          String[] f = line.split(" ");
          types.put(f[2], f[3]);
        }
      }
      return types;
    }

    static String key(String name, Map<String, String> labels) {
      StringBuilder key = new StringBuilder(name).append('{');
      labels.forEach((k, v) -> key.append(k).append("=\"").append(v).append("\","));
      return key.append('}').toString();
    }

    private static double parseValue(String s) {
      return switch (s) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        case "NaN" -> Double.NaN;
        default -> Double.parseDouble(s);
      };
    }
  }

  static List<String> names(Remote.WriteRequest request) {
    return request.getTimeseriesList().stream().map(ts -> labels(ts).get("__name__")).toList();
  }
}
