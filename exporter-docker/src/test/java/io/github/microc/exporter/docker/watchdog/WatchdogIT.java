package io.github.microc.exporter.docker.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.testing.Engines;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The watchdog against the real dockerd, with real containers of the locally built image
 * {@code microc-test/busybox:1}, driven with the {@code docker} command as a person would.
 * Each container appends a line to {@code /data/runs} (a host directory) every time it
 * starts, so the number of runs is an oracle the watchdog does not write. All scenarios run
 * side by side under one watchdog with short backoffs; a second, dry-run watchdog watches its
 * own container.
 */
@TestMethodOrder(OrderAnnotation.class)
class WatchdogIT {

  static final String IMAGE = "microc-test/busybox:1";
  static final String PREFIX = "microc-wd-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
  static final String LABEL = "microc-it." + PREFIX.substring("microc-wd-".length()) + ".watchdog";
  static final String CRASH_ONCE = PREFIX + "-crash-once";
  static final String STOPPED = PREFIX + "-stopped";
  static final String KILLED = PREFIX + "-killed";
  static final String UNHEALTHY = PREFIX + "-unhealthy";
  static final String LOOP = PREFIX + "-loop";
  static final String LABELLED = PREFIX + "-labelled";
  static final String UNWATCHED = PREFIX + "-unwatched";
  static final String DRY = PREFIX + "-dry";
  static final String CRASHED_BEFORE = PREFIX + "-crashed-before";
  static final int MAX_RESTARTS = 3;

  static Path data;
  static Microc watchdog;
  static Microc dryRun;
  static LogCapture logs;

  @BeforeAll
  static void startContainersAndWatchdogs() throws Exception {
    Engines.require(dockerAnswers(), "dockerd does not answer on /var/run/docker.sock;"
        + " run .ci/docker-setup.sh (or start dockerd)");
    Engines.require(run("docker", "image", "inspect", IMAGE).exit == 0, "image " + IMAGE
        + " is missing; .ci/docker-setup.sh builds it with docker import");
    data = Files.createTempDirectory("microc-watchdog-it");
    logs = LogCapture.start();
    // Crashes once before any watchdog runs: only the sweep at start can see it.
    container(CRASHED_BEFORE, List.of(), "if [ -f /data/crashed ]; then exec sleep 3600; fi;"
        + " touch /data/crashed; exit 6");
    await(CRASHED_BEFORE + " crashed", Duration.ofSeconds(20),
        () -> runs(CRASHED_BEFORE) == 1 && state(CRASHED_BEFORE).equals("exited"));

    watchdog = Microc.builder()
        .plugins(List.of(new Watchdog.Plugin()))
        .set("microc.collectors.watchdog.enabled", true, "test")
        .set("microc.collectors.watchdog.containers",
            List.of(CRASH_ONCE, STOPPED, KILLED, UNHEALTHY, LOOP, CRASHED_BEFORE), "test")
        .set("microc.collectors.watchdog.label", LABEL, "test")
        .set("microc.collectors.watchdog.initial-backoff", "300ms", "test")
        .set("microc.collectors.watchdog.max-backoff", "1s", "test")
        .set("microc.collectors.watchdog.max-restarts", MAX_RESTARTS, "test")
        .set("microc.collectors.watchdog.window", "2m", "test")
        .set("microc.collectors.watchdog.healthy-after", "2m", "test")
        .set("microc.collectors.watchdog.sweep-interval", "2s", "test")
        .set("microc.collectors.watchdog.stop-timeout", "1s", "test")
        .build();
    dryRun = Microc.builder()
        .plugins(List.of(new Watchdog.Plugin()))
        .set("microc.collectors.watchdog.enabled", true, "test")
        .set("microc.collectors.watchdog.containers", List.of(DRY), "test")
        .set("microc.collectors.watchdog.label", "", "test")
        .set("microc.collectors.watchdog.dry-run", true, "test")
        .set("microc.collectors.watchdog.initial-backoff", "200ms", "test")
        .set("microc.collectors.watchdog.sweep-interval", "2s", "test")
        .build();
    await("both watchdogs follow the events", Duration.ofSeconds(20),
        () -> value(scrape(watchdog), "microc_watchdog_events_connected") == 1
            && value(scrape(dryRun), "microc_watchdog_events_connected") == 1);

    // Exits 3 on its first run only.
    container(CRASH_ONCE, List.of(), "if [ -f /data/crashed ]; then exec sleep 3600; fi;"
        + " touch /data/crashed; exit 3");
    container(STOPPED, List.of(), "exec sleep 3600");
    container(KILLED, List.of(), "exec sleep 3600");
    // Turns unhealthy two seconds into its first run; healthy after a restart.
    container(UNHEALTHY, List.of("--health-cmd", "test ! -f /tmp/sick", "--health-interval", "1s",
        "--health-retries", "1", "--health-timeout", "2s"),
        "rm -f /tmp/sick; if [ \"$(wc -l < /data/runs)\" -lt 2 ]; then (sleep 2; touch /tmp/sick) & fi;"
            + " exec sleep 3600");
    // Crashes at once, every time.
    container(LOOP, List.of(), "exit 1");
    container(LABELLED, List.of("--label", LABEL + "=true"),
        "if [ -f /data/crashed ]; then exec sleep 3600; fi; touch /data/crashed; exit 4");
    container(UNWATCHED, List.of(), "exit 2");
    container(DRY, List.of(), "exit 5");

    await(STOPPED + " and " + KILLED + " run", Duration.ofSeconds(20),
        () -> runs(STOPPED) == 1 && runs(KILLED) == 1);
    docker("stop", "--time", "1", STOPPED);
    docker("kill", KILLED);
  }

