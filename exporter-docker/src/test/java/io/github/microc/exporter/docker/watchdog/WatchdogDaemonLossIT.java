package io.github.microc.exporter.docker.watchdog;

import static io.github.microc.exporter.docker.watchdog.WatchdogIT.await;
import static io.github.microc.exporter.docker.watchdog.WatchdogIT.run;
import static io.github.microc.exporter.docker.watchdog.WatchdogIT.scrape;
import static io.github.microc.exporter.docker.watchdog.WatchdogIT.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog when its Docker daemon goes away: a private dockerd (own socket, data root and
 * exec root, no bridge) is killed while a watched container is about to crash, and started
 * again. Meanwhile every scrape succeeds; afterwards the watchdog reconnects on its own and
 * the sweep on reconnect restarts the container that crashed while nobody was listening.
 */
class WatchdogDaemonLossIT {

  static final String NAME = "microc-wd-loss";

  Path dir;
  Process dockerd;
  Microc microc;

  @Test
  void reconnectsAfterTheDaemonIsBackAndSweepsWhatHappenedMeanwhile() throws Exception {
    Path binary = Engines.requireExecutable("dockerd", "apt-get install docker.io", "/usr/sbin/dockerd");
    Engines.requireExecutable("unshare", "apt-get install util-linux");
    Engines.require(WatchdogIT.dockerAnswers()
        && run("docker", "image", "inspect", WatchdogIT.IMAGE).exit() == 0,
        "the local dockerd with image " + WatchdogIT.IMAGE + " (run .ci/docker-setup.sh)");
    dir = Files.createTempDirectory(Path.of("/tmp"), "microc-wdd");
    String host = "unix://" + dir.resolve("docker.sock");
    startDockerd(binary);
    WatchdogIT.Result loaded = run("sh", "-c",
        "docker save " + WatchdogIT.IMAGE + " | docker -H " + host + " load -q");
    assertThat(loaded.exit()).as(loaded.output()).isZero();

    microc = Microc.builder()
        .plugins(List.of(new Watchdog.Plugin()))
        .set("microc.collectors.watchdog.enabled", true, "test")
        .set("microc.collectors.watchdog.docker-host", host, "test")
        .set("microc.collectors.watchdog.containers", List.of(NAME), "test")
        .set("microc.collectors.watchdog.initial-backoff", "200ms", "test")
        .set("microc.collectors.watchdog.sweep-interval", "5m", "test")
        .build();
    await("connected", Duration.ofSeconds(20),
        () -> value(scrape(microc), "microc_watchdog_events_connected") == 1);

    // Crashes four seconds into its first run, which the daemon's absence will hide.
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("runs"), "");
    WatchdogIT.Result started = run("docker", "-H", host, "run", "-d", "--name", NAME,
        "--network", "none", "-v", data + ":/data", WatchdogIT.IMAGE, "sh", "-c",
        "echo run >> /data/runs; if [ -f /data/crashed ]; then exec sleep 3600; fi;"
            + " sleep 4; touch /data/crashed; exit 9");
    assertThat(started.exit()).as(started.output()).isZero();
    await("running", Duration.ofSeconds(20), () -> runs(data) == 1);

    dockerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
    int scrapes = 0;
    while (System.nanoTime() < end) {
      String text = scrape(microc);
      assertThat(value(text, "microc_scrape_collector_success{collector=\"watchdog\"}")).isEqualTo(1);
      scrapes++;
      Thread.sleep(100);
    }
    assertThat(scrapes).isGreaterThan(30);
    assertThat(value(scrape(microc), "microc_watchdog_events_connected")).isZero();
    assertThat(Files.exists(data.resolve("crashed"))).as("crashed during the outage").isTrue();

    startDockerd(binary);
    String restarts = "microc_watchdog_restarts_total{dry_run=\"false\",name=\"" + NAME
        + "\",reason=\"exit_code\"}";
    // The container runs before the daemon answers the start that ran it: the counter follows.
    await("reconnected and restarted", Duration.ofSeconds(40), () -> {
      String text = scrape(microc);
      return value(text, "microc_watchdog_events_connected") == 1 && runs(data) == 2
          && value(text, restarts) >= 1;
    });
    String text = scrape(microc);
    assertThat(value(text, "microc_watchdog_event_stream_reconnects_total")).isEqualTo(1);
    assertThat(value(text, restarts)).isEqualTo(1);
    assertThat(runs(data)).as("runs of the container").isEqualTo(2);
  }

  @AfterEach
  void stop() throws Exception {
    if (microc != null) {
      microc.close();
    }
    if (dockerd != null && dockerd.isAlive()) {
      run("docker", "-H", "unix://" + dir.resolve("docker.sock"), "rm", "-f", NAME);
      // Killing unshare kills the daemon too (--kill-child); a SIGTERM would leave it shutting
      // down in the background while its directories are removed.
      dockerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      awaitDaemonGone();
    }
    if (dir != null) {
      // dockerd leaves its data root mounted on itself.
      run("umount", dir.resolve("root").toString());
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  void awaitDaemonGone() throws Exception {
    Path pidFile = dir.resolve("docker.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < end) {
      Thread.sleep(100);
    }
  }

  void startDockerd(Path binary) throws IOException {
    // In a network namespace of its own: a second dockerd with --bridge none in the host's
    // namespace deletes the host's docker0, breaking the main daemon's default bridge.
    List<String> command = new ArrayList<>(List.of("unshare", "--net", "--fork", "--kill-child", binary.toString(),
        "--host", "unix://" + dir.resolve("docker.sock"),
        "--data-root", dir.resolve("root").toString(),
        "--exec-root", dir.resolve("exec").toString(),
        "--pidfile", dir.resolve("docker.pid").toString(),
        "--bridge", "none", "--iptables=false", "--ip-masq=false"));
    dockerd = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile()))
        .start();
    String host = "unix://" + dir.resolve("docker.sock");
    await("the private dockerd answers", Duration.ofSeconds(30),
        () -> run("docker", "-H", host, "version", "--format", "{{.Server.Version}}").exit() == 0);
  }

  static int runs(Path data) {
    try {
      return (int) Files.readAllLines(data.resolve("runs")).stream().filter(l -> !l.isBlank()).count();
    } catch (IOException e) {
      return -1;
    }
  }
}
