package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.StartupException;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PluginDirectoryTest {

  @TempDir
  static Path work;
  static PluginJars jars;

  @TempDir
  Path dir;

  @BeforeAll
  static void compile() throws IOException {
    jars = PluginJars.compile(work);
  }

  @Test
  void pluginIsLoadedFromItsOwnJarWithItsReferenceConf() throws IOException {
    jars.greetingJar(dir.resolve("greeting.jar"));
    Files.writeString(dir.resolve("README.txt"), "not a jar, ignored");

    try (PluginDirectory directory = PluginDirectory.load(dir, getClass().getClassLoader())) {
      assertThat(directory.plugins()).hasSize(1);
      CollectorPlugin plugin = directory.plugins().get(0);
      assertThat(plugin.name()).isEqualTo("greeting");
      assertThat(plugin.getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());
      // Parent-first: the SPI the plugin implements is Microc's one copy.
      assertThat(plugin).isInstanceOf(CollectorPlugin.class);

      try (Microc microc = builder(directory).build()) {
        assertThat(scrape(microc)).contains("sample_greeting_info{who=\"world\"} 1");
      }
      try (Microc microc = builder(directory).set("microc.collectors.greeting.who", "there", "test").build()) {
        assertThat(scrape(microc)).contains("sample_greeting_info{who=\"there\"} 1");
      }
      // The key is known only through the jar's reference.conf, so a typo is still caught.
      assertThatThrownBy(() -> builder(directory).set("microc.collectors.greeting.whom", "x", "flag --x").build())
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("flag --x: microc.collectors.greeting.whom: unknown key");
    }
  }

  @Test
  void tablesOfAPluginInItsOwnJvmAreMadeThereAndShownOnTheLandingPage() throws Exception {
    jars.tabledJar(dir.resolve("tabled.jar"));
    PluginSettings process = new PluginSettings(PluginSettings.Mode.PROCESS, "32m", List.of(), Duration.ofSeconds(30));

    try (PluginDirectory directory = PluginDirectory.load(dir, getClass().getClassLoader(), process);
        Microc microc = builder(directory).build()) {
      assertThat(scrape(microc)).contains("sample_tabled 1.0");
      assertThat(scrape(microc)).contains("sample_tabled 1.0");
      int port = microc.startServer(ListenAddress.parse("127.0.0.1:0")).port();
      String page = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
          HttpResponse.BodyHandlers.ofString()).body();

      String pid = page.replaceFirst("(?s).*<p>made in pid (\\d+)</p>.*", "$1");
      assertThat(pid).as("the table names the JVM that made it: %s", page).matches("\\d+")
          .isNotEqualTo(Long.toString(ProcessHandle.current().pid()));
      assertThat(page)
          .contains("<h2>Tabled</h2>")
          .contains("<th>Collections</th><th>Text</th>")
          .as("made from the collector's state there, every character of its text intact and escaped")
          .containsPattern("<td>[2-9]\\d*</td><td>a\tb\nc \\\\t &lt;script&gt;</td>")
          .contains("<h2>tabled</h2>\n<p>Its table could not be made: its JVM made no table:"
              + " IllegalStateException: no table today</p>");
    }
  }

  @ParameterizedTest
  @CsvSource({
      "io.github.microc.exporter.core.spi.CollectorPlugin, bundles Microc's SPI",
      "io.prometheus.metrics.model.registry.MultiCollector, bundles the Prometheus client"})
  void jarBundlingMicrocsOwnApiIsRejected(String bundled, String reason) throws Exception {
    Class<?> type = Class.forName(bundled);
    jars.jar().classes("sample/greeting").services("sample.greeting.GreetingPlugin")
        .copyOf(type).writeTo(dir.resolve("fat.jar"));

    assertLoadFails("fat.jar", reason, bundled.replace('.', '/') + ".class", "provided scope");
  }

  @Test
  void twoJarsWithOneCollectorNameFailNamingBoth() throws IOException {
    jars.greetingJar(dir.resolve("a-greeting.jar"));
    jars.jar().classes("sample/other").services("sample.other.OtherGreetingPlugin")
        .writeTo(dir.resolve("b-greeting.jar"));

    try (PluginDirectory directory = PluginDirectory.load(dir, getClass().getClassLoader())) {
      assertThatThrownBy(() -> builder(directory).build())
          .isInstanceOf(StartupException.class)
          .hasMessageContaining("\"greeting\"")
          .hasMessageContaining("sample.greeting.GreetingPlugin (a-greeting.jar)")
          .hasMessageContaining("sample.other.OtherGreetingPlugin (b-greeting.jar)");
    }
  }

  @Test
  void corruptJarFailsNamingIt() throws IOException {
    Files.writeString(dir.resolve("corrupt.jar"), "this is not a zip file");

    assertLoadFails("corrupt.jar", "not a readable jar (zip) file");
  }

  @Test
  void missingSuperclassFailsNamingTheJarAndTheClass() throws IOException {
    jars.jar().classes("sample/broken").services("sample.broken.BrokenPlugin")
        .writeTo(dir.resolve("broken.jar"));

    assertLoadFails("broken.jar", "cannot load its collector plugin", "sample/missing/Base");
  }

  @Test
  void providerListedButAbsentFailsNamingTheJar() throws IOException {
    jars.jar().classes("sample/greeting").services("sample.greeting.Nope")
        .writeTo(dir.resolve("typo.jar"));

    assertLoadFails("typo.jar", "sample.greeting.Nope not found");
  }

  @Test
  void jarWithoutPluginFailsNamingIt() throws IOException {
    jars.jar().classes("sample/missing").writeTo(dir.resolve("library.jar"));

    assertLoadFails("library.jar", "contains no collector plugin");
  }

  @Test
  void missingDirectoryIsReported() {
    assertThatThrownBy(() -> PluginDirectory.load(dir.resolve("nope"), getClass().getClassLoader()))
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("plugins directory")
        .hasMessageContaining("does not exist");
  }

  /** Loading {@link #dir} fails with a message holding each of {@code fragments}. */
  private void assertLoadFails(String... fragments) {
    assertThatThrownBy(() -> PluginDirectory.load(dir, getClass().getClassLoader()))
        .isInstanceOf(StartupException.class)
        .message().contains(fragments);
  }

  private static Microc.Builder builder(PluginDirectory directory) {
    return Microc.builder().environment(Map.of()).plugins(directory.plugins());
  }

  private static String scrape(Microc microc) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, microc.engine().collect());
    return out.toString(StandardCharsets.UTF_8);
  }
}
