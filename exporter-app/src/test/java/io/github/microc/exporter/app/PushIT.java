package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push mode of the shaded jar against real Prometheus 2.42 receivers
 * ({@code --web.enable-remote-write-receiver}, each on its own loopback port and storage),
 * pushing every 2 s. The scenarios run at once, each with its own receiver and Microc, and
 * each prints how long it took:
 *
 * <ul>
 *   <li>arrival, then an outage of 120 s: values and timestamps against Microc's own
 *       {@code /metrics}; afterwards one sample per interval over the outage, and the buffer
 *       empty;
 *   <li>SIGKILL of Microc 60 s into an outage and a restart: the whole window arrives;
 *   <li>a small buffer through a long outage: the oldest dropped and counted, the files under
 *       the limit, the newest arriving;
 *   <li>TLS: a receiver serving a certificate of another CA is a clear error on the landing
 *       page and in the log while the same receiver with the right CA gets the data; and a
 *       stand-in receiver that accepts connections and never answers (a real Prometheus
 *       cannot be made to), which times out without slowing scrapes.
 * </ul>
 *
 * <p>Rejections (400) and 429 with Retry-After are shown against stand-in receivers in
 * exporter-push's EndpointPusherTest: a real Prometheus does not answer 429.
 */
class PushIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int INTERVAL = 2;

  @TempDir
  Path work;

  @Test
  void pushScenariosAgainstRealPrometheusReceivers() throws Exception {
    Path prometheus = Engines.requireExecutable("prometheus",
        "install Debian's prometheus package (apt-get install prometheus)", "/usr/bin/prometheus");
    Engines.requireExecutable("openssl", "install openssl (apt-get install openssl)");
    Engines.require(docker("version") == 0 && docker("image", "inspect", "microc-test/busybox:1") == 0,
        "dockerd with microc-test/busybox:1 is needed for the container series; run .ci/docker-setup.sh");
    Map<String, Callable<Void>> scenarios = new LinkedHashMap<>();
    scenarios.put("arrival and a 120 s outage", () -> arrivalAndOutage(prometheus, work.resolve("outage")));
    scenarios.put("SIGKILL during a 60 s outage", () -> crashDuringOutage(prometheus, work.resolve("crash")));
    scenarios.put("a full buffer", () -> fullBuffer(prometheus, work.resolve("full")));
    scenarios.put("TLS and a receiver that never answers", () -> tlsAndSilence(prometheus, work.resolve("tls")));
    scenarios.put("a reload", () -> reload(prometheus, work.resolve("reload")));
    ExecutorService pool = Executors.newFixedThreadPool(scenarios.size());
    Map<String, Future<Void>> running = new LinkedHashMap<>();
    Map<String, Long> started = new LinkedHashMap<>();
    try {
      for (var scenario : scenarios.entrySet()) {
        started.put(scenario.getKey(), System.nanoTime());
        running.put(scenario.getKey(), pool.submit(() -> {
          long start = System.nanoTime();
          try {
            return scenario.getValue().call();
          } finally {
            System.out.printf("PushIT: %s took %.1f s%n", scenario.getKey(),
                (System.nanoTime() - start) / 1e9);
          }
        }));
      }
      List<Throwable> failures = new ArrayList<>();
      for (var scenario : running.entrySet()) {
        try {
          scenario.getValue().get(6, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add(new AssertionError(scenario.getKey() + ": " + e.getCause().getMessage(), e.getCause()));
        }
      }
      if (!failures.isEmpty()) {
        AssertionError error = new AssertionError(failures.size() + " push scenarios failed: "
            + failures.stream().map(Throwable::getMessage).toList());
        failures.forEach(error::addSuppressed);
        throw error;
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // --- scenarios

  /**
   * SIGHUP: a changed endpoint starts again with its new settings and pushes under its new
   * labels; a push setting with a mistake refuses the whole reload, with its file and line,
   * and the endpoint in force goes on pushing.
   */
  private Void reload(Path prometheus, Path dir) throws Exception {
    try (Receiver receiver = Receiver.start(prometheus, dir.resolve("prometheus"), List.of());
         Pusher microc = Pusher.start(dir, receiver.url(), "instance = reload-a", "collect = [loadavg]")) {
      receiver.await("pushes before the reload", "count_over_time(node_load1{instance=\"reload-a\"}[1m]) >= 2");

      microc.rewrite(receiver.url(), "instance = reload-b", "collect = [loadavg]");
      microc.hangUp();
      receiver.await("pushes under the new labels", "count_over_time(node_load1{instance=\"reload-b\"}[1m]) >= 2");
      assertThat(microc.gauge("microc_config_last_reload_successful")).isEqualTo(1.0);

      microc.rewrite(receiver.url(), "instance = reload-c", "collect = [loadavg], intervall = 3s");
      microc.hangUp();
      microc.awaitGauge("microc_config_last_reload_successful", v -> v == 0.0, Duration.ofSeconds(20));
      // The gauge is set before the line is logged.
      long logged = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!microc.err().contains("intervall: unknown key") && System.nanoTime() < logged) {
        Thread.sleep(100);
      }
      assertThat(microc.err()).contains("microc.conf:").contains("intervall: unknown key");
      int before = receiver.count("node_load1{instance=\"reload-b\"}", 60);
      receiver.await("pushes after the refused reload, under the labels in force",
          "count_over_time(node_load1{instance=\"reload-b\"}[1m]) > " + before);
      assertThat(receiver.count("node_load1{instance=\"reload-c\"}", 60)).isZero();
    }
    return null;
  }

  private Void arrivalAndOutage(Path prometheus, Path dir) throws Exception {
    String container = "push-it-" + ProcessHandle.current().pid();
    docker("rm", "-f", container);
    assertThat(docker("run", "-d", "--name", container, "--label", "microc.it=push", "-m", "64m",
        "microc-test/busybox:1", "sleep", "600")).isZero();
    try (Receiver receiver = Receiver.start(prometheus, dir.resolve("prometheus"), List.of());
         Pusher microc = Pusher.start(dir, receiver.url(), "instance = arrival", "")) {
      // Arrival: the pushed samples against a scrape of Microc's own /metrics.
      receiver.await("node_load1 from the push", "count_over_time(node_load1{job=\"microc\",instance=\"arrival\"}[1m]) >= 4");
      String scraped = microc.metrics();
      long scrapedAt = System.currentTimeMillis();
      receiver.await("the samples after the scrape",
          "count_over_time(node_load1{instance=\"arrival\"}[1m]) > " + receiver.count("node_load1{instance=\"arrival\"}", 60));
      for (String stable : List.of("node_boot_time_seconds", "node_memory_MemTotal_bytes",
          "container_spec_memory_limit_bytes{name=\"" + container + "\"}",
          "container_start_time_seconds{name=\"" + container + "\"}")) {
        double expected = Pusher.value(scraped, stable);
        assertThat(receiver.latest(withInstance(stable, "arrival"))).as(stable).isEqualTo(expected);
      }
      assertThat(expected(scraped, "node_uname_info")).isNotEmpty();
      // A counter: the samples pushed before the scrape are at most its value, those after at least.
      String cpu = firstSeries(scraped, "node_cpu_seconds_total");
      double value = Pusher.value(scraped, cpu);
      List<double[]> samples = receiver.range(withInstance(cpu, "arrival"), 30);
      assertThat(samples).hasSizeGreaterThan(4);
      for (double[] s : samples) {
        if (s[0] * 1000 < scrapedAt - 2500) {
          assertThat(s[1]).as(cpu + " pushed at " + s[0] + ", before the scrape").isLessThanOrEqualTo(value);
        } else if (s[0] * 1000 > scrapedAt + 500) {
          assertThat(s[1]).as(cpu + " pushed at " + s[0] + ", after the scrape").isGreaterThanOrEqualTo(value);
        }
      }
      // One collection every interval, each at its collection's time: on a loaded machine one
      // may start late, the next one then early (a fixed rate), so the mean spacing is checked.
      for (int i = 1; i < samples.size(); i++) {
        assertThat(samples.get(i)[0]).as("timestamps go up").isGreaterThan(samples.get(i - 1)[0]);
      }
      double spacing = (samples.get(samples.size() - 1)[0] - samples.get(0)[0]) / (samples.size() - 1);
      assertThat(spacing).as("mean time between two pushes").isBetween(INTERVAL - 0.5, INTERVAL + 0.5);
      assertThat(samples.get(samples.size() - 1)[0] * 1000).isLessThanOrEqualTo(System.currentTimeMillis());

      // The outage: the receiver stopped for 120 s, started again on the same storage.
      receiver.stop();
      long stopped = System.currentTimeMillis();
      Thread.sleep(120_000);
      assertThat(microc.gauge("microc_push_pending_batches")).as("batches waiting").isGreaterThan(50);
      receiver.restart();
      long back = System.currentTimeMillis();
      microc.awaitGauge("microc_push_pending_batches", v -> v == 0, Duration.ofSeconds(60));
      long window = (back - stopped) / 1000;
      double count = receiver.countAt("node_load1{instance=\"arrival\"}", window, back / 1000.0);
      assertThat(count).as("samples over the %d s outage", window)
          .isBetween(window / (double) INTERVAL - 1, window / (double) INTERVAL + 1);
      assertThat(microc.gauge("microc_push_dropped_batches_total{endpoint=\"central\",reason=\"rejected\"}"))
          .as("replayed oldest first, in order: nothing refused").isZero();
      assertThat(microc.process().isAlive()).isTrue();
    } finally {
      docker("rm", "-f", container);
    }
    return null;
  }

  private Void crashDuringOutage(Path prometheus, Path dir) throws Exception {
    try (Receiver receiver = Receiver.start(prometheus, dir.resolve("prometheus"), List.of())) {
      Pusher first = Pusher.start(dir, receiver.url(), "instance = crash", "collect = [loadavg, meminfo]");
      long killed;
      long stopped;
      try (first) {
        receiver.await("the first pushes", "count_over_time(node_load1{instance=\"crash\"}[1m]) >= 3");
        receiver.stop();
        stopped = System.currentTimeMillis();
        Thread.sleep(60_000);
        killed = System.currentTimeMillis();
        first.process().destroyForcibly();
        first.process().waitFor(10, TimeUnit.SECONDS);
      }
      try (Pusher second = Pusher.start(dir, receiver.url(), "instance = crash", "collect = [loadavg, meminfo]")) {
        assertThat(second.gauge("microc_push_pending_batches")).as("found in the buffer at start")
            .isGreaterThan(25);
        Thread.sleep(6_000);
        receiver.restart();
        long back = System.currentTimeMillis();
        second.awaitGauge("microc_push_pending_batches", v -> v == 0, Duration.ofSeconds(60));
        long beforeKill = (killed - stopped) / 1000;
        double count = receiver.countAt("node_load1{instance=\"crash\"}", beforeKill, killed / 1000.0);
        assertThat(count).as("samples over the %d s before the SIGKILL", beforeKill)
            // The window's two edges, and the last collection, which a SIGKILL may take while
            // it is still being written to the buffer.
            .isBetween(beforeKill / (double) INTERVAL - 2, beforeKill / (double) INTERVAL + 1);
        long whole = (back - stopped) / 1000;
        assertThat(receiver.countAt("node_load1{instance=\"crash\"}", whole, back / 1000.0))
            .as("samples over the whole %d s window, but while Microc restarted", whole)
            .isGreaterThanOrEqualTo(whole / (double) INTERVAL - 4);
        assertThat(second.err()).contains("from before, sent first");
      }
    }
    return null;
  }

  private Void fullBuffer(Path prometheus, Path dir) throws Exception {
    long limit = 32 * 1024;
    try (Receiver receiver = Receiver.start(prometheus, dir.resolve("prometheus"), List.of());
         Pusher microc = Pusher.start(dir, receiver.url(), "instance = full",
             "collect = [loadavg, meminfo], buffer.max-size = 32KiB")) {
      receiver.await("the first pushes", "count_over_time(node_load1{instance=\"full\"}[1m]) >= 3");
      receiver.stop();
      long stopped = System.currentTimeMillis();
      long most = 0;
      for (int i = 0; i < 50; i++) {
        most = Math.max(most, diskUsage(dir.resolve("buffer")));
        Thread.sleep(1000);
      }
      assertThat(most).as("disk the buffer took during the outage (du)").isLessThanOrEqualTo(limit);
      double dropped = microc.gauge("microc_push_dropped_batches_total{endpoint=\"central\",reason=\"buffer_full\"}");
      assertThat(dropped).as("batches dropped for space").isGreaterThan(5);
      double kept = microc.gauge("microc_push_pending_batches");
      receiver.restart();
      long back = System.currentTimeMillis();
      microc.awaitGauge("microc_push_pending_batches", v -> v == 0, Duration.ofSeconds(60));
      assertThat(microc.gauge("microc_push_dropped_samples_total{endpoint=\"central\",reason=\"buffer_full\"}"))
          .isGreaterThan(0);
      // The oldest went, the newest arrived.
      assertThat(receiver.countAt("node_load1{instance=\"full\"}", 20, stopped / 1000.0 + 22))
          .as("samples of the outage's first 20 s").isZero();
      long newest = (long) (kept * INTERVAL) - 2;
      assertThat(receiver.countAt("node_load1{instance=\"full\"}", newest, back / 1000.0))
          .as("samples of the outage's last %d s", newest).isGreaterThanOrEqualTo(newest / (double) INTERVAL - 1);
    }
    return null;
  }

  private Void tlsAndSilence(Path prometheus, Path dir) throws Exception {
    Files.createDirectories(dir);
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=push-it receiver CA");
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "other.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=push-it other CA");
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
    Path web = Files.writeString(dir.resolve("web.yml"), """
        tls_server_config:
          cert_file: %s
          key_file: %s
        """.formatted(dir.resolve("server.pem"), dir.resolve("server.key")));
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
         Receiver receiver = Receiver.start(prometheus, dir.resolve("prometheus"),
             List.of("--web.config.file=" + web))) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept());
          }
        } catch (IOException e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      String https = receiver.url().replace("http://", "https://");
      String endpoints = """
          { url = "%1$s", name = trusted, interval = 2s, collect = [loadavg], tls.ca-file = "%2$s/ca.pem" }
          { url = "%1$s", name = wrong-ca, interval = 2s, collect = [loadavg], tls.ca-file = "%2$s/other-ca.pem" }
          { url = "http://127.0.0.1:%3$d/api/v1/write", name = silent, interval = 2s, timeout = 1s, collect = [loadavg] }
          """.formatted(https, dir, silent.getLocalPort());
      try (Pusher microc = Pusher.startWith(dir, endpoints)) {
        microc.awaitGauge("microc_push_sent_batches_total{endpoint=\"trusted\"}", v -> v >= 3, Duration.ofSeconds(40));
        microc.awaitGauge("microc_push_failed_requests_total{endpoint=\"wrong-ca\",reason=\"tls\"}", v -> v >= 2, Duration.ofSeconds(30));
        microc.awaitGauge("microc_push_failed_requests_total{endpoint=\"silent\",reason=\"timeout\"}", v -> v >= 2, Duration.ofSeconds(30));
        // Scrapes while one receiver never answers and another fails its handshake.
        for (int i = 0; i < 10; i++) {
          long start = System.nanoTime();
          HttpResponse<String> scrape = ExporterProcess.get(microc.port, "/metrics");
          assertThat(scrape.statusCode()).isEqualTo(200);
          assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a scrape while a receiver hangs")
              .isLessThan(Duration.ofSeconds(3));
          Thread.sleep(300);
        }
        double trusted = microc.gauge("microc_push_sent_batches_total{endpoint=\"trusted\"}");
        microc.awaitGauge("microc_push_sent_batches_total{endpoint=\"trusted\"}", v -> v >= trusted + 2, Duration.ofSeconds(20));
        assertThat(microc.gauge("microc_push_sent_batches_total{endpoint=\"wrong-ca\"}")).isZero();
        String reason = "TLS handshake with 127.0.0.1:" + receiver.port
            + " failed: the receiver's certificate is not signed by the certificates in tls.ca-file "
            + dir.resolve("other-ca.pem") + " (unable to find a valid certification path)";
        assertThat(microc.err()).contains("push wrong-ca to " + https + ": " + reason + "; retrying");
        String page = ExporterProcess.get(microc.port, "/").body();
        assertThat(page).contains("<td>wrong-ca</td>", "failing, retrying",
            reason.replace("'", "&#39;"), "no answer within 1s");
      } finally {
        held.forEach(s -> {
          try {
            s.close();
          } catch (IOException ignored) {
            // closing
          }
        });
      }
    }
    return null;
  }

  // --- helpers

  private static String withInstance(String series, String instance) {
    return series.contains("{") ? series.replace("{", "{instance=\"" + instance + "\",")
        : series + "{instance=\"" + instance + "\"}";
  }

  private static String firstSeries(String text, String name) {
    Matcher m = Pattern.compile("(?m)^(" + Pattern.quote(name) + "\\{[^}]*})").matcher(text);
    assertThat(m.find()).as(name + " on /metrics").isTrue();
    return m.group(1);
  }

  private static List<String> expected(String text, String name) {
    return text.lines().filter(l -> l.startsWith(name + "{")).toList();
  }

  /** What the buffer's files take on disk, as du counts them (blocks of the directory's files). */
  private static long diskUsage(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    Process du = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
    String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      du.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long total = Long.parseLong(out.split("\\s+")[0]);
    // du counts each directory's own block too; the limit is for the files.
    long dirs;
    try (Stream<Path> walk = Files.walk(dir)) {
      dirs = walk.filter(Files::isDirectory).count();
    }
    return total - dirs * 4096;
  }

  private static int docker(String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("openssl " + String.join(" ", args) + ": " + out).isZero();
  }

  /**
   * A real Prometheus with its remote-write receiver on a loopback port, its own storage. The
   * first start binds any free port and says which in its log; a restart takes the same port
   * again (the pushers know it), waiting while something else holds it meanwhile.
   */
  static final class Receiver implements AutoCloseable {
    int port;
    private final List<String> command;
    private final Path dir;
    private Process process;
    private int starts;

    private Receiver(List<String> command, Path dir) {
      this.command = command;
      this.dir = dir;
    }

    static Receiver start(Path prometheus, Path dir, List<String> extra) throws IOException {
      Files.createDirectories(dir);
      Path config = Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 15s\n");
      List<String> command = new ArrayList<>(List.of(prometheus.toString(),
          "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
          "--web.enable-remote-write-receiver"));
      command.addAll(extra);
      Receiver receiver = new Receiver(command, dir);
      receiver.restart();
      return receiver;
    }

    String url() {
      return "http://127.0.0.1:" + port + "/api/v1/write";
    }

    /** The log of the latest start. */
    Path log() {
      return dir.resolve("prometheus-" + starts + ".log");
    }

    void restart() throws IOException {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        starts++;
        List<String> run = new ArrayList<>(command);
        run.add("--web.listen-address=127.0.0.1:" + port);
        process = new ProcessBuilder(run).redirectErrorStream(true).redirectOutput(log().toFile()).start();
        try {
          int bound = Ports.fromLog(log(), Ports.EXPORTER_TOOLKIT, process, Duration.ofSeconds(60));
          assertThat(port == 0 || bound == port).as("the same port again").isTrue();
          port = bound;
          return;
        } catch (AssertionError e) {
          if (port == 0 || process.isAlive() || !Files.readString(log()).contains("address already in use")
              || System.nanoTime() > deadline) {
            throw e;
          }
        }
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }

    /** SIGTERM, as an operator stops it; its head block goes to its WAL. */
    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }

    JsonNode query(String query, Double time) throws IOException, InterruptedException {
      String path = "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
          + (time == null ? "" : "&time=" + time);
      HttpResponse<String> response = ExporterProcess.get(port, path);
      if (response.statusCode() != 200) {
        throw new IOException(query + ": " + response.statusCode() + " " + response.body());
      }
      return JSON.readTree(response.body()).path("data").path("result");
    }

    void await(String what, String query) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      String last = "(no answer)";
      while (System.nanoTime() < deadline) {
        try {
          JsonNode result = query(query, null);
          if (result.size() > 0) {
            return;
          }
          last = result.toString();
        } catch (IOException e) {
          last = e.toString();
        }
        Thread.sleep(500);
      }
      throw new AssertionError("Prometheus never had " + what + " (" + query + "); last: " + last
          + "\n" + Files.readString(log()));
    }

    double latest(String series) throws IOException, InterruptedException {
      JsonNode result = query(series, null);
      assertThat(result.size()).as(series + " in Prometheus").isEqualTo(1);
      return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    int count(String series, int seconds) throws IOException, InterruptedException {
      return (int) countAt(series, seconds, null);
    }

    double countAt(String series, long seconds, Double time) throws IOException, InterruptedException {
      JsonNode result = query("count_over_time(" + series + "[" + seconds + "s])", time);
      return result.size() == 0 ? 0 : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    /** The samples of the last {@code seconds}: time in seconds and value. */
    List<double[]> range(String series, int seconds) throws IOException, InterruptedException {
      JsonNode result = query(series + "[" + seconds + "s]", null);
      assertThat(result.size()).as(series + " in Prometheus").isEqualTo(1);
      List<double[]> samples = new ArrayList<>();
      for (JsonNode v : result.get(0).path("values")) {
        samples.add(new double[] {v.get(0).asDouble(), Double.parseDouble(v.get(1).asText())});
      }
      return samples;
    }

    @Override
    public void close() {
      if (process != null && process.isAlive()) {
        process.destroy();
        try {
          process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** The jar pushing to one endpoint named central every 2 s, with its own buffer. */
  static final class Pusher implements AutoCloseable {
    final int port;
    private final ExporterProcess process;
    private final Path dir;

    static Pusher start(Path dir, String url, String labels, String keys) throws IOException, InterruptedException {
      return startWith(dir, endpoint(url, labels, keys));
    }

    private static String endpoint(String url, String labels, String keys) {
      return """
          { url = "%s", name = central, interval = %ds, min-backoff = 100ms, max-backoff = 1s,
            external-labels { %s }, %s }
          """.formatted(url, INTERVAL, labels, keys);
    }

    static Pusher startWith(Path dir, String endpoints) throws IOException, InterruptedException {
      Files.createDirectories(dir);
      Path config = write(dir, endpoints);
      // The collectors the scenarios look at, not every one: four of these start at once.
      ExporterProcess process = ExporterProcess.start(dir, "--config", config.toString(),
          "--collector.disable-defaults", "--collector.cpu", "--collector.loadavg",
          "--collector.meminfo", "--collector.stat", "--collector.uname", "--collector.containers");
      Pusher pusher = new Pusher(process, process.port(), dir);
      process.awaitReady(pusher.port, Duration.ofSeconds(90));
      // The pushers start after the endpoint.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!pusher.metrics().contains("microc_push_pending_batches{")) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no push self-metrics on /metrics; log:\n" + pusher.err());
        }
        Thread.sleep(100);
      }
      return pusher;
    }

    /** Any free port for the endpoint: {@link ExporterProcess#port} says which. */
    private static Path write(Path dir, String endpoints) throws IOException {
      return Files.writeString(dir.resolve("microc.conf"), """
          microc.web.listen-address = "127.0.0.1:0"
          microc.push.buffer-dir = "%s"
          microc.push.remote-write = [
          %s
          ]
          """.formatted(dir.resolve("buffer"), endpoints));
    }

    private Pusher(ExporterProcess process, int port, Path dir) {
      this.process = process;
      this.port = port;
      this.dir = dir;
    }

    /** The configuration file written again with one endpoint, as {@link #start} writes it. */
    void rewrite(String url, String labels, String keys) throws IOException {
      write(dir, endpoint(url, labels, keys));
    }

    /** SIGHUP: the configuration read again. */
    void hangUp() throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.process().pid())).start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    String metrics() throws IOException, InterruptedException {
      return ExporterProcess.get(port, "/metrics").body();
    }

    double gauge(String series) throws IOException, InterruptedException {
      return value(metrics(), series);
    }

    void awaitGauge(String series, Predicate<Double> done, Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      double last = Double.NaN;
      while (System.nanoTime() < deadline) {
        last = gauge(series);
        if (done.test(last)) {
          return;
        }
        Thread.sleep(500);
      }
      throw new AssertionError(series + " stayed " + last + " for " + timeout + "; log:\n" + err());
    }

    /** A series' value in a text exposition; a series without labels may be named bare. */
    static double value(String text, String series) {
      String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
      List<String> wanted = series.contains("{")
          ? List.of(series.substring(series.indexOf('{') + 1, series.length() - 1).split(",(?=[a-zA-Z_]+=\")"))
          : List.of();
      for (String line : text.split("\n")) {
        if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
          continue;
        }
        String labels = line.startsWith(name + "{") ? line.substring(name.length() + 1, line.lastIndexOf('}')) : "";
        List<String> have = labels.isEmpty() ? List.of() : List.of(labels.split(",(?=[a-zA-Z_]+=\")"));
        if (have.containsAll(wanted)) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      throw new AssertionError(series + " not on /metrics");
    }

    Process process() {
      return process.process();
    }

    String err() {
      return process.err();
    }

    @Override
    public void close() {
      process.close();
    }
  }
}
