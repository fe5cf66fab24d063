package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.github.microc.exporter.core.testing.Exposition;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import oshi.SystemInfo;

class NetdevCollectorTest {

  @Test
  void capturedNetDevRendersAsNodeExporterDoes() {
    NetdevCollector collector = new NetdevCollector(
        new DeviceFilter(Pattern.compile("^eth0$"), null), Fixtures.host().proc("net", "dev"),
        Fixtures.host().sys("class", "net"));

    assertThat(Exposition.text(collector.collect())).isEqualTo("""
        # HELP node_network_receive_bytes_total Network device statistic receive_bytes.
        # TYPE node_network_receive_bytes_total counter
        node_network_receive_bytes_total{device="eth0"} 1.32571353E8
        # HELP node_network_receive_compressed_total Network device statistic receive_compressed.
        # TYPE node_network_receive_compressed_total counter
        node_network_receive_compressed_total{device="eth0"} 0.0
        # HELP node_network_receive_drop_total Network device statistic receive_drop.
        # TYPE node_network_receive_drop_total counter
        node_network_receive_drop_total{device="eth0"} 0.0
        # HELP node_network_receive_errs_total Network device statistic receive_errs.
        # TYPE node_network_receive_errs_total counter
        node_network_receive_errs_total{device="eth0"} 0.0
        # HELP node_network_receive_fifo_total Network device statistic receive_fifo.
        # TYPE node_network_receive_fifo_total counter
        node_network_receive_fifo_total{device="eth0"} 0.0
        # HELP node_network_receive_frame_total Network device statistic receive_frame.
        # TYPE node_network_receive_frame_total counter
        node_network_receive_frame_total{device="eth0"} 0.0
        # HELP node_network_receive_multicast_total Network device statistic receive_multicast.
        # TYPE node_network_receive_multicast_total counter
        node_network_receive_multicast_total{device="eth0"} 0.0
        # HELP node_network_receive_nohandler_total Network device statistic receive_nohandler.
        # TYPE node_network_receive_nohandler_total counter
        node_network_receive_nohandler_total{device="eth0"} 0.0
        # HELP node_network_receive_packets_total Network device statistic receive_packets.
        # TYPE node_network_receive_packets_total counter
        node_network_receive_packets_total{device="eth0"} 3623.0
        # HELP node_network_transmit_bytes_total Network device statistic transmit_bytes.
        # TYPE node_network_transmit_bytes_total counter
        node_network_transmit_bytes_total{device="eth0"} 346328.0
        # HELP node_network_transmit_carrier_total Network device statistic transmit_carrier.
        # TYPE node_network_transmit_carrier_total counter
        node_network_transmit_carrier_total{device="eth0"} 0.0
        # HELP node_network_transmit_colls_total Network device statistic transmit_colls.
        # TYPE node_network_transmit_colls_total counter
        node_network_transmit_colls_total{device="eth0"} 0.0
        # HELP node_network_transmit_compressed_total Network device statistic transmit_compressed.
        # TYPE node_network_transmit_compressed_total counter
        node_network_transmit_compressed_total{device="eth0"} 0.0
        # HELP node_network_transmit_drop_total Network device statistic transmit_drop.
        # TYPE node_network_transmit_drop_total counter
        node_network_transmit_drop_total{device="eth0"} 0.0
        # HELP node_network_transmit_errs_total Network device statistic transmit_errs.
        # TYPE node_network_transmit_errs_total counter
        node_network_transmit_errs_total{device="eth0"} 0.0
        # HELP node_network_transmit_fifo_total Network device statistic transmit_fifo.
        # TYPE node_network_transmit_fifo_total counter
        node_network_transmit_fifo_total{device="eth0"} 0.0
        # HELP node_network_transmit_packets_total Network device statistic transmit_packets.
        # TYPE node_network_transmit_packets_total counter
        node_network_transmit_packets_total{device="eth0"} 2772.0
        """);
  }

