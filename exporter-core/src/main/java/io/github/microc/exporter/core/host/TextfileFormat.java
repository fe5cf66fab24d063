package io.github.microc.exporter.core.host;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Prometheus text format (0.0.4) read as node_exporter 1.5's textfile collector reads it
 * (Prometheus' {@code expfmt.TextParser}), rule for rule, so that a file node_exporter accepts
 * is accepted here and a file it rejects is rejected with the same reason:
 *
 * <ul>
 *   <li>a sample line is a name ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}), optional labels
 *       ({@code {a="x",b="y",}}; a trailing comma is allowed, {@code __name__} is not), a value
 *       and an optional integer timestamp, separated by spaces or tabs; anything after the
 *       value but a timestamp, even a trailing blank, is an error, and so is a last line
 *       without its newline;
 *   <li>values are Go floats: decimal, {@code Inf}/{@code Infinity} (signed or not) and
 *       {@code NaN} in any case, no hex, no {@code _}, nothing out of range ({@code 1e400});
 *   <li>label values know the escapes {@code \\}, {@code \"} and {@code \n}; HELP text only
 *       {@code \\} and {@code \n}; any other escape is an error;
 *   <li>{@code # HELP} and {@code # TYPE} once per family and TYPE before its samples; other
 *       comments and blank lines are skipped; a type is one of counter, gauge, summary,
 *       untyped, histogram (any case);
 *   <li>summaries and histograms gather their {@code _sum}, {@code _count}, {@code quantile}
 *       and {@code le} lines by label set.
 * </ul>
 *
 * Families without samples are dropped. Not thread-safe: one instance per file.
 */
final class TextfileFormat {

  /** The metric types of the format; {@code GAUGE_HISTOGRAM} parses but nothing exposes it. */
  enum Type { COUNTER, GAUGE, SUMMARY, UNTYPED, HISTOGRAM, GAUGE_HISTOGRAM }

  /** A family as the file has it. */
  static final class Family {
    final String name;
    Type type;
    String help;
    final List<Metric> metrics = new ArrayList<>();

    Family(String name) {
      this.name = name;
    }
  }

  /** One series (or one summary or histogram, with its parts). */
  static final class Metric {
    /** Label names and values, in the order of the file, without {@code quantile} or {@code le}. */
    final List<String[]> labels = new ArrayList<>();
    double value;
    boolean timestamp;
    /** A summary's or histogram's count and sum; 0 until a line sets them. */
    double count;
    double sum;
    /** Quantiles or buckets as {upper bound or quantile, value}, in the order of the file. */
    final List<double[]> parts = new ArrayList<>();
  }

  /** A line the format does not allow, as node_exporter words it. */
  static final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;

    ParseException(int line, String message) {
      super("text format parsing error in line " + line + ": " + message, null, false, false);
    }
  }

  private static final char EOF_CHAR = 0;

  private final String text;
  private final boolean lossy;
  private int pos;
  private char cur;
  private boolean eof;
  private String error;
  private int line;
  private final StringBuilder token = new StringBuilder();
  private final Map<String, Family> families = new LinkedHashMap<>();
  private Family mf;
  private Metric metric;
  private String[] labelPair;
  private Map<String, String> currentLabels;
  private final Map<Map<String, String>, Metric> summaries = new HashMap<>();
  private final Map<Map<String, String>, Metric> histograms = new HashMap<>();
  private double currentQuantile = Double.NaN;
  private double currentBucket = Double.NaN;
  private boolean isSummaryCount;
  private boolean isSummarySum;
  private boolean isHistogramCount;
  private boolean isHistogramSum;

  private TextfileFormat(String text, boolean lossy) {
    this.text = text;
    this.lossy = lossy;
  }

  /**
   * The families of a file's text, in the order they first appear.
   *
   * @param lossy whether the file was not valid UTF-8, so that a replacement character in a
   *     label value stands for bytes that were not text (node_exporter rejects those)
   */
  static Map<String, Family> parse(String text, boolean lossy) throws ParseException {
    return new TextfileFormat(text, lossy).run();
  }

  private interface State {
    State next();
  }

  private Map<String, Family> run() throws ParseException {
    for (State state = this::startOfLine; state != null; ) {
      state = state.next();
    }
    families.values().removeIf(f -> f.metrics.isEmpty());
    if (error == null && eof) {
      error = "unexpected end of input stream";
    }
    if (error != null) {
      throw new ParseException(line, error);
    }
    return families;
  }

  private void read() {
    if (pos >= text.length()) {
      eof = true;
      cur = EOF_CHAR;
    } else {
      cur = text.charAt(pos++);
    }
  }

  private State fail(String message) {
    error = message;
    return null;
  }

  private State startOfLine() {
    line++;
    skipBlankTab();
    if (eof) {
      eof = false; // the one place where the end is no error
      return null;
    }
    return switch (cur) {
      case '#' -> this::startComment;
      case '\n' -> this::startOfLine;
      default -> this::readingMetricName;
    };
  }

  private State startComment() {
    skipBlankTab();
    if (eof) {
      return null;
    }
    if (cur == '\n') {
      return this::startOfLine;
    }
    readTokenUntilWhitespace();
    if (eof) {
      return null;
    }
    if (cur == '\n') {
      return this::startOfLine;
    }
    String keyword = token.toString();
    if (!keyword.equals("HELP") && !keyword.equals("TYPE")) {
      while (cur != '\n') {
        read();
        if (eof) {
          return null;
        }
      }
      return this::startOfLine;
    }
    skipBlankTab();
    if (eof) {
      return null;
    }
    readTokenAsMetricName();
    if (eof) {
      return null;
    }
    if (cur == '\n') {
      return this::startOfLine;
    }
    if (!blank(cur)) {
      return fail("invalid metric name in comment");
    }
    setOrCreateCurrentFamily();
    skipBlankTab();
    if (eof) {
      return null;
    }
    if (cur == '\n') {
      return this::startOfLine;
    }
    return keyword.equals("HELP") ? this::readingHelp : this::readingType;
  }

  private State readingMetricName() {
    readTokenAsMetricName();
    if (eof) {
      return null;
    }
    if (token.length() == 0) {
      return fail("invalid metric name");
    }
    setOrCreateCurrentFamily();
    if (mf.type == null) {
      mf.type = Type.UNTYPED;
    }
    metric = new Metric();
    skipBlankTabIfCurrentBlankTab();
    if (eof) {
      return null;
    }
    return this::readingLabels;
  }

  private State readingLabels() {
    if (mf.type == Type.SUMMARY || mf.type == Type.HISTOGRAM) {
      currentLabels = new TreeMap<>();
      currentLabels.put("__name__", mf.name);
      currentQuantile = Double.NaN;
      currentBucket = Double.NaN;
    }
    if (cur != '{') {
      return this::readingValue;
    }
    return this::startLabelName;
  }

  private State startLabelName() {
    skipBlankTab();
    if (eof) {
      return null;
    }
    if (cur == '}') {
      skipBlankTab();
      if (eof) {
        return null;
      }
      return this::readingValue;
    }
    readTokenAsLabelName();
    if (eof) {
      return null;
    }
    if (token.length() == 0) {
      return fail("invalid label name for metric " + quote(mf.name));
    }
    String name = token.toString();
    if (name.equals("__name__")) {
      return fail("label name \"__name__\" is reserved");
    }
    labelPair = new String[] {name, null};
    if (!(mf.type == Type.SUMMARY && name.equals("quantile"))
        && !(mf.type == Type.HISTOGRAM && name.equals("le"))) {
      for (String[] existing : metric.labels) {
        if (existing[0].equals(name)) {
          return fail("duplicate label names for metric " + quote(mf.name));
        }
      }
      metric.labels.add(labelPair);
    }
    skipBlankTabIfCurrentBlankTab();
    if (eof) {
      return null;
    }
    if (cur != '=') {
      return fail("expected '=' after label name, found " + quote(cur));
    }
    return this::startLabelValue;
  }

  private State startLabelValue() {
    skipBlankTab();
    if (eof) {
      return null;
    }
    if (cur != '"') {
      return fail("expected '\"' at start of label value, found " + quote(cur));
    }
    if (!readTokenAsLabelValue()) {
      return null;
    }
    String value = token.toString();
    if (lossy && value.indexOf('\uFFFD') >= 0) {
      return fail("invalid label value " + quote(value));
    }
    labelPair[1] = value;
    if (mf.type == Type.SUMMARY) {
      if (labelPair[0].equals("quantile")) {
        Double quantile = parseFloat(value);
        if (quantile == null) {
          return fail("expected float as value for 'quantile' label, got " + quote(value));
        }
        currentQuantile = quantile;
      } else {
        currentLabels.put(labelPair[0], value);
      }
    }
    if (mf.type == Type.HISTOGRAM) {
      if (labelPair[0].equals("le")) {
        Double bucket = parseFloat(value);
        if (bucket == null) {
          return fail("expected float as value for 'le' label, got " + quote(value));
        }
        currentBucket = bucket;
      } else {
        currentLabels.put(labelPair[0], value);
      }
    }
    skipBlankTab();
    if (eof) {
      return null;
    }
    switch (cur) {
      case ',':
        return this::startLabelName;
      case '}':
        skipBlankTab();
        if (eof) {
          return null;
        }
        return this::readingValue;
      default:
        return fail("unexpected end of label value " + quote(value));
    }
  }

  private State readingValue() {
    if (mf.type == Type.SUMMARY || mf.type == Type.HISTOGRAM) {
      Map<Map<String, String>, Metric> byLabels = mf.type == Type.SUMMARY ? summaries : histograms;
      Metric existing = byLabels.get(currentLabels);
      if (existing != null) {
        metric = existing;
      } else {
        byLabels.put(currentLabels, metric);
        mf.metrics.add(metric);
      }
    } else {
      mf.metrics.add(metric);
    }
    readTokenUntilWhitespace();
    if (eof) {
      return null;
    }
    Double parsed = parseFloat(token);
    if (parsed == null) {
      return fail("expected float as value, got " + quote(token.toString()));
    }
    double value = parsed;
    switch (mf.type) {
      case SUMMARY -> {
        if (isSummaryCount) {
          metric.count = value;
        } else if (isSummarySum) {
          metric.sum = value;
        } else if (!Double.isNaN(currentQuantile)) {
          metric.parts.add(new double[] {currentQuantile, value});
        }
      }
      case HISTOGRAM -> {
        if (isHistogramCount) {
          metric.count = value;
        } else if (isHistogramSum) {
          metric.sum = value;
        } else if (!Double.isNaN(currentBucket)) {
          metric.parts.add(new double[] {currentBucket, value});
        }
      }
      default -> metric.value = value;
    }
    if (cur == '\n') {
      return this::startOfLine;
    }
    return this::startTimestamp;
  }

  private State startTimestamp() {
    skipBlankTab();
    if (eof) {
      return null;
    }
    readTokenUntilWhitespace();
    if (eof) {
      return null;
    }
    if (!isInt64(token)) {
      return fail("expected integer as timestamp, got " + quote(token.toString()));
    }
    metric.timestamp = true;
    if (!readTokenUntilNewline(false)) {
      return null;
    }
    if (token.length() > 0) {
      return fail("spurious string after timestamp: " + quote(token.toString()));
    }
    return this::startOfLine;
  }

  private State readingHelp() {
    if (mf.help != null) {
      return fail("second HELP line for metric name " + quote(mf.name));
    }
    if (!readTokenUntilNewline(true)) {
      return null;
    }
    mf.help = token.toString();
    return this::startOfLine;
  }

  private State readingType() {
    if (mf.type != null) {
      return fail("second TYPE line for metric name " + quote(mf.name)
          + ", or TYPE reported after samples");
    }
    if (!readTokenUntilNewline(false)) {
      return null;
    }
    Type type = type(token.toString());
    if (type == null) {
      return fail("unknown metric type " + quote(token.toString()));
    }
    mf.type = type;
    return this::startOfLine;
  }

  private static Type type(String text) {
    for (Type type : Type.values()) {
      if (type.name().equals(text.toUpperCase(Locale.ROOT))) {
        return type;
      }
    }
    return null;
  }

  private void skipBlankTab() {
    do {
      read();
    } while (!eof && blank(cur));
  }

  private void skipBlankTabIfCurrentBlankTab() {
    if (blank(cur)) {
      skipBlankTab();
    }
  }

  private void readTokenUntilWhitespace() {
    token.setLength(0);
    while (!eof && !blank(cur) && cur != '\n') {
      token.append(cur);
      read();
    }
  }

  /** Reads to the end of the line; false when the input ended first or an escape was bad. */
  private boolean readTokenUntilNewline(boolean escapes) {
    token.setLength(0);
    boolean escaped = false;
    while (!eof) {
      if (escapes && escaped) {
        switch (cur) {
          case '\\' -> token.append('\\');
          case 'n' -> token.append('\n');
          default -> {
            fail("invalid escape sequence '\\" + cur + "'");
            return false;
          }
        }
        escaped = false;
      } else if (cur == '\n') {
        return true;
      } else if (cur == '\\') {
        escaped = true;
      } else {
        token.append(cur);
      }
      read();
    }
    return false;
  }

  private void readTokenAsMetricName() {
    readTokenAsName(true);
  }

  private void readTokenAsLabelName() {
    readTokenAsName(false);
  }

  /** A metric name ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}) or a label name (the same without {@code :}). */
  private void readTokenAsName(boolean metric) {
    token.setLength(0);
    if (!(metric ? metricNameStart(cur) : labelNameStart(cur))) {
      return;
    }
    do {
      token.append(cur);
      read();
    } while (!eof && ((metric ? metricNameStart(cur) : labelNameStart(cur)) || digit(cur)));
  }

  /** Reads a quoted value after its opening quote; false on an error or the end of input. */
  private boolean readTokenAsLabelValue() {
    token.setLength(0);
    boolean escaped = false;
    while (true) {
      read();
      if (eof) {
        return false;
      }
      if (escaped) {
        switch (cur) {
          case '"', '\\' -> token.append(cur);
          case 'n' -> token.append('\n');
          default -> {
            fail("invalid escape sequence '\\" + cur + "'");
            return false;
          }
        }
        escaped = false;
        continue;
      }
      switch (cur) {
        case '"':
          return true;
        case '\n':
          fail("label value " + quote(token.toString()) + " contains unescaped new-line");
          return false;
        case '\\':
          escaped = true;
          break;
        default:
          token.append(cur);
      }
    }
  }

  private void setOrCreateCurrentFamily() {
    isSummaryCount = false;
    isSummarySum = false;
    isHistogramCount = false;
    isHistogramSum = false;
    String name = token.toString();
    mf = families.get(name);
    if (mf != null) {
      return;
    }
    Family summary = families.get(strip(name, false));
    if (summary != null && summary.type == Type.SUMMARY) {
      mf = summary;
      isSummaryCount = name.endsWith("_count") && name.length() > 6;
      isSummarySum = name.endsWith("_sum") && name.length() > 4;
      return;
    }
    Family histogram = families.get(strip(name, true));
    if (histogram != null && histogram.type == Type.HISTOGRAM) {
      mf = histogram;
      isHistogramCount = name.endsWith("_count") && name.length() > 6;
      isHistogramSum = name.endsWith("_sum") && name.length() > 4;
      return;
    }
    mf = new Family(name);
    families.put(name, mf);
  }

  /** A summary's (or with {@code bucket}, a histogram's) family name for one of its lines. */
  private static String strip(String name, boolean bucket) {
    for (String suffix : bucket ? new String[] {"_count", "_sum", "_bucket"}
        : new String[] {"_count", "_sum"}) {
      if (name.length() > suffix.length() && name.endsWith(suffix)) {
        return name.substring(0, name.length() - suffix.length());
      }
    }
    return name;
  }

  private static boolean blank(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean labelNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean metricNameStart(char c) {
    return labelNameStart(c) || c == ':';
  }

  /**
   * A float as Go's {@code strconv.ParseFloat} reads it, without the hexadecimal form and
   * digit separators, which the format refuses; {@code null} for anything else, and for a
   * finite number out of range.
   */
  static Double parseFloat(CharSequence s) {
    int n = s.length();
    if (n == 0) {
      return null;
    }
    int i = 0;
    char first = s.charAt(0);
    boolean signed = first == '+' || first == '-';
    if (signed) {
      i++;
    }
    String rest = s.subSequence(i, n).toString().toLowerCase(Locale.ROOT);
    if (rest.equals("inf") || rest.equals("infinity")) {
      return first == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (rest.equals("nan")) {
      return signed ? null : Double.NaN;
    }
    int digits = 0;
    while (i < n && digit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && digit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return null;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exponent = 0;
      while (i < n && digit(s.charAt(i))) {
        i++;
        exponent++;
      }
      if (exponent == 0) {
        return null;
      }
    }
    if (i != n) {
      return null;
    }
    double value = Double.parseDouble(s.toString());
    return Double.isInfinite(value) ? null : value;
  }

  /** Whether the text is a decimal 64-bit integer, as Go's {@code strconv.ParseInt(s, 10, 64)}. */
  private static boolean isInt64(CharSequence s) {
    try {
      String text = s.toString();
      if (text.startsWith("+")) {
        text = text.substring(1);
        if (text.startsWith("-") || text.startsWith("+")) {
          return false;
        }
      }
      Long.parseLong(text);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static String quote(char c) {
    return c == '\'' ? "'\\''" : "'" + (c == '\n' ? "\\n" : c == '\t' ? "\\t" : String.valueOf(c)) + "'";
  }
}
