package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.app.ExporterProcess.Result;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it: flags, exit status, and one-line errors naming the key and
 * file:line or the flag, never a stack trace.
 */
class CliIT {

  @TempDir
  static Path work;

  @Test
  void versionPrintsTheVersion() throws Exception {
    Result r = ExporterProcess.run(work, "--version");
    assertThat(r.status()).isZero();
    assertThat(r.out()).startsWith("microc ").contains("(Java 17");
  }

  @Test
  void helpListsFlagsAndCollectorsWithTheirDefaults() throws Exception {
    Result r = ExporterProcess.run(work, "--help");
    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains("--web.listen-address", "--config", "--plugins", "--check-config", "--print-config")
        .contains("--[no-]collector.filesystem");
    String cpu = r.out().substring(r.out().indexOf("--[no-]collector.cpu"));
    cpu = cpu.substring(0, cpu.indexOf("--[no-]collector.", 1));
    assertThat(cpu).as("the cpu entry").contains("Seconds each CPU", "(enabled by default)");
  }

  @Nested
  class BadConfiguration {

    @Test
    void unknownKeyNamesKeyAndFileLine() throws Exception {
      Path file = config("unknown-key.conf", "microc.web.listen-address = \":0\"\n"
          + "microc.collectors.cpu.bogus = 1\n");
      Result r = ExporterProcess.run(work, "--config", file.toString(), "--check-config");
      assertOneLineError(r, 1, file + ":2: microc.collectors.cpu.bogus: unknown key");
    }

    @Test
    void wrongTypeNamesKeyAndFileLine() throws Exception {
      Path file = config("wrong-type.conf", "microc {\n  web {\n    exporter-metrics = \"maybe\"\n  }\n}\n");
      Result r = ExporterProcess.run(work, "--config", file.toString(), "--check-config");
      assertOneLineError(r, 1, file + ":3: microc.web.exporter-metrics: expected boolean");
    }

    @Test
    void badRegexNamesKeyAndFileLine() throws Exception {
      Path file = config("bad-regex.conf", "microc.collectors.filesystem.mount-points-exclude = \"(\"\n");
      Result r = ExporterProcess.run(work, "--config", file.toString(), "--check-config");
      assertOneLineError(r, 1,
          file + ":1: microc.collectors.filesystem.mount-points-exclude: not a valid regex");
    }

    @Test
    void unknownCollectorNamesItAndListsTheCollectors() throws Exception {
      Path file = config("unknown-collector.conf", "microc.collectors.cpuu { enabled = true }\n");
      Result r = ExporterProcess.run(work, "--config", file.toString(), "--check-config");
      assertOneLineError(r, 1, file + ":1: microc.collectors.cpuu: unknown collector");
      assertThat(r.err()).contains("did you mean \"cpu\"");
    }

    @Test
    void startUpFailsTheSameWayWithoutCheckConfig() throws Exception {
      Path file = config("startup.conf", "microc.collectors.cpu.bogus = 1\n");
      Result r = ExporterProcess.run(work, "--config", file.toString(),
          ExporterProcess.ANY_PORT);
      assertOneLineError(r, 1, file + ":1: microc.collectors.cpu.bogus: unknown key");
    }

    @Test
    void missingFileIsNamed() throws Exception {
      Result r = ExporterProcess.run(work, "--config", work.resolve("nope.conf").toString(), "--check-config");
      assertOneLineError(r, 1, "nope.conf: configuration file not found");
    }
  }

  @Nested
  class BadFlags {

    @Test
    void unknownFlagExitsWithUsageStatus() throws Exception {
      Result r = ExporterProcess.run(work, "--web.listen-adress=:1");
      assertOneLineError(r, 2, "unknown flag --web.listen-adress");
    }

    @Test
    void unknownCollectorFlagNamesTheFlagAndListsCollectors() throws Exception {
      Result r = ExporterProcess.run(work, "--collector.cpux", "--check-config");
      assertOneLineError(r, 2, "unknown flag --collector.cpux");
      assertThat(r.err()).containsPattern("collectors: .*cpu.*filesystem");
    }

    @Test
    void badFlagValueNamesTheFlag() throws Exception {
      Result r = ExporterProcess.run(work, "--web.listen-address=nowhere", "--check-config");
      assertOneLineError(r, 1, "flag --web.listen-address: microc.web.listen-address: expected [host]:port");
    }

