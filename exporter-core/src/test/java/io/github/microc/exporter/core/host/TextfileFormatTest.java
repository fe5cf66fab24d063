package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.host.TextfileFormat.Family;
import io.github.microc.exporter.core.host.TextfileFormat.ParseException;
import io.github.microc.exporter.core.host.TextfileFormat.Type;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The cases are those node_exporter 1.5 was run on; its verdict is in each expectation. */
class TextfileFormatTest {

  private static Map<String, Family> parse(String text) throws ParseException {
    return TextfileFormat.parse(text, false);
  }

  @Test
  void samplesHelpTypeCommentsAndBlankLines() throws ParseException {
    Map<String, Family> families = parse("""
        # HELP a_total Help a.
        # TYPE a_total counter
        a_total{x="1"} 5
        a_total{y="2"} 6
        # a comment
        #HELP b bare
        \t
          b\t{ a = "1" , b="2", }\t2
        c{} 3
        d:e .5
        """);

    assertThat(families).containsOnlyKeys("a_total", "b", "c", "d:e");
    Family a = families.get("a_total");
    assertThat(a.type).isEqualTo(Type.COUNTER);
    assertThat(a.help).isEqualTo("Help a.");
    assertThat(a.metrics).extracting(m -> m.value).containsExactly(5.0, 6.0);
    Family b = families.get("b");
    assertThat(b.help).isEqualTo("bare");
    assertThat(b.type).isEqualTo(Type.UNTYPED);
    assertThat(b.metrics.get(0).labels).containsExactly(new String[] {"a", "1"}, new String[] {"b", "2"});
    assertThat(families.get("c").metrics.get(0).labels).isEmpty();
    assertThat(families.get("d:e").metrics.get(0).value).isEqualTo(0.5);
  }

