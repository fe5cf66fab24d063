package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.typesafe.config.ConfigFactory;
import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.testing.Exposition;
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
    Map<String, Map<String, Double>> devices = NetdevCollector.parseNetDev(Fixtures.text("proc/net/dev"));

    assertThat(devices).containsOnlyKeys("lo", "ifb0", "ifb1", "eth0", "docker0", "vethc892e4c");
    assertThat(devices.get("docker0")).hasSize(16)
        .contains(entry("transmit_bytes", 966.0), entry("transmit_drop", 3.0));
  }

  @Test
  void nameGluedToItsColonShortLinesAndBadNumbersAreHandled() {
    Map<String, Map<String, Double>> devices = NetdevCollector.parseNetDev(Fixtures.text("nasty/net-dev"));

    assertThat(devices).containsOnlyKeys("verylongname0", "eth1", "bad");
    assertThat(devices.get("verylongname0")).contains(entry("receive_bytes", 1234.0),
        entry("transmit_bytes", 99.0), entry("transmit_compressed", 0.0));
    assertThat(devices.get("eth1")).containsExactly(entry("receive_bytes", 10.0),
        entry("receive_packets", 20.0), entry("receive_errs", 30.0));
    assertThat(devices.get("bad")).doesNotContainKey("receive_bytes").containsKey("receive_packets");
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