    @Test
    void badCollectorKeyFlagNamesTheFlag() throws Exception {
      Result r = ExporterProcess.run(work, "--collector.filesystem.mount-points-exclude=(", "--check-config");
      assertOneLineError(r, 1, "flag --collector.filesystem.mount-points-exclude:"
          + " microc.collectors.filesystem.mount-points-exclude: not a valid regex");
    }
  }

  @Test
  void portInUseIsOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();
      Result r = ExporterProcess.run(work, "--web.listen-address=" + address);
      assertOneLineError(r, 1, "cannot listen on " + address + ": ");

      // --check-config binds nothing, so the same address passes.
      Result check = ExporterProcess.run(work, "--web.listen-address=" + address, "--check-config");
      assertThat(check.status()).as(check.err()).isZero();
      assertThat(check.out()).startsWith("config OK").contains("cpu");
    }
  }

  @Test
  void printConfigShowsValuesWithTheirOrigins() throws Exception {
    Result r = ExporterProcess.run(work, "--web.listen-address=127.0.0.1:1234", "--no-collector.time",
        "--print-config");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("# flag --web.listen-address", "listen-address=\"127.0.0.1:1234\"")
        .contains("# flag --no-collector.time")
        .contains("# default of plugin cpu")
        .contains("reference.conf");
  }

  @Nested
  class Plugins {

    static PluginJars jars;

    @BeforeAll
    static void compile() throws IOException {
      jars = PluginJars.compile(work.resolve("plugin-build"));
    }

    @Test
    void pluginFromTheDirectoryIsListedConfiguredAndEnabled() throws Exception {
      Path dir = work.resolve("plugins-good");
      jars.greetingJar(dir.resolve("greeting.jar"));

      Result help = ExporterProcess.run(work, "--plugins", dir.toString(), "--help");
      assertThat(help.out()).contains("--[no-]collector.greeting", "Says hello (a test plugin).");

      Result check = ExporterProcess.run(work, "--plugins", dir.toString(),
          "--collector.greeting.who=you", "--check-config");
      assertThat(check.status()).as(check.err()).isZero();
      assertThat(check.out()).startsWith("config OK").contains("greeting");

      Result typo = ExporterProcess.run(work, "--plugins", dir.toString(),
          "--collector.greeting.whom=you", "--check-config");
      assertOneLineError(typo, 1, "flag --collector.greeting.whom: microc.collectors.greeting.whom: unknown key");

      // The same directory from the configuration file, relative to the file.
      Path file = config("plugins.conf", "microc.plugins-dir = \"plugins-good\"\n"
          + "microc.collectors.greeting.who = \"file\"\n");
      Result fromFile = ExporterProcess.run(work, "--config", file.toString(), "--check-config");
      assertThat(fromFile.status()).as(fromFile.err()).isZero();
      assertThat(fromFile.out()).contains("greeting");
    }

    @Test
    void badJarStopsStartUpNamingIt() throws Exception {
      Path dir = work.resolve("plugins-bad");
      jars.jar().classes("sample/broken").services("sample.broken.BrokenPlugin")
          .writeTo(dir.resolve("broken.jar"));

      Result r = ExporterProcess.run(work, "--plugins", dir.toString(),
          ExporterProcess.ANY_PORT);
      assertOneLineError(r, 1, "plugin jar " + dir.resolve("broken.jar") + ": cannot load its collector plugin");
      assertThat(r.err()).contains("sample/missing/Base");
    }
  }

  private static Path config(String name, String text) throws IOException {
    return Files.writeString(work.resolve(name), text);
  }

  /** Exit status, the message on a line of its own, and no stack trace. */
  private static void assertOneLineError(Result r, int status, String message) {
    assertThat(r.status()).as("exit status; stderr: %s", r.err()).isEqualTo(status);
    assertThat(r.err()).as("stderr").contains("microc: ").contains(message)
        .doesNotContain("\tat ", "Exception in thread", "Caused by");
    String line = r.err().lines().filter(l -> l.contains(message)).findFirst().orElseThrow();
    assertThat(line).startsWith("microc: ");
  }
}
