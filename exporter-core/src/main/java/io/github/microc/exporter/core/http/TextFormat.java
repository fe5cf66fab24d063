package io.github.microc.exporter.core.http;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The Prometheus text format 0.0.4, written straight into a byte buffer. The output is the
 * same, byte for byte, as client_java's {@link PrometheusTextFormatWriter} with underscore
 * escaping (what Prometheus asks for), without its path through a {@code BufferedWriter} and an
 * {@code OutputStreamWriter}, which handles each character on its own and was a seventh of the
 * exporter's CPU time per scrape. Counters, gauges, info, untyped and summary families are
 * written here; a family of any other type, with a name or label name outside the legacy
 * character set, or with a scrape timestamp goes through client_java's writer into the same
 * buffer, so the result never differs.
 *
 * <p>The text is handed on in pieces of at least {@link #PIECE} bytes, and the rest is left in
 * the buffer: the buffer holds one piece, not the whole response, which at a few hundred
 * containers is over a megabyte, so that the scrapes served at once hold a piece each, however
 * large a family (a textfile's, say) is. A family is cut into pieces between its samples once it
 * is known to be written here (its names checked before its first line); one that may yet go
 * to client_java's writer is kept whole until then, and that writer's output is handed on as
 * it comes.
 *
 * <p>Not thread-safe: one instance per scrape at a time, reused from scrape to scrape.
 */
final class TextFormat {

  private static final byte[] HELP = bytes("# HELP ");
  private static final byte[] TYPE = bytes("# TYPE ");
  private static final byte[] COUNTER = bytes(" counter\n");
  private static final byte[] GAUGE = bytes(" gauge\n");
  private static final byte[] UNTYPED = bytes(" untyped\n");
  private static final byte[] SUMMARY = bytes(" summary\n");
  private static final byte[] COUNT = bytes("_count");
  private static final byte[] SUM = bytes("_sum");
  private static final byte[] QUANTILE = bytes("quantile=\"");
  private static final byte[] TOTAL = bytes("_total");
  private static final byte[] INFO = bytes("_info");
  private static final byte[] INF = bytes("+Inf");
  private static final byte[] MINUS_INF = bytes("-Inf");
  /** The size from which the buffer is handed on. */
  static final int PIECE = 32 * 1024;
  /** Data points from which a family's names are checked first, so that it can be cut. */
  static final int CUT_FROM = 64;
  /** The size from which a label set is kept for reuse within a scrape. */
  private static final int SHARED_LABELS = 3;
  /** A buffer grown past this for one large family is not kept for the next scrape. */
  private static final int KEEP = 1 << 20;
  private static final int INITIAL = 2 * PIECE;

  /** Where full pieces go. */
  interface Pieces {
    void write(byte[] b, int off, int len) throws IOException;
  }

  private final PrometheusTextFormatWriter fallback;
  /** client_java's writer's way in: never taken back, so handed on as it fills. */
  private final OutputStream sink = new OutputStream() {
    @Override
    public void write(int b) throws IOException {
      ensure(1);
      buf[len++] = (byte) b;
      handOn();
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
      ensure(n);
      System.arraycopy(b, off, buf, len, n);
      len += n;
      handOn();
    }
  };
  /** Where this scrape's full pieces go. */
  private Pieces pieces;
  /** Whether the family being written may be cut: it cannot go to the fallback any more. */
  private boolean cuttable;
  private byte[] buf = new byte[INITIAL];
  private int len;
  /** The label sets of this scrape written so far, by identity. */
  private final Map<Labels, byte[]> labelSets = new IdentityHashMap<>();

  /** @param fallback the writer, configured as the endpoint's, for the families not written here */
  TextFormat(PrometheusTextFormatWriter fallback) {
    this.fallback = fallback;
  }

  /**
   * Writes {@code snapshots} in the text format: each time the buffer reaches {@link #PIECE}
   * bytes at the end of a family, its content goes to {@code pieces}; what is left at the end
   * stays in the buffer ({@link #buffer()}, {@link #length()}). No call to {@code pieces}
   * means the whole text is in the buffer.
   */
  void write(MetricSnapshots snapshots, Pieces pieces) throws IOException {
    if (buf.length > KEEP) {
      buf = new byte[INITIAL];
    }
    len = 0;
    this.pieces = pieces;
    try {
      writeAll(snapshots);
    } finally {
      labelSets.clear();
      this.pieces = null;
    }
  }

  private void writeAll(MetricSnapshots snapshots) throws IOException {
    for (MetricSnapshot snapshot : snapshots) {
      if (snapshot.getDataPoints().isEmpty()) {
        continue;
      }
      int mark = len;
      cuttable = snapshot.getDataPoints().size() >= CUT_FROM && writable(snapshot);
      boolean written;
      try {
        written = writeFamily(snapshot);
      } finally {
        cuttable = false;
      }
      if (!written) {
        len = mark;
        fallback.write(sink, MetricSnapshots.of(snapshot), EscapingScheme.UNDERSCORE_ESCAPING);
      }
      handOn();
    }
  }

  /** The buffer to the scrape's pieces once it holds a piece. */
  private void handOn() throws IOException {
    if (len >= PIECE) {
      pieces.write(buf, 0, len);
      len = 0;
    }
  }

  /**
   * Whether {@link #writeFamily} writes all of a counter, gauge, info or untyped family: its
   * names in the legacy character set and no scrape timestamp.
   */
  private static boolean writable(MetricSnapshot snapshot) {
    if (!(snapshot instanceof GaugeSnapshot || snapshot instanceof CounterSnapshot
        || snapshot instanceof UnknownSnapshot || snapshot instanceof InfoSnapshot)
        || !PrometheusNaming.isValidLegacyMetricName(snapshot.getMetadata().getPrometheusName())) {
      return false;
    }
    for (DataPointSnapshot point : snapshot.getDataPoints()) {
      if (point.hasScrapeTimestamp()) {
        return false;
      }
      Labels labels = point.getLabels();
      for (int i = 0; i < labels.size(); i++) {
        if (!PrometheusNaming.isValidLegacyLabelName(labels.getPrometheusName(i))) {
          return false;
        }
      }
    }
    return true;
  }

  byte[] buffer() {
    return buf;
  }

  int length() {
    return len;
  }

  /**
   * Writes one family, or returns false, leaving partial output, for one it does not write; a
   * {@linkplain #cuttable} family is handed on between its samples as the buffer fills.
   */
  private boolean writeFamily(MetricSnapshot snapshot) throws IOException {
    MetricMetadata metadata = snapshot.getMetadata();
    String name = metadata.getPrometheusName();
    if (!PrometheusNaming.isValidLegacyMetricName(name)) {
      return false;
    }
    byte[] suffix;
    byte[] type;
    if (snapshot instanceof GaugeSnapshot) {
      suffix = null;
      type = GAUGE;
    } else if (snapshot instanceof CounterSnapshot) {
      suffix = TOTAL;
      type = COUNTER;
    } else if (snapshot instanceof UnknownSnapshot) {
      suffix = null;
      type = UNTYPED;
    } else if (snapshot instanceof InfoSnapshot) {
      suffix = INFO;
      type = GAUGE;
    } else if (snapshot instanceof SummarySnapshot summary) {
      return writeSummary(name, summary);
    } else {
      return false;
    }
    metadata(name, suffix, type, metadata.getHelp());
    for (DataPointSnapshot point : snapshot.getDataPoints()) {
      if (point.hasScrapeTimestamp()) {
        return false;
      }
      if (!sample(name, suffix, point.getLabels(), Double.NaN)) {
        return false;
      }
      if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot gauge) {
        number(gauge.getValue());
      } else if (point instanceof CounterSnapshot.CounterDataPointSnapshot counter) {
        number(counter.getValue());
      } else if (point instanceof UnknownSnapshot.UnknownDataPointSnapshot unknown) {
        number(unknown.getValue());
      } else {
        put('1');
      }
      put('\n');
      if (cuttable) {
        handOn();
      }
    }
    return true;
  }

  /** As client_java: metadata only once a data point has something to show. */
  private boolean writeSummary(String name, SummarySnapshot summary) {
    boolean metadata = false;
    for (SummarySnapshot.SummaryDataPointSnapshot point : summary.getDataPoints()) {
      if (point.hasScrapeTimestamp()) {
        return false;
      }
      if (point.getQuantiles().size() == 0 && !point.hasCount() && !point.hasSum()) {
        continue;
      }
      if (!metadata) {
        metadata(name, null, SUMMARY, summary.getMetadata().getHelp());
        metadata = true;
      }
      for (Quantile quantile : point.getQuantiles()) {
        if (!sample(name, null, point.getLabels(), quantile.getQuantile())) {
          return false;
        }
        number(quantile.getValue());
        put('\n');
      }
      if (point.hasCount()) {
        if (!sample(name, COUNT, point.getLabels(), Double.NaN)) {
          return false;
        }
        integer(point.getCount());
        put('\n');
      }
      if (point.hasSum()) {
        if (!sample(name, SUM, point.getLabels(), Double.NaN)) {
          return false;
        }
        number(point.getSum());
        put('\n');
      }
    }
    return true;
  }

  private void metadata(String name, byte[] suffix, byte[] type, String help) {
    if (help != null && !help.isEmpty()) {
      raw(HELP);
      name(name, suffix);
      put(' ');
      escaped(help, false);
      put('\n');
    }
    raw(TYPE);
    name(name, suffix);
    raw(type);
  }

  private void name(String name, byte[] suffix) {
    ascii(name);
    if (suffix != null) {
      raw(suffix);
    }
  }

  /**
   * A sample's name, labels and the space before its value: {@code name{a="x",b="y"} }, with
   * {@code quantile="q"} last unless {@code quantile} is NaN, and no braces for no labels.
   * False for a label name that needs quoting.
   */
  private boolean sample(String name, byte[] suffix, Labels labels, double quantile) {
    name(name, suffix);
    int n = labels.size();
    if (n == 0 && Double.isNaN(quantile)) {
      put(' ');
      return true;
    }
    put('{');
    if (!labelPairs(labels, n)) {
      return false;
    }
    if (!Double.isNaN(quantile)) {
      if (n > 0) {
        put(',');
      }
      raw(QUANTILE);
      number(quantile);
      put('"');
    }
    put('}');
    put(' ');
    return true;
  }

  /**
   * {@code a="x",b="y"}; false for a label name that needs quoting. A set of
   * {@link #SHARED_LABELS} or more labels is kept, written, for the rest of the scrape: a
   * collector that gives many families the same label set (one per container, say) has it
   * escaped once, and copied after that.
   */
  private boolean labelPairs(Labels labels, int n) {
    if (n >= SHARED_LABELS) {
      byte[] written = labelSets.get(labels);
      if (written != null) {
        raw(written);
        return true;
      }
    }
    int mark = len;
    for (int i = 0; i < n; i++) {
      String label = labels.getPrometheusName(i);
      if (!PrometheusNaming.isValidLegacyLabelName(label)) {
        return false;
      }
      if (i > 0) {
        put(',');
      }
      ascii(label);
      ensure(2);
      buf[len++] = '=';
      buf[len++] = '"';
      escaped(labels.getValue(i), true);
      put('"');
    }
    if (n >= SHARED_LABELS) {
      labelSets.put(labels, Arrays.copyOfRange(buf, mark, len));
    }
    return true;
  }

  /**
   * A string already known to be ASCII (a checked name, a number). String's own copy of its
   * Latin-1 bytes is one array copy, where a loop over charAt is several times slower.
   */
  @SuppressWarnings("deprecation")
  private void ascii(String s) {
    int n = s.length();
    ensure(n);
    s.getBytes(0, n, buf, len);
    len += n;
  }

  /** Backslash and newline escaped, and a double quote when {@code quote} (a label value, not help). */
  private void escaped(String s, boolean quote) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80 || c == '\\' || c == '\n' || (quote && c == '"')) {
        ascii(s.substring(0, i));
        utf8(s, i, quote);
        return;
      }
    }
    ascii(s);
  }

  private void put(char c) {
    ensure(1);
    buf[len++] = (byte) c;
  }

  private void escape(char c) {
    ensure(2);
    buf[len++] = '\\';
    buf[len++] = (byte) (c == '\n' ? 'n' : c);
  }

  /**
   * The rest of {@code s} from {@code from} in UTF-8, escaping as a label value or as help: the
   * rare case, taken from the first character that is not plain ASCII. An unpaired surrogate
   * becomes {@code ?}, as the JDK's encoder replaces it.
   */
  private void utf8(String s, int from, boolean quote) {
    int n = s.length();
    for (int i = from; i < n; i++) {
      char c = s.charAt(i);
      ensure(4);
      if (c < 0x80) {
        if (c == '\\' || c == '\n' || (quote && c == '"')) {
          escape(c);
        } else {
          buf[len++] = (byte) c;
        }
      } else if (c < 0x800) {
        buf[len++] = (byte) (0xc0 | c >> 6);
        buf[len++] = (byte) (0x80 | c & 0x3f);
      } else if (Character.isHighSurrogate(c) && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        buf[len++] = (byte) (0xf0 | cp >> 18);
        buf[len++] = (byte) (0x80 | cp >> 12 & 0x3f);
        buf[len++] = (byte) (0x80 | cp >> 6 & 0x3f);
        buf[len++] = (byte) (0x80 | cp & 0x3f);
      } else if (Character.isSurrogate(c)) {
        buf[len++] = '?';
      } else {
        buf[len++] = (byte) (0xe0 | c >> 12);
        buf[len++] = (byte) (0x80 | c >> 6 & 0x3f);
        buf[len++] = (byte) (0x80 | c & 0x3f);
      }
    }
  }

  /**
   * {@link Double#toString(double)}, or {@code +Inf}/{@code -Inf}. Whole numbers below 10^7, the
   * most common values, are written without making a string: Double.toString gives them as
   * the integer and {@code .0}.
   */
  private void number(double d) {
    long whole = (long) d;
    if (whole == d && whole > -10_000_000L && whole < 10_000_000L
        && (whole != 0 || Double.doubleToRawLongBits(d) == 0L)) {
      integer(whole);
      ensure(2);
      buf[len++] = '.';
      buf[len++] = '0';
    } else if (d == Double.POSITIVE_INFINITY) {
      raw(INF);
    } else if (d == Double.NEGATIVE_INFINITY) {
      raw(MINUS_INF);
    } else {
      ascii(Double.toString(d));
    }
  }

  private void integer(long v) {
    if (v == Long.MIN_VALUE) {
      ascii(Long.toString(v));
      return;
    }
    ensure(20);
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    int start = len;
    do {
      buf[len++] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v != 0);
    for (int i = start, j = len - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
  }

  private void raw(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, len, b.length);
    len += b.length;
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }

  private static byte[] bytes(String ascii) {
    byte[] b = new byte[ascii.length()];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) ascii.charAt(i);
    }
    return b;
  }
}
