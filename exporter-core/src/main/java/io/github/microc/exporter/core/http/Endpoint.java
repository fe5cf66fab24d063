package io.github.microc.exporter.core.http;

import io.github.microc.exporter.core.config.WebSettings;
import io.github.microc.exporter.core.engine.CollectionEngine;
import io.github.microc.exporter.core.spi.StatusTable;
import io.github.microc.exporter.core.web.BasicAuth;
import io.github.microc.exporter.core.web.WebConfig;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the endpoint answers, on any server: {@code /metrics} (text, OpenMetrics or protobuf
 * as the {@code Accept} header asks, gzip when accepted: the text format through
 * {@link TextResponse}, the rest through client_java's handler), {@code /} a landing page,
 * {@code /health} and {@code /ready}. A {@code collect[]} or {@code exclude[]} naming an
 * unknown collector gets a 400 that names it; more than {@code max-requests} scrapes at once
 * a 503 at once. Error pages say what was wrong in words, never with an exception's class.
 * Thread-safe.
 */
public final class Endpoint {

  private static final Logger log = LoggerFactory.getLogger(Endpoint.class);
  private static final String TEXT = "text/plain; charset=utf-8";

  private final CollectionEngine engine;
  private final String version;
  private final TextResponse text;
  private final PrometheusScrapeHandler metrics;
  private final Supplier<List<StatusTable>> status;
  private final int maxRequests;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile String loggedError;
  private volatile BasicAuth auth = new BasicAuth(Map.of());
  private volatile Map<String, String> headers = Map.of();
  private volatile Supplier<String> reload;

  /**
   * @param registry what {@code /metrics} exposes; {@code engine} is registered in it already
   * @param engine the collectors, for the parameters, the landing page and readiness
   * @param version shown on the landing page
   * @param status tables the landing page shows below the collectors, asked for on each request
   */
  public Endpoint(PrometheusRegistry registry, CollectionEngine engine, String version,
      WebSettings settings, Supplier<List<StatusTable>> status) {
    PrometheusProperties properties = PrometheusProperties.get();
    this.engine = engine;
    this.version = version;
    this.text = new TextResponse(registry, properties, settings.preferOpenMetrics());
    this.metrics = new PrometheusScrapeHandler(properties, registry);
    this.maxRequests = settings.maxRequests();
    this.status = status;
  }

  /**
   * Applies a web-config file's basic-auth users and response headers to the requests from now
   * on (its TLS settings are the server's).
   */
  public void web(WebConfig config) {
    this.auth = new BasicAuth(config.users());
    this.headers = config.headers();
  }

  /**
   * Serves {@code POST /-/reload} (as Prometheus's {@code --web.enable-lifecycle} does):
   * {@code reload} reloads and returns null, or the reason it refused.
   */
  public void lifecycle(Supplier<String> reload) {
    this.reload = reload;
  }

  /** Answers one exchange; never throws. */
  public void handle(Exchange exchange) {
    try {
      headers.forEach(exchange::setHeader);
      BasicAuth users = auth;
      if (users.required() && !users.allows(exchange.header("Authorization"))) {
        exchange.setHeader("WWW-Authenticate", "Basic");
        exchange.setHeader("X-Content-Type-Options", "nosniff");
        respond(exchange, 401, TEXT, "Unauthorized\n");
        return;
      }
      String method = exchange.method();
      if (exchange.path().equals("/-/reload") && reload != null) {
        reload(exchange);
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.setHeader("Allow", "GET, HEAD");
        respond(exchange, 405, TEXT, "method not allowed: " + method + "\n");
        return;
      }
      switch (exchange.path()) {
        case "/metrics" -> metrics(exchange);
        case "/health" -> respond(exchange, 200, TEXT, "ok\n");
        case "/ready" -> ready(exchange);
        case "/" -> respond(exchange, 200, "text/html; charset=utf-8",
            LandingPage.render(version, engine.statuses(), engine.ready(), status.get()));
        default -> respond(exchange, 404, TEXT, "not found: " + exchange.path() + "\n");
      }
    } catch (IOException e) {
      // The client went away; nothing to answer.
    } catch (RuntimeException e) {
      String error = e.toString();
      if (!error.equals(loggedError)) {
        loggedError = error;
        log.warn("{} {} failed: {}", exchange.method(), exchange.path(), error, e);
      }
      try {
        respond(exchange, 500, TEXT, "internal error; the exporter's log says more\n");
      } catch (IOException | RuntimeException ignored) {
        // Headers already sent.
      }
    }
  }

  private void metrics(Exchange exchange) throws IOException {
    if (maxRequests > 0 && inFlight.incrementAndGet() > maxRequests) {
      inFlight.decrementAndGet();
      respond(exchange, 503, TEXT, "limit of concurrent requests reached (" + maxRequests
          + "), try again later\n");
      return;
    }
    try {
      Map<String, List<String>> query;
      try {
        query = query(exchange.rawQuery());
        engine.select(array(query.get(CollectionEngine.COLLECT)),
            array(query.get(CollectionEngine.EXCLUDE)));
      } catch (IllegalArgumentException e) {
        respond(exchange, 400, TEXT, e.getMessage() + "\n");
        return;
      }
      if (text.handles(exchange, query)) {
        text.respond(exchange, new ClientJavaExchange(exchange).getRequest());
      } else {
        metrics.handleRequest(new ClientJavaExchange(exchange));
      }
    } finally {
      if (maxRequests > 0) {
        inFlight.decrementAndGet();
      }
    }
  }

  private void reload(Exchange exchange) throws IOException {
    if (!exchange.method().equals("POST") && !exchange.method().equals("PUT")) {
      exchange.setHeader("Allow", "POST, PUT");
      respond(exchange, 405, TEXT, "only POST or PUT requests allowed\n");
      return;
    }
    String refused = reload.get();
    if (refused == null) {
      respond(exchange, 200, TEXT, "configuration reloaded\n");
    } else {
      respond(exchange, 500, TEXT, "failed to reload config: " + refused + "\n");
    }
  }

  private void ready(Exchange exchange) throws IOException {
    if (engine.ready()) {
      respond(exchange, 200, TEXT, "ready\n");
    } else {
      String waiting = engine.statuses().stream()
          .filter(s -> s.enabled() && s.lastSuccess() == null)
          .map(s -> s.name())
          .collect(Collectors.joining(", "));
      respond(exchange, 503, TEXT, "not ready: waiting for the first collection of " + waiting + "\n");
    }
  }

  static void respond(Exchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.setHeader("Content-Type", contentType);
    if (exchange.method().equals("HEAD")) {
      exchange.send(status, -1).close();
      return;
    }
    try (OutputStream out = exchange.send(status, bytes.length)) {
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

  /**
   * client_java's view of an exchange, for its handler and for the scrape request. An error
   * is passed on, so that the endpoint answers it in words (client_java's own adapter answers
   * with the stack trace).
   */
  static final class ClientJavaExchange implements PrometheusHttpExchange {
    private final Exchange exchange;

    ClientJavaExchange(Exchange exchange) {
      this.exchange = exchange;
    }

    @Override
    public PrometheusHttpRequest getRequest() {
      return new PrometheusHttpRequest() {
        @Override
        public String getQueryString() {
          return exchange.rawQuery();
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
          List<String> values = exchange.headers(name);
          return Collections.enumeration(values);
        }

        @Override
        public String getMethod() {
          return exchange.method();
        }

        @Override
        public String getRequestPath() {
          return exchange.path();
        }
      };
    }

    @Override
    public PrometheusHttpResponse getResponse() {
      return new PrometheusHttpResponse() {
        @Override
        public void setHeader(String name, String value) {
          exchange.setHeader(name, value);
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength)
            throws IOException {
          return exchange.send(statusCode, contentLength);
        }
      };
    }

    @Override
    public void handleException(IOException e) throws IOException {
      throw e;
    }

    @Override
    public void handleException(RuntimeException e) {
      throw e;
    }

    @Override
    public void close() {
      // The server ends the exchange.
    }
  }
}
