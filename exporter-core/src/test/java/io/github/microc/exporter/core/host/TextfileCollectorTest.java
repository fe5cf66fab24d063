package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.testing.Exposition;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directories of files as node_exporter 1.5 was given them; what it exposed for each is the
 * expectation (in client_java's spelling of numbers: {@code 5.0} for {@code 5}).
 */
class TextfileCollectorTest {

  private static final Instant MTIME = Instant.parse("2026-12-03T15:04:11.9Z");

  @TempDir
  Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    Files.setLastModifiedTime(file, FileTime.from(MTIME));
    return file;
  }

  private String collect() {
    return Exposition.text(new TextfileCollector(dir.toString()).collect());
  }

  private String mtime(String... names) {
    StringBuilder b = new StringBuilder("""
        # HELP node_textfile_mtime_seconds Unixtime mtime of textfiles successfully read.
        # TYPE node_textfile_mtime_seconds gauge
        """);
    for (String name : names) {
      b.append("node_textfile_mtime_seconds{file=\"").append(dir.resolve(name))
          .append("\"} 1.796310251E9\n");
    }
    return b.toString();
  }

  private static String error(int value) {
    return """
        # HELP node_textfile_scrape_error 1 if there was an error opening or reading a file, 0 otherwise
        # TYPE node_textfile_scrape_error gauge
        node_textfile_scrape_error %d.0
        """.formatted(value);
  }

  @Test
  void aGoodFileIsExposedWithItsMtimeInWholeSeconds() throws IOException {
    write("good.prom", """
        # HELP a_total Help a.
        # TYPE a_total counter
        a_total{x="1"} 5
        # TYPE g gauge
        g{v="k"} -Inf
        c_info{v="k"} 2
        d_total 3
        e NaN
        """);

    assertThat(collect()).isEqualTo("""
        # HELP a_total Help a.
        # TYPE a_total counter
        a_total{x="1"} 5.0
        # HELP c_info Metric read from %1$s
        # TYPE c_info untyped
        c_info{v="k"} 2.0
        # HELP d_total Metric read from %1$s
        # TYPE d_total untyped
        d_total 3.0
        # HELP e Metric read from %1$s
        # TYPE e untyped
        e NaN
        # HELP g Metric read from %1$s
        # TYPE g gauge
        g{v="k"} -Inf
        """.formatted(dir.resolve("good.prom")) + mtime("good.prom") + error(0));
  }

  @Test
  void noDirectoryReadsNothingAndIsNoError() {
    assertThat(Exposition.text(new TextfileCollector("").collect())).isEqualTo(error(0));
  }

  @Test
  void aMissingDirectoryIsAnError() {
    assertThat(Exposition.text(new TextfileCollector(dir.resolve("none").toString()).collect()))
        .isEqualTo(error(1));
  }

  @Test
  void aBadFileIsLeftOutWholeAndTheOthersStay() throws IOException {
    write("01good.prom", "ok 1\n");
    write("02ts.prom", "i 1 1234\n");
    write("03bad.prom", "fine 1\nbad syntax here\n");
    write("04nonl.prom", "z 1");
    write("05crlf.prom", "y 1\r\n");
    write("06range.prom", "h 1e400\n");
    Files.createSymbolicLink(dir.resolve("07dangling.prom"), dir.resolve("nowhere"));
    write("08reserved.prom", "x{__bad=\"1\"} 1\n");
    write("09gh.prom", "# TYPE b03 gauge_histogram\nb03 1\n");
    write("ignored.txt", "not read 1\n");

    assertThat(collect()).isEqualTo(mtime("01good.prom") + error(1) + """
        # HELP ok Metric read from %s
        # TYPE ok untyped
        ok 1.0
        """.formatted(dir.resolve("01good.prom")));
  }

  @Test
  void aDirectoryNamedPromIsReadAsAnEmptyFile() throws IOException {
    Files.createDirectory(dir.resolve("dir.prom"));
    Files.setLastModifiedTime(dir.resolve("dir.prom"), FileTime.from(MTIME));

    assertThat(collect()).isEqualTo(mtime("dir.prom") + error(0));
  }

  @Test
  void theFirstFileWinsADuplicateATypeConflictAndAHelpMismatch() throws IOException {
    write("03dup.prom", "j{a=\"1\"} 1\nj{a=\"1\"} 2\nj2{b=\"2\",a=\"1\"} 1\nj2{a=\"1\",b=\"2\"} 2\n");
    write("04k.prom", "# TYPE k gauge\nk 1\n");
    write("05k.prom", "# TYPE k counter\nk 2\n");
    write("06l.prom", "# HELP l one\nl 1\n");
    write("07l.prom", "# HELP l two\nl{b=\"2\"} 2\n");
    write("08m.prom", "m 1\n");
    write("09m.prom", "m{c=\"3\"} 3\n");

    assertThat(collect()).isEqualTo("""
        # HELP j Metric read from %1$s/03dup.prom
        # TYPE j untyped
        j{a="1"} 1.0
        # HELP j2 Metric read from %1$s/03dup.prom
        # TYPE j2 untyped
        j2{a="1",b="2"} 1.0
        # HELP k Metric read from %1$s/04k.prom, %1$s/05k.prom
        # TYPE k gauge
        k 1.0
        # HELP l one
        # TYPE l untyped
        l 1.0
        # HELP m Metric read from %1$s/08m.prom, %1$s/09m.prom
        # TYPE m untyped
        m 1.0
        m{c="3"} 3.0
        """.formatted(dir) + mtime("03dup.prom", "04k.prom", "05k.prom", "06l.prom", "07l.prom",
        "08m.prom", "09m.prom") + error(0));
  }

  @Test
  void aLabelOthersInTheFileHaveIsAddedEmpty() throws IOException {
    write("fill.prom", "a35{a=\"1\"} 1\na35{b=\"2\"} 2\na35 3\n");

    assertThat(collect()).startsWith("""
        # HELP a35 Metric read from %s
        # TYPE a35 untyped
        a35{a="",b=""} 3.0
        a35{a="",b="2"} 2.0
        a35{a="1",b=""} 1.0
        """.formatted(dir.resolve("fill.prom")));
  }

  @Test
  void summariesAndHistogramsKeepTheirParts() throws IOException {
    write("h.prom", """
        # TYPE a24 histogram
        a24_bucket{le="1"} 3
        a24_sum 2
        a24_count 7
        # TYPE a28 histogram
        a28_bucket{le="0.5",x="a"} 2.7
        a28_bucket{le="+Inf",x="a"} 3.2
        a28_sum{x="a"} 1
        a28_count{x="a"} 3.9
        # TYPE a26 summary
        a26{quantile="0.99"} 2
        a26{quantile="0.5"} 1
        a26{quantile="0.5"} 1.5
        a26_sum 10.5
        a26_count 7.9
        # TYPE a31 summary
        a31_sum 3
        """);

    assertThat(collect()).startsWith("""
        # HELP a24 Metric read from %1$s
        # TYPE a24 histogram
        a24_bucket{le="1.0"} 3
        a24_bucket{le="+Inf"} 7
        a24_count 7
        a24_sum 2.0
        # HELP a26 Metric read from %1$s
        # TYPE a26 summary
        a26{quantile="0.5"} 1.5
        a26{quantile="0.99"} 2.0
        a26_count 7
        a26_sum 10.5
        # HELP a28 Metric read from %1$s
        # TYPE a28 histogram
        a28_bucket{x="a",le="0.5"} 2
        a28_bucket{x="a",le="+Inf"} 3
        a28_count{x="a"} 3
        a28_sum{x="a"} 1.0
        # HELP a31 Metric read from %1$s
        # TYPE a31 summary
        a31_count 0
        a31_sum 3.0
        """.formatted(dir.resolve("h.prom")));
  }

  @Test
  void whatClientJavaCannotHoldIsLeftOutAndTheRestStays() throws IOException {
    write("odd.prom", """
        # TYPE dec histogram
        dec_bucket{le="1"} 5
        dec_bucket{le="2"} 3
        dec_bucket{le="+Inf"} 6
        # TYPE neg histogram
        neg_bucket{le="+Inf"} -1
        # TYPE q summary
        q{quantile="2"} 1
        q{quantile="0.5"} 3
        q_count 1
        ok 1
        """);

    String text = collect();

    assertThat(text).doesNotContain("dec", "neg").contains("ok 1.0", "q{quantile=\"0.5\"} 3.0")
        .doesNotContain("quantile=\"2");
  }

  @Test
  void countersWithoutTotalOrNegativeAreUntypedUnderTheirOwnName() throws IOException {
    write("c.prom", "# TYPE a29 counter\na29 3\n# TYPE a30_total counter\na30_total -3\n"
        + "# TYPE a29b_total counter\na29b_total 4\n");

    assertThat(collect()).startsWith("""
        # HELP a29 Metric read from %1$s
        # TYPE a29 untyped
        a29 3.0
        # HELP a29b_total Metric read from %1$s
        # TYPE a29b_total counter
        a29b_total 4.0
        # HELP a30_total Metric read from %1$s
        # TYPE a30_total untyped
        a30_total -3.0
        """.formatted(dir.resolve("c.prom")));
  }

  @Test
  void suffixesClientJavaReservesAreExposedAsTheFileNamesThem() throws IOException {
    write("s.prom", """
        # TYPE backup_files_total gauge
        backup_files_total 12
        smartmon_device_info{disk="/dev/sda"} 1
        a32_bucket 1
        a32_created 5
        """);
    MetricSnapshots snapshots = new TextfileCollector(dir.toString()).collect();

    String text = Exposition.text(snapshots);
    assertThat(text).contains("# TYPE backup_files_total gauge\nbackup_files_total 12.0\n",
        "# TYPE smartmon_device_info untyped\nsmartmon_device_info{disk=\"/dev/sda\"} 1.0\n",
        "a32_bucket 1.0\n", "a32_created 5.0\n");
    ByteArrayOutputStream openMetrics = new ByteArrayOutputStream();
    assertThat(openMetrics(snapshots, openMetrics)).contains("backup_files_total 12.0\n");
  }

  private static String openMetrics(MetricSnapshots snapshots, ByteArrayOutputStream out) throws IOException {
    OpenMetricsTextFormatWriter.create().write(out, snapshots, EscapingScheme.UNDERSCORE_ESCAPING);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aNameASummaryOrHistogramTakesIsDroppedAndTheExportersOwnPrefixesAreLeftOut() throws IOException {
    write("1.prom", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n");
    write("2.prom", "h_count 5\nh_bucket 3\nprocess_cpu_seconds_total 1\nmicroc_x 1\njvm_y 1\n"
        + "# TYPE node_textfile_scrape_error gauge\nnode_textfile_scrape_error 7\n");

    String text = collect();

    assertThat(text).doesNotContain("h_count 5", "h_bucket 3", "process_", "microc_", "jvm_")
        .contains("h_count 1", "node_textfile_scrape_error 7.0")
        .doesNotContain("node_textfile_scrape_error 0.0");
  }

  @Test
  void aCounterAndAFamilyOfItsBaseNameDoNotBreakTheScrape() throws IOException {
    write("c.prom", "# TYPE foo_total counter\nfoo_total 1\nfoo 2\nbar 3\n");

    assertThat(collect()).contains("foo_total 1.0", "bar 3.0").doesNotContain("foo 2");
  }

  @Test
  void aChangedFileIsReadAgainAndAnUnchangedOneServedFromWhatWasParsed() throws IOException {
    Path file = write("a.prom", "a 1\n");
    TextfileCollector collector = new TextfileCollector(dir.toString());
    MetricSnapshots first = collector.collect();

    assertThat(collector.collect()).isSameAs(first);

    Files.writeString(file, "a 22\n");
    assertThat(Exposition.text(collector.collect())).contains("a 22.0");

    write("b.prom", "b 1\n");
    assertThat(Exposition.text(collector.collect())).contains("a 22.0", "b 1.0");

    Files.delete(file);
    assertThat(Exposition.text(collector.collect())).doesNotContain("a 22").contains("b 1.0");
  }

  @Test
  void aGlobReadsEveryMatchingDirectory() throws IOException {
    Files.createDirectories(dir.resolve("x1/tf"));
    Files.createDirectories(dir.resolve("x2/tf"));
    Files.createDirectories(dir.resolve("y/tf"));
    Files.writeString(dir.resolve("x1/tf/a.prom"), "a 1\n");
    Files.writeString(dir.resolve("x2/tf/a.prom"), "a{d=\"2\"} 2\n");
    Files.writeString(dir.resolve("y/tf/a.prom"), "a{d=\"3\"} 3\n");

    String text = Exposition.text(new TextfileCollector(dir + "/x[0-9]/tf").collect());

    assertThat(text).contains("# HELP a Metric read from " + dir + "/x1/tf/a.prom, " + dir + "/x2/tf/a.prom\n",
        "a 1.0", "a{d=\"2\"} 2.0", "node_textfile_scrape_error 0.0").doesNotContain("a{d=\"3\"}");
  }

  @Test
  void goGlobMatching() {
    assertThat(GoGlob.match("*.prom", 0, "a.prom", 0).matched()).isTrue();
    assertThat(GoGlob.match("x[0-9]", 0, "x5", 0).matched()).isTrue();
    assertThat(GoGlob.match("x[^0-9]", 0, "x5", 0).matched()).isFalse();
    assertThat(GoGlob.match("a?c", 0, "abc", 0).matched()).isTrue();
    assertThat(GoGlob.match("a\\*", 0, "a*", 0).matched()).isTrue();
    assertThat(GoGlob.match("a\\*", 0, "ab", 0).matched()).isFalse();
    assertThat(GoGlob.match("[a", 0, "a", 0).valid()).isFalse();
    assertThat(GoGlob.glob("/nonexistent/*/x")).isEmpty();
    assertThat(TextfileCollector.directories("/nonexistent/dir")).containsExactly("/nonexistent/dir");
  }

  @Test
  void aTextfileFamilyWithAnotherCollectorsNameNeverBreaksTheScrape() throws IOException {
    write("clash.prom", "node_load1 99\n");
    try (Microc microc = Microc.builder().environment(Map.of())
        .plugins(List.of(new LoadCollector.Plugin(), new TextfileCollector.Plugin()))
        .set("microc.collectors.textfile.directory", dir.toString(), "test").build()) {
      String text = Exposition.text(microc.engine().collect(Set.of("loadavg", "textfile")));

      assertThat(text).contains("# HELP node_load1 1m load average.")
          .doesNotContain("node_load1 99")
          .contains("microc_scrape_collector_success{collector=\"textfile\"} 1");
    }
  }
}
