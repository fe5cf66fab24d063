package io.github.microc.exporter.core.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.engine.CollectionEngine;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The HTTP endpoint: {@code /metrics} (text, OpenMetrics or protobuf as the {@code Accept}
 * header asks, gzip when accepted: the text format through {@link TextResponse}, the rest
 * through client_java's handler), {@code /} a landing page,
 * {@code /health} and {@code /ready}. A {@code collect[]} or {@code exclude[]} naming an
 * unknown collector gets a 400 that names it.
 */
public final class ExporterServer implements AutoCloseable {

  /** The JDK server's switch for TCP_NODELAY on accepted connections. */
  static final String NODELAY = "sun.net.httpserver.nodelay";

  private final HttpServer server;
  private final ExecutorService executor;

  private ExporterServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds and starts the endpoint.
   *
   * @param registry what {@code /metrics} exposes; {@code engine} is registered in it already
   * @param engine the collectors, for the parameters, the landing page and readiness
   * @param version shown on the landing page
   * @throws IOException when the address cannot be bound
   */
  public static ExporterServer start(ListenAddress listen, PrometheusRegistry registry,
      CollectionEngine engine, String version) throws IOException {
    return start(listen, registry, engine, version, List::of);
  }

  /**
   * Binds and starts the endpoint; the landing page shows {@code status}'s tables below the
   * collectors.
   */
  public static ExporterServer start(ListenAddress listen, PrometheusRegistry registry,
      CollectionEngine engine, String version, Supplier<List<StatusTable>> status)
      throws IOException {
    InetSocketAddress address = listen.host().isEmpty()
        ? new InetSocketAddress(listen.port())
        : new InetSocketAddress(listen.host(), listen.port());
    if (address.isUnresolved()) {
      throw new IOException("cannot resolve listen address " + listen);
    }
    // The JDK's server leaves Nagle's algorithm on: the last small write of a response then
    // waits for the client's delayed acknowledgement, 40 ms on Linux, which was one scrape in
    // sixteen at 50 containers. The server reads this once, when its configuration loads; a
    // value given on the command line is kept.
    if (System.getProperty(NODELAY) == null) {
      System.setProperty(NODELAY, "true");
    }
    HttpServer server = HttpServer.create(address, 64);
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "microc-http-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    PrometheusProperties properties = PrometheusProperties.get();
    MetricsHandler metrics = new MetricsHandler(properties, registry);
    TextResponse text = new TextResponse(registry, properties);
    server.createContext("/metrics", guard(exchange -> {
      Map<String, List<String>> query;
      try {
        query = query(exchange.getRequestURI().getRawQuery());
        engine.select(array(query.get(CollectionEngine.COLLECT)),
            array(query.get(CollectionEngine.EXCLUDE)));
      } catch (IllegalArgumentException e) {
        respond(exchange, 400, "text/plain; charset=utf-8", e.getMessage() + "\n");
        return;
      }
      if (text.handles(exchange, query)) {
        text.respond(exchange);
      } else {
        metrics.handle(exchange);
      }
    }));
    server.createContext("/health", guard(exchange ->
        respond(exchange, 200, "text/plain; charset=utf-8", "ok\n")));
    server.createContext("/ready", guard(exchange -> {
      if (engine.ready()) {
        respond(exchange, 200, "text/plain; charset=utf-8", "ready\n");
      } else {
        String waiting = engine.statuses().stream()
            .filter(s -> s.enabled() && s.lastSuccess() == null)
            .map(s -> s.name())
            .collect(Collectors.joining(", "));
        respond(exchange, 503, "text/plain; charset=utf-8",
            "not ready: waiting for the first collection of " + waiting + "\n");
      }
    }));
    server.createContext("/", guard(exchange -> {
      if (!exchange.getRequestURI().getPath().equals("/")) {
        respond(exchange, 404, "text/plain; charset=utf-8",
            "not found: " + exchange.getRequestURI().getPath() + "\n");
        return;
      }
      respond(exchange, 200, "text/html; charset=utf-8",
          LandingPage.render(version, engine.statuses(), engine.ready(), status.get()));
    }));
    server.setExecutor(executor);
    server.start();
    return new ExporterServer(server, executor);
  }

  /** The bound port, useful when the configured one was 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops accepting, lets running exchanges finish for up to a second. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Only GET and HEAD; an exception becomes a 500 instead of a dropped connection. */
  private static HttpHandler guard(HttpHandler handler) {
    return exchange -> {
      try (exchange) {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          respond(exchange, 405, "text/plain; charset=utf-8", "method not allowed: " + method + "\n");
          return;
        }
        handler.handle(exchange);
      } catch (IOException e) {
        // The client went away; nothing to answer.
      } catch (RuntimeException e) {
        try {
          respond(exchange, 500, "text/plain; charset=utf-8", "internal error: " + e + "\n");
        } catch (IOException | RuntimeException ignored) {
          // Headers already sent.
        }
      }
    };
  }

  static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Decodes a raw query string; repeated keys keep every value. */
  static Map<String, List<String>> query(String rawQuery) {
    Map<String, List<String>> result = new TreeMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return result;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      result.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return result;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed URL parameter \"" + s + "\"");
    }
  }

  private static String[] array(List<String> values) {
    return values == null ? null : values.toArray(new String[0]);
  }
}
