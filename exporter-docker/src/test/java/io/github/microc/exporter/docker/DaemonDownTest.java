package io.github.microc.exporter.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.spi.HostPaths;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A daemon that is not there, or never answers: the collector starts and every scrape succeeds. */
class DaemonDownTest {

  @Test
  void aMissingDaemonIsReportedDownOnEveryScrape(@TempDir Path dir) throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    String socket = "unix://" + dir.resolve("docker.sock");
    try (ContainerCollector collector = ContainerCollector.start(
        ContainerSettingsTest.settings("docker-host = \"" + socket + "\"\nrelist-interval = 1s"),
        HostPaths.DEFAULT, scheduler)) {
      for (int i = 0; i < 20; i++) {
        String text = ContainerCollectorTest.render(collector.collect());
        assertThat(text).contains("microc_docker_up 0.0");
        Thread.sleep(100);
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * The daemon's socket takes connections but nothing ever reads them, and a request may wait
   * a minute: had the start waited for the first listing, the test would run into its timeout.
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void startsWithoutWaitingForADaemonThatNeverAnswers(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("docker.sock");
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      silent.bind(UnixDomainSocketAddress.of(path), 16);
      try (ContainerCollector collector = ContainerCollector.start(
          ContainerSettingsTest.settings("docker-host = \"unix://" + path + "\"\nrequest-timeout = 60s"),
          HostPaths.DEFAULT, scheduler)) {
        String text = ContainerCollectorTest.render(collector.collect());
        assertThat(text).contains("microc_docker_up 0.0");
      }
    } finally {
      scheduler.shutdownNow();
    }
  }
}
