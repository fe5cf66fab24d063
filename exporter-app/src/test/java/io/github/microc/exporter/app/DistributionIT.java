package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user meets it: the tarball the build packs, unpacked into an empty
 * directory, started through its {@code bin/microc}. The first start serves without waiting
 * for the class-data archive and makes it in the background; the next start, on another port,
 * maps the same archive; nothing but the archive is left in the cache directory.
 */
class DistributionIT {

  private static final Path TARGET = Path.of("target");
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  static Path work;
  private static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball;
    try (Stream<Path> files = Files.list(TARGET)) {
      tarball = files.filter(f -> f.getFileName().toString().matches("microc-.*\\.tar\\.gz"))
          .findFirst().orElseThrow(() -> new AssertionError("no microc-<version>.tar.gz in "
              + TARGET.toAbsolutePath() + ": the package phase makes it"));
    }
    Process tar = new ProcessBuilder("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C",
        work.toString()).inheritIO().start();
    assertThat(tar.waitFor()).isZero();
    try (Stream<Path> dirs = Files.list(work)) {
      home = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
    }
  }

  @Test
  void holdsTheLauncherTheJarAConfigurationTheUnitAndTheLicences() throws IOException {
    assertThat(home.getFileName().toString()).matches("microc-\\d.*");
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/microc")))
        .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    for (String file : List.of("lib/microc-exporter.jar", "conf/microc.conf",
        "systemd/microc.service", "LICENSE", "NOTICE", "README.md")) {
      assertThat(home.resolve(file)).as(file).isRegularFile();
    }
    // Every key commented out: the file parses and sets nothing.
    String conf = Files.readString(home.resolve("conf/microc.conf"));
    assertThat(ConfigFactory.parseString(conf).entrySet()).isEmpty();
    assertThat(conf).contains("#listen-address = \":10049\"");
  }

  @Test
  void noticeNamesEveryBundledLibrary() throws IOException {
    String notice = Files.readString(home.resolve("NOTICE"));
    List<String> missing = new ArrayList<>();
    Pattern dependency = Pattern.compile("^\\s+([\\w.-]+):([\\w.-]+):jar:", Pattern.MULTILINE);
    Matcher m = dependency.matcher(Files.readString(
        TARGET.resolve("generated-distribution/bundled.txt")));
    int bundled = 0;
    while (m.find()) {
      bundled++;
      String artifact = m.group(2);
      String family = artifact.startsWith("prometheus-metrics-") ? "prometheus-metrics-*" : artifact;
      if (!notice.contains(m.group(1) + ":" + family)) {
        missing.add(m.group(1) + ":" + artifact);
      }
    }
    assertThat(bundled).isGreaterThan(5);
    assertThat(missing).as("bundled in the jar but not named in NOTICE").isEmpty();
  }

  @Test
  void firstStartServesAtOnceAndTheNextMapsTheArchiveMadeMeanwhile() throws Exception {
    Path cache = Files.createDirectories(work.resolve("cache"));
    String[] defaults = {};

    long started = System.nanoTime();
    Launched first = launch(cache, defaults);
    try {
      double seconds = first.awaitScrape();
      // Served without an archive of its own: none existed, and the JVM maps none.
      assertThat(first.mapsArchive()).isFalse();
      System.out.printf(Locale.ROOT, "distribution: first run, first good scrape after %.0f ms%n",
          seconds * 1e3);
      Path archive = awaitArchive(cache, started);
      System.out.printf(Locale.ROOT, "distribution: archive %s written %.1f s after the start%n",
          archive.getFileName(), (System.nanoTime() - started) / 1e9);
      long rss = first.rssKib();
      System.out.printf(Locale.ROOT, "distribution: first run RSS %.1f MiB%n", rss / 1024.0);
      // The systemd unit's MemoryMax.
      assertThat(rss).isLessThan(128 * 1024);
    } finally {
      first.stop();
    }
    assertThat(list(cache)).as("only the archive is left").singleElement().asString()
        .matches("microc-\\d+\\.jsa");

    Launched second = launch(cache, defaults);
    try {
      double seconds = second.awaitScrape();
      System.out.printf(Locale.ROOT, "distribution: next run on another port, first good scrape after %.0f ms%n",
          seconds * 1e3);
      assertThat(second.mapsArchive()).as("the archive made for another port").isTrue();
    } finally {
      second.stop();
    }
    assertThat(list(cache)).singleElement().asString().matches("microc-\\d+\\.jsa");
  }

  @Test
  void aBrokenArchiveIsReplacedNotAReasonToFail() throws Exception {
    Path cache = Files.createDirectories(work.resolve("broken-cache"));
    Launched trainer = launch(cache);
    Path archive;
    try {
      trainer.awaitScrape();
      archive = awaitArchive(cache, System.nanoTime());
    } finally {
      trainer.stop();
    }
    // Truncated, as a full disk or a killed copy leaves it.
    byte[] head = new byte[4096];
    System.arraycopy(new byte[] {1, 2, 3, 4}, 0, head, 0, 4);
    archive.toFile().setWritable(true);
    Files.write(archive, head);

    long started = System.nanoTime();
    Launched again = launch(cache);
    try {
      again.awaitScrape();
      assertThat(again.mapsArchive()).isFalse();
      Path replaced = awaitArchive(cache, started);
      assertThat(Files.size(replaced)).isGreaterThan(1 << 20);
    } finally {
      again.stop();
    }
  }

  @Test
  void theReadmeRunCommandStartsThisLauncher() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher run = Pattern.compile("## Run\\s+```sh\\s+(.+?)\\s+```", Pattern.DOTALL).matcher(readme);
    assertThat(run.find()).as("the README's Run section has a sh block").isTrue();
    assertThat(run.group(1)).contains("exporter-app/target/microc/bin/microc");
    assertThat(TARGET.resolve("microc/bin/microc")).isRegularFile();
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  /** The archive, once the background training has put it in place (at most 90 s). */
  private static Path awaitArchive(Path cache, long since) throws Exception {
    long deadline = since + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.list(cache)) {
        List<Path> done = files.filter(f -> f.getFileName().toString().matches("microc-\\d+\\.jsa"))
            .toList();
        if (!done.isEmpty() && list(cache).size() == 1) {
          return done.get(0);
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no archive within 90 s; the cache holds " + list(cache));
  }

  private static int launches;

  /** bin/microc on any free port (the listen address is not part of the archive's key). */
  private static Launched launch(Path cache, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(home.resolve("bin/microc").toString(),
        ExporterProcess.ANY_PORT));
    command.addAll(List.of(args));
    Path log = work.resolve("microc-" + ++launches + ".log");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("MICROC_") || k.equals("JAVA_OPTS"));
    builder.environment().put("MICROC_CDS_DIR", cache.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return new Launched(builder.start(), log, System.nanoTime());
  }

  private record Launched(Process process, Path log, long started) {

    /**
     * Seconds from the launch to the first answer to /metrics with a host metric; the port is
     * the one the start-up line names.
     */
    double awaitScrape() throws Exception {
      int port = Ports.fromLog(log, Ports.MICROC, process, Duration.ofSeconds(30));
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build();
      long deadline = started + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        try {
          HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200 && response.body().contains("node_load1 ")) {
            return (System.nanoTime() - started) / 1e9;
          }
        } catch (IOException notYet) {
          // still starting
        }
        assertThat(process.isAlive()).as("microc is running").isTrue();
        Thread.sleep(10);
      }
      throw new AssertionError("no good scrape within 30 s");
    }

    /** Whether the JVM (the launcher execs it) maps one of Microc's archives. */
    boolean mapsArchive() throws IOException {
      return Files.readString(Path.of("/proc", Long.toString(process.pid()), "maps"),
          StandardCharsets.ISO_8859_1).matches("(?s).*microc-\\d+\\.jsa.*");
    }

    long rssKib() throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
      throw new AssertionError("no VmRSS");
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
