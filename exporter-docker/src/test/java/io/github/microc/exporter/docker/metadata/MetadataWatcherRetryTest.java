package io.github.microc.exporter.docker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.docker.client.DockerApi;
import io.github.microc.exporter.docker.client.FakeDaemon;
import io.github.microc.exporter.docker.client.HostileDaemon;
import io.github.microc.exporter.docker.watchdog.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher against stand-in daemons on a socket of the test's own: what it reports while a
 * daemon misbehaves, how often it tries again, and how much it says about it.
 */
class MetadataWatcherRetryTest {

  @TempDir
  Path dir;

  private final ContainerCache cache = new ContainerCache();

  private MetadataWatcher watcher(FakeDaemon daemon, Duration ping) {
    return new MetadataWatcher(DockerApi.create(daemon.host(), Duration.ofSeconds(2)), cache,
        Duration.ofSeconds(30), ping);
  }

  @Test
  void aStreamThatClosesAtOnceIsTriedEverLessOftenSaidOnceAndNeverUp() throws Exception {
    try (LogCapture logs = LogCapture.start();
        FakeDaemon daemon = HostileDaemon.EVENTS_CLOSE_AT_ONCE.start(dir.resolve("d.sock"));
        MetadataWatcher watcher = watcher(daemon, Duration.ofSeconds(5))) {
      watcher.start();
      long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
      while (System.nanoTime() < end) {
        assertThat(cache.snapshot().up()).as("up while the stream cannot be kept").isFalse();
        Thread.sleep(20);
      }
      long streams = daemon.requests.stream().filter(r -> r.startsWith("GET /events")).count();
      long listings = daemon.requests.stream().filter(r -> r.startsWith("GET /containers/json"))
          .count();
      // Tries after 0.25, 0.5, 1 and 2 s: five in six seconds (one every 250 ms would be 24).
      assertThat(streams).as("events streams opened").isBetween(2L, 5L);
      assertThat(listings).as("listings").isEqualTo(streams);
      List<String> said = logs.lines().stream().filter(l -> l.contains("MetadataWatcher")).toList();
      assertThat(said).hasSize(1);
      assertThat(said.get(0)).contains("WARN", "cannot follow the docker daemon at " + daemon.host(),
          "the events stream failed", "after it opened", "microc_docker_up is 0", "retrying with backoff up to 30s");
      assertThat(cache.snapshot().containers()).as("the listings still tell the containers")
          .containsOnlyKeys(HostileDaemon.id("1"), HostileDaemon.id("2"));
    }
  }

  @Test
  void aStreamThatWorksAndEndsIsOpenedAgainQuietlyAndEverLessOften() throws Exception {
    FakeDaemon.Handler cutting = (request, out) -> {
      if (request.startsWith("GET /events")) {
        // A proxy's idle timeout: the stream ends, cleanly, 1.5 s after it opened.
        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n");
        Thread.sleep(1500);
        out.write("0\r\n\r\n");
        out.close();
        return;
      }
      HostileDaemon.asDocker(request, out, true);
    };
    try (LogCapture logs = LogCapture.start();
        FakeDaemon daemon = new FakeDaemon(dir.resolve("d.sock"), cutting);
        MetadataWatcher watcher = watcher(daemon, Duration.ofSeconds(5))) {
      watcher.start();
      await("up", () -> cache.snapshot().up());
      long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
      while (System.nanoTime() < end) {
        assertThat(cache.snapshot().up()).as("up while the stream is opened again").isTrue();
        Thread.sleep(20);
      }
      long streams = daemon.requests.stream().filter(r -> r.startsWith("GET /events")).count();
      // Opened again 0.25, 0.5 and 1 s after it ended; at once each time, it would be six.
      assertThat(streams).as("events streams opened").isBetween(3L, 5L);
      assertThat(logs.lines()).noneMatch(l -> l.contains("MetadataWatcher"));
    }
  }

  @Test
  void aDaemonThatStopsAnsweringIsDownSoonAndUpAgainWhenItAnswers() throws Exception {
    AtomicBoolean frozen = new AtomicBoolean();
    FakeDaemon.Handler freezable = (request, out) -> {
      while (frozen.get()) {
        Thread.sleep(10);
      }
      HostileDaemon.asDocker(request, out, true);
    };
    try (LogCapture logs = LogCapture.start();
        FakeDaemon daemon = new FakeDaemon(dir.resolve("d.sock"), freezable);
        MetadataWatcher watcher = watcher(daemon, Duration.ofMillis(500))) {
      watcher.start();
      await("up", () -> cache.snapshot().up());
      assertThat(cache.snapshot().containers()).hasSize(2);

      frozen.set(true);
      await("down while frozen", () -> !cache.snapshot().up());
      // Down as soon as a call is late; said once the call has failed, and the daemon thawed then.
      await("said to be lost", () -> logs.lines().stream().anyMatch(l -> l.contains("cannot follow")));
      frozen.set(false);
      await("up once it answers again", () -> cache.snapshot().up());
      // Said just after the cache is marked up.
      await("said to answer again", () -> logs.lines().stream().anyMatch(l -> l.contains("answers again")));

      List<String> said = logs.lines().stream().filter(l -> l.contains("MetadataWatcher")).toList();
      assertThat(said).hasSize(2);
      assertThat(said.get(0)).contains("WARN", "cannot follow the docker daemon");
      assertThat(said.get(1)).contains("INFO", "answers again");
    }
  }

  @Test
  void aDaemonThatIsNotThereIsSaidOnceAndFoundWhenItComes() throws Exception {
    Path socket = dir.resolve("d.sock");
    try (LogCapture logs = LogCapture.start();
        MetadataWatcher watcher = new MetadataWatcher(
            DockerApi.create("unix://" + socket, Duration.ofSeconds(2)), cache,
            Duration.ofSeconds(30), Duration.ofMillis(500))) {
      watcher.start();
      // Tries at 0, 0.25, 0.75, 1.75 and 3.75 s; the next one waits until 7.75 s.
      Thread.sleep(4500);
      assertThat(cache.snapshot().up()).isFalse();
      try (FakeDaemon daemon = new FakeDaemon(socket,
          (request, out) -> HostileDaemon.asDocker(request, out, true))) {
        // Meanwhile a ping every 500 ms looks for the daemon, and finds it first.
        await("up", () -> cache.snapshot().up());
        await("said to answer again", () -> logs.lines().stream().anyMatch(l -> l.contains("answers again")));
        assertThat(daemon.requests).first().asString().startsWith("GET /_ping");
        List<String> said = logs.lines().stream().filter(l -> l.contains("MetadataWatcher")).toList();
        assertThat(said).hasSize(2);
        assertThat(said.get(0)).contains("WARN", "cannot follow the docker daemon",
            "No such file or directory");
        assertThat(said.get(1)).contains("INFO", "answers again");
      }
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not " + what + " within 10 s");
      }
      Thread.sleep(20);
    }
  }
}
