package io.github.microc.exporter.core.http;

import java.io.IOException;
import java.time.Duration;

/**
 * The endpoint on a server: bound by a {@link ServerProvider}, serving once {@linkplain #start
 * started}.
 */
public interface ExporterServer extends AutoCloseable {

  /** The bound port, useful when the configured one was 0. */
  int port();

  /** Starts answering on the bound port. */
  void start() throws IOException;

  /**
   * Closes the port at once (a new connection is refused), lets the requests in flight finish
   * for up to {@code grace}, then closes every connection.
   */
  void stop(Duration grace);

  /** Stops without waiting for the requests in flight beyond a moment. */
  @Override
  default void close() {
    stop(Duration.ofSeconds(1));
  }
}