  @AfterAll
  static void cleanUp() throws IOException {
    try {
      if (watchdog != null) {
        watchdog.close();
      }
      if (dryRun != null) {
        dryRun.close();
      }
      List<String> names = List.of(CRASH_ONCE, STOPPED, KILLED, UNHEALTHY, LOOP, LABELLED,
          UNWATCHED, DRY, CRASHED_BEFORE);
      List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f"));
      rm.addAll(names);
      run(rm.toArray(String[]::new));
    } finally {
      if (logs != null) {
        logs.close();
      }
      if (data != null) {
        try (Stream<Path> files = Files.walk(data)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  @Test
  @Order(1)
  void watchedContainerExitingNonZeroIsRestarted() {
    await(CRASH_ONCE + " restarted", Duration.ofSeconds(30),
        () -> runs(CRASH_ONCE) == 2 && state(CRASH_ONCE).equals("running")
            // Counted once the engine has answered the restart, which can be after it runs.
            && value(scrape(watchdog), restarts(CRASH_ONCE, "exit_code", false)) == 1);

    String metrics = scrape(watchdog);
    assertThat(value(metrics, restarts(CRASH_ONCE, "exit_code", false))).isEqualTo(1);
    assertThat(value(metrics, "microc_watchdog_restart_failures_total{name=\"" + CRASH_ONCE + "\"}"))
        .isZero();
    assertThat(logLines()).anyMatch(l -> l.contains("watchdog restart name=" + CRASH_ONCE + " ")
        && l.contains("reason=exit_code exit_code=3 attempt=1/3 delay=300ms"));
  }

  @Test
  @Order(2)
  void containerThatCrashedBeforeTheWatchdogStartedIsRestartedByTheFirstSweep() {
    await(CRASHED_BEFORE + " restarted", Duration.ofSeconds(30),
        () -> runs(CRASHED_BEFORE) == 2 && state(CRASHED_BEFORE).equals("running")
            && value(scrape(watchdog), restarts(CRASHED_BEFORE, "exit_code", false)) == 1);

    assertThat(value(scrape(watchdog), restarts(CRASHED_BEFORE, "exit_code", false))).isEqualTo(1);
    assertThat(logLines()).anyMatch(l -> l.contains("watchdog restart name=" + CRASHED_BEFORE + " ")
        && l.contains("trigger=sweep reason=exit_code exit_code=6"));
  }

  @Test
  @Order(2)
  void labelledContainerIsRestarted() {
    await(LABELLED + " restarted", Duration.ofSeconds(30),
        () -> runs(LABELLED) == 2 && state(LABELLED).equals("running")
            && value(scrape(watchdog), restarts(LABELLED, "exit_code", false)) == 1);

    String metrics = scrape(watchdog);
    assertThat(value(metrics, "microc_watchdog_watched{name=\"" + LABELLED + "\"}")).isEqualTo(1);
    assertThat(value(metrics, restarts(LABELLED, "exit_code", false))).isEqualTo(1);
  }

  @Test
  @Order(3)
  void watchedContainerStoppedWithDockerStopIsLeftAlone() {
    String reason = awaitLeftAlone(STOPPED);
    // Longer than the backoff and two sweeps: still down, never started again.
    sleep(Duration.ofSeconds(5));

    assertThat(state(STOPPED)).isEqualTo("exited");
    assertThat(runs(STOPPED)).isEqualTo(1);
    assertThat(value(scrape(watchdog), restarts(STOPPED, "exit_code", false))).isZero();
    assertThat(skipped(STOPPED, reason)).as("judged once").isEqualTo(1);
    assertThat(logLines()).anyMatch(l -> l.contains("watchdog skip name=" + STOPPED + " ")
        && l.contains("reason=" + reason)
        && l.contains(reason.equals("stopped_by_user") ? "kill signal" : "presumed on purpose"));
  }

  @Test
  @Order(4)
  void watchedContainerKilledWithDockerKillIsLeftAlone() {
    String reason = awaitLeftAlone(KILLED);
    sleep(Duration.ofSeconds(3));

    assertThat(state(KILLED)).isEqualTo("exited");
    assertThat(runs(KILLED)).isEqualTo(1);
    assertThat(value(scrape(watchdog), restarts(KILLED, "exit_code", false))).isZero();
    assertThat(skipped(KILLED, reason)).as("judged once").isEqualTo(1);
  }

  /**
   * Waits for the watchdog to leave a container a person stopped alone; the reason it gave.
   * The events explain the stop ({@code stopped_by_user}, after the kill event), unless a
   * periodic sweep (every 2 s here) listed the dead container before the watchdog read the
   * kill event: then the death by signal is presumed on purpose ({@code stop_signal}). On a
   * loaded machine either can come first; both leave it alone.
   */
  static String awaitLeftAlone(String name) {
    await(name + " judged", Duration.ofSeconds(20),
        () -> skipped(name, "stopped_by_user") == 1 || skipped(name, "stop_signal") == 1);
    String metrics = scrape(watchdog);
    double byUser = count(metrics, "microc_watchdog_skipped_total{name=\"" + name + "\",reason=\"stopped_by_user\"}");
    double bySignal = count(metrics, "microc_watchdog_skipped_total{name=\"" + name + "\",reason=\"stop_signal\"}");
    assertThat(byUser + bySignal).as(name + " judged once").isEqualTo(1);
    String reason = byUser == 1 ? "stopped_by_user" : "stop_signal";
    System.out.printf("WatchdogIT: %s left alone, reason=%s%n", name, reason);
    return reason;
  }

  @Test
  @Order(5)
  void unhealthyWatchedContainerIsRestarted() {
    await(UNHEALTHY + " restarted and healthy", Duration.ofSeconds(45),
        () -> runs(UNHEALTHY) == 2 && health(UNHEALTHY).equals("healthy")
            && value(scrape(watchdog), restarts(UNHEALTHY, "unhealthy", false)) == 1);

    String metrics = scrape(watchdog);
    assertThat(value(metrics, restarts(UNHEALTHY, "unhealthy", false))).isEqualTo(1);
    // The watchdog's own restart (kill, die, stop) is not mistaken for a person's stop.
    assertThat(value(metrics, "microc_watchdog_skipped_total{name=\"" + UNHEALTHY
        + "\",reason=\"stopped_by_user\"}")).isNaN();
  }

  @Test
  @Order(6)
  void crashLoopBacksOffAndGivesUpAfterTheLimit() throws IOException {
    await(LOOP + " given up", Duration.ofSeconds(45),
        () -> value(scrape(watchdog), "microc_watchdog_gave_up{name=\"" + LOOP + "\"}") == 1);
    // Two sweeps later it is still given up and was not started again.
    sleep(Duration.ofSeconds(5));

    String metrics = scrape(watchdog);
    assertThat(runs(LOOP)).isEqualTo(1 + MAX_RESTARTS);
    assertThat(state(LOOP)).isEqualTo("exited");
    assertThat(value(metrics, restarts(LOOP, "exit_code", false))).isEqualTo(MAX_RESTARTS);
    assertThat(value(metrics, "microc_watchdog_gave_up{name=\"" + LOOP + "\"}")).isEqualTo(1);
    assertThat(value(metrics, "microc_watchdog_skipped_total{name=\"" + LOOP
        + "\",reason=\"gave_up\"}")).isEqualTo(1);
    // Each start came at least its backoff after the previous end: 300ms, 600ms, 1s.
    List<Double> starts = startTimes(LOOP);
    assertThat(starts).hasSize(1 + MAX_RESTARTS);
    double[] backoffs = {0.3, 0.6, 1.0};
    for (int i = 1; i < starts.size(); i++) {
      assertThat(starts.get(i) - starts.get(i - 1)).as("gap before restart %d", i)
          .isGreaterThanOrEqualTo(backoffs[i - 1]);
    }
    assertThat(logLines()).anyMatch(l -> l.contains("watchdog give_up name=" + LOOP + " ")
        && l.contains("attempt=3/3"));
    assertThat(logLines()).anyMatch(l -> l.contains("watchdog restart name=" + LOOP + " ")
        && l.contains("attempt=3/3 delay=1s next_backoff=give_up"));
  }

  @Test
  @Order(7)
  void dryRunRestartsNothingButCountsAndLogs() {
    await("the dry run counted", Duration.ofSeconds(20),
        () -> value(scrape(dryRun), restarts(DRY, "exit_code", true)) == 1);
    sleep(Duration.ofSeconds(3));

    String metrics = scrape(dryRun);
    assertThat(runs(DRY)).isEqualTo(1);
    assertThat(state(DRY)).isEqualTo("exited");
    assertThat(value(metrics, restarts(DRY, "exit_code", true))).isEqualTo(1);
    assertThat(value(metrics, "microc_watchdog_dry_run")).isEqualTo(1);
    assertThat(logLines()).anyMatch(l -> l.contains("watchdog restart name=" + DRY + " ")
        && l.contains("exit_code=5") && l.contains("dry_run=true"));
  }

  @Test
  @Order(8)
  void unwatchedContainerIsNeverTouched() {
    // By now every other scenario has run for many seconds and sweeps.
    assertThat(runs(UNWATCHED)).isEqualTo(1);
    assertThat(state(UNWATCHED)).isEqualTo("exited");
    assertThat(scrape(watchdog)).doesNotContain(UNWATCHED).contains(CRASH_ONCE);
    assertThat(scrape(dryRun)).doesNotContain(UNWATCHED);
    assertThat(logLines()).noneMatch(l -> l.contains(UNWATCHED));
  }

  // ---- helpers -----------------------------------------------------------------------------

  static String restarts(String name, String reason, boolean dry) {
    // The text format orders labels by name.
    return "microc_watchdog_restarts_total{dry_run=\"" + dry + "\",name=\"" + name
        + "\",reason=\"" + reason + "\"}";
  }

  static double skipped(String name, String reason) {
    return value(scrape(watchdog), "microc_watchdog_skipped_total{name=\"" + name
        + "\",reason=\"" + reason + "\"}");
  }

  static void container(String name, List<String> options, String script) throws IOException {
    Path dir = Files.createDirectories(data.resolve(name));
    Files.writeString(dir.resolve("runs"), "");
    // No network: the watchdog does not care, and a test must not depend on docker0.
    List<String> command = new ArrayList<>(List.of("docker", "run", "-d", "--name", name,
        "--network", "none", "-v", dir + ":/data"));
    command.addAll(options);
    command.addAll(List.of(IMAGE, "sh", "-c", "cut -d' ' -f1 /proc/uptime >> /data/runs; " + script));
    docker(command.subList(1, command.size()).toArray(String[]::new));
  }

  /** How many times the container started, from the line each run writes. */
  static int runs(String name) {
    return startTimes(name).size();
  }

  /** The host's uptime when each run started, in seconds. */
  static List<Double> startTimes(String name) {
    try {
      return Files.readAllLines(data.resolve(name).resolve("runs")).stream()
          .filter(l -> !l.isBlank()).map(Double::parseDouble).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String state(String name) {
    return docker("inspect", "--format", "{{.State.Status}}", name).trim();
  }

  static String health(String name) {
    return docker("inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}",
        name).trim();
  }

  static String scrape(Microc microc) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      new PrometheusTextFormatWriter(false).write(out, microc.engine().collect());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The value of a counter in the exposition, 0 when it is not there. */
  static double count(String exposition, String series) {
    double v = value(exposition, series);
    return Double.isNaN(v) ? 0 : v;
  }

  /** The value of one series in the exposition, NaN when it is not there. */
  static double value(String exposition, String series) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return Double.NaN;
  }

  static List<String> logLines() {
    return logs.lines();
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for: "
            + what + "\n" + scrapeQuietly());
      }
      sleep(Duration.ofMillis(200));
    }
  }

  static String scrapeQuietly() {
    try {
      return scrape(watchdog) + scrape(dryRun);
    } catch (RuntimeException e) {
      return e.toString();
    }
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static boolean dockerAnswers() {
    return Files.exists(Path.of("/var/run/docker.sock"))
        && run("docker", "version", "--format", "{{.Server.Version}}").exit == 0;
  }

  static String docker(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "docker";
    System.arraycopy(args, 0, command, 1, args.length);
    Result result = run(command);
    if (result.exit != 0) {
      throw new AssertionError(String.join(" ", command) + " failed (" + result.exit + "): "
          + result.output);
    }
    return result.output;
  }

  record Result(int exit, String output) {}

  static Result run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, e.toString());
    }
  }
}
