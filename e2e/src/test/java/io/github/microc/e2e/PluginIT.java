package io.github.microc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.github.microc.e2e.support.Command;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.testing.Ports;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.plugins.example.HttpProbeCollector;
import io.prometheus.metrics.model.registry.MultiCollector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built plugins-example jar in a plugins directory of the built app jar, started as a
 * process: its probes show on {@code /metrics}, and each kind of unusable jar stops the
 * start-up with a message naming the jar. The bad jars are made here from the real one.
 */
class PluginIT {

  private static final String SERVICES =
      "META-INF/services/" + CollectorPlugin.class.getName();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  /** Any free port: the app binds it and names it in its start-up line. */
  private static final String ANY_PORT = "--web.listen-address=127.0.0.1:0";

  private static Path appJar;
  private static Path pluginJar;
  private static HttpServer live;

  @TempDir
  Path dir;

  @BeforeAll
  static void findJarsAndStartTarget() throws IOException {
    appJar = Repository.appJar();
    pluginJar = Repository.examplePluginJar();

    live = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    live.createContext("/health", exchange -> {
      byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    live.start();
  }

  @AfterAll
  static void stopTarget() {
    if (live != null) {
      live.stop(0);
    }
  }

  @Test
  void probesOfTheInstalledPluginAreScraped() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(pluginJar, plugins.resolve(pluginJar.getFileName()));
    try (Ports.Refusing dead = Ports.refusing()) {
      Path config = Files.writeString(dir.resolve("microc.conf"), """
          microc.collectors.http_probe.targets = [
            { name = "live", url = "http://127.0.0.1:%d/health" }
            { name = "dead", url = "http://127.0.0.1:%d/health", timeout = 1s }
          ]
          """.formatted(live.getAddress().getPort(), dead.port()));
      assertProbesScraped(config, plugins);
    }
  }

  private void assertProbesScraped(Path config, Path plugins) throws Exception {
    try (App app = App.start(dir, "--config", config.toString(), "--plugins", plugins.toString(),
        ANY_PORT)) {
      // Ready: every collector, the plugin's included, has collected once.
      int port = app.port();
      app.awaitReady(port);
      String metrics = get(port, "/metrics");

      assertThat(metrics.lines())
          .contains("microc_http_probe_up{target=\"live\"} 1.0")
          .contains("microc_http_probe_status_code{target=\"live\"} 200.0")
          .contains("microc_http_probe_up{target=\"dead\"} 0.0")
          .contains("microc_http_probe_status_code{target=\"dead\"} 0.0")
          .contains("microc_scrape_collector_success{collector=\"http_probe\"} 1.0")
          .anyMatch(l -> l.startsWith("microc_http_probe_duration_seconds{target=\"live\"} "))
          .anyMatch(l -> l.startsWith("microc_http_probe_duration_seconds{target=\"dead\"} "));
      // The landing page lists the plugin with the description it declares.
      assertThat(get(port, "/")).contains("http_probe")
          .contains(new HttpProbeCollector.Plugin().description());
    }
  }

  /**
   * A target written with a user, a password and a token in its URL: neither the password nor
   * the token reaches {@code /metrics}, the landing page, the log or {@code --print-config},
   * while the probe itself still reaches the target.
   */
  @Test
  void aTargetsPasswordAndTokenAppearNowhere() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(pluginJar, plugins.resolve(pluginJar.getFileName()));
    try (Ports.Refusing refusing = Ports.refusing()) {
      assertSecretsHidden(plugins, refusing.port());
    }
  }

