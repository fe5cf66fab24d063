package io.github.microc.plugins.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar, as Microc's plugin loader will see it: the plugin, its services file and
 * its reference.conf, and no copy of the SPI or of the Prometheus client, which the exporter
 * provides (a jar that bundles them is refused at start-up).
 */
class HttpProbeJarIT {

  @Test
  void jarHoldsThePluginAndNothingTheExporterProvides() throws IOException {
    Path jar = Path.of(System.getProperty("plugin.jar", "target/plugins-example.jar"));
    assertThat(jar).isRegularFile();
    try (JarFile file = new JarFile(jar.toFile())) {
      List<String> entries = file.stream().map(ZipEntry::getName).toList();

      assertThat(entries).contains(
          "META-INF/services/io.github.microc.exporter.core.spi.CollectorPlugin",
          "reference.conf",
          "io/github/microc/plugins/example/HttpProbeCollector$Plugin.class");
      assertThat(entries).noneMatch(e -> e.startsWith("io/github/microc/exporter/"))
          .noneMatch(e -> e.startsWith("io/prometheus/"))
          .noneMatch(e -> e.startsWith("com/typesafe/"))
          .noneMatch(e -> e.startsWith("org/slf4j/"));
      String services = new String(file.getInputStream(
          file.getEntry("META-INF/services/io.github.microc.exporter.core.spi.CollectorPlugin"))
          .readAllBytes());
      assertThat(services.strip()).isEqualTo("io.github.microc.plugins.example.HttpProbeCollector$Plugin");
    }
    assertThat(Files.size(jar)).as("a plugin jar is small").isLessThan(100_000);
  }
}
