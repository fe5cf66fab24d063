package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.config.ConfigLoader;
import io.github.microc.exporter.core.spi.ConfigError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginSettingsTest {

  @TempDir
  Path dir;

  private PluginSettings read(String text) throws Exception {
    Path file = Files.writeString(dir.resolve("microc.conf"), text);
    return PluginSettings.from(new ConfigLoader().environment(Map.of()).file(file).load().merged());
  }

  @Test
  void defaultsRunEachJarInAJvmOfItsOwn() throws Exception {
    PluginSettings settings = read("");

    assertThat(settings).isEqualTo(new PluginSettings(PluginSettings.Mode.PROCESS, "32m", List.of(),
        Duration.ofSeconds(30)));
    assertThat(settings.initialHeap()).isEqualTo("8m");
  }

  @Test
  void inProcessAndASmallHeapAreRead() throws Exception {
    PluginSettings settings = read("microc.plugins { mode = in-process, process.heap = 6m }");

    assertThat(settings.mode()).isEqualTo(PluginSettings.Mode.IN_PROCESS);
    assertThat(settings.initialHeap()).isEqualTo("6m");
  }

  @Test
  void unknownModeNamesFileAndLine() {
    assertThatThrownBy(() -> read("\nmicrc = 1\nmicroc.plugins.mode = sandbox\n"))
        .isInstanceOf(ConfigError.class)
        .hasMessage(dir.resolve("microc.conf") + ":3: microc.plugins.mode: expected process or in-process,"
            + " got \"sandbox\"");
  }

  @Test
  void heapBelow4mIsRefused() {
    assertThatThrownBy(() -> read("microc.plugins.process.heap = 1m"))
        .hasMessageEndingWith("microc.plugins.process.heap: expected a size of at least 4m as -Xmx takes it"
            + " (such as 32m), got \"1m\"");
  }
}
