package io.github.microc.exporter.core.http;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.config.ExporterFilterProperties;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Answers a {@code /metrics} request that accepts the Prometheus text format 0.0.4 through
 * {@link TextFormat} and a gzip encoder, both reused from scrape to scrape. As node_exporter
 * 1.5 does (its promhttp has OpenMetrics off), the text format is the answer to any
 * {@code Accept} header that allows it before protobuf, Prometheus's own (OpenMetrics first,
 * then text) included; with {@code prefer-openmetrics}, OpenMetrics is the answer where it comes
 * first. Every other request (OpenMetrics, protobuf, another escaping scheme, {@code debug},
 * {@code name[]}) and every configuration this does not replicate (created timestamps, name
 * filters in {@code prometheus.properties}) stays with client_java's handler.
 *
 * <p>A text that fits in one {@linkplain TextFormat#PIECE piece} goes out with its length; a
 * longer one goes out chunked as it is written, so that a scrape holds one piece of it in
 * memory, not all of it.
 */
final class TextResponse {

  /** The size of the gzip encoder's output buffer. */
  private static final int CHUNK = 8192;
  /** Encoders kept between scrapes: one for each scrape that ran at the same time, up to this. */
  private static final int IDLE = 2;
  private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, 0};

  private final PrometheusRegistry registry;
  private final ExpositionFormats formats;
  private final boolean enabled;
  private final boolean preferOpenMetrics;
  private final ConcurrentLinkedDeque<Encoders> idle = new ConcurrentLinkedDeque<>();

  TextResponse(PrometheusRegistry registry, PrometheusProperties properties,
      boolean preferOpenMetrics) {
    this.registry = registry;
    this.preferOpenMetrics = preferOpenMetrics;
    this.formats = ExpositionFormats.init(properties.getExporterProperties());
    ExporterFilterProperties filter = properties.getExporterFilterProperties();
    this.enabled = !properties.getExporterProperties().getIncludeCreatedTimestamps()
        && filter.getAllowedMetricNames() == null && filter.getExcludedMetricNames() == null
        && filter.getAllowedMetricNamePrefixes() == null
        && filter.getExcludedMetricNamePrefixes() == null;
  }

  /** Whether this answers the request; if not, client_java's handler does. */
  boolean handles(Exchange exchange, Map<String, List<String>> query) {
    if (!enabled || query.containsKey("debug") || query.containsKey("name[]")) {
      return false;
    }
    String accept = exchange.header("Accept");
    return EscapingScheme.fromAcceptHeader(accept) == EscapingScheme.UNDERSCORE_ESCAPING
        && (preferOpenMetrics
            ? formats.findWriter(accept) == formats.getPrometheusTextFormatWriter()
            : acceptsText(accept));
  }

  /**
   * Whether the text format 0.0.4 is the answer to {@code accept}, as node_exporter 1.5 decides
   * (Go's {@code expfmt.Negotiate}): the media ranges in order of their quality, the first that
   * is protobuf's {@code MetricFamily} or {@code text/plain} (of version 0.0.4 or none) wins,
   * and text when neither comes. Unlike node_exporter, a header that lists OpenMetrics and no
   * other format Microc writes gets OpenMetrics: the client may read nothing else.
   */
  static boolean acceptsText(String accept) {
    if (accept == null || accept.isBlank()) {
      return true;
    }
    List<MediaRange> ranges = new ArrayList<>();
    for (String part : accept.split(",")) {
      MediaRange range = MediaRange.parse(part, ranges.size());
      if (range != null) {
        ranges.add(range);
      }
    }
    ranges.sort(null);
    boolean openMetrics = false;
    for (MediaRange range : ranges) {
      switch (range.type) {
        case "application/vnd.google.protobuf":
          if ("io.prometheus.client.MetricFamily".equals(range.proto)) {
            return false;
          }
          break;
        case "text/plain":
          if (range.version == null || range.version.equals("0.0.4")) {
            return true;
          }
          break;
        case "application/openmetrics-text":
          openMetrics = true;
          break;
        default:
          break;
      }
    }
    return !openMetrics;
  }

  /** One media range of an {@code Accept} header, ordered by quality, then by position. */
  private record MediaRange(String type, String version, String proto, double quality, int position)
      implements Comparable<MediaRange> {

    /** The range, or null for one that is not acceptable ({@code q=0}) or not a media range. */
    static MediaRange parse(String text, int position) {
      String[] parts = text.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      if (type.indexOf('/') <= 0) {
        return null;
      }
      String version = null;
      String proto = null;
      double quality = 1;
      for (int i = 1; i < parts.length; i++) {
        int eq = parts[i].indexOf('=');
        if (eq < 0) {
          continue;
        }
        String key = parts[i].substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = parts[i].substring(eq + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        switch (key) {
          case "version" -> version = value;
          case "proto" -> proto = value;
          case "q" -> {
            try {
              quality = Double.parseDouble(value);
            } catch (NumberFormatException e) {
              quality = 0;
            }
          }
          default -> { }
        }
      }
      return quality > 0 ? new MediaRange(type, version, proto, quality, position) : null;
    }

    @Override
    public int compareTo(MediaRange other) {
      int byQuality = Double.compare(other.quality, quality);
      return byQuality != 0 ? byQuality : Integer.compare(position, other.position);
    }
  }

  void respond(Exchange exchange, PrometheusScrapeRequest request) throws IOException {
    MetricSnapshots snapshots = registry.scrape(request);
    exchange.setHeader("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
    boolean gzip = acceptsGzip(exchange);
    if (gzip) {
      exchange.setHeader("Content-Encoding", "gzip");
    }
    if (exchange.method().equals("HEAD")) {
      exchange.send(200, -1).close();
      return;
    }
    Encoders encoders = idle.pollFirst();
    if (encoders == null) {
      encoders = new Encoders(formats.getPrometheusTextFormatWriter());
    }
    try {
      Body body = new Body(exchange, encoders, gzip);
      encoders.text.write(snapshots, body);
      body.finish(encoders.text.buffer(), encoders.text.length());
    } finally {
      if (idle.size() < IDLE) {
        idle.offerFirst(encoders);
      } else {
        encoders.deflater.end();
      }
    }
  }

  /** As client_java decides: any {@code Accept-Encoding} header listing gzip. */
  private static boolean acceptsGzip(Exchange exchange) {
    for (String header : exchange.headers("Accept-Encoding")) {
      for (String encoding : header.split(",")) {
        if (encoding.trim().equalsIgnoreCase("gzip")) {
          return true;
        }
      }
    }
    return false;
  }

  /** One response body: the pieces of the text as they come, then the rest. */
  private static final class Body implements TextFormat.Pieces {
    private final Exchange exchange;
    private final Encoders encoders;
    private final boolean gzip;
    private OutputStream out;

    Body(Exchange exchange, Encoders encoders, boolean gzip) {
      this.exchange = exchange;
      this.encoders = encoders;
      this.gzip = gzip;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (out == null) {
        out = exchange.send(200, 0);
        if (gzip) {
          encoders.startGzip(out);
        }
      }
      if (gzip) {
        encoders.deflate(b, off, len, out);
      } else {
        out.write(b, off, len);
      }
    }

    /** The rest of the text; with no piece before it, the whole text, sent with its length. */
    void finish(byte[] rest, int len) throws IOException {
      if (out == null && !gzip) {
        out = exchange.send(200, len == 0 ? -1 : len);
        if (len == 0) {
          out.close();
          return;
        }
      }
      try {
        write(rest, 0, len);
        if (gzip) {
          encoders.finishGzip(out);
        }
      } finally {
        out.close();
      }
    }
  }

  /** A text buffer and a gzip encoder, kept between scrapes. */
  private static final class Encoders {
    final TextFormat text;
    // The fastest level: a sixth larger than the default level, in a third of its time.
    final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    final CRC32 crc = new CRC32();
    final byte[] out = new byte[CHUNK];
    long length;

    Encoders(PrometheusTextFormatWriter writer) {
      text = new TextFormat(writer);
    }

    /** RFC 1952: the header GZIPOutputStream writes, then raw deflate. */
    void startGzip(OutputStream sink) throws IOException {
      deflater.reset();
      crc.reset();
      length = 0;
      sink.write(GZIP_HEADER);
    }

    void deflate(byte[] data, int off, int len, OutputStream sink) throws IOException {
      crc.update(data, off, len);
      length += len;
      deflater.setInput(data, off, len);
      while (!deflater.needsInput()) {
        int n = deflater.deflate(out, 0, out.length);
        if (n > 0) {
          sink.write(out, 0, n);
        }
      }
    }

    /** The end of the deflate stream, then the CRC-32 and the length. */
    void finishGzip(OutputStream sink) throws IOException {
      deflater.finish();
      while (!deflater.finished()) {
        sink.write(out, 0, deflater.deflate(out, 0, out.length));
      }
      long sum = crc.getValue();
      byte[] trailer = {
          (byte) sum, (byte) (sum >> 8), (byte) (sum >> 16), (byte) (sum >> 24),
          (byte) length, (byte) (length >> 8), (byte) (length >> 16), (byte) (length >> 24)};
      sink.write(trailer);
    }
  }
}