  @Test
  void everyInterfaceOfTheCaptureHasSixteenColumns() {
    Map<String, long[]> devices = NetdevCollector.parseNetDev(Fixtures.text("proc/net/dev"));

    assertThat(devices).containsOnlyKeys("lo", "ifb0", "ifb1", "eth0", "docker0", "vethc892e4c");
    assertThat(devices.get("docker0")).hasSize(16).doesNotContain(PseudoFiles.NOT_A_NUMBER);
    assertThat(devices.get("docker0")[column("transmit_bytes")]).isEqualTo(966);
    assertThat(devices.get("docker0")[column("transmit_drop")]).isEqualTo(3);
  }

  @Test
  void nameGluedToItsColonShortLinesAndBadNumbersAreHandled() {
    Map<String, long[]> devices = NetdevCollector.parseNetDev(Fixtures.text("nasty/net-dev"));

    assertThat(devices).containsOnlyKeys("verylongname0", "eth1", "bad");
    long[] glued = devices.get("verylongname0");
    assertThat(glued[column("receive_bytes")]).isEqualTo(1234);
    assertThat(glued[column("transmit_bytes")]).isEqualTo(99);
    assertThat(glued[column("transmit_compressed")]).isZero();
    assertThat(devices.get("eth1")).startsWith(10, 20, 30)
        .containsOnly(10, 20, 30, PseudoFiles.NOT_A_NUMBER);
    assertThat(devices.get("bad")[column("receive_bytes")]).isEqualTo(PseudoFiles.NOT_A_NUMBER);
    assertThat(devices.get("bad")[column("receive_packets")]).isEqualTo(1);
    try (NetdevCollector collector = new NetdevCollector(DeviceFilter.NONE, Fixtures.path("nasty/net-dev"), null)) {
      assertThat(Exposition.text(collector.collect()))
          .contains("node_network_receive_packets_total{device=\"bad\"} 1.0")
          .doesNotContain("node_network_receive_bytes_total{device=\"bad\"}")
          .contains("node_network_receive_errs_total{device=\"eth1\"} 30.0")
          .doesNotContain("node_network_receive_drop_total{device=\"eth1\"}");
    }
  }

  private static int column(String name) {
    return Arrays.asList(NetdevCollector.COLUMNS).indexOf(name);
  }

  @Test
  void excludeDropsMatchingDevicesAnywhereInTheName() {
    NetdevCollector collector = new NetdevCollector(
        new DeviceFilter(null, Pattern.compile("eth|veth")), Fixtures.host().proc("net", "dev"), null);

    assertThat(Exposition.text(collector.collect()))
        .contains("device=\"lo\"", "device=\"docker0\"")
        .doesNotContain("device=\"eth0\"", "device=\"vethc892e4c\"");
  }

  @Test
  void includeAndExcludeTogetherIsAConfigError() {
    PluginConfig config = new PluginConfig("microc.collectors.netdev", ConfigFactory.parseString(
        "device-include = \"^eth\"\ndevice-exclude = \"^lo$\""));

    assertThatThrownBy(() -> DeviceFilter.from(config, "device-include", "device-exclude"))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("microc.collectors.netdev.device-include")
        .hasMessageContaining("mutually exclusive");
  }

  @Test
  void emptyPatternsMeanNoFilter() {
    PluginConfig config = new PluginConfig("microc.collectors.netdev", ConfigFactory.parseString(
        "device-include = \"\"\ndevice-exclude = \"\""));

    assertThat(DeviceFilter.from(config, "device-include", "device-exclude")).isEqualTo(DeviceFilter.NONE);
  }

  @Test
  void oshiFallbackNamesItsCountersAsNodeExporter() {
    NetdevCollector collector = new NetdevCollector(DeviceFilter.NONE,
        new SystemInfo().getHardware().getNetworkIFs(true));

    assertThat(Exposition.text(collector.collect()))
        .contains("node_network_receive_bytes_total{device=", "node_network_transmit_colls_total{device=");
  }
}