  @Test
  void escapesInLabelValuesAndHelp() throws ParseException {
    Map<String, Family> families = parse("""
        # HELP n a\\\\b\\nc "q"
        n{a="x\\\\y\\"z\\nw"} 1
        """);

    assertThat(families.get("n").help).isEqualTo("a\\b\nc \"q\"");
    assertThat(families.get("n").metrics.get(0).labels.get(0)[1]).isEqualTo("x\\y\"z\nw");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(delimiter = '|', value = {
      "NaN|NaN", "nan|NaN", "Inf|Infinity", "+Inf|Infinity", "-Inf|-Infinity", "INF|Infinity",
      "infinity|Infinity", "-Infinity|-Infinity", "+5|5.0", ".5|0.5", "5.|5.0", "1E3|1000.0",
      "-0|-0.0", "1e-400|0.0", "123456789012345678901234567890|1.2345678901234568E29"})
  void goFloats(String text, double value) {
    assertThat(TextfileFormat.parseFloat(text)).isEqualTo(Double.valueOf(value));
  }

  @ParameterizedTest(name = "{0} is no float")
  @CsvSource({"1e400", "+nan", "-NaN", "0x10", "1_0", "1p3", "infinit", "1e", "e1", ".", "''", "1d",
      "1f", "' 1'", "--1", "Infinityx"})
  void notGoFloats(String text) {
    assertThat(TextfileFormat.parseFloat(text)).isNull();
  }

  @Test
  void aCarriageReturnIsPartOfTheValue() {
    assertThat(TextfileFormat.parseFloat("1\r")).isNull();
    assertThat(TextfileFormat.parseFloat("1 ")).isNull();
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        Arguments.of("a 1   \n", "expected integer as timestamp, got \"\""),
        Arguments.of("a 1\t\n", "expected integer as timestamp, got \"\""),
        Arguments.of("a{a=\"x\\ty\"} 1\n", "invalid escape sequence '\\t'"),
        Arguments.of("a{a=\"1\",a=\"2\"} 1\n", "duplicate label names for metric \"a\""),
        Arguments.of("a 1\n# TYPE a gauge\n", "second TYPE line for metric name \"a\", or TYPE reported after samples"),
        Arguments.of("# HELP a x\n# HELP a y\na 1\n", "second HELP line for metric name \"a\""),
        Arguments.of("# TYPE a foo\na 1\n", "unknown metric type \"foo\""),
        Arguments.of("# TYPE a gauge \na 1\n", "unknown metric type \"gauge \""),
        Arguments.of("# HELP a a\\tb\na 1\n", "invalid escape sequence '\\t'"),
        Arguments.of("# HELP a say \\\"hi\\\"\na 1\n", "invalid escape sequence '\\\"'"),
        Arguments.of("a\n", "expected float as value, got \"\""),
        Arguments.of("a 1 1.5\n", "expected integer as timestamp, got \"1.5\""),
        Arguments.of("a 1 2 \n", "spurious string after timestamp: \" \""),
        Arguments.of("a{1a=\"1\"} 1\n", "invalid label name for metric \"a\""),
        Arguments.of("a 1p3\n", "expected float as value, got \"1p3\""),
        Arguments.of("bad syntax here\n", "expected float as value, got \"syntax\""),
        Arguments.of("z 1", "unexpected end of input stream"),
        Arguments.of("# comment", "unexpected end of input stream"),
        Arguments.of("y 1\r\n", "expected float as value, got \"1\\r\""),
        Arguments.of("a{__name__=\"x\"} 1\n", "label name \"__name__\" is reserved"),
        Arguments.of("a{b=1} 1\n", "expected '\"' at start of label value, found '1'"),
        Arguments.of("a{b\"1\"} 1\n", "expected '=' after label name, found '\"'"),
        Arguments.of("a{b=\"1\" c=\"2\"} 1\n", "unexpected end of label value \"1\""),
        Arguments.of("a{b=\"1\n\"} 1\n", "label value \"1\" contains unescaped new-line"),
        Arguments.of("# HELP a-b x\n", "invalid metric name in comment"),
        Arguments.of("1a 2\n", "invalid metric name"),
        Arguments.of("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "expected float as value for 'le' label, got \"x\""),
        Arguments.of("# TYPE s summary\ns{quantile=\"x\"} 1\n", "expected float as value for 'quantile' label, got \"x\""));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badFiles")
  void errorsAsNodeExporterWordsThem(String text, String message) {
    assertThatThrownBy(() -> parse(text)).isInstanceOf(ParseException.class)
        .hasMessageEndingWith(": " + message);
  }

  @Test
  void aTimestampIsReadAndMarked() throws ParseException {
    assertThat(parse("i 1 1234\n").get("i").metrics.get(0).timestamp).isTrue();
    assertThat(parse("i 1 -5\n").get("i").metrics.get(0).timestamp).isTrue();
  }

  @Test
  void theLineOfAnErrorIsCounted() {
    assertThatThrownBy(() -> parse("a 1\n\n# c\nb 2\nc x\n")).hasMessage(
        "text format parsing error in line 5: expected float as value, got \"x\"");
  }

  @Test
  void emptyFilesCommentsAndHelpWithoutSamplesGiveNothing() throws ParseException {
    assertThat(parse("")).isEmpty();
    assertThat(parse("# just a comment\n#\n# TYPE\n# HELP\n# HELP a13 h\n   ")).isEmpty();
    assertThat(parse("# HELP x\nx 1\n").get("x").help).isNull();
    assertThat(parse("# HELP b   spaced help  \nb 1\n").get("b").help).isEqualTo("spaced help  ");
  }

  @Test
  void theTypeIsCaseInsensitiveAndNamesASuffixedSampleItsOwnFamily() throws ParseException {
    Map<String, Family> families = parse("""
        # TYPE a GAUGE
        a 1
        # TYPE c gauge
        c_total 1
        """);

    assertThat(families.get("a").type).isEqualTo(Type.GAUGE);
    assertThat(families).containsOnlyKeys("a", "c_total");
    assertThat(families.get("c_total").type).isEqualTo(Type.UNTYPED);
  }

  @Test
  void histogramLinesAreGatheredByLabels() throws ParseException {
    Family h = parse("""
        # TYPE h histogram
        h_bucket{le="0.10",x="a"} 1
        h_bucket{x="a",le="1"} 3
        h_bucket{x="a",le="+Inf"} 4
        h_sum{x="a"} 2.5
        h_count{x="a"} 5
        h_bucket{x="b",le="1"} 7
        h_bucket{x="c"} 9
        """).get("h");

    assertThat(h.metrics).hasSize(3);
    assertThat(h.metrics.get(0).labels).containsExactly(new String[] {"x", "a"});
    assertThat(h.metrics.get(0).parts).containsExactly(new double[] {0.1, 1},
        new double[] {1, 3}, new double[] {Double.POSITIVE_INFINITY, 4});
    assertThat(h.metrics.get(0).sum).isEqualTo(2.5);
    assertThat(h.metrics.get(0).count).isEqualTo(5);
    assertThat(h.metrics.get(1).parts).containsExactly(new double[] {1, 7});
    assertThat(h.metrics.get(2).parts).as("a bucket without le counts for nothing").isEmpty();
  }

  @Test
  void summaryLinesAreGatheredAndAQuantileOfNaNIgnored() throws ParseException {
    Map<String, Family> families = parse("""
        # TYPE s summary
        s{quantile="0.5",x="1"} 1
        s{quantile="NaN",x="1"} 8
        s_count{x="1"} 2
        s_sum{x="1"} 3
        s{x="2",quantile="0.5"} 4
        s_bucket 1
        """);

    Family s = families.get("s");
    assertThat(s.metrics).hasSize(2);
    assertThat(s.metrics.get(0).parts).containsExactly(new double[] {0.5, 1});
    assertThat(s.metrics.get(0).count).isEqualTo(2);
    assertThat(s.metrics.get(1).count).isZero();
    assertThat(families.get("s_bucket").type).isEqualTo(Type.UNTYPED);
  }

  @Test
  void aTypeLineForASummaryPartIsASecondTypeLine() {
    assertThatThrownBy(() -> parse("# TYPE b summary\n# TYPE b_count gauge\nb_count 1\n"))
        .hasMessageEndingWith("second TYPE line for metric name \"b\", or TYPE reported after samples");
  }

  @Test
  void aLabelValueThatWasNotUtf8IsRefused() throws ParseException {
    assertThatThrownBy(() -> TextfileFormat.parse("b{a=\"\uFFFD\uFFFD\"} 1\n", true))
        .hasMessageContaining("invalid label value");
    assertThat(TextfileFormat.parse("b{a=\"\uFFFD\"} 1\n", false)).containsKey("b");
  }
}
