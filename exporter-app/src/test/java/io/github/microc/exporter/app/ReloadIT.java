package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP and {@code POST /-/reload} on the running jar while a scraper fetches {@code /metrics}
 * every 100 ms: a good change takes effect, a bad one and a missing file are refused with the
 * file and line and the metric at 0, and not one scrape fails.
 */
class ReloadIT {

  @TempDir
  Path work;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private HttpResponse<String> get(int port, String path, String user, String password) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            (user + ":" + password).getBytes(StandardCharsets.UTF_8)))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String hash(String user, String password) throws Exception {
    Path htpasswd = Engines.requireExecutable("htpasswd", "apt-get install apache2-utils", "/usr/bin/htpasswd");
    Process p = new ProcessBuilder(htpasswd.toString(), "-nbBC", "10", user, password).start();
    String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    return line.substring(line.indexOf(':') + 1);
  }

  @Test
  void sighupAppliesAGoodChangeRefusesABadOneAndAMissingFileWithoutAFailedScrape() throws Exception {
    long start = System.nanoTime();
    String alice = hash("alice", "a");
    String bob = hash("bob", "b");
    Path config = Files.writeString(work.resolve("microc.conf"), """
        microc.collectors {
          loadavg.enabled = true
          time.enabled = true
        }
        """);
    Path web = Files.writeString(work.resolve("web.yml"), "basic_auth_users:\n  alice: " + alice + "\n");
    try (ExporterProcess p = ExporterProcess.start(work, "--config", config.toString(),
        "--web.config.file=" + web, "--web.enable-lifecycle", "--collector.disable-defaults",
        ExporterProcess.ANY_PORT)) {
      int port = p.port();
      AtomicBoolean scraping = new AtomicBoolean(true);
      AtomicInteger scrapes = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      Thread scraper = new Thread(() -> {
        while (scraping.get()) {
          try {
            HttpResponse<String> r = get(port, "/metrics", "alice", "a");
            if (r.statusCode() != 200 || !r.body().contains("node_load1")) {
              failures.add(r.statusCode() + " " + r.body());
            }
            scrapes.incrementAndGet();
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      }, "scraper");
      scraper.start();
      try {
        await(() -> get(port, "/metrics", "alice", "a").body(), body -> body.contains("node_time_seconds"));
        assertThat(get(port, "/metrics", "bob", "b").statusCode()).isEqualTo(401);

        // A good change: the time collector off, a new user.
        Files.writeString(config, """
            microc.collectors {
              loadavg.enabled = true
              time.enabled = false
            }
            """);
        Files.writeString(web, "basic_auth_users:\n  alice: " + alice + "\n  bob: " + bob + "\n");
        hangUp(p, scrapes);
        await(() -> get(port, "/metrics", "bob", "b").statusCode() + " " + get(port, "/metrics", "alice", "a").body(),
            body -> body.startsWith("200 ") && !body.contains("node_time_seconds")
                && body.contains("microc_config_last_reload_successful 1.0"));

        // A bad change: an unknown key. Refused with its file and line; the good one stays.
        Files.writeString(config, """
            microc.collectors {
              loadavg.enabled = true
              loadavg.bogus = 1
            }
            """);
        hangUp(p, scrapes);
        await(() -> get(port, "/metrics", "alice", "a").body(),
            body -> body.contains("microc_config_last_reload_successful 0.0"));
        // The gauge is set before the line is logged.
        await(p::err, err -> err.contains(config + ":3: microc.collectors.loadavg.bogus: unknown key"));
        assertThat(get(port, "/metrics", "bob", "b").body()).doesNotContain("node_time_seconds");

        // A missing web-config file: refused, the users in force stay.
        Files.writeString(config, "microc.collectors.loadavg.enabled = true\n");
        Files.delete(web);
        hangUp(p, scrapes);
        await(() -> p.err(), err -> err.contains(web + ": cannot read the web config file"));
        assertThat(get(port, "/metrics", "bob", "b").body())
            .contains("microc_config_last_reload_successful 0.0");

        // The file back, through POST /-/reload: time is on again (its default).
        Files.writeString(web, "basic_auth_users:\n  alice: " + alice + "\n");
        HttpResponse<String> reloaded = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/reload"))
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("alice:a".getBytes(StandardCharsets.UTF_8)))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
        assertThat(get(port, "/metrics", "bob", "b").statusCode()).isEqualTo(401);
        assertThat(get(port, "/metrics", "alice", "a").body())
            .contains("microc_config_last_reload_successful 1.0");
      } finally {
        scraping.set(false);
        scraper.join(10_000);
      }
      assertThat(p.process().isAlive()).as("SIGHUP does not end the process").isTrue();
      assertThat(failures).as("failed scrapes").isEmpty();
      assertThat(scrapes.get()).isGreaterThan(20);
      System.out.printf("scenario reload under scraping every 100 ms: %.1f s, %d scrapes, none failed%n",
          (System.nanoTime() - start) / 1e9, scrapes.get());
    }
  }

  /** SIGHUP, with scrapes for a second and at least five scrapes before and after it. */
  private static void hangUp(ExporterProcess p, AtomicInteger scrapes) throws Exception {
    scrapesFor(scrapes);
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.process().pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    scrapesFor(scrapes);
  }

  /** Waits a second, and until five more scrapes were made. */
  private static void scrapesFor(AtomicInteger scrapes) throws Exception {
    int before = scrapes.get();
    Thread.sleep(1000);
    await(() -> String.valueOf(scrapes.get()), n -> Integer.parseInt(n) >= before + 5);
  }

  interface Probe {
    String get() throws Exception;
  }

  private static void await(Probe probe, Predicate<String> done) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = "";
    while (System.nanoTime() < deadline) {
      last = probe.get();
      if (done.test(last)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not reached within 30 s; last: " + last);
  }
}
