package io.github.microc.exporter.http;

import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.config.WebSettings;
import io.github.microc.exporter.core.http.Endpoint;
import io.github.microc.exporter.core.http.ExporterServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import io.github.microc.exporter.core.web.ServerTls;
import io.github.microc.exporter.core.web.TlsSettings;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The endpoint on Jetty's core server (no servlets). Request lines and headers are parsed as
 * they arrive, on no thread while the server waits for them, within {@code
 * read-header-timeout} ({@link DeadlineConnection}); a response must be written within
 * {@code write-timeout} or its connection is closed; a request line longer than {@code
 * max-header-bytes} gets a 414 and a header section a 431. Threads are made when requests need
 * them and end when idle: the selector and one worker remain.
 */
final class JettyServer implements ExporterServer {

  /** Threads beyond the request limit: the selector and the endpoints other than /metrics. */
  private static final int SPARE_THREADS = 8;
  private static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

  static {
    // Jetty's MemoryUtils, which pads its queues against false sharing, otherwise asks the
    // platform MBean server whether references are compressed, which creates that server and
    // its beans for nothing else: a 64-byte cache line holds 16 compressed references, which
    // the JVM uses below a 32 GiB heap.
    if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
      boolean compressed = Runtime.getRuntime().maxMemory() < (32L << 30);
      System.setProperty(REFERENCES_PER_CACHE_LINE, compressed ? "16" : "8");
    }
  }

  private final Server server;
  private final ServerConnector connector;
  private final Handling handling;
  private final int port;
  private boolean stopped;

  private JettyServer(Server server, ServerConnector connector, Handling handling) {
    this.server = server;
    this.connector = connector;
    this.handling = handling;
    this.port = connector.getLocalPort();
  }

  static JettyServer bind(ListenAddress listen, WebSettings settings, ServerTls tls,
      Endpoint endpoint) throws IOException {
    int maxThreads = (settings.maxRequests() == 0 ? 200 : settings.maxRequests()) + SPARE_THREADS;
    // Jetty's pool lets one idle thread end per idle timeout: after a burst (hundreds of
    // clients sending at once) it is back to the selector and one worker within seconds.
    QueuedThreadPool threads = new QueuedThreadPool(maxThreads, 2, 500);
    threads.setName("microc-http");
    threads.setDaemon(true);
    threads.setReservedThreads(0);
    Server server = new Server(threads);
    server.setErrorHandler(new PlainErrors());
    Scheduler scheduler = new ScheduledExecutorScheduler("microc-http-timer", true);

    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    config.setSendXPoweredBy(false);
    config.setRequestHeaderSize(settings.maxHeaderBytes());
    config.setIdleTimeout(settings.idleTimeout().toMillis());
    DeadlineConnection.Factory http =
        new DeadlineConnection.Factory(config, settings.readHeaderTimeout().toMillis());
    // No acceptor thread: the selector accepts. One selector: the endpoint serves a few
    // scrapers, not thousands of clients.
    ServerConnector connector = tls == null
        ? new ServerConnector(server, null, scheduler, null, 0, 1, http)
        : new ServerConnector(server, null, scheduler, null, 0, 1,
            new SslConnectionFactory(sslContextFactory(tls), HttpVersion.HTTP_1_1.asString()), http);
    connector.setIdleTimeout(settings.idleTimeout().toMillis());
    connector.setAcceptedTcpNoDelay(true);
    connector.setAcceptQueueSize(128);
    if (!listen.host().isEmpty()) {
      connector.setHost(listen.host());
    }
    connector.setPort(listen.port());
    server.addConnector(connector);
    Handling handling = new Handling(endpoint, scheduler, settings.writeTimeout().toMillis());
    server.setHandler(handling);
    try {
      connector.open();
    } catch (IOException e) {
      // Jetty's "Failed to bind to /127.0.0.1:10049" hides the reason in its cause.
      Throwable cause = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
      throw new IOException(cause.getMessage(), e);
    }
    return new JettyServer(server, connector, handling);
  }

  /**
   * Jetty's TLS for the web-config file's settings, made again whenever they or their files
   * change: connections opened afterwards get the new certificate.
   */
  private static SslContextFactory.Server sslContextFactory(ServerTls tls) {
    SslContextFactory.Server factory = new SslContextFactory.Server();
    configure(factory, tls.current());
    tls.onChange(snapshot -> {
      try {
        factory.reload(f -> configure((SslContextFactory.Server) f, snapshot));
      } catch (Exception e) {
        throw new IllegalStateException("TLS: cannot use the new certificate: " + e.getMessage(), e);
      }
    });
    return factory;
  }

  private static void configure(SslContextFactory.Server factory, ServerTls.Snapshot snapshot) {
    TlsSettings settings = snapshot.settings();
    factory.setSslContext(snapshot.material().context());
    factory.setIncludeProtocols(settings.protocols().toArray(new String[0]));
    if (!settings.cipherSuites().isEmpty()) {
      // As Go: exactly the suites listed (Jetty's own exclusions would drop the CBC ones).
      factory.setExcludeCipherSuites();
      factory.setIncludeCipherSuites(settings.cipherSuites().toArray(new String[0]));
    } else {
      factory.setIncludeCipherSuites(chaCha20First(
          snapshot.material().context().getDefaultSSLParameters().getCipherSuites()));
    }
    factory.setUseCipherSuitesOrder(settings.preferServerCipherSuites());
    factory.setNeedClientAuth(settings.clientAuth().requires);
    factory.setWantClientAuth(settings.clientAuth().asks && !settings.clientAuth().requires);
    factory.setEndpointIdentificationAlgorithm(null);
  }

  /**
   * The JDK's default suites, ChaCha20-Poly1305 first: where the server's order wins (the
   * default) a client that offers it gets it. With C1 alone, as Microc runs, the JDK's AES-GCM is
   * plain Java (its AES and GHASH instructions are C2's) and about four times slower than its
   * ChaCha20-Poly1305; both are TLS 1.3's and equally strong.
   */
  static String[] chaCha20First(String[] suites) {
    List<String> ordered = new ArrayList<>();
    for (String suite : suites) {
      if (suite.contains("_CHACHA20_")) {
        ordered.add(suite);
      }
    }
    for (String suite : suites) {
      if (!suite.contains("_CHACHA20_")) {
        ordered.add(suite);
      }
    }
    return ordered.toArray(new String[0]);
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public void start() throws IOException {
    try {
      server.start();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("the server did not start: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void stop(Duration grace) {
    if (stopped) {
      return;
    }
    stopped = true;
    // The port first: a new connection is refused from here on.
    handling.stopping = true;
    Object listening = connector.getTransport();
    connector.close();
    // With no acceptor thread Jetty closes the listening channel only when it stops; and as
    // the selector accepts, the channel's socket is released only when the selector next
    // wakes up: close it here and wake the selector.
    if (listening instanceof ServerSocketChannel channel) {
      try {
        channel.close();
      } catch (IOException e) {
        // Closed already.
      }
    }
    for (ManagedSelector selector : connector.getSelectorManager().getBeans(ManagedSelector.class)) {
      selector.submit(nothing -> { });
    }
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (handling) {
      while (handling.inFlight.get() > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          break;
        }
        try {
          handling.wait(Math.min(left, 50));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    try {
      server.setStopTimeout(0);
      server.stop();
    } catch (Exception e) {
      // Stopping anyway; the connections are closed by the selector's end.
    }
  }

  /** Hands each request to the endpoint on a pool thread, under the write deadline. */
  private static final class Handling extends Handler.Abstract {
    private final Endpoint endpoint;
    private final Scheduler scheduler;
    private final long writeTimeoutMillis;
    final AtomicInteger inFlight = new AtomicInteger();
    volatile boolean stopping;

    Handling(Endpoint endpoint, Scheduler scheduler, long writeTimeoutMillis) {
      super(InvocationType.BLOCKING);
      this.endpoint = endpoint;
      this.scheduler = scheduler;
      this.writeTimeoutMillis = writeTimeoutMillis;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      inFlight.incrementAndGet();
      Scheduler.Task deadline = scheduler.schedule(
          () -> abort(request.getConnectionMetaData().getConnection().getEndPoint()),
          writeTimeoutMillis, TimeUnit.MILLISECONDS);
      JettyExchange exchange = new JettyExchange(request, response, this);
      try {
        endpoint.handle(exchange);
        exchange.finish();
        callback.succeeded();
      } catch (Throwable t) {
        callback.failed(t);
      } finally {
        deadline.cancel();
        if (inFlight.decrementAndGet() == 0 && stopping) {
          synchronized (this) {
            notifyAll();
          }
        }
      }
      return true;
    }
  }

  /**
   * Closes a connection with a reset rather than a FIN: a FIN waits in the kernel behind the
   * unsent part of the answer for as long as the client does not read.
   */
  static void abort(EndPoint endPoint) {
    EndPoint transport = endPoint instanceof SslConnection.SslEndPoint ssl
        ? ssl.getSslConnection().getEndPoint() : endPoint;
    if (transport.getTransport() instanceof SocketChannel channel) {
      try {
        channel.setOption(StandardSocketOptions.SO_LINGER, 0);
      } catch (IOException | RuntimeException e) {
        // Closed already.
      }
    }
    transport.close();
  }

  /** Jetty's request and response as the endpoint sees them. */
  private static final class JettyExchange implements io.github.microc.exporter.core.http.Exchange {
    private final Request request;
    private final Response response;
    private final Handling handling;
    private OutputStream body;

    JettyExchange(Request request, Response response, Handling handling) {
      this.request = request;
      this.response = response;
      this.handling = handling;
    }

    @Override
    public String method() {
      return request.getMethod();
    }

    @Override
    public String path() {
      return request.getHttpURI().getDecodedPath();
    }

    @Override
    public String rawQuery() {
      return request.getHttpURI().getQuery();
    }

    @Override
    public List<String> headers(String name) {
      return request.getHeaders().getValuesList(name);
    }

    @Override
    public void setHeader(String name, String value) {
      response.getHeaders().put(name, value);
    }

    @Override
    public OutputStream send(int status, long length) {
      response.setStatus(status);
      if (handling.stopping) {
        // Stopping: the client opens its next connection elsewhere or later.
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
      }
      if (length > 0) {
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
      } else if (length < 0 && !method().equals("HEAD")) {
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
      }
      body = Content.Sink.asOutputStream(response);
      return body;
    }

    /** Ends the response where the endpoint did not close its body. */
    void finish() throws IOException {
      if (body == null) {
        send(500, -1);
      }
      body.close();
    }
  }

  /** Error pages (a malformed request, a 414, a 431) in plain words. */
  private static final class PlainErrors extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message,
        Throwable cause, Callback callback) {
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
      String reason = HttpStatus.getMessage(code);
      response.write(true, ByteBuffer.wrap((code + " " + reason + "\n").getBytes(StandardCharsets.UTF_8)),
          callback);
    }
  }
}
