package io.github.microc.exporter.app;

import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The shaded jar, {@code target/microc-exporter.jar}, run as a separate JVM. */
final class ExporterProcess implements AutoCloseable {

  static final Path JAR = Path.of("target", "microc-exporter.jar");
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private ExporterProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Output and exit status of a run that ends by itself. */
  record Result(int status, String out, String err) {}

  /** Runs the jar to its end (at most 60 s) with these flags. */
  static Result run(Path work, String... args) throws IOException, InterruptedException {
    try (ExporterProcess p = start(work, args)) {
      if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("microc " + String.join(" ", args) + " did not exit within 60 s");
      }
      return new Result(p.process.exitValue(), p.out(), p.err());
    }
  }

  /** Starts the jar with these flags, output going to files under {@code work}. */
  static ExporterProcess start(Path work, String... args) throws IOException {
    return start(work, List.of(), args);
  }

  /** Starts the jar with these JVM flags added (a heap bound, say) and these flags. */
  static ExporterProcess start(Path work, List<String> jvmFlags, String... args) throws IOException {
    if (!Files.isRegularFile(JAR)) {
      throw new AssertionError(JAR.toAbsolutePath() + " is missing: the package phase builds it");
    }
    Files.createDirectories(work);
    Path out = Files.createTempFile(work, "microc-", ".out");
    Path err = Files.createTempFile(work, "microc-", ".err");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(jvmFlags);
    command.addAll(List.of("-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("MICROC_"));
    return new ExporterProcess(builder.start(), out, err);
  }

  /** The flag that has the exporter bind any free loopback port; {@link #port} tells which. */
  static final String ANY_PORT = "--web.listen-address=127.0.0.1:0";

  /** The port the exporter listens on, from its start-up line (started with {@link #ANY_PORT}). */
  int port() {
    return Ports.fromLog(stderr, Ports.MICROC, process, Duration.ofSeconds(90));
  }

  /** GET on the loopback interface; status and body. */
  static HttpResponse<String> get(int port, String pathAndQuery) throws IOException, InterruptedException {
    return get(port, pathAndQuery, Duration.ofSeconds(10));
  }

  static HttpResponse<String> get(int port, String pathAndQuery, Duration timeout)
      throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Queries the Prometheus on {@code port} until {@code done} accepts the answer, for up to 45 s
   * (its first scrape can take 10); fails with the last answer and {@code log}.
   */
  static String queryPrometheus(int port, String query, Predicate<String> done, Path log)
      throws IOException, InterruptedException {
    String path = "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
    String last = "(no answer)";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> response = get(port, path);
        last = response.statusCode() + " " + response.body();
        if (response.statusCode() == 200 && done.test(response.body())) {
          return response.body();
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(500);
    }
    throw new AssertionError("Prometheus never answered " + query + " as expected; last: " + last
        + "\n" + log.getFileName() + ":\n" + Files.readString(log));
  }

  /** Polls until {@code /ready} answers 200, for up to {@code timeout}. */
  void awaitReady(int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("microc exited with " + process.exitValue() + ": " + err());
      }
      try {
        HttpResponse<String> response = get(port, "/ready");
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not ready within " + timeout + ": " + last + "; stderr: " + err());
  }

  Process process() {
    return process;
  }

  String out() {
    return read(stdout);
  }

  String err() {
    return read(stderr);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
