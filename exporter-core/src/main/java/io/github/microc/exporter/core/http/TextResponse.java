package io.github.microc.exporter.core.http;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.config.ExporterFilterProperties;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Answers a {@code /metrics} request that asks for the Prometheus text format, as Prometheus
 * and a browser do, through {@link TextFormat} and with a gzip encoder kept per thread. Every
 * other request (OpenMetrics, protobuf, another escaping scheme, {@code debug},
 * {@code name[]}) and every configuration this does not replicate (created timestamps, name
 * filters in {@code prometheus.properties}) stays with client_java's handler, so the
 * response is the same either way.
 */
final class TextResponse {

  /** The size of each write to the exchange: the JDK's server copies a larger one into a new buffer. */
  private static final int CHUNK = 8192;
  private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, 0};

  private final PrometheusRegistry registry;
  private final ExpositionFormats formats;
  private final boolean enabled;
  private final ThreadLocal<Encoders> encoders;

  TextResponse(PrometheusRegistry registry, PrometheusProperties properties) {
    this.registry = registry;
    this.formats = ExpositionFormats.init(properties.getExporterProperties());
    ExporterFilterProperties filter = properties.getExporterFilterProperties();
    this.enabled = !properties.getExporterProperties().getIncludeCreatedTimestamps()
        && filter.getAllowedMetricNames() == null && filter.getExcludedMetricNames() == null
        && filter.getAllowedMetricNamePrefixes() == null
        && filter.getExcludedMetricNamePrefixes() == null;
    this.encoders = ThreadLocal.withInitial(() -> new Encoders(formats.getPrometheusTextFormatWriter()));
  }

  /** Whether this answers the request; if not, client_java's handler does. */
  boolean handles(HttpExchange exchange, Map<String, List<String>> query) {
    if (!enabled || query.containsKey("debug") || query.containsKey("name[]")) {
      return false;
    }
    String accept = exchange.getRequestHeaders().getFirst("Accept");
    return formats.findWriter(accept) == formats.getPrometheusTextFormatWriter()
        && EscapingScheme.fromAcceptHeader(accept) == EscapingScheme.UNDERSCORE_ESCAPING;
  }

  void respond(HttpExchange exchange) throws IOException {
    MetricSnapshots snapshots = registry.scrape(new HttpExchangeAdapter(exchange).getRequest());
    Encoders encoders = this.encoders.get();
    TextFormat text = encoders.text;
    text.write(snapshots);
    exchange.getResponseHeaders().set("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    if (acceptsGzip(exchange)) {
      exchange.getResponseHeaders().set("Content-Encoding", "gzip");
      exchange.sendResponseHeaders(200, head ? -1 : 0);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          encoders.gzip(text.buffer(), text.length(), out);
        }
      }
      return;
    }
    exchange.sendResponseHeaders(200, head || text.length() == 0 ? -1 : text.length());
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        for (int off = 0; off < text.length(); off += CHUNK) {
          out.write(text.buffer(), off, Math.min(CHUNK, text.length() - off));
        }
      }
    }
  }

  /** As client_java decides: any {@code Accept-Encoding} header listing gzip. */
  private static boolean acceptsGzip(HttpExchange exchange) {
    List<String> headers = exchange.getRequestHeaders().get("Accept-Encoding");
    if (headers == null) {
      return false;
    }
    for (String header : headers) {
      for (String encoding : header.split(",")) {
        if (encoding.trim().equalsIgnoreCase("gzip")) {
          return true;
        }
      }
    }
    return false;
  }

  /** A thread's text buffer and gzip encoder, kept between scrapes. */
  private static final class Encoders {
    final TextFormat text;
    final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    final CRC32 crc = new CRC32();
    final byte[] out = new byte[CHUNK];

    Encoders(PrometheusTextFormatWriter writer) {
      text = new TextFormat(writer);
    }

    /** RFC 1952: the header GZIPOutputStream writes, raw deflate, CRC-32 and length. */
    void gzip(byte[] data, int length, OutputStream sink) throws IOException {
      deflater.reset();
      crc.reset();
      crc.update(data, 0, length);
      sink.write(GZIP_HEADER);
      deflater.setInput(data, 0, length);
      deflater.finish();
      while (!deflater.finished()) {
        int n = deflater.deflate(out, 0, out.length);
        sink.write(out, 0, n);
      }
      long sum = crc.getValue();
      byte[] trailer = {
          (byte) sum, (byte) (sum >> 8), (byte) (sum >> 16), (byte) (sum >> 24),
          (byte) length, (byte) (length >> 8), (byte) (length >> 16), (byte) (length >> 24)};
      sink.write(trailer);
    }
  }
}
