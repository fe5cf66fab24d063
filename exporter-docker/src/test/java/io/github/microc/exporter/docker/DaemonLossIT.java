package io.github.microc.exporter.docker;

import static io.github.microc.exporter.docker.DockerCli.IMAGE;
import static io.github.microc.exporter.docker.DockerCli.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daemon dies under a running exporter and comes back, or hangs and goes on: every scrape
 * still succeeds, {@code microc_docker_up} says 0 meanwhile, and container metrics return
 * without restarting the exporter.
 */
class DaemonLossIT {

  private static final Duration RELIST = Duration.ofSeconds(2);
  private static final String NAME = "microc-it-loss";
  private static PrivateDockerd dockerd;
  private static TestExporter exporter;

  @BeforeAll
  static void start() throws Exception {
    DockerCli local = DockerCli.requireLocal();
    dockerd = PrivateDockerd.start();
    dockerd.load(local, IMAGE);
    dockerd.cli().run("run", "-d", "--name", NAME, "--restart", "always", "--network", "none",
        IMAGE, "sleep", "100000");
    exporter = TestExporter.start(Map.of(
        "microc.collectors.containers.docker-host", dockerd.host(),
        "microc.collectors.containers.relist-interval", RELIST.toSeconds() + "s"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (exporter != null) {
      exporter.close();
    }
    if (dockerd != null) {
      dockerd.close();
    }
  }

  @Test
  void scrapesNeverFailWhileTheDaemonDiesAndContainersReturnWhenItIsBack() throws Exception {
    await("the container's metrics", Duration.ofSeconds(30),
        () -> exporter.metrics().value("container_cpu_usage_seconds_total", NAME).isPresent());

    AtomicInteger scrapes = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicReference<Exposition> last = new AtomicReference<>();
    Thread scraper = scraper(scrapes, failures, last);
    try {
      dockerd.kill();
      await("microc_docker_up 0", Duration.ofSeconds(15), () -> up(last.get()) == 0);
      Thread.sleep(1500); // a few backoff rounds against a dead socket

      dockerd.restart();
      long answered = System.nanoTime();
      String id = dockerd.cli().run("inspect", "-f", "{{.Id}}", NAME);
      await("the restarted container's metrics", RELIST.multipliedBy(2).plusSeconds(8), () -> {
        Exposition e = last.get();
        String startedAt = dockerd.cli().run("inspect", "-f", "{{.State.StartedAt}}", NAME);
        double started = Instant.parse(startedAt).toEpochMilli() / 1000.0;
        return up(e) == 1
            && e.value("container_start_time_seconds", NAME).orElse(0.0) == started
            && e.value("container_cpu_usage_seconds_total", NAME).isPresent()
            && e.find("microc_container_info", NAME, s -> s.label("id").equals("/docker/" + id)).isPresent();
      });
      double seconds = (System.nanoTime() - answered) / 1e9;
      // At most one backoff (capped at the relist interval), the watcher's settling second and
      // a listing, with room for this test's own docker inspect calls on a loaded machine.
      assertThat(seconds).as("seconds from the daemon answering to fresh container metrics")
          .isLessThanOrEqualTo(2.0 * RELIST.toSeconds() + 3.0);
    } finally {
      scraper.interrupt();
      scraper.join(5000);
    }
    assertThat(failures).as("failed scrapes out of " + scrapes.get()).isEmpty();
    assertThat(scrapes.get()).isGreaterThan(20);
  }

  /**
   * A daemon that hangs (SIGSTOP) keeps its socket and its events stream open and says
   * nothing: {@code microc_docker_up} turns 0 within 15 s of the freeze, and 1 within 15 s of
   * the thaw (SIGCONT), and no scrape fails meanwhile.
   */
  @Test
  void aFrozenDaemonIsDownWithinFifteenSecondsAndUpWithinFifteenOfItsThaw() throws Exception {
    await("the container's metrics", Duration.ofSeconds(30),
        () -> up(exporter.metrics()) == 1
            && exporter.metrics().value("container_cpu_usage_seconds_total", NAME).isPresent());
    AtomicInteger scrapes = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicReference<Exposition> last = new AtomicReference<>();
    Thread scraper = scraper(scrapes, failures, last);
    try {
      long frozen = System.nanoTime();
      dockerd.freeze();
      await("microc_docker_up 0 after SIGSTOP", Duration.ofSeconds(15), () -> up(last.get()) == 0);
      double down = (System.nanoTime() - frozen) / 1e9;
      // Frozen for longer than a request's deadline, so that the tries meanwhile fail too.
      Thread.sleep(12_000);
      long thawed = System.nanoTime();
      dockerd.thaw();
      await("microc_docker_up 1 after SIGCONT", Duration.ofSeconds(15), () -> up(last.get()) == 1);
      System.out.printf("frozen daemon: down %.1f s after SIGSTOP, up %.1f s after SIGCONT%n",
          down, (System.nanoTime() - thawed) / 1e9);
      assertThat(last.get().value("container_cpu_usage_seconds_total", NAME))
          .as("the running container's metrics meanwhile").isPresent();
    } finally {
      scraper.interrupt();
      scraper.join(5000);
    }
    assertThat(failures).as("failed scrapes out of " + scrapes.get()).isEmpty();
    assertThat(scrapes.get()).isGreaterThan(50);
  }

  /** Scrapes every 100 ms until interrupted, keeping the last exposition and every failure. */
  private static Thread scraper(AtomicInteger scrapes, List<String> failures,
      AtomicReference<Exposition> last) {
    Thread scraper = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Exposition e = Exposition.parse(exporter.scrape());
          scrapes.incrementAndGet();
          boolean ok = e.samples().stream().anyMatch(s -> s.name().equals("microc_scrape_collector_success")
              && s.label("collector").equals("containers") && s.value() == 1);
          if (!ok) {
            failures.add("containers collector not successful at scrape " + scrapes.get());
          }
          last.set(e);
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          return;
        } catch (Exception ex) {
          failures.add(ex.toString());
        }
      }
    }, "scraper");
    scraper.start();
    return scraper;
  }

  private static double up(Exposition e) {
    return e == null ? -1 : e.samples().stream().filter(s -> s.name().equals("microc_docker_up"))
        .mapToDouble(Exposition.Sample::value).findFirst().orElse(-1);
  }
}
