package io.github.microc.exporter.app.isolation;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenMetrics text format, as client_java's {@code OpenMetricsTextFormatWriter} writes it,
 * read back into client_java snapshots: every type (counter, gauge, unknown, info, stateset,
 * histogram, gaugehistogram, summary), {@code # UNIT} and {@code # HELP}, sample timestamps and
 * {@code _created}. Exemplars are skipped. Every family needs its {@code # TYPE} line, and the
 * text must end with {@code # EOF}.
 *
 * <p>It reads an answer from another process, so it bounds what it holds as it reads: a line
 * longer than {@code maxLine} bytes or more than {@code maxSeries} samples stop it, and
 * nothing is kept of the input beyond the snapshots. Not thread-safe: one parse per instance.
 */
final class OpenMetricsParser {

  private final InputStream in;
  private final int maxSeries;
  private final byte[] line;
  private final List<MetricSnapshot> result = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private int lineNumber;
  private int series;
  private Family family;

  private OpenMetricsParser(InputStream in, int maxSeries, int maxLine) {
    this.in = in;
    this.maxSeries = maxSeries;
    this.line = new byte[maxLine];
  }

  /**
   * Reads up to and including {@code # EOF}.
   *
   * @throws Malformed naming the line and what is wrong with it, or the limit passed
   */
  static MetricSnapshots parse(InputStream in, int maxSeries, int maxLine) throws IOException, Malformed {
    return new OpenMetricsParser(in, maxSeries, maxLine).parse();
  }

  private MetricSnapshots parse() throws IOException, Malformed {
    String text;
    while ((text = readLine()) != null) {
      if (text.equals("# EOF")) {
        flush();
        return new MetricSnapshots(result);
      }
      if (text.startsWith("#")) {
        metadata(text);
      } else {
        if (++series > maxSeries) {
          throw new Malformed("more than " + maxSeries + " samples (max-series)");
        }
        sample(new Cursor(text));
      }
    }
    throw new Malformed("the text ends after line " + lineNumber + " without # EOF");
  }

  private String readLine() throws IOException, Malformed {
    int length = 0;
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        if (length == 0) {
          return null;
        }
        break;
      }
      if (length == line.length) {
        throw new Malformed("line " + (lineNumber + 1) + " is longer than " + line.length + " bytes");
      }
      line[length++] = (byte) b;
    }
    lineNumber++;
    return new String(line, 0, length, StandardCharsets.UTF_8);
  }

  private void metadata(String text) throws Malformed {
    String[] parts = text.split(" ", 4);
    if (parts.length < 4 || !parts[0].equals("#")) {
      throw malformed("expected \"# TYPE|HELP|UNIT name value\"");
    }
    String name = parts[2];
    switch (parts[1]) {
      case "TYPE" -> {
        flush();
        if (!names.add(name)) {
          throw malformed("a second # TYPE for " + name);
        }
        family = new Family(name, Type.of(parts[3], this), lineNumber);
      }
      case "HELP", "UNIT" -> {
        if (family == null || !family.name.equals(name)) {
          throw malformed("# " + parts[1] + " for " + name + " outside its family (its # TYPE comes first)");
        }
        if (parts[1].equals("HELP")) {
          family.help = unescape(parts[3]);
        } else {
          family.unit = parts[3];
        }
      }
      default -> throw malformed("unknown comment \"# " + parts[1] + "\"");
    }
  }

  private void sample(Cursor c) throws Malformed {
    if (family == null) {
      throw malformed("a sample before any # TYPE");
    }
    String name = c.name();
    Map<String, String> labels = c.peek() == '{' ? c.labels() : new LinkedHashMap<>();
    c.expect(' ');
    double value = c.number();
    long timestamp = Long.MIN_VALUE;
    if (c.more() && c.peek() == ' ') {
      c.expect(' ');
      if (c.peek() != '#') {
        timestamp = Math.round(c.number() * 1000);
      }
    }
    // An exemplar (" # {...} value [ts]") is not kept.
    if (c.more() && !c.rest().startsWith(" #") && !c.rest().startsWith("#")) {
      throw malformed("unexpected text after the value: \"" + c.rest() + "\"");
    }
    String suffix = family.suffix(name);
    if (suffix == null) {
      throw malformed("sample " + name + " does not belong to family " + family.name + " ("
          + family.type.text + ")");
    }
    family.add(suffix, labels, value, timestamp, this);
  }

  private void flush() throws Malformed {
    if (family != null) {
      try {
        result.add(family.build());
      } catch (IllegalArgumentException e) {
        throw new Malformed("line " + family.line + ": family " + family.name + ": " + e.getMessage());
      }
      family = null;
    }
  }

  Malformed malformed(String problem) {
    return new Malformed("line " + lineNumber + ": " + problem);
  }

  /** Undoes {@code \\}, {@code \"} and {@code \n}. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '\\' && i + 1 < s.length()) {
        char next = s.charAt(++i);
        out.append(next == 'n' ? '\n' : next);
      } else {
        out.append(ch);
      }
    }
    return out.toString();
  }

  /** The input is not what client_java writes, or passes a limit. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message);
    }
  }

  private enum Type {
    COUNTER("counter"), GAUGE("gauge"), UNKNOWN("unknown"), INFO("info"), STATESET("stateset"),
    HISTOGRAM("histogram"), GAUGEHISTOGRAM("gaugehistogram"), SUMMARY("summary");

    final String text;

    Type(String text) {
      this.text = text;
    }

    static Type of(String text, OpenMetricsParser parser) throws Malformed {
      for (Type type : values()) {
        if (type.text.equals(text)) {
          return type;
        }
      }
      throw parser.malformed("unknown type \"" + text + "\"");
    }
  }

  /** One data point's samples: its value or its buckets, quantiles or states. */
  private static final class Point {
    double value = Double.NaN;
    long timestamp = Long.MIN_VALUE;
    long created = Long.MIN_VALUE;
    double sum = Double.NaN;
    long count = -1;
    final List<Double> bounds = new ArrayList<>();
    final List<Long> cumulative = new ArrayList<>();
    final List<Quantile> quantiles = new ArrayList<>();
    final Map<String, Boolean> states = new LinkedHashMap<>();
  }

  private static final class Family {
    final String name;
    final Type type;
    final int line;
    String help;
    String unit;
    final Map<Labels, Point> points = new LinkedHashMap<>();

    Family(String name, Type type, int line) {
      this.name = name;
      this.type = type;
      this.line = line;
    }

    /** The suffix a sample of this family has ("" for none), or null when it is not one of its. */
    String suffix(String sample) {
      if (!sample.startsWith(name)) {
        return null;
      }
      String suffix = sample.substring(name.length());
      List<String> allowed = switch (type) {
        case COUNTER -> List.of("_total", "_created");
        case GAUGE, UNKNOWN, STATESET -> List.of("");
        case INFO -> List.of("_info");
        case HISTOGRAM -> List.of("_bucket", "_count", "_sum", "_created");
        case GAUGEHISTOGRAM -> List.of("_bucket", "_gcount", "_gsum");
        case SUMMARY -> List.of("", "_count", "_sum", "_created");
      };
      return allowed.contains(suffix) ? suffix : null;
    }

    void add(String suffix, Map<String, String> labels, double value, long timestamp,
        OpenMetricsParser parser) throws Malformed {
      String special = switch (type) {
        case HISTOGRAM, GAUGEHISTOGRAM -> suffix.equals("_bucket") ? "le" : null;
        case SUMMARY -> suffix.isEmpty() ? "quantile" : null;
        case STATESET -> name;
        default -> null;
      };
      String specialValue = null;
      if (special != null) {
        specialValue = labels.remove(special);
        if (specialValue == null) {
          throw parser.malformed(name + suffix + " without its label " + special);
        }
      }
      Labels key;
      try {
        key = Labels.of(labels.keySet().toArray(new String[0]), labels.values().toArray(new String[0]));
      } catch (IllegalArgumentException e) {
        throw parser.malformed(e.getMessage());
      }
      Point point = points.computeIfAbsent(key, k -> new Point());
      if (timestamp != Long.MIN_VALUE) {
        point.timestamp = timestamp;
      }
      switch (suffix) {
        case "_created" -> point.created = Math.round(value * 1000);
        case "_sum", "_gsum" -> point.sum = value;
        case "_count", "_gcount" -> point.count = (long) value;
        case "_bucket" -> {
          point.bounds.add(parseBound(specialValue, parser));
          point.cumulative.add((long) value);
        }
        default -> {
          if (type == Type.SUMMARY) {
            point.quantiles.add(new Quantile(parseBound(specialValue, parser), value));
          } else if (type == Type.STATESET) {
            point.states.put(specialValue, value != 0);
          } else {
            point.value = value;
          }
        }
      }
    }

    private static double parseBound(String text, OpenMetricsParser parser) throws Malformed {
      try {
        return Cursor.toDouble(text);
      } catch (NumberFormatException e) {
        throw parser.malformed("not a number: \"" + text + "\"");
      }
    }

    MetricSnapshot build() {
      return switch (type) {
        case COUNTER -> {
          CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help).unit(unit());
          points.forEach((labels, p) -> {
            CounterSnapshot.CounterDataPointSnapshot.Builder d =
                CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(p.value);
            if (p.created != Long.MIN_VALUE) {
              d.createdTimestampMillis(p.created);
            }
            b.dataPoint(stamp(d, p).build());
          });
          yield b.build();
        }
        case GAUGE -> {
          GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help).unit(unit());
          points.forEach((labels, p) -> b.dataPoint(stamp(GaugeSnapshot.GaugeDataPointSnapshot.builder()
              .labels(labels).value(p.value), p).build()));
          yield b.build();
        }
        case UNKNOWN -> {
          UnknownSnapshot.Builder b = UnknownSnapshot.builder().name(name).help(help).unit(unit());
          points.forEach((labels, p) -> b.dataPoint(stamp(UnknownSnapshot.UnknownDataPointSnapshot.builder()
              .labels(labels).value(p.value), p).build()));
          yield b.build();
        }
        case INFO -> {
          InfoSnapshot.Builder b = InfoSnapshot.builder().name(name).help(help);
          points.forEach((labels, p) -> b.dataPoint(stamp(InfoSnapshot.InfoDataPointSnapshot.builder()
              .labels(labels), p).build()));
          yield b.build();
        }
        case STATESET -> {
          StateSetSnapshot.Builder b = StateSetSnapshot.builder().name(name).help(help);
          points.forEach((labels, p) -> {
            StateSetSnapshot.StateSetDataPointSnapshot.Builder d =
                StateSetSnapshot.StateSetDataPointSnapshot.builder().labels(labels);
            p.states.forEach(d::state);
            b.dataPoint(stamp(d, p).build());
          });
          yield b.build();
        }
        case HISTOGRAM, GAUGEHISTOGRAM -> {
          HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help).unit(unit())
              .gaugeHistogram(type == Type.GAUGEHISTOGRAM);
          points.forEach((labels, p) -> {
            double[] bounds = new double[p.bounds.size()];
            long[] counts = new long[p.bounds.size()];
            long previous = 0;
            for (int i = 0; i < bounds.length; i++) {
              bounds[i] = p.bounds.get(i);
              counts[i] = p.cumulative.get(i) - previous;
              if (counts[i] < 0) {
                throw new IllegalArgumentException("bucket counts must not decrease");
              }
              previous = p.cumulative.get(i);
            }
            HistogramSnapshot.HistogramDataPointSnapshot.Builder d =
                HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts));
            if (!Double.isNaN(p.sum)) {
              d.sum(p.sum);
            }
            if (p.created != Long.MIN_VALUE) {
              d.createdTimestampMillis(p.created);
            }
            b.dataPoint(stamp(d, p).build());
          });
          yield b.build();
        }
        case SUMMARY -> {
          SummarySnapshot.Builder b = SummarySnapshot.builder().name(name).help(help).unit(unit());
          points.forEach((labels, p) -> {
            SummarySnapshot.SummaryDataPointSnapshot.Builder d =
                SummarySnapshot.SummaryDataPointSnapshot.builder().labels(labels)
                    .quantiles(Quantiles.of(p.quantiles));
            if (p.count >= 0) {
              d.count(p.count);
            }
            if (!Double.isNaN(p.sum)) {
              d.sum(p.sum);
            }
            if (p.created != Long.MIN_VALUE) {
              d.createdTimestampMillis(p.created);
            }
            b.dataPoint(stamp(d, p).build());
          });
          yield b.build();
        }
      };
    }

    private Unit unit() {
      return unit == null ? null : new Unit(unit);
    }

    private static <T extends io.prometheus.metrics.model.snapshots.DataPointSnapshot.Builder<T>> T stamp(
        T builder, Point p) {
      return p.timestamp == Long.MIN_VALUE ? builder : builder.scrapeTimestampMillis(p.timestamp);
    }
  }

  /** A position in one sample line. */
  private final class Cursor {
    private final String s;
    private int i;

    Cursor(String s) {
      this.s = s;
    }

    boolean more() {
      return i < s.length();
    }

    char peek() throws Malformed {
      if (i >= s.length()) {
        throw malformed("the line ends early");
      }
      return s.charAt(i);
    }

    String rest() {
      return s.substring(i);
    }

    void expect(char ch) throws Malformed {
      if (peek() != ch) {
        throw malformed("expected '" + ch + "' at column " + (i + 1));
      }
      i++;
    }

    String name() throws Malformed {
      int start = i;
      while (i < s.length()) {
        char ch = s.charAt(i);
        boolean ok = ch == '_' || ch == ':' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
            || (i > start && ch >= '0' && ch <= '9');
        if (!ok) {
          break;
        }
        i++;
      }
      if (i == start) {
        throw malformed("expected a name at column " + (start + 1));
      }
      return s.substring(start, i);
    }

    Map<String, String> labels() throws Malformed {
      Map<String, String> labels = new LinkedHashMap<>();
      expect('{');
      while (peek() != '}') {
        String name = name();
        expect('=');
        expect('"');
        StringBuilder value = new StringBuilder();
        char ch;
        while ((ch = peek()) != '"') {
          i++;
          if (ch == '\\') {
            char next = peek();
            i++;
            value.append(next == 'n' ? '\n' : next);
          } else {
            value.append(ch);
          }
        }
        i++;
        if (labels.put(name, value.toString()) != null) {
          throw malformed("label " + name + " twice");
        }
        if (peek() == ',') {
          i++;
        }
      }
      i++;
      return labels;
    }

    double number() throws Malformed {
      int start = i;
      while (i < s.length() && s.charAt(i) != ' ') {
        i++;
      }
      String token = s.substring(start, i);
      try {
        return toDouble(token);
      } catch (NumberFormatException e) {
        throw malformed("not a number: \"" + token + "\"");
      }
    }

    static double toDouble(String token) {
      return switch (token) {
        case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        case "NaN" -> Double.NaN;
        default -> {
          if (token.isEmpty() || !(Character.isDigit(token.charAt(token.length() - 1)) || token.endsWith("."))) {
            throw new NumberFormatException(token);
          }
          yield Double.parseDouble(token);
        }
      };
    }
  }
}
