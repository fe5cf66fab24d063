package io.github.microc.exporter.app.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
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
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** client_java's own writers are the oracle: what they write is read back into the same text. */
class OpenMetricsParserTest {

  @Test
  void everyTypeReadsBackIntoTheSameOpenMetricsAndPrometheusText() throws Exception {
    MetricSnapshots original = everyType("a \"quoted\" \\ value\nwith a new line", 1_700_000_000_123L);

    MetricSnapshots parsed = parse(openMetrics(original));

    assertThat(openMetrics(parsed)).isEqualTo(openMetrics(original));
    assertThat(prometheus(parsed)).isEqualTo(prometheus(original));
    assertThat(openMetrics(original)).contains("# UNIT test_requests_seconds seconds")
        .contains("test_state{unit=\"u\",test_state=\"b\"} 0");
  }

  @Test
  void randomLabelValuesAndHelpTextsReadBackUnchanged() throws Exception {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      StringBuilder value = new StringBuilder();
      for (int i = random.nextInt(20); i > 0; i--) {
        int[] alphabet = "ab\\\"\n {}=,#é€😀 ".codePoints().toArray();
        value.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
      }
      MetricSnapshots original = MetricSnapshots.of(GaugeSnapshot.builder().name("test_random")
          .help(value.toString())
          .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
              .labels(Labels.of("l", value.toString(), "m", "x")).value(random.nextGaussian() * 1e6).build())
          .build());

      assertThat(openMetrics(parse(openMetrics(original)))).isEqualTo(openMetrics(original));
    }
  }

  @Test
  void moreSamplesThanTheLimitStopTheParse() throws Exception {
    String text = openMetrics(everyType("x", 0));
    long samples = text.lines().filter(l -> !l.startsWith("#")).count();

    parse(text, (int) samples, 1024);
    assertThatThrownBy(() -> parse(text, (int) samples - 1, 1024))
        .isInstanceOf(OpenMetricsParser.Malformed.class)
        .hasMessage("more than " + (samples - 1) + " samples (max-series)");
  }

  @Test
  void aLineLongerThanTheLimitStopsTheParse() {
    String text = "# TYPE test gauge\ntest{l=\"" + "x".repeat(2000) + "\"} 1.0\n# EOF\n";

    assertThatThrownBy(() -> parse(text, 10, 1024))
        .isInstanceOf(OpenMetricsParser.Malformed.class)
        .hasMessage("line 2 is longer than 1024 bytes");
  }

  @Test
  void malformedTextIsReportedWithItsLine() {
    assertThatThrownBy(() -> parse("# TYPE test gauge\ntest 1.0\n"))
        .hasMessage("the text ends after line 2 without # EOF");
    assertThatThrownBy(() -> parse("test 1.0\n# EOF\n"))
        .hasMessage("line 1: a sample before any # TYPE");
    assertThatThrownBy(() -> parse("# TYPE test counter\ntest 1.0\n# EOF\n"))
        .hasMessage("line 2: sample test does not belong to family test (counter)");
    assertThatThrownBy(() -> parse("# TYPE test gauge\ntest one\n# EOF\n"))
        .hasMessage("line 2: not a number: \"one\"");
    assertThatThrownBy(() -> parse("# TYPE test gauge\ntest{l=\"x} 1\n# EOF\n"))
        .hasMessage("line 2: the line ends early");
    assertThatThrownBy(() -> parse("# TYPE test histogram\ntest_bucket 1\n# EOF\n"))
        .hasMessage("line 2: test_bucket without its label le");
    assertThatThrownBy(() -> parse("# TYPE test gauge\n# TYPE test gauge\n# EOF\n"))
        .hasMessage("line 2: a second # TYPE for test");
    assertThatThrownBy(() -> parse("# TYPE test counter\ntest_total -1\n# EOF\n"))
        .isInstanceOf(OpenMetricsParser.Malformed.class)
        .hasMessageStartingWith("line 1: family test: ");
    assertThatThrownBy(() -> parse("\u0000\u0001garbage"))
        .hasMessageStartingWith("line 1: ");
  }

  private static MetricSnapshots everyType(String labelValue, long timestamp) {
    Labels labels = Labels.of("path", labelValue, "code", "200");
    CounterSnapshot.CounterDataPointSnapshot.Builder counter =
        CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(42.5);
    GaugeSnapshot.GaugeDataPointSnapshot.Builder gauge =
        GaugeSnapshot.GaugeDataPointSnapshot.builder().value(Double.NEGATIVE_INFINITY);
    if (timestamp != 0) {
      counter.scrapeTimestampMillis(timestamp);
      gauge.scrapeTimestampMillis(timestamp);
    }
    return MetricSnapshots.of(
        CounterSnapshot.builder().name("test_events").help("Events, a \"counter\".")
            .dataPoint(counter.build())
            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("path", "/b"))
                .value(0).build())
            .build(),
        GaugeSnapshot.builder().name("test_temperature").help("A gauge.").dataPoint(gauge.build())
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("room", "x"))
                .value(Double.NaN).build())
            .build(),
        UnknownSnapshot.builder().name("test_untyped").help("Unknown.")
            .dataPoint(UnknownSnapshot.UnknownDataPointSnapshot.builder().value(1e-9).build()).build(),
        InfoSnapshot.builder().name("test_build").help("Build.")
            .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("version", "1.2")).build())
            .build(),
        StateSetSnapshot.builder().name("test_state").help("States.")
            .dataPoint(StateSetSnapshot.StateSetDataPointSnapshot.builder().labels(Labels.of("unit", "u"))
                .state("a", true).state("b", false).build())
            .build(),
        HistogramSnapshot.builder().name("test_requests_seconds").help("Requests.").unit(Unit.SECONDS)
            .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                .classicHistogramBuckets(ClassicHistogramBuckets.of(
                    new double[] {0.1, 1, Double.POSITIVE_INFINITY}, new long[] {3, 0, 2}))
                .sum(4.25).build())
            .build(),
        HistogramSnapshot.builder().name("test_queue").help("Queue.").gaugeHistogram(true)
            .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(
                    new double[] {10, Double.POSITIVE_INFINITY}, new long[] {1, 1}))
                .sum(25).build())
            .build(),
        SummarySnapshot.builder().name("test_latency").help("Latency.")
            .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().labels(Labels.of("op", "get"))
                .quantiles(Quantiles.of(new Quantile(0.5, 0.01), new Quantile(0.99, 0.2)))
                .count(10).sum(0.5).build())
            .build());
  }

  private static MetricSnapshots parse(String text) throws Exception {
    return parse(text, 1000, 64 * 1024);
  }

  private static MetricSnapshots parse(String text, int maxSeries, int maxLine) throws Exception {
    return OpenMetricsParser.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
        maxSeries, maxLine);
  }

  private static String openMetrics(MetricSnapshots snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OpenMetricsTextFormatWriter.create().write(out, snapshots);
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String prometheus(MetricSnapshots snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, snapshots);
    return out.toString(StandardCharsets.UTF_8);
  }
}
