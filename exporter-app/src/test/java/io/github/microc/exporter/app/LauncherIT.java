package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/microc}: finds the built jar, passes the flags on, keeps a class-data archive per configuration. */
class LauncherIT {

  private static final Path LAUNCHER = Path.of("..", "bin", "microc");

  @TempDir
  Path cache;

  @Test
  void oneShotCommandsRunWithoutAnArchive() throws Exception {
    assertThat(run(Map.of(), "--version")).startsWith("microc ");
    assertThat(run(Map.of(), "--check-config", "--no-collector.time")).startsWith("config OK")
        .doesNotContain("time,").doesNotContain(", time)");

    assertThat(archives()).isEmpty();
  }

  @Test
  void trainingWritesAnArchiveForTheArgumentsThatTheServerThenMaps() throws Exception {
    String[] args = {"--collector.disable-defaults", "--collector.loadavg", ExporterProcess.ANY_PORT};

    assertThat(run(Map.of("MICROC_CDS", "train"), args)).isEmpty();
    assertThat(archives()).singleElement().asString().endsWith(".jsa");

    Path log = Files.createTempFile("microc-launcher-", ".log");
    Process server = launcher(Map.of(), args).redirectOutput(log.toFile()).start();
    try {
      int port = Ports.fromLog(log, Ports.MICROC, server, Duration.ofSeconds(30));
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
      String body = "";
      for (int i = 0; i < 200 && !body.contains("node_load1 "); i++) {
        Thread.sleep(50);
        try {
          body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException notYet) {
          // still starting
        }
      }
      assertThat(body).contains("node_load1 ");
      // The launcher execs java: the server's own memory map shows the archive.
      String maps = Files.readString(Path.of("/proc", Long.toString(server.pid()), "maps"));
      assertThat(maps).contains(cache.resolve(archives().get(0)).toString());
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(log);
    }
    assertThat(archives()).as("no second archive, no failure marker").hasSize(1);
  }

  private String run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
    Process process = launcher(environment, args).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private ProcessBuilder launcher(Map<String, String> environment, String... args) {
    ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of("bash", LAUNCHER.toString()),
        Stream.of(args)).toList()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("MICROC_") || k.equals("JAVA_OPTS"));
    builder.environment().put("MICROC_CDS_DIR", cache.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().putAll(environment);
    return builder;
  }

  private List<Path> archives() throws IOException {
    try (Stream<Path> files = Files.list(cache)) {
      return files.map(Path::getFileName).toList();
    }
  }
}
