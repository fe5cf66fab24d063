package io.github.microc.exporter.docker.client;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in Docker daemon on a Unix socket of the test's own, for what a real dockerd does not
 * do on demand: answers cut into odd chunks, dropped connections, no answer at all, hostile
 * answers ({@link HostileDaemon}). It reads each request's line and headers and lets a
 * {@link Handler} write the answer, one thread per connection.
 */
public final class FakeDaemon implements AutoCloseable {

  /** What the stand-in writes for one request. */
  public interface Handler {
    void answer(String requestLine, Out out) throws Exception;
  }

  /** The stand-in's side of one connection. */
  public static final class Out {
    private final SocketChannel channel;
    private final CountDownLatch closed;

    Out(SocketChannel channel, CountDownLatch closed) {
      this.channel = channel;
      this.closed = closed;
    }

    /** Says nothing more until the stand-in is closed. */
    public void hold() throws InterruptedException {
      closed.await();
    }

    public void write(String text) throws IOException {
      write(text.getBytes(StandardCharsets.UTF_8));
    }

    public void write(byte[] bytes) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        channel.write(b);
      }
    }

    public void close() throws IOException {
      channel.close();
    }
  }

  public final Path socket;
  public final List<String> requests = new CopyOnWriteArrayList<>();
  public final List<String> hosts = new CopyOnWriteArrayList<>();
  public final AtomicInteger connections = new AtomicInteger();
  private final ServerSocketChannel server;
  private final Handler handler;
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private final CountDownLatch closed = new CountDownLatch(1);

  /** Listens on {@code socket} (replacing a file left there) and answers with {@code handler}. */
  public FakeDaemon(Path socket, Handler handler) throws IOException {
    this.socket = socket;
    this.handler = handler;
    Files.deleteIfExists(socket);
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread accept = new Thread(this::accept, "fake-dockerd");
    accept.setDaemon(true);
    accept.start();
  }

  /** The address to give a client: {@code unix://} and the socket. */
  public String host() {
    return "unix://" + socket;
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel c = server.accept();
        connections.incrementAndGet();
        open.add(c);
        Thread t = new Thread(() -> serve(c), "fake-dockerd-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(SocketChannel c) {
    try (c) {
      StringBuilder head = new StringBuilder();
      ByteBuffer one = ByteBuffer.allocate(1);
      while (c.isOpen()) {
        one.clear();
        if (c.read(one) < 0) {
          return;
        }
        head.append((char) one.get(0));
        if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
          String[] lines = head.toString().split("\r\n");
          requests.add(lines[0]);
          for (String line : lines) {
            if (line.startsWith("Host: ")) {
              hosts.add(line.substring(6));
            }
          }
          head.setLength(0);
          handler.answer(lines[0], new Out(c, closed));
        }
      }
    } catch (Exception e) {
      // The client went away.
    } finally {
      open.remove(c);
    }
  }

  /** Stops listening and drops every connection. */
  @Override
  public void close() throws IOException {
    closed.countDown();
    server.close();
    for (SocketChannel c : open) {
      c.close();
    }
    Files.deleteIfExists(socket);
  }
}
