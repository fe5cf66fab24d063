package io.github.microc.exporter.docker.client;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One connection to the daemon, with a deadline for everything read or written on it: a
 * Unix socket (a non-blocking channel waited on with its own selector, since a Unix channel
 * has no socket timeout), or TCP, with TLS or without. {@link #close()} from another thread
 * ends a read that is waiting. Used by one thread at a time.
 */
abstract class Connection implements Closeable {

  private final byte[] buffer = new byte[8192];
  private int start;
  private int end;
  private long consumed;
  /** Whether the reading thread waits for the peer: everything sent so far has been read. */
  private volatile boolean waiting;
  private long deadline;
  private String timeoutMessage = "no answer in time";

  /**
   * A connection to the Unix socket at {@code path}, made without blocking: a daemon whose
   * listen queue is full (a frozen one) fails it at once instead of holding it forever.
   */
  static Connection unix(Path path, long deadline, String late) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    OverChannel c = null;
    try {
      c = new OverChannel(channel);
      c.deadline(deadline, late);
      if (!channel.connect(UnixDomainSocketAddress.of(path))) {
        while (!channel.finishConnect()) {
          c.await(SelectionKey.OP_CONNECT);
        }
      }
      return c;
    } catch (IOException | RuntimeException e) {
      if (c != null) {
        c.close();
      }
      channel.close();
      throw e;
    }
  }

  /**
   * A TCP connection to {@code host:port}; TLS with the daemon named {@code host} when
   * {@code tls} is given. Connecting and the handshake each take at most
   * {@code connectTimeoutMillis}, and neither goes past the deadline.
   */
  static Connection tcp(String host, int port, SSLContext tls, int connectTimeoutMillis,
      long deadline, String late) throws IOException {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (left <= 0) {
      throw new SocketTimeoutException(late);
    }
    connectTimeoutMillis = (int) Math.min(connectTimeoutMillis, left);
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
      socket.setTcpNoDelay(true);
      if (tls == null) {
        return new OverSocket(socket);
      }
      SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true);
      SSLParameters parameters = secure.getSSLParameters();
      // The daemon's certificate must name the host, as the docker CLI checks.
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      secure.setSSLParameters(parameters);
      secure.setSoTimeout(connectTimeoutMillis);
      secure.startHandshake();
      return new OverSocket(secure);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Reads and writes from now on fail with {@code message} once {@code nanoTime} is passed; 0
   * for no deadline.
   */
  final void deadline(long nanoTime, String message) {
    this.deadline = nanoTime;
    this.timeoutMessage = message;
  }

  /** Milliseconds left before the deadline, at least 1; 0 for none. */
  final long millisLeft() throws SocketTimeoutException {
    if (deadline == 0) {
      return 0;
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException(timeoutMessage);
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
  }

  final void write(byte[] bytes) throws IOException {
    write(bytes, 0, bytes.length);
  }

  /**
   * One line without its CR LF, as ISO-8859-1; null at the end of the stream. A line longer
   * than {@code max} bytes is a {@link ProtocolException} saying {@code tooLong}.
   */
  final String readLine(int max, String tooLong) throws IOException {
    StringBuilder line = null;
    while (true) {
      for (int i = start; i < end; i++) {
        if (buffer[i] == '\n') {
          if ((line == null ? 0 : line.length()) + i - start > max) {
            throw new ProtocolException(tooLong);
          }
          int stop = i > start && buffer[i - 1] == '\r' ? i - 1 : i;
          String tail = new String(buffer, start, stop - start, StandardCharsets.ISO_8859_1);
          consumed += i + 1 - start;
          start = i + 1;
          if (line == null) {
            return tail;
          }
          line.append(tail);
          int n = line.length();
          if (n > 0 && line.charAt(n - 1) == '\r') {
            line.setLength(n - 1);
          }
          return line.toString();
        }
      }
      if (line == null) {
        line = new StringBuilder();
      }
      if (line.length() + end - start > max) {
        throw new ProtocolException(tooLong);
      }
      line.append(new String(buffer, start, end - start, StandardCharsets.ISO_8859_1));
      consumed += end - start;
      start = end;
      if (!fill()) {
        return line.length() == 0 ? null : line.toString();
      }
    }
  }

  /** Up to {@code len} bytes, buffered first; -1 at the end of the stream. */
  final int read(byte[] b, int off, int len) throws IOException {
    if (start == end) {
      if (len >= buffer.length) {
        int n = readRaw(b, off, len);
        if (n > 0) {
          consumed += n;
        }
        return n;
      }
      if (!fill()) {
        return -1;
      }
    }
    int n = Math.min(len, end - start);
    System.arraycopy(buffer, start, b, off, n);
    start += n;
    consumed += n;
    return n;
  }

  /**
   * Whether a read is waiting for the peer to send more, having taken in all it sent so far;
   * false while the reading thread works through what arrived (or has not run yet).
   */
  final boolean waiting() {
    return waiting;
  }

  final void waiting(boolean waiting) {
    this.waiting = waiting;
  }

  /** How many bytes were read from this connection so far. */
  final long consumed() {
    return consumed;
  }

  /** Whether bytes are waiting in the buffer (a response longer than it said it was). */
  final boolean buffered() {
    return start < end;
  }

  private boolean fill() throws IOException {
    start = 0;
    end = 0;
    int n = readRaw(buffer, 0, buffer.length);
    if (n <= 0) {
      return false;
    }
    end = n;
    return true;
  }

  abstract int readRaw(byte[] b, int off, int len) throws IOException;

  abstract void write(byte[] b, int off, int len) throws IOException;

  /** A Unix socket: a non-blocking channel and a selector of its own to wait with a deadline. */
  private static final class OverChannel extends Connection {
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;

    OverChannel(SocketChannel channel) throws IOException {
      this.channel = channel;
      channel.configureBlocking(false);
      this.selector = Selector.open();
      this.key = channel.register(selector, 0);
    }

    @Override
    int readRaw(byte[] b, int off, int len) throws IOException {
      ByteBuffer target = ByteBuffer.wrap(b, off, len);
      while (true) {
        int n = channel.read(target);
        if (n != 0) {
          return n;
        }
        waiting(true);
        try {
          await(SelectionKey.OP_READ);
        } finally {
          waiting(false);
        }
      }
    }

    @Override
    void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer source = ByteBuffer.wrap(b, off, len);
      while (source.hasRemaining()) {
        if (channel.write(source) == 0) {
          await(SelectionKey.OP_WRITE);
        }
      }
    }

    /** Waits until {@code op} can go on, the deadline passes, or the thread is interrupted. */
    void await(int op) throws IOException {
      long wait = millisLeft();
      try {
        key.interestOps(op);
        selector.select(wait);
        selector.selectedKeys().clear();
      } catch (ClosedSelectorException | CancelledKeyException e) {
        throw new AsynchronousCloseException();
      }
      // A non-blocking channel ignores interrupts, and select() returns at once while one is
      // pending: without this an interrupted call would spin until its deadline.
      if (Thread.currentThread().isInterrupted()) {
        close();
        throw new ClosedByInterruptException();
      }
      if (!channel.isOpen()) {
        throw new AsynchronousCloseException();
      }
    }

    @Override
    public void close() throws IOException {
      try {
        channel.close();
      } finally {
        // Also wakes a thread waiting in select().
        selector.close();
      }
    }
  }

  /** TCP, with TLS or without: the socket's own timeout, set to what is left before each read. */
  private static final class OverSocket extends Connection {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    OverSocket(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
    }

    @Override
    int readRaw(byte[] b, int off, int len) throws IOException {
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, millisLeft()));
      // A socket's stream does not say whether it would block: "waiting" while in the read.
      waiting(in.available() == 0);
      try {
        return in.read(b, off, len);
      } finally {
        waiting(false);
      }
    }

    @Override
    void write(byte[] b, int off, int len) throws IOException {
      millisLeft();
      out.write(b, off, len);
      out.flush();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
