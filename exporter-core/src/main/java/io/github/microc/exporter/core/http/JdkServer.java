package io.github.microc.exporter.core.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.config.WebSettings;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoint on the JDK's {@code HttpServer}, for an application that embeds Microc without
 * {@code exporter-http}. That server reads a request's headers on one of its four threads
 * with blocking reads: the JDK's request timer ({@code sun.net.httpserver.maxReqTime}, set from
 * {@code read-header-timeout}) closes a connection that takes longer, but until then a slow
 * client holds a thread. It has no TLS here; {@code exporter-http} has.
 */
final class JdkServer implements ExporterServer {

  /** The JDK server's switch for TCP_NODELAY on accepted connections. */
  static final String NODELAY = "sun.net.httpserver.nodelay";
  /** The size of each write to the exchange: the JDK's server copies a larger one into a new buffer. */
  private static final int CHUNK = 8192;

  private final HttpServer server;
  private final ExecutorService executor;

  private JdkServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  static JdkServer bind(ListenAddress listen, WebSettings settings, Endpoint endpoint)
      throws IOException {
    InetSocketAddress address = listen.host().isEmpty()
        ? new InetSocketAddress(listen.port())
        : new InetSocketAddress(listen.host(), listen.port());
    if (address.isUnresolved()) {
      throw new IOException("cannot resolve listen address " + listen);
    }
    // The JDK's server leaves Nagle's algorithm on: the last small write of a response then
    // waits for the client's delayed acknowledgement, 40 ms on Linux, which was one scrape in
    // sixteen at 50 containers. The server reads these once, when its configuration loads; a
    // value given on the command line is kept.
    setDefault(NODELAY, "true");
    setDefault("sun.net.httpserver.maxReqTime",
        Long.toString(Math.max(1, settings.readHeaderTimeout().toSeconds())));
    setDefault("sun.net.httpserver.maxRspTime",
        Long.toString(Math.max(1, settings.writeTimeout().toSeconds())));
    setDefault("sun.net.httpserver.idleInterval",
        Long.toString(Math.max(1, settings.idleTimeout().toSeconds())));
    HttpServer server = HttpServer.create(address, 64);
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "microc-http-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.createContext("/", exchange -> {
      try (exchange) {
        endpoint.handle(new JdkExchange(exchange));
      }
    });
    server.setExecutor(executor);
    return new JdkServer(server, executor);
  }

  private static void setDefault(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  @Override
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void start() {
    server.start();
  }

  @Override
  public void stop(Duration grace) {
    // Whole seconds: the JDK's server waits in those.
    server.stop((int) Math.max(0, (grace.toMillis() + 999) / 1000));
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The JDK's exchange as the endpoint sees it. */
  private static final class JdkExchange implements Exchange {
    private final HttpExchange exchange;

    JdkExchange(HttpExchange exchange) {
      this.exchange = exchange;
    }

    @Override
    public String method() {
      return exchange.getRequestMethod();
    }

    @Override
    public String path() {
      return exchange.getRequestURI().getPath();
    }

    @Override
    public String rawQuery() {
      return exchange.getRequestURI().getRawQuery();
    }

    @Override
    public List<String> headers(String name) {
      List<String> values = exchange.getRequestHeaders().get(name);
      return values == null ? List.of() : values;
    }

    @Override
    public void setHeader(String name, String value) {
      exchange.getResponseHeaders().set(name, value);
    }

    @Override
    public OutputStream send(int status, long length) throws IOException {
      exchange.sendResponseHeaders(status, length);
      return new FilterOutputStream(exchange.getResponseBody()) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          for (int at = off, end = off + len; at < end; at += CHUNK) {
            out.write(b, at, Math.min(CHUNK, end - at));
          }
        }
      };
    }
  }
}