  private void assertSecretsHidden(Path plugins, int dead) throws Exception {
    String liveUrl = "http://user:pa55@127.0.0.1:%d/health?token=abc&x=1"
        .formatted(live.getAddress().getPort());
    Path config = Files.writeString(dir.resolve("microc.conf"), """
        microc.collectors.http_probe.targets = [
          "%s"
          { url = "http://user:pa55@127.0.0.1:%d/health?token=abc&x=2", timeout = 1s }
        ]
        """.formatted(liveUrl, dead));

    String metrics;
    String landing;
    Path log;
    try (App app = App.start(dir, "--config", config.toString(), "--plugins", plugins.toString(),
        ANY_PORT)) {
      int port = app.port();
      app.awaitReady(port);
      metrics = get(port, "/metrics");
      landing = get(port, "/");
      log = app.log();
    }
    String shown = "http://127.0.0.1:%d/health?token=<secret>&x=1".formatted(live.getAddress().getPort());
    assertThat(metrics.lines())
        .contains("microc_http_probe_up{target=\"" + shown + "\"} 1.0")
        .contains("microc_http_probe_up{target=\"http://127.0.0.1:" + dead
            + "/health?token=<secret>&x=2\"} 0.0");
    String printed = Command.run(START_TIMEOUT, null, List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        appJar.toString(), "--config", config.toString(), "--plugins", plugins.toString(),
        "--print-config")).output();
    assertThat(printed).contains("http://127.0.0.1:" + dead + "/health?token=<secret>&x=2");
    Map<String, String> shownTo = new LinkedHashMap<>();
    shownTo.put("/metrics", metrics);
    shownTo.put("/", landing);
    shownTo.put("the log", Files.readString(log));
    shownTo.put("--print-config", printed);
    shownTo.forEach((where, text) -> assertThat(text).as(where).doesNotContain("pa55", "abc"));
    assertThat(Files.readString(log)).as("the log says the second target is down")
        .contains("http_probe target http://127.0.0.1:" + dead + "/health?token=<secret>&x=2");
  }

  @Test
  void builtJarHoldsNoCopyOfTheSpiOrThePrometheusClient() throws IOException {
    try (JarFile jar = new JarFile(pluginJar.toFile())) {
      assertThat(jar.stream().map(JarEntry::getName))
          .contains(SERVICES, "reference.conf")
          .noneMatch(name -> name.startsWith("io/github/microc/exporter/"))
          .noneMatch(name -> name.startsWith("io/prometheus/"));
    }
  }

  @Test
  void configurationErrorFromCreateInThePluginsJvmStopsTheStartupWithFileAndLine() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(pluginJar, plugins.resolve(pluginJar.getFileName()));
    Path config = Files.writeString(dir.resolve("microc.conf"), "microc.collectors.http_probe.concurrency = 0\n");

    // create() runs in the plugin's own JVM (the default mode); its ConfigError comes back here.
    Command.Result result = Command.run(START_TIMEOUT, null, List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-jar", appJar.toString(), "--config", config.toString(),
        "--plugins", plugins.toString(), ANY_PORT));

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(result.output()).contains("microc: " + config + ":1: microc.collectors.http_probe.concurrency:"
        + " must be at least 1, got 0");
  }

  /** Each kind of unusable jar: exit status 1 and one message naming the jar and the reason. */
  @Nested
  class BadJar {

    @Test
    void bundlingTheSpiStopsTheStartup() throws Exception {
      Path plugins = Files.createDirectories(dir.resolve("plugins"));
      Path jar = plugins.resolve("probe-with-spi.jar");
      copyJar(pluginJar, jar, Map.of(classFile(CollectorPlugin.class), classBytes(CollectorPlugin.class)));

      assertThat(failedStart(plugins)).contains("probe-with-spi.jar").containsIgnoringCase("SPI");
    }

    @Test
    void bundlingThePrometheusClientStopsTheStartup() throws Exception {
      Path plugins = Files.createDirectories(dir.resolve("plugins"));
      Path jar = plugins.resolve("probe-with-client.jar");
      copyJar(pluginJar, jar, Map.of(classFile(MultiCollector.class), classBytes(MultiCollector.class)));

      assertThat(failedStart(plugins)).contains("probe-with-client.jar").containsIgnoringCase("Prometheus");
    }

    @Test
    void twoPluginsWithOneNameStopTheStartup() throws Exception {
      Path plugins = Files.createDirectories(dir.resolve("plugins"));
      Files.copy(pluginJar, plugins.resolve("http-probe-1.jar"));
      Files.copy(pluginJar, plugins.resolve("http-probe-2.jar"));

      assertThat(failedStart(plugins))
          .contains("http_probe")
          .contains("http-probe-1.jar")
          .contains("http-probe-2.jar");
    }

    @Test
    void corruptJarStopsTheStartup() throws Exception {
      Path plugins = Files.createDirectories(dir.resolve("plugins"));
      byte[] whole = Files.readAllBytes(pluginJar);
      // A download cut short: the central directory at the end of the zip is missing.
      Files.write(plugins.resolve("truncated.jar"), Arrays.copyOf(whole, whole.length / 2));

      assertThat(failedStart(plugins)).contains("truncated.jar");
    }

    @Test
    void servicesFileNamingAMissingClassStopsTheStartup() throws Exception {
      Path plugins = Files.createDirectories(dir.resolve("plugins"));
      Path jar = plugins.resolve("missing-class.jar");
      String missing = "io.github.microc.plugins.example.NoSuchPlugin";
      copyJar(pluginJar, jar, Map.of(SERVICES, (missing + "\n").getBytes(StandardCharsets.UTF_8)));

      assertThat(failedStart(plugins)).contains("missing-class.jar").contains(missing);
    }

    /** Starts the app on the directory; returns what it printed after it exited with 1. */
    private String failedStart(Path plugins) {
      Command.Result result = Command.run(START_TIMEOUT, null, List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-jar", appJar.toString(),
          "--plugins", plugins.toString(), ANY_PORT));

      assertThat(result.exitCode()).as("exit status; output:%n%s", result.output()).isEqualTo(1);
      assertThat(result.output().lines().filter(l -> l.startsWith("microc: ")))
          .as("one start-up message; output:%n%s", result.output())
          .hasSize(1);
      return result.output();
    }
  }

  /** A page of the running app; fails unless it answers 200. */
  private static String get(int port, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return response.body();
  }

  /** The app jar as a long-running process, its output in a file. */
  private record App(Process process, Path log) implements AutoCloseable {

    static App start(Path dir, String... args) throws IOException {
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx128m", "-XX:TieredStopAtLevel=1", "-jar", appJar.toString()));
      command.addAll(List.of(args));
      Path log = Files.createTempFile(dir, "microc", ".log");
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      return new App(process, log);
    }

    /** The port it listens on, from its start-up line. */
    int port() {
      return Ports.fromLog(log, Ports.MICROC, process, START_TIMEOUT);
    }

    /** Waits for {@code /ready}; fails with the output when the process exits first. */
    void awaitReady(int port) throws Exception {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
          .timeout(Duration.ofSeconds(10)).build();
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new AssertionError("the app exited with " + process.exitValue() + ":\n"
              + Files.readString(log));
        }
        try {
          if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (IOException notYet) {
          // Not listening yet.
        }
        Thread.sleep(100);
      }
      throw new AssertionError("not ready within " + START_TIMEOUT + ":\n" + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  /** The jar plugins-example built, next to this module. */

  /** Copies a jar, replacing or adding the given entries. */
  private static void copyJar(Path from, Path to, Map<String, byte[]> replace) throws IOException {
    Map<String, byte[]> left = new LinkedHashMap<>(replace);
    try (JarFile in = new JarFile(from.toFile());
        JarOutputStream out = new JarOutputStream(Files.newOutputStream(to))) {
      for (Enumeration<JarEntry> entries = in.entries(); entries.hasMoreElements(); ) {
        JarEntry entry = entries.nextElement();
        out.putNextEntry(new JarEntry(entry.getName()));
        byte[] content = left.remove(entry.getName());
        if (content != null) {
          out.write(content);
        } else {
          try (InputStream data = in.getInputStream(entry)) {
            data.transferTo(out);
          }
        }
        out.closeEntry();
      }
      for (Map.Entry<String, byte[]> added : left.entrySet()) {
        out.putNextEntry(new JarEntry(added.getKey()));
        out.write(added.getValue());
        out.closeEntry();
      }
    }
  }

  private static String classFile(Class<?> type) {
    return type.getName().replace('.', '/') + ".class";
  }

  private static byte[] classBytes(Class<?> type) throws IOException {
    try (InputStream in = type.getClassLoader().getResourceAsStream(classFile(type))) {
      return in.readAllBytes();
    }
  }
}
