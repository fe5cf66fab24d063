package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/microc}: finds the built jar, passes the flags on, keeps a class-data archive. */
class LauncherIT {

  private static final Path LAUNCHER = Path.of("..", "bin", "microc");

  @TempDir
  Path cache;

  @Test
  void firstRunWritesTheArchiveAndLaterRunsUseIt() throws Exception {
    assertThat(run("--version")).startsWith("microc ");
    assertThat(archives()).singleElement().asString().endsWith(".jsa");

    assertThat(run("--check-config", "--no-collector.time")).startsWith("config OK")
        .doesNotContain("time,").doesNotContain(", time)");
    assertThat(archives()).as("no second archive, no failure marker").hasSize(1);
  }

  private String run(String... args) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of("bash", LAUNCHER.toString()),
        Stream.of(args)).toList()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("MICROC_") || k.equals("JAVA_OPTS"));
    builder.environment().put("MICROC_CDS_DIR", cache.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private List<Path> archives() throws IOException {
    try (Stream<Path> files = Files.list(cache)) {
      return files.map(Path::getFileName).toList();
    }
  }
}
