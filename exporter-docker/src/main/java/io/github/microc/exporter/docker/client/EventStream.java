package io.github.microc.exporter.docker.client;

import java.io.Closeable;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An open {@code GET /events} answer: one JSON object after another (Docker puts one a line),
 * handed to a {@link Listener} on a daemon thread of the stream's own (named
 * {@code microc-docker-events}) until the daemon ends the stream, the connection fails, or
 * {@link #close()} is called. Each event is read as it arrives and may be at most
 * {@link DockerApi#MAX_EVENT} long; the stream fails on a longer one.
 */
public final class EventStream implements Closeable {

  /** What the stream's thread calls; one call at a time, in the order of the events. */
  public interface Listener {

    /** One event as the daemon sent it ({@code Type}, {@code Action}, {@code Actor}, {@code time}...). */
    void onEvent(Map<String, Object> event);

    /**
     * The stream is over: {@code error} is null when the daemon ended it, else why it failed.
     * Not called after {@link #close()}.
     */
    void onEnd(Throwable error);
  }

  private final Connection connection;
  private final Http1.Body body;
  private final Listener listener;
  private final Consumer<EventStream> onClose;
  private volatile boolean closed;
  private volatile boolean ended;

  EventStream(Connection connection, Http1.Body body, Listener listener,
      Consumer<EventStream> onClose) {
    this.connection = connection;
    this.body = body;
    this.listener = listener;
    this.onClose = onClose;
  }

  void start() {
    Thread thread = new Thread(this::run, "microc-docker-events");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    Throwable error = null;
    try {
      Json events = Json.stream(body, DockerApi.MAX_EVENT, DockerApi.MAX_EVENT);
      while (!closed && events.hasNext()) {
        Object event = events.next();
        if (event instanceof Map<?, ?> && !closed) {
          listener.onEvent(Json.object(event));
        }
      }
    } catch (Exception | Error e) {
      // An Error too: the listener must not take it for the daemon's end of the stream.
      error = e;
    } finally {
      ended = true;
      DockerApi.closeQuietly(connection);
      onClose.accept(this);
      if (!closed) {
        listener.onEnd(error);
      }
    }
  }

  /**
   * Whether the stream is open and its thread has read all the daemon sent so far and waits
   * for more: a stream that the daemon ended at once, or that its thread has not read yet, is
   * not caught up, whatever the time.
   */
  public boolean caughtUp() {
    return !closed && !ended && connection.waiting();
  }

  /** Ends the stream; its listener hears nothing more. */
  @Override
  public void close() {
    closed = true;
    DockerApi.closeQuietly(connection);
  }
}
