package io.github.microc.e2e;

import static io.github.microc.e2e.support.DockerCli.TEST_IMAGE;
import static io.github.microc.e2e.support.DockerCli.docker;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.e2e.support.DockerCli;
import io.github.microc.e2e.support.HeadlessChromium;
import io.github.microc.e2e.support.Http;
import io.github.microc.e2e.support.MicrocProcess;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

/**
 * The landing page of the real app, with real containers on the local dockerd, as a headless
 * Chromium shows it: one container healthy, one unhealthy, one exited and watched by the
 * watchdog, one with a label value holding a script and quotes. The page is loaded twice, for a
 * screenshot into {@code target/} and for its DOM, which is checked for each container's row,
 * the watchdog's decision and the label shown as text with its script never run.
 */
@TestInstance(Lifecycle.PER_CLASS)
class LandingPageIT {

  /**
   * What the hostile container's author wrote in its compose service label: were it not
   * escaped, the page's title would say so. Short enough to be shown whole.
   */
  static final String HOSTILE = "<script>document.title='pwned'</script>\"quoted\" 'single' & <b>bold</b>";

  private final String run = "microc-it-landing-" + UUID.randomUUID().toString().substring(0, 6);
  private final String label = "microc.it=" + run;
  private final String healthy = run + "-healthy";
  private final String unhealthy = run + "-unhealthy";
  private final String crashed = run + "-crashed";
  private final String hostile = run + "-hostile";
  private Path dir;
  private MicrocProcess microc;
  private String dom;
  private Path screenshot;

  @BeforeAll
  void startContainersMicrocAndTheBrowser() throws Exception {
    Engines.require(DockerCli.answers(),
        "no Docker daemon answers on /var/run/docker.sock; run .ci/docker-setup.sh");
    Engines.require(DockerCli.hasImage(TEST_IMAGE), "image " + TEST_IMAGE + " is missing; run .ci/docker-setup.sh");
    Path chromium = HeadlessChromium.find().orElse(null);
    Engines.require(chromium != null, "chromium not found; apt-get install chromium (.ci/run does)");
    long started = System.nanoTime();
    dir = Files.createTempDirectory("microc-landing-it");

    List<CompletableFuture<String>> runs = new ArrayList<>();
    runs.add(CompletableFuture.supplyAsync(() -> docker("run", "-d", "--name", healthy, "--label", label,
        "--network", "none", "--health-cmd", "true", "--health-interval", "1s", TEST_IMAGE, "sleep", "600")));
    runs.add(CompletableFuture.supplyAsync(() -> docker("run", "-d", "--name", unhealthy, "--label", label,
        "--network", "none", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1",
        TEST_IMAGE, "sleep", "600")));
    runs.add(CompletableFuture.supplyAsync(() -> docker("run", "-d", "--name", crashed, "--label", label,
        "--network", "none", TEST_IMAGE, "sh", "-c", "exit 3")));
    runs.add(CompletableFuture.supplyAsync(() -> docker("run", "-d", "--name", hostile, "--label", label,
        "--label", "com.docker.compose.service=" + HOSTILE, "--network", "none", TEST_IMAGE, "sleep", "600")));
    runs.forEach(CompletableFuture::join);
    awaitHealth(healthy, "healthy");
    awaitHealth(unhealthy, "unhealthy");
    long containersUp = System.nanoTime();

    // The watchdog watches the crashed container by name only (no label opt-in, so that no
    // other container on this daemon is touched), and waits long before restarting it, so
    // that the page shows the restart due and when.
    Path config = Files.writeString(dir.resolve("microc.conf"), """
        microc.collectors.containers.name-include = "%s-.*"
        microc.collectors.watchdog {
          enabled = true
          containers = ["%s"]
          label = ""
          initial-backoff = 10m
          max-backoff = 1h
        }
        """.formatted(run, crashed));
    microc = MicrocProcess.start(Repository.appJar(), Map.of(), dir.resolve("microc.log"),
        List.of("--config=" + config)).awaitReady(Duration.ofSeconds(60));
    // Two scrapes a second apart: the CPU use is over the last scrapes.
    microc.scrape();
    Thread.sleep(1100);
    microc.scrape();
    String url = "http://" + microc.address() + "/";
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String page = Http.get(url).body();
    while (!(page.contains("restart due (exit_code, exit 3") && page.contains("unhealthy"))
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
      page = Http.get(url).body();
    }
    long microcUp = System.nanoTime();

    HeadlessChromium browser = new HeadlessChromium(chromium, dir);
    Path target = Repository.resolve("e2e/target");
    Files.createDirectories(target);
    CompletableFuture<Path> shot = CompletableFuture.supplyAsync(
        () -> browser.screenshot(url, target.resolve("landing-page.png"), 1800, 1200));
    dom = browser.dumpDom(url);
    screenshot = shot.join();
    System.out.printf("LandingPageIT: containers %d ms, Microc ready with the watchdog's decision %d ms,"
        + " chromium's screenshot and DOM %d ms; screenshot %s%n", (containersUp - started) / 1_000_000,
        (microcUp - containersUp) / 1_000_000, (System.nanoTime() - microcUp) / 1_000_000, screenshot);
  }

