package io.github.microc.exporter.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link TextFormat} against client_java's text writer, byte for byte. */
class TextFormatTest {

  private static final PrometheusTextFormatWriter REFERENCE = PrometheusTextFormatWriter.create();

  @Test
  void realHostAndJvmMetricsAreWrittenAsClientJavaWritesThem() throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder(PrometheusProperties.get()).register(registry);
    try (Microc microc = Microc.builder().environment(Map.of()).build()) {
      microc.register(registry);
      MetricSnapshots snapshots = registry.scrape();

      assertThat(snapshots.stream().filter(s -> s.getMetadata().getName().startsWith("node_")).count())
          .as("host families").isGreaterThan(20);
      assertThat(snapshots.stream().anyMatch(s -> s instanceof SummarySnapshot)).as("a summary").isTrue();
      assertSame(snapshots);
    }
  }

  @Test
  void everyTypeAndTheValuesWithTheirOwnSpelling() throws IOException {
    MetricSnapshots snapshots = MetricSnapshots.of(
        gauge("values", "Doubles.", 0.0, -0.0, 1.0, -1.0, 9_999_999.0, 10_000_000.0, -10_000_000.0,
            123.5, 1e-4, 1e-3, 0.1, 1e21, Long.MAX_VALUE, Long.MIN_VALUE, Double.MAX_VALUE,
            Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
        CounterSnapshot.builder().name("requests").help("Requests.")
            .dataPoint(CounterDataPointSnapshot.builder().value(42).labels(Labels.of("code", "200")).build())
            .dataPoint(CounterDataPointSnapshot.builder().value(1.5).labels(Labels.of("code", "500")).build())
            .build(),
        CounterSnapshot.builder().name("sent_bytes").unit(Unit.BYTES).help("With a unit.")
            .dataPoint(CounterDataPointSnapshot.builder().value(7).build()).build(),
        InfoSnapshot.builder().name("version").help("Build.")
            .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                .labels(Labels.of("version", "1.2", "revision", "abc")).build())
            .build(),
        UnknownSnapshot.builder().name("mystery")
            .dataPoint(UnknownSnapshot.UnknownDataPointSnapshot.builder().value(3).build()).build(),
        GaugeSnapshot.builder().name("no_help")
            .dataPoint(GaugeDataPointSnapshot.builder().value(1).build()).build(),
        GaugeSnapshot.builder().name("empty").help("No data points: not written.").build(),
        GaugeSnapshot.builder().name("dotted.name").help("Underscored.")
            .dataPoint(GaugeDataPointSnapshot.builder().value(2)
                .labels(Labels.of("dotted.label", "x")).build())
            .build(),
        GaugeSnapshot.builder().name("stamped").help("A scrape timestamp.")
            .dataPoint(GaugeDataPointSnapshot.builder().value(2).scrapeTimestampMillis(1700000000123L).build())
            .build(),
        HistogramSnapshot.builder().name("latency").help("Histogram.")
            .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(
                    new double[] {0.1, 1, Double.POSITIVE_INFINITY}, new long[] {1, 2, 3}))
                .sum(4.2).labels(Labels.of("path", "/")).build())
            .build(),
        SummarySnapshot.builder().name("duration").help("Summary.")
            .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().count(3).sum(1.5).build())
            .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().labels(Labels.of("gc", "old"))
                .quantiles(Quantiles.of(new Quantile(0.5, 0.25), new Quantile(0.99, 2e7)))
                .count(Long.MAX_VALUE).sum(-0.0).build())
            .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().labels(Labels.of("gc", "none")).build())
            .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().labels(Labels.of("gc", "quantiles"))
                .quantiles(Quantiles.of(new Quantile(0.0, Double.NaN), new Quantile(1.0, 1))).build())
            .build(),
        SummarySnapshot.builder().name("empty_summary").help("Nothing to show: not written.")
            .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().build())
            .build(),
        SummarySnapshot.builder().name("bare_summary")
            .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().count(0).build())
            .build(),
        StateSetSnapshot.builder().name("state").help("State set.")
            .dataPoint(StateSetSnapshot.StateSetDataPointSnapshot.builder()
                .state("a", true).state("b", false).build())
            .build());

    String written = assertSame(snapshots);

    assertThat(written)
        .contains("values{i=\"0\"} 0.0\n", "values{i=\"1\"} -0.0\n", "values{i=\"5\"} 1.0E7\n",
            "values{i=\"17\"} +Inf\n", "values{i=\"16\"} NaN\n")
        .contains("requests_total{code=\"200\"} 42.0\n", "version_info{revision=\"abc\",version=\"1.2\"} 1\n")
        .contains("# TYPE mystery untyped\n", "dotted_name{dotted_label=\"x\"} 2.0\n", "stamped 2.0 1700000000123\n")
        .contains("duration{gc=\"old\",quantile=\"0.99\"} 2.0E7\n", "duration_count{gc=\"old\"} 9223372036854775807\n",
            "duration_sum 1.5\n", "# TYPE bare_summary summary\nbare_summary_count 0\n")
        .doesNotContain("empty");
  }

  @Test
  void labelValuesAndHelpAreEscapedAndEncodedAsClientJavaDoes() throws IOException {
    String[] values = {"", "plain", "quote\"d", "back\\slash", "new\nline", "tab\there", "caf\u00e9",
        "\u20ac uro", "emoji \ud83d\ude00 end", "lone \ud800 high", "lone \udc00 low", "end high \ud83d",
        "\ud83d", "mixed \"\u00e9\\\n\ud83d\ude00\"", "\u0000\u007f\u0080\u07ff\u0800\uffff"};
    List<MetricSnapshot> families = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      families.add(GaugeSnapshot.builder().name("escaped_" + i).help("Help " + values[i])
          .dataPoint(GaugeDataPointSnapshot.builder().value(i).labels(Labels.of("v", values[i])).build())
          .build());
    }

    assertSame(new MetricSnapshots(families));
  }

  @Test
  void randomValuesAndStringsAgreeWithClientJava() throws IOException {
    Random random = new Random(20261121);
    char[] alphabet = "ab\\\"\n \u00e9\u20ac\ud83d\ude00\ud800\udc00".toCharArray();
    for (int round = 0; round < 200; round++) {
      List<MetricSnapshot> families = new ArrayList<>();
      for (int f = 0; f < 5; f++) {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name("random_" + f)
            .help(randomString(random, alphabet));
        for (int p = 0; p < 4; p++) {
          double value = switch (random.nextInt(4)) {
            case 0 -> Double.longBitsToDouble(random.nextLong());
            case 1 -> random.nextInt(40_000_000) - 20_000_000;
            case 2 -> random.nextGaussian() * Math.pow(10, random.nextInt(30) - 15);
            default -> random.nextLong();
          };
          gauge.dataPoint(GaugeDataPointSnapshot.builder().value(value)
              .labels(Labels.of("p", Integer.toString(p), "s", randomString(random, alphabet))).build());
        }
        families.add(gauge.build());
      }
      assertSame(new MetricSnapshots(families));
    }
  }

  @Test
  void labelSetsSharedByManyFamiliesAsContainersShareThem() throws IOException {
    Random random = new Random(7);
    char[] alphabet = "ab\\\"\n \u00e9\u20ac\ud83d\ude00\ud800".toCharArray();
    List<Labels> containers = new ArrayList<>();
    for (int c = 0; c < 60; c++) {
      containers.add(Labels.of("id", "/docker/" + c, "image", randomString(random, alphabet),
          "name", randomString(random, alphabet)));
    }
    List<MetricSnapshot> families = new ArrayList<>();
    for (int f = 0; f < 6; f++) {
      GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name("container_shared_" + f).help("Shared.");
      CounterSnapshot.Builder counter = CounterSnapshot.builder().name("container_counted_" + f);
      for (Labels labels : containers) {
        gauge.dataPoint(GaugeDataPointSnapshot.builder().value(f).labels(labels).build());
        counter.dataPoint(CounterDataPointSnapshot.builder().value(f).labels(labels.add("interface", "eth" + f))
            .build());
      }
      families.add(gauge.build());
      families.add(counter.build());
    }
    // One label set with a name that needs quoting: its family goes through client_java's writer.
    families.add(GaugeSnapshot.builder().name("container_quoted")
        .dataPoint(GaugeDataPointSnapshot.builder().value(1).labels(containers.get(0).add("a.b", "x")).build())
        .build());

    assertSame(new MetricSnapshots(families));
  }

  @Test
  void aLargeScrapeOfSmallFamiliesGoesOutInPiecesOfWholeFamilies() throws IOException {
    List<MetricSnapshot> families = new ArrayList<>();
    char[] long_ = new char[20_000];
    Arrays.fill(long_, 'x');
    for (int i = 0; i < 100; i++) {
      families.add(gauge("big_" + i, new String(long_), i));
    }
    MetricSnapshots snapshots = new MetricSnapshots(families);
    TextFormat text = new TextFormat(REFERENCE);
    List<String> pieces = new ArrayList<>();
    text.write(snapshots, (b, off, len) -> pieces.add(new String(b, off, len, StandardCharsets.UTF_8)));

    String rest = new String(text.buffer(), 0, text.length(), StandardCharsets.UTF_8);
    assertThat(String.join("", pieces) + rest).isEqualTo(reference(snapshots));
    assertThat(pieces).hasSizeGreaterThan(30).allSatisfy(piece -> {
      assertThat(piece.length()).isGreaterThanOrEqualTo(TextFormat.PIECE);
      assertThat(piece).startsWith("# HELP big_").endsWith("\n");
    });
    assertThat(text.buffer().length).isLessThan(4 * TextFormat.PIECE);
  }

  /** A textfile's family of 10,000 series: each scrape served at once holds a piece of it. */
  @Test
  void aFamilyOfManySamplesIsCutBetweenSamples() throws IOException {
    MetricSnapshots snapshots = MetricSnapshots.of(wide("wide_value", "id"));
    TextFormat text = new TextFormat(REFERENCE);
    List<String> pieces = new ArrayList<>();
    text.write(snapshots, (b, off, len) -> pieces.add(new String(b, off, len, StandardCharsets.UTF_8)));

    String rest = new String(text.buffer(), 0, text.length(), StandardCharsets.UTF_8);
    assertThat(String.join("", pieces) + rest).isEqualTo(reference(snapshots));
    assertThat(pieces).hasSizeGreaterThan(20).allSatisfy(piece -> {
      assertThat(piece.length()).isBetween(TextFormat.PIECE, TextFormat.PIECE + 200);
      assertThat(piece).endsWith("\n");
    });
    assertThat(pieces.get(1)).startsWith("wide_value{");
    assertThat(text.buffer().length).isLessThan(4 * TextFormat.PIECE);
  }

  /**
   * A family client_java's writer takes (a label name outside the legacy set, on its last
   * series only) is taken back whole from the buffer, then handed on as that writer writes it.
   */
  @Test
  void aFamilyForClientJavasWriterIsTakenBackWholeThenHandedOnAsItComes() throws IOException {
    MetricSnapshots snapshots = MetricSnapshots.of(gauge("before", "Before.", 1), wide("wide_value", "id.dotted"),
        gauge("after", "After.", 2));
    TextFormat text = new TextFormat(REFERENCE);
    List<String> pieces = new ArrayList<>();
    text.write(snapshots, (b, off, len) -> pieces.add(new String(b, off, len, StandardCharsets.UTF_8)));

    String rest = new String(text.buffer(), 0, text.length(), StandardCharsets.UTF_8);
    assertThat(String.join("", pieces) + rest).isEqualTo(reference(snapshots)).contains("id_dotted=");
    assertThat(pieces).hasSizeGreaterThan(20).allSatisfy(piece -> assertThat(piece.length())
        .isBetween(TextFormat.PIECE, 2 * TextFormat.PIECE));
    assertThat(String.join("", pieces)).containsOnlyOnce("# TYPE wide_value gauge");
  }

  /** 10,000 series labelled id and series, the last with {@code lastLabel} for its id. */
  private static GaugeSnapshot wide(String name, String lastLabel) {
    GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help("Wide.");
    String id = "/docker/" + "0123456789abcdef".repeat(4);
    for (int i = 0; i < 10_000; i++) {
      gauge.dataPoint(GaugeDataPointSnapshot.builder().value(i)
          .labels(Labels.of(i == 9_999 ? lastLabel : "id", id, "series", Integer.toString(i))).build());
    }
    return gauge.build();
  }

  @Test
  void aBufferGrownForOneHugeFamilyIsNotKeptForTheNextScrape() throws IOException {
    char[] huge = new char[3_000_000];
    Arrays.fill(huge, 'y');
    TextFormat text = new TextFormat(REFERENCE);
    List<Integer> pieces = new ArrayList<>();
    text.write(MetricSnapshots.of(gauge("huge", new String(huge), 1)), (b, off, len) -> pieces.add(len));
    assertThat(pieces).singleElement().satisfies(len -> assertThat(len).isGreaterThan(3_000_000));
    assertThat(text.buffer().length).isGreaterThan(3_000_000);

    MetricSnapshots small = MetricSnapshots.of(gauge("small", "Small.", 1));
    text.write(small, TextFormatTest::noPieces);

    assertThat(new String(text.buffer(), 0, text.length(), StandardCharsets.UTF_8)).isEqualTo(reference(small));
    assertThat(text.buffer().length).isLessThan(1 << 20);
  }

  /** Asserts that both writers give the same bytes and returns them as text. */
  private static String assertSame(MetricSnapshots snapshots) throws IOException {
    TextFormat text = new TextFormat(REFERENCE);
    ByteArrayOutputStream pieces = new ByteArrayOutputStream();
    text.write(snapshots, pieces::write);
    pieces.write(text.buffer(), 0, text.length());
    String written = pieces.toString(StandardCharsets.UTF_8);
    assertThat(pieces.toByteArray())
        .as(written)
        .isEqualTo(reference(snapshots).getBytes(StandardCharsets.UTF_8));
    return written;
  }

  private static void noPieces(byte[] b, int off, int len) {
    throw new AssertionError("a piece of " + len + " bytes from a text expected in one");
  }

  private static String reference(MetricSnapshots snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    REFERENCE.write(out, snapshots, EscapingScheme.UNDERSCORE_ESCAPING);
    return out.toString("UTF-8");
  }

  private static GaugeSnapshot gauge(String name, String help, double... values) {
    GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
    for (int i = 0; i < values.length; i++) {
      gauge.dataPoint(GaugeDataPointSnapshot.builder().value(values[i])
          .labels(Labels.of("i", Integer.toString(i))).build());
    }
    return gauge.build();
  }

  private static String randomString(Random random, char[] alphabet) {
    char[] s = new char[random.nextInt(12)];
    for (int i = 0; i < s.length; i++) {
      s[i] = alphabet[random.nextInt(alphabet.length)];
    }
    return new String(s);
  }
}
