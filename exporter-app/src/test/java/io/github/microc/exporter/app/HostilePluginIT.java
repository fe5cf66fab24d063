package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Ports;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each hostile plugin ({@link PluginJars#HOSTILE}) installed beside the built-in collectors of
 * the real jar, started by the real launcher ({@code bin/microc}: {@code -Xmx48m
 * -XX:+ExitOnOutOfMemoryError}): the exporter becomes ready, 20 scrapes all answer with the
 * host metrics and {@code success 0} for the plugin, it is still alive afterwards with a
 * bounded thread count, and the landing page says what happened to the plugin. The scenarios
 * run three at a time; each prints how long it took.
 */
class HostilePluginIT {

  private static final Path LAUNCHER = Path.of("..", "bin", "microc");
  private static final int SCRAPES = 20;
  /** The exporter's own threads, with the plugin JVMs' readers, stay well under this. */
  private static final int MAX_EXPORTER_THREADS = 60;

  @TempDir
  Path work;

  /** The fault, the mode, and what the landing page must say about the plugin (a regex). */
  private record Scenario(String fault, String mode, String landingPageSays, String config) {
    /**
     * A 1 s timeout for the plugin that blocks, so that it is stuck for five timeouts soon; 5 s
     * for the others: on a loaded machine (three exporters and their plugin JVMs start at once
     * here) running out of heap or overflowing the stack can take longer than a second, and five
     * such timeouts would have the JVM killed as stuck before it showed its own fault.
     */
    Scenario(String fault, String mode, String landingPageSays) {
      this(fault, mode, landingPageSays, "microc.collectors.hostile_" + fault + ".timeout = "
          + (fault.equals("block") ? "1s" : "5s"));
    }
  }

  @Test
  void noHostilePluginTakesTheExporterDown() throws Exception {
    PluginJars jars = PluginJars.compile(work.resolve("build"));
    List<Scenario> scenarios = List.of(
        new Scenario("alloc", "process", "exited with status 3.*OutOfMemoryError"),
        new Scenario("array", "process", "exited with status 3.*OutOfMemoryError"),
        new Scenario("exit", "process", "exited with status 3"),
        new Scenario("thread", "process", "disabled: its plugin keeps 9 threads alive, more than max-threads \\(8\\)"),
        // Timed out, then still running; stuck for five timeouts (5 s), its JVM is killed and
        // started again, and the new one's collection times out in turn.
        new Scenario("block", "process", "timed out after 1.0s|previous collection still running"
            + "|stuck for more than five timeouts|starting again"),
        new Scenario("stack", "process", "StackOverflowError"),
        new Scenario("ctor", "process", "could not be instantiated: IllegalStateException refuses to be made"),
        // Building 100,000 series takes a while, more so in a small heap on a loaded machine.
        new Scenario("series", "process", "more than max-series \\(50000\\)",
            "microc.collectors.hostile_series.timeout = 10s\nmicroc.plugins.process.heap = 128m"),
        // In Microc's own JVM, the faults it can contain there.
        new Scenario("thread", "in-process", "disabled: its plugin keeps 9 threads alive, more than max-threads \\(8\\)"),
        new Scenario("ctor", "in-process", "could not be instantiated: IllegalStateException refuses to be made"),
        new Scenario("stack", "in-process", "StackOverflowError"));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    Map<Scenario, Future<String>> runs = new LinkedHashMap<>();
    for (Scenario scenario : scenarios) {
      runs.put(scenario, pool.submit(() -> run(jars, scenario)));
    }
    List<String> failures = new ArrayList<>();
    for (Map.Entry<Scenario, Future<String>> run : runs.entrySet()) {
      try {
        System.out.println(run.getValue().get(170, TimeUnit.SECONDS));
      } catch (java.util.concurrent.ExecutionException e) {
        failures.add(run.getKey() + ": " + e.getCause());
      }
    }
    pool.shutdownNow();
    assertThat(failures).isEmpty();
  }

  private String run(PluginJars jars, Scenario s) throws Exception {
    long start = System.nanoTime();
    String bad = "hostile_" + s.fault();
    Path dir = Files.createDirectories(work.resolve(s.fault() + "-" + s.mode()));
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    jars.hostileJar(s.fault(), plugins.resolve("hostile-" + s.fault() + ".jar"));
    Path config = Files.writeString(dir.resolve("microc.conf"), """
        microc.plugins.mode = %s
        microc.collectors.%s.max-threads = 8
        microc.collectors.containers.enabled = false
        %s
        """.formatted(s.mode(), bad, s.config()));
    ProcessBuilder builder = new ProcessBuilder("bash", LAUNCHER.toString(), "--config", config.toString(),
        "--plugins", plugins.toString(), ExporterProcess.ANY_PORT)
        .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("MICROC_") || k.equals("JAVA_OPTS"));
    builder.environment().put("MICROC_CDS", "off");
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    try {
      int port = Ports.fromLog(dir.resolve("err"), Ports.MICROC, process, Duration.ofSeconds(90));
      awaitReady(process, port, dir);
      for (int i = 0; i < SCRAPES; i++) {
        HttpResponse<String> scrape = ExporterProcess.get(port, "/metrics");
        assertThat(scrape.statusCode()).as("scrape %d of %s", i, s).isEqualTo(200);
        assertThat(scrape.body().lines()).as("scrape %d of %s", i, s)
            .anyMatch(l -> l.startsWith("node_load1 "))
            .anyMatch(l -> l.startsWith("node_memory_MemTotal_bytes "))
            .contains("microc_scrape_collector_success{collector=\"cpu\"} 1.0");
        // The thread leaker works until it passes max-threads (8); the others never do.
        if (!s.fault().equals("thread") || i >= 8) {
          assertThat(scrape.body().lines()).as("scrape %d of %s", i, s)
              .contains("microc_scrape_collector_success{collector=\"" + bad + "\"} 0.0");
        }
      }
      assertThat(process.isAlive()).as("%s: alive after %d scrapes", s, SCRAPES).isTrue();
      int threads = threads(process.pid());
      assertThat(threads).as("%s: the exporter's threads", s).isLessThan(MAX_EXPORTER_THREADS);
      String page = ExporterProcess.get(port, "/").body();
      assertThat(page).as("%s: the landing page", s).contains(bad).containsPattern(s.landingPageSays());
      String metrics = ExporterProcess.get(port, "/metrics").body();
      if (s.fault().equals("thread")) {
        assertThat(metrics).contains("microc_plugin_threads{collector=\"" + bad + "\"} 9.0");
      }
      java.util.regex.Matcher said = java.util.regex.Pattern.compile(s.landingPageSays()).matcher(page);
      said.find();
      return String.format("%-8s %-10s ready, %d scrapes, %d exporter threads, landing page: %s (%.1f s)",
          s.fault(), s.mode(), SCRAPES, threads, said.group(), (System.nanoTime() - start) / 1e9);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nstderr:\n" + tail(dir.resolve("err")), e);
    } finally {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static void awaitReady(Process process, int port, Path dir) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("exited with " + process.exitValue() + ": " + tail(dir.resolve("err")));
      }
      try {
        HttpResponse<String> ready = ExporterProcess.get(port, "/ready");
        if (ready.statusCode() == 200) {
          return;
        }
        last = ready.statusCode() + " " + ready.body();
      } catch (java.io.IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not ready within 90 s: " + last);
  }

  /** The process's threads, from /proc/PID/status (the launcher execs java, so its pid is the JVM's). */
  private static int threads(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("Threads:")) {
        return Integer.parseInt(line.substring("Threads:".length()).trim());
      }
    }
    throw new AssertionError("no Threads: line for " + pid);
  }

  private static String tail(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
