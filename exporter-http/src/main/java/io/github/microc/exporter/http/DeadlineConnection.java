package io.github.microc.exporter.http;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * An HTTP/1.1 connection whose request line and headers must arrive within a deadline: from
 * the connection's opening for its first request (so a TLS handshake that never ends counts),
 * from a request's first byte for the next ones. Jetty's idle timeout starts again with every
 * byte, so a client that sends one byte a second would hold the connection for ever; this
 * closes it. Parsing stays Jetty's, on no thread while bytes are awaited.
 */
final class DeadlineConnection extends HttpConnection {

  private final Scheduler scheduler;
  private final long timeoutMillis;
  private volatile Scheduler.Task deadline;

  private DeadlineConnection(HttpConfiguration config, Connector connector, EndPoint endPoint,
      long timeoutMillis) {
    super(config, connector, endPoint);
    this.scheduler = connector.getScheduler();
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void onOpen() {
    super.onOpen();
    arm();
  }

  @Override
  public void onFillable() {
    super.onFillable();
    if (deadline == null && partial(getParser())) {
      arm();
    }
  }

  @Override
  public void onClose(Throwable cause) {
    Scheduler.Task task = deadline;
    if (task != null) {
      task.cancel();
    }
    super.onClose(cause);
  }

  private void arm() {
    long requests = getMessagesIn();
    deadline = scheduler.schedule(() -> expire(requests), timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /** Closes the connection unless a request's headers arrived since the deadline was set. */
  private void expire(long requests) {
    deadline = null;
    if (getMessagesIn() == requests) {
      getEndPoint().close();
    } else if (partial(getParser())) {
      arm();
    }
  }

  /** Some of a request has arrived, not yet all of its headers. */
  private static boolean partial(HttpParser parser) {
    return parser.inHeaderState() && !parser.isStart();
  }

  /** Makes {@link DeadlineConnection}s. */
  static final class Factory extends HttpConnectionFactory {
    private final long timeoutMillis;

    Factory(HttpConfiguration config, long timeoutMillis) {
      super(config);
      this.timeoutMillis = timeoutMillis;
    }

    @Override
    public org.eclipse.jetty.io.Connection newConnection(Connector connector, EndPoint endPoint) {
      DeadlineConnection connection =
          new DeadlineConnection(getHttpConfiguration(), connector, endPoint, timeoutMillis);
      connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
      return configure(connection, connector, endPoint);
    }
  }
}
