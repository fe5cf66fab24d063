package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.ServiceLoader.Provider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostPluginsTest {

  private static List<CollectorPlugin> discovered() {
    return ServiceLoader.load(CollectorPlugin.class).stream().map(Provider::get)
        .filter(p -> p.getClass().getPackageName().equals(HostPluginsTest.class.getPackageName()))
        .toList();
  }

  @Test
  void servicesFileListsEveryHostCollectorWithNodeExportersDefaultAndADescription() {
    List<CollectorPlugin> plugins = discovered();

    assertThat(plugins).extracting(CollectorPlugin::name).containsExactlyInAnyOrder(
        "cpu",
        "diskstats",
        "filesystem",
        "hwmon",
        "loadavg",
        "mdadm",
        "meminfo",
        "netclass",
        "netdev",
        "os",
        "stat",
        "textfile",
        "time",
        "uname",
        "pressure",
        "vmstat",
        "netstat",
        "sockstat",
        "filefd",
        "conntrack",
        "timex",
        "thermal_zone",
        "cpufreq",
        "processes",
        "tcpstat",
        "nfs",
        "nfsd",
        "entropy",
        "softnet",
        "schedstat",
        "udp_queues",
        "arp",
        "interrupts",
        "dmi",
        "xfs",
        "zfs",
        "edac",
        "bonding",
        "selinux",
        "powersupplyclass",
        "btrfs",
        "bcache",
        "ipvs",
        "rapl",
        "infiniband",
        "fibrechannel",
        "nvme",
        "tapestats",
        "meminfo_numa",
        "buddyinfo");
    assertThat(plugins).filteredOn(p -> !p.enabledByDefault()).extracting(CollectorPlugin::name)
        .as("disabled by default, as in node_exporter").containsExactlyInAnyOrder(
        "processes",
        "tcpstat",
        "interrupts",
        "meminfo_numa",
        "buddyinfo");
    assertThat(plugins).allMatch(p -> !p.description().isBlank());
  }

  @Test
  void everyHostCollectorSucceedsOnThisHostWithTheReferenceConfigurationOrHasNoSourceHere() {
    try (Microc microc = Microc.builder().environment(Map.of()).plugins(discovered()).build()) {
      String text = Exposition.text(microc.engine().collect());

      for (CollectorPlugin plugin : discovered().stream().filter(CollectorPlugin::enabledByDefault).toList()) {
        String error = microc.engine().statuses().stream().filter(s -> s.name().equals(plugin.name()))
            .findFirst().orElseThrow().lastError();
        if (error == null) {
          assertThat(text).contains("microc_scrape_collector_success{collector=\"" + plugin.name() + "\"} 1");
        } else {
          // A VM without the hardware (no hwmon chips): as node_exporter, success 0, no data.
          assertThat(error).as(plugin.name()).startsWith("no data: ");
          assertThat(text).contains("microc_scrape_collector_success{collector=\"" + plugin.name() + "\"} 0");
        }
      }
    }
  }

  @Test
  void aBadExcludeRegexStopsTheStartWithTheKeyAndItsFileLine(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("microc.conf");
    Files.writeString(file, "microc.collectors.filesystem {\n  fs-types-exclude = \"^(ext4\"\n}\n");

    assertThatThrownBy(() -> Microc.builder().environment(Map.of()).configFile(file)
            .plugins(Fixtures.HOST_PLUGINS).build())
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining(file + ":2: microc.collectors.filesystem.fs-types-exclude: not a valid regex");
  }

  @Test
  void netdevIncludeAndExcludeTogetherStopTheStart(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("microc.conf");
    Files.writeString(file, "microc.collectors.netdev.device-include = \"^eth\"\n"
        + "microc.collectors.netdev.device-exclude = \"^lo$\"\n");

    assertThatThrownBy(() -> Microc.builder().environment(Map.of()).configFile(file)
            .plugins(Fixtures.HOST_PLUGINS).build())
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining(file + ":1: microc.collectors.netdev.device-include: cannot be set together");
  }
}