  @AfterAll
  void stop() throws IOException {
    if (microc != null) {
      microc.close();
    }
    if (dir == null) {
      return;
    }
    DockerCli.removeLabelled(label);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  @Test
  void everyContainerHasItsRowWithStateHealthAndFigures() {
    Map<String, Map<String, String>> rows = containerRows();

    assertThat(rows).containsOnlyKeys(healthy, unhealthy, crashed, hostile);
    assertThat(rows.get(healthy)).containsEntry("Image", TEST_IMAGE).containsEntry("State", "running")
        .containsEntry("Health", "healthy").containsEntry("Watchdog", "not watched");
    assertThat(rows.get(healthy).get("Up")).matches("\\d+s|\\d+m(\\d+s)?");
    assertThat(rows.get(healthy).get("CPU (last scrapes)")).matches("\\d+\\.\\d % over \\d+s");
    assertThat(rows.get(healthy).get("Memory (working set / limit)")).matches("[\\d.]+ (B|KiB|MiB), no limit");
    assertThat(rows.get(unhealthy)).containsEntry("State", "running").containsEntry("Health", "unhealthy");
    assertThat(rows.get(crashed)).containsEntry("State", "exited (3)").containsEntry("Health", "")
        .containsEntry("CPU (last scrapes)", "").containsEntry("Restarts", "0");
    assertThat(dom).containsPattern("<p>4 containers on \\S+\\. CPU and memory as of the last scrapes");
  }

  @Test
  void theWatchdogsDecisionAndNextRestartShow() {
    Map<String, String> row = containerRows().get(crashed);

    assertThat(row.get("Watchdog")).startsWith("restart due (exit_code, exit 3, attempt 1/5), ");
    assertThat(row.get("Next restart"))
        .matches("in \\d+m(\\d+s)? \\(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)");
    assertThat(dom).contains("The watchdog follows the daemon's events.");
  }

  @Test
  void theHostileLabelIsShownAsTextAndItsScriptNeverRuns() {
    assertThat(dom).as("the page has no script element at all").doesNotContainIgnoringCase("<script");
    assertThat(dom).as("nor any element the label would have made").doesNotContain("<b>bold");
    assertThat(dom).as("the script did not run").contains("<title>Microc exporter</title>")
        .doesNotContain("<title>pwned");
    assertThat(dom).contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;\"quoted\" 'single' &amp; &lt;b&gt;bold&lt;/b&gt;");
    assertThat(containerRows().get(hostile).get("Labels"))
        .isEqualTo("com.docker.compose.service=" + HOSTILE);
  }

  @Test
  void theScreenshotIsInTheBuildOutput() throws IOException {
    byte[] png = Files.readAllBytes(screenshot);

    assertThat(screenshot).startsWith(Repository.resolve("e2e/target"));
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    assertThat(png.length).as("a rendered page, not a blank one").isGreaterThan(20_000);
  }

  /** The Containers table of the DOM: each row by its name, each cell by its column. */
  private Map<String, Map<String, String>> containerRows() {
    int start = dom.indexOf("<h2>Containers</h2>");
    assertThat(start).as("the Containers table in\n%s", dom).isNotNegative();
    String table = dom.substring(start, dom.indexOf("</table>", start));
    Matcher tr = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL).matcher(table);
    List<String> columns = null;
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    while (tr.find()) {
      List<String> cells = new ArrayList<>();
      Matcher cell = Pattern.compile("<t[hd][^>]*>(.*?)</t[hd]>", Pattern.DOTALL).matcher(tr.group(1));
      while (cell.find()) {
        cells.add(unescape(cell.group(1)));
      }
      if (columns == null) {
        columns = cells;
        continue;
      }
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < columns.size(); i++) {
        row.put(columns.get(i), cells.get(i));
      }
      rows.put(cells.get(0), row);
    }
    return rows;
  }

  /** Text as Chromium serializes it: {@code & < >} and no-break spaces escaped. */
  private static String unescape(String html) {
    assertThat(html).as("a cell holds text only").doesNotContain("<");
    return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
        .replace("&#39;", "'").replace("&nbsp;", "\u00a0").replace("&amp;", "&");
  }

  private static void awaitHealth(String container, String health) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String now = "";
    while (System.nanoTime() < deadline) {
      now = docker("inspect", "--format", "{{.State.Health.Status}}", container);
      if (now.equals(health)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(container + " is " + now + ", not " + health + ", after 30 s");
  }
}
