package io.github.microc.exporter.docker.client;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An open {@code GET /events} answer: one JSON object a line, handed to a {@link Listener} on
 * a daemon thread of the stream's own (named {@code microc-docker-events}) until the daemon
 * ends the stream, the connection fails, or {@link #close()} is called.
 */
public final class EventStream implements Closeable {

  /** A line longer than this is not an event Docker would send; the stream fails on it. */
  static final int MAX_LINE = 16 << 20;

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
  private final DockerApi.Chunked chunked;
  private final Listener listener;
  private final Consumer<EventStream> onClose;
  private volatile boolean closed;

  EventStream(Connection connection, DockerApi.Chunked chunked, Listener listener,
      Consumer<EventStream> onClose) {
    this.connection = connection;
    this.chunked = chunked;
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
      byte[] buffer = new byte[8192];
      ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
      for (int n; (n = read(buffer)) >= 0; ) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          if (buffer[i] == '\n') {
            line.write(buffer, from, i - from);
            dispatch(line);
            from = i + 1;
          }
        }
        line.write(buffer, from, n - from);
        if (line.size() > MAX_LINE) {
          throw new IOException("an event longer than " + MAX_LINE + " bytes");
        }
      }
      dispatch(line);
    } catch (IOException | RuntimeException | Error e) {
      // An Error too: the listener must not take it for the daemon's end of the stream.
      error = e;
    } finally {
      DockerApi.closeQuietly(connection);
      onClose.accept(this);
      if (!closed) {
        listener.onEnd(error);
      }
    }
  }

  private int read(byte[] buffer) throws IOException {
    return chunked != null ? chunked.read(buffer, 0, buffer.length)
        : connection.read(buffer, 0, buffer.length);
  }

  private void dispatch(ByteArrayOutputStream line) {
    String text = line.toString(StandardCharsets.UTF_8).strip();
    line.reset();
    if (text.isEmpty() || closed) {
      return;
    }
    Object event = Json.parse(text);
    if (event instanceof Map<?, ?>) {
      listener.onEvent(Json.object(event));
    }
  }

  /** Ends the stream; its listener hears nothing more. */
  @Override
  public void close() {
    closed = true;
    DockerApi.closeQuietly(connection);
  }
}
