package io.github.microc.exporter.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.spi.HostPaths;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A daemon that is not there: the collector starts at once and every scrape succeeds. */
class DaemonDownTest {

  @Test
  void startsWithoutWaitingAndReportsTheDaemonDown(@TempDir Path dir) throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    String socket = "unix://" + dir.resolve("docker.sock");
    long t0 = System.nanoTime();
    try (ContainerCollector collector = ContainerCollector.start(
        ContainerSettingsTest.settings("docker-host = \"" + socket + "\"\nrelist-interval = 1s"),
        HostPaths.DEFAULT, scheduler)) {
      assertThat((System.nanoTime() - t0) / 1e9).as("seconds to start").isLessThan(1.0);
      for (int i = 0; i < 20; i++) {
        String text = ContainerCollectorTest.render(collector.collect());
        assertThat(text).contains("microc_docker_up 0.0");
        Thread.sleep(100);
      }
    } finally {
      scheduler.shutdownNow();
    }
  }
}
