package io.github.microc.exporter.docker;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.http.ExporterServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Microc with the plugins of the test class path behind a real HTTP endpoint on a loopback
 * port, scraped over HTTP as Prometheus would, the containers collector alone
 * ({@code collect[]=containers}): the host collectors are exporter-core's to test.
 *
 * <p>Also a {@code main} for bench/containers-bench.sh: {@code TestExporter PORT [key=value...]}.
 */
final class TestExporter implements AutoCloseable {

  private final Microc microc;
  private final ExporterServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private TestExporter(Microc microc, ExporterServer server) {
    this.microc = microc;
    this.server = server;
  }

  /** Starts with these configuration overrides (full keys) on an ephemeral loopback port. */
  static TestExporter start(Map<String, Object> overrides) throws IOException {
    return start(0, overrides);
  }

  static TestExporter start(int port, Map<String, Object> overrides) throws IOException {
    Microc.Builder builder = Microc.builder().environment(Map.of());
    builder.set("microc.web.exporter-metrics", false, "test");
    overrides.forEach((k, v) -> builder.set(k, v, "test"));
    Microc microc = builder.build();
    ExporterServer server = microc.startServer(new ListenAddress("127.0.0.1", port));
    return new TestExporter(microc, server);
  }

  int port() {
    return server.port();
  }

  /** One scrape of the containers collector alone, as {@code collect[]=containers}; throws on anything but 200. */
  String scrape() throws IOException, InterruptedException {
    return scrape("containers");
  }

  /** One scrape of these collectors; throws on anything but 200. */
  String scrape(String... collectors) throws IOException, InterruptedException {
    StringBuilder query = new StringBuilder();
    for (String c : collectors) {
      query.append(query.length() == 0 ? "?" : "&").append("collect%5B%5D=").append(c);
    }
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port() + "/metrics" + query))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("scrape: HTTP " + r.statusCode());
    }
    return r.body();
  }

  Exposition metrics() throws IOException, InterruptedException {
    return Exposition.parse(scrape());
  }

  @Override
  public void close() {
    microc.close();
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Map<String, Object> overrides = new java.util.LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    TestExporter exporter = start(port, overrides);
    System.out.println("listening on 127.0.0.1:" + exporter.port());
    Thread.currentThread().join();
  }
}
