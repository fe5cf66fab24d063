package io.github.microc.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real Prometheus server on a loopback port with its data in a temporary directory. */
public final class PrometheusServer extends LoggedProcess {

  /** A query the server refused (bad PromQL, for one). */
  public static final class QueryError extends RuntimeException {
    QueryError(String message) {
      super(message);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final int port;

  private PrometheusServer(Process process, int port, Path log) {
    super(process, log);
    this.port = port;
    this.base = "http://127.0.0.1:" + port;
  }

  /** The loopback port it listens on. */
  public int port() {
    return port;
  }

  /**
   * Starts {@code prometheus} on {@code config} with these further flags (such as
   * {@code --web.enable-remote-write-receiver}), keeping its TSDB and log under {@code dir}, on a
   * free loopback port it binds itself and names in its log.
   */
  public static PrometheusServer start(Path prometheus, Path config, Path dir, String... flags) {
    Path log = dir.resolve("prometheus.log");
    List<String> command = new ArrayList<>(List.of(prometheus.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:0"));
    command.addAll(List.of(flags));
    Process process;
    try {
      process = new ProcessBuilder(command).directory(config.getParent().toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    try {
      return new PrometheusServer(process,
          Ports.fromLog(log, Ports.EXPORTER_TOOLKIT, process, Duration.ofSeconds(60)), log);
    } catch (AssertionError e) {
      process.destroyForcibly();
      throw e;
    }
  }

  public PrometheusServer awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("prometheus exited " + process.exitValue() + ":\n" + log());
      }
      if (Http.get(base + "/-/ready").status() == 200) {
        return this;
      }
      sleep(200);
    }
    throw new AssertionError("prometheus not ready within " + timeout + ":\n" + log());
  }

  /** An instant query's {@code data.result}; a {@link QueryError} when Prometheus refuses it. */
  public JsonNode query(String promql) {
    return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
        .path("result");
  }

  /** The {@code data} of any GET API call, such as {@code /api/v1/rules}. */
  public JsonNode api(String pathAndQuery) {
    Http.Response response = Http.get(base + pathAndQuery);
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError(pathAndQuery + ": HTTP " + response.status() + " " + response.body(), e);
    }
    if (!"success".equals(body.path("status").asText())) {
      throw new QueryError(body.path("errorType").asText() + ": " + body.path("error").asText());
    }
    return body.path("data");
  }


}
