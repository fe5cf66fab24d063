package io.github.microc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.e2e.support.Http;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.testing.Ports;
import io.github.microc.exporter.docker.client.FakeDaemon;
import io.github.microc.exporter.docker.client.HostileDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built app jar, started by {@code bin/microc} with the launcher's own heap limit and
 * flags ({@code -Xmx48m -XX:+ExitOnOutOfMemoryError}...), facing each of exporter-docker's
 * {@link HostileDaemon}s on its Docker socket, with the containers collector and the watchdog
 * both on it: an endless chunked body, an endless body that only the connection's end would
 * close, headers that never end, 100 MB of JSON, JSON 10,000 deep, invalid UTF-8, an events
 * stream that closes at once, and silence. All run at once; for each, every scrape answers 200
 * with the host metrics and {@code microc_docker_up 0}, the process is alive at the end, and
 * its log holds a few lines, not one per retry.
 */
class HostileDaemonIT {

  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration SCRAPING = Duration.ofSeconds(20);
  private static final Pattern DOWN = Pattern.compile("(?m)^microc_docker_up 0(\\.0)?$");
  /**
   * What the Docker side may say: the metadata watcher's one warning, and the watchdog's
   * start, its failed sweep and its lost stream; a line per retry would be dozens.
   */
  private static final int MAX_DOCKER_LINES = 5;
  /** Everything else: start-up, and any collector that a starved start-up timed out. */
  private static final int MAX_LOG_LINES = 40;

  @TempDir
  Path dir;

  /** What one exporter went through. */
  private record Outcome(HostileDaemon daemon, int scrapes, List<String> failures,
      List<String> log, boolean alive, long millis) {}

  @Test
  void noHostileDaemonTakesTheExporterDownOrFloodsItsLog() throws Exception {
    Path launcher = Repository.resolve("bin/microc");
    Path jar = Repository.appJar();
    HostileDaemon[] daemons = HostileDaemon.values();
    ExecutorService pool = Executors.newFixedThreadPool(daemons.length);
    List<Future<Outcome>> runs = new ArrayList<>();
    try {
      for (int i = 0; i < daemons.length; i++) {
        HostileDaemon daemon = daemons[i];
        runs.add(pool.submit(() -> face(launcher, jar, daemon)));
      }
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> run : runs) {
        outcomes.add(run.get(5, TimeUnit.MINUTES));
      }
      for (Outcome o : outcomes) {
        System.out.printf("hostile daemon %-22s %3d scrapes, %d failed, %d log lines (%d of the"
            + " Docker side), alive=%s, %.1f s%n", o.daemon(), o.scrapes(), o.failures().size(),
            o.log().size(), o.log().stream().filter(l -> l.contains(" MetadataWatcher - ")
                || l.contains(" Watchdog - ")).count(), o.alive(), o.millis() / 1000.0);
      }
      for (Outcome o : outcomes) {
        String log = String.join("\n", o.log());
        assertThat(o.alive()).as("%s: alive; log:%n%s", o.daemon(), log).isTrue();
        assertThat(o.failures()).as("%s: failed scrapes out of %d; log:%n%s", o.daemon(),
            o.scrapes(), log).isEmpty();
        assertThat(o.scrapes()).as("%s: scrapes", o.daemon()).isGreaterThanOrEqualTo(5);
        assertThat(o.log()).as("%s: lines of the Docker side", o.daemon())
            .filteredOn(l -> l.contains(" MetadataWatcher - ") || l.contains(" Watchdog - "))
            .hasSizeLessThanOrEqualTo(MAX_DOCKER_LINES);
        assertThat(o.log()).as("%s: log lines", o.daemon()).hasSizeLessThanOrEqualTo(MAX_LOG_LINES);
        assertThat(o.log()).as("%s: no stack trace, no OutOfMemoryError", o.daemon())
            .noneMatch(l -> l.startsWith("\tat ") || l.contains("OutOfMemoryError"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Starts the daemon and an exporter on it, scrapes it for a while, and stops both. */
  private Outcome face(Path launcher, Path jar, HostileDaemon hostile) throws Exception {
    long start = System.nanoTime();
    Path socket = dir.resolve(hostile.name().toLowerCase() + ".sock");
    Path log = dir.resolve(hostile.name().toLowerCase() + ".log");
    String host = "unix://" + socket;
    try (FakeDaemon daemon = hostile.start(socket)) {
      ProcessBuilder builder = new ProcessBuilder(launcher.toString(),
          "--web.listen-address=127.0.0.1:0",
          "--collector.containers.docker-host=" + host,
          "--watchdog.containers=web",
          "--collector.watchdog.docker-host=" + host)
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      builder.environment().putAll(Map.of(
          "MICROC_JAR", jar.toString(),
          "JAVA_HOME", System.getProperty("java.home"),
          // The class-data archive only speeds up the start; the heap limit is the point here.
          "MICROC_CDS", "off"));
      Process process = builder.start();
      try {
        int port = Ports.fromLog(log, Ports.MICROC, process, READY);
        awaitReady(process, port, log);
        int scrapes = 0;
        List<String> failures = new ArrayList<>();
        long end = System.nanoTime() + SCRAPING.toNanos();
        while (System.nanoTime() < end && process.isAlive()) {
          Http.Response r = Http.get("http://127.0.0.1:" + port + "/metrics");
          scrapes++;
          if (r.status() != 200) {
            failures.add("scrape " + scrapes + ": " + r.status() + " " + r.body());
          } else if (!r.body().contains("node_cpu_seconds_total{")
              || !r.body().contains("node_memory_MemTotal_bytes ")) {
            failures.add("scrape " + scrapes + ": no host metrics");
          } else if (!DOWN.matcher(r.body()).find()) {
            failures.add("scrape " + scrapes + ": not microc_docker_up 0: " + r.body().lines()
                .filter(l -> l.startsWith("microc_docker_up")).toList());
          }
          Thread.sleep(250);
        }
        return new Outcome(hostile, scrapes, failures, lines(log), process.isAlive(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      } finally {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static void awaitReady(Process process, int port, Path log) throws Exception {
    long deadline = System.nanoTime() + READY.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("exited " + process.exitValue() + ":\n" + Files.readString(log));
      }
      if (Http.get("http://127.0.0.1:" + port + "/ready").status() == 200) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not ready within " + READY + ":\n" + Files.readString(log));
  }

  private static List<String> lines(Path log) throws IOException {
    return Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
  }
}
