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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Answers a {@code /metrics} request that asks for the Prometheus text format, as Prometheus
 * and a browser do, through {@link TextFormat} and a gzip encoder, both reused from scrape to
 * scrape. Every other request (OpenMetrics, protobuf, another escaping scheme, {@code debug},
 * {@code name[]}) and every configuration this does not replicate (created timestamps, name
 * filters in {@code prometheus.properties}) stays with client_java's handler, so the
 * response is the same either way.
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
  private final ConcurrentLinkedDeque<Encoders> idle = new ConcurrentLinkedDeque<>();

  TextResponse(PrometheusRegistry registry, PrometheusProperties properties) {
    this.registry = registry;
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
    return formats.findWriter(accept) == formats.getPrometheusTextFormatWriter()
        && EscapingScheme.fromAcceptHeader(accept) == EscapingScheme.UNDERSCORE_ESCAPING;
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
    final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
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
