package io.github.microc.exporter.core.http;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * One request and its response, as {@link Endpoint} sees them, whichever server carries them.
 * A server adapts its own exchange to this; not thread-safe, used by one thread at a time.
 */
public interface Exchange {

  /** {@code GET}, {@code HEAD}, ... */
  String method();

  /** The decoded path, such as {@code /metrics}. */
  String path();

  /** The query string as sent, without the {@code ?}; null when there is none. */
  String rawQuery();

  /** Every value of a request header, in order; empty when absent. */
  List<String> headers(String name);

  /** The first value of a request header, or null. */
  default String header(String name) {
    List<String> values = headers(name);
    return values.isEmpty() ? null : values.get(0);
  }

  /** Sets a response header; before {@link #send}. */
  void setHeader(String name, String value);

  /**
   * Sends the status line and headers.
   *
   * @param length the body's length; 0 when unknown (chunked); -1 when there is no body
   * @return where the body goes, to be closed when written; a sink that drops what it is
   *     given when there is no body
   */
  OutputStream send(int status, long length) throws IOException;
}
