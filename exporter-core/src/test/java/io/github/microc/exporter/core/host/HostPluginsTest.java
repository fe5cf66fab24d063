package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.testing.Exposition;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.ServiceLoader.Provider;
import org.junit.jupiter.api.Test;

class HostPluginsTest {

  private static List<CollectorPlugin> discovered() {
    return ServiceLoader.load(CollectorPlugin.class).stream().map(Provider::get)
        .filter(p -> p.getClass().getPackageName().equals(HostPluginsTest.class.getPackageName()))
        .toList();
  }

  @Test
  void servicesFileListsEveryHostCollectorEnabledByDefaultWithADescription() {
    List<CollectorPlugin> plugins = discovered();

    assertThat(plugins).extracting(CollectorPlugin::name).containsExactlyInAnyOrder("cpu",
        "diskstats", "filesystem", "loadavg", "meminfo", "netdev", "os", "stat", "time", "uname");
    assertThat(plugins).allMatch(CollectorPlugin::enabledByDefault)
        .allMatch(p -> !p.description().isBlank());
  }

  @Test
  void everyHostCollectorSucceedsOnThisHostWithTheReferenceConfiguration() {
    try (Microc microc = Microc.builder().environment(Map.of()).plugins(discovered()).build()) {
      String text = Exposition.text(microc.engine().collect());

      for (CollectorPlugin plugin : discovered()) {
        assertThat(text).contains("microc_scrape_collector_success{collector=\"" + plugin.name() + "\"} 1");
      }
    }
  }
}
