package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetclassCollectorTest {

  /** The hand-made tree that node_exporter also reads in FixtureParityIT. */
  static final Path CLASS_NET = Path.of("src/test/parity/netclass/sys/class/net");

  @Test
  void aLinkThatIsUpRendersAsNodeExporterDoes() {
    try (NetclassCollector collector = new NetclassCollector(CLASS_NET,
        Pattern.compile("^(?!eth0$)"), false)) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_network_info Non-numeric data from /sys/class/net/<iface>, value is always 1.
          # TYPE node_network_info gauge
          node_network_info{address="02:fc:00:00:00:01",broadcast="ff:ff:ff:ff:ff:ff",device="eth0",duplex="full",ifalias="uplink to core-sw1 port 7",operstate="up"} 1
          # HELP node_network_address_assign_type Network device property: address_assign_type
          # TYPE node_network_address_assign_type gauge
          node_network_address_assign_type{device="eth0"} 0.0
          # HELP node_network_carrier Network device property: carrier
          # TYPE node_network_carrier gauge
          node_network_carrier{device="eth0"} 1.0
          # HELP node_network_carrier_changes_total Network device property: carrier_changes_total
          # TYPE node_network_carrier_changes_total counter
          node_network_carrier_changes_total{device="eth0"} 2.0
          # HELP node_network_carrier_down_changes_total Network device property: carrier_down_changes_total
          # TYPE node_network_carrier_down_changes_total counter
          node_network_carrier_down_changes_total{device="eth0"} 1.0
          # HELP node_network_carrier_up_changes_total Network device property: carrier_up_changes_total
          # TYPE node_network_carrier_up_changes_total counter
          node_network_carrier_up_changes_total{device="eth0"} 1.0
          # HELP node_network_device_id Network device property: device_id
          # TYPE node_network_device_id gauge
          node_network_device_id{device="eth0"} 16.0
          # HELP node_network_dormant Network device property: dormant
          # TYPE node_network_dormant gauge
          node_network_dormant{device="eth0"} 0.0
          # HELP node_network_flags Network device property: flags
          # TYPE node_network_flags gauge
          node_network_flags{device="eth0"} 4099.0
          # HELP node_network_iface_id Network device property: iface_id
          # TYPE node_network_iface_id gauge
          node_network_iface_id{device="eth0"} 2.0
          # HELP node_network_iface_link Network device property: iface_link
          # TYPE node_network_iface_link gauge
          node_network_iface_link{device="eth0"} 2.0
          # HELP node_network_iface_link_mode Network device property: iface_link_mode
          # TYPE node_network_iface_link_mode gauge
          node_network_iface_link_mode{device="eth0"} 0.0
          # HELP node_network_mtu_bytes Network device property: mtu_bytes
          # TYPE node_network_mtu_bytes gauge
          node_network_mtu_bytes{device="eth0"} 1500.0
          # HELP node_network_name_assign_type Network device property: name_assign_type
          # TYPE node_network_name_assign_type gauge
          node_network_name_assign_type{device="eth0"} 4.0
          # HELP node_network_net_dev_group Network device property: net_dev_group
          # TYPE node_network_net_dev_group gauge
          node_network_net_dev_group{device="eth0"} 0.0
          # HELP node_network_protocol_type Network device property: protocol_type
          # TYPE node_network_protocol_type gauge
          node_network_protocol_type{device="eth0"} 1.0
          # HELP node_network_speed_bytes Network device property: speed_bytes
          # TYPE node_network_speed_bytes gauge
          node_network_speed_bytes{device="eth0"} 1.25E9
          # HELP node_network_transmit_queue_length Network device property: transmit_queue_length
          # TYPE node_network_transmit_queue_length gauge
          node_network_transmit_queue_length{device="eth0"} 1000.0
          # HELP node_network_up Value is 1 if operstate is 'up', 0 otherwise.
          # TYPE node_network_up gauge
          node_network_up{device="eth0"} 1.0
          """);
    }
  }

  @Test
  void whatADownLinkRefusesHasNoSeriesAndWhatIsNotANumberIsZero() {
    try (NetclassCollector collector = new NetclassCollector(CLASS_NET, Pattern.compile("^$"), false)) {
      String text = Exposition.text(collector.collect());

      // eth1: carrier, speed, duplex are directories, as unreadable as EINVAL makes them.
      assertThat(text).doesNotContain("node_network_carrier{device=\"eth1\"}")
          .doesNotContain("node_network_speed_bytes{device=\"eth1\"}")
          .contains("node_network_info{address=\"52:54:00:12:34:56\",broadcast=\"ff:ff:ff:ff:ff:ff\","
              + "device=\"eth1\",duplex=\"\",ifalias=\"\",operstate=\"down\"} 1")
          // eth2: empty speed, "abc" MTU, a count beyond int64, octal "010", padded "  500  ".
          .contains("node_network_speed_bytes{device=\"eth2\"} 0.0")
          .contains("node_network_mtu_bytes{device=\"eth2\"} 0.0")
          .contains("node_network_carrier_changes_total{device=\"eth2\"} 0.0")
          .contains("node_network_net_dev_group{device=\"eth2\"} 8.0")
          .contains("node_network_transmit_queue_length{device=\"eth2\"} 500.0")
          .doesNotContain("node_network_name_assign_type{device=\"eth2\"}")
          // veth: unknown speed; an alias cut at 128 bytes.
          .contains("node_network_speed_bytes{device=\"veth9a8b7c6\"} -125000.0")
          .contains("ifalias=\"" + "x".repeat(128) + "\"")
          // The regular file bonding_masters is not an interface.
          .doesNotContain("bonding_masters")
          .contains("ifalias=\"VPN → Zürich\"");
    }
  }

  @Test
  void ignoredDevicesAndInvalidSpeedsAreLeftOut() {
    try (NetclassCollector collector = new NetclassCollector(CLASS_NET, Pattern.compile("eth"), true)) {
      String text = Exposition.text(collector.collect());

      assertThat(text).doesNotContain("device=\"eth")
          .doesNotContain("node_network_speed_bytes{device=\"veth9a8b7c6\"}")
          .contains("node_network_speed_bytes{device=\"tun0\"} 1250000.0")
          .contains("node_network_up{device=\"lo\"} 0.0");
    }
  }

  @Test
  void noClassNetIsNoData(@TempDir Path dir) {
    try (NetclassCollector collector = new NetclassCollector(dir.resolve("class/net"), Pattern.compile("^$"), false)) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class)
          .hasMessageContaining("class/net");
    }
  }

  @Test
  void anInterfaceThatGoesAwayIsDroppedAndOneThatComesBackIsReadAgain(@TempDir Path dir) throws IOException {
    Path net = Files.createDirectories(dir.resolve("class/net"));
    Path eth0 = Files.createDirectories(dir.resolve("devices/eth0"));
    Files.writeString(eth0.resolve("operstate"), "up\n");
    Files.writeString(eth0.resolve("mtu"), "1500\n");
    Files.createSymbolicLink(net.resolve("eth0"), Path.of("../../devices/eth0"));
    Files.createSymbolicLink(net.resolve("dangling"), Path.of("../../devices/gone"));
    try (NetclassCollector collector = new NetclassCollector(net, Pattern.compile("^$"), false)) {
      assertThat(Exposition.text(collector.collect())).contains("node_network_up{device=\"eth0\"} 1.0")
          .doesNotContain("dangling");

      Files.delete(net.resolve("eth0"));
      assertThat(Exposition.text(collector.collect())).doesNotContain("eth0");

      Files.writeString(eth0.resolve("mtu"), "9000\n");
      Files.createSymbolicLink(net.resolve("eth0"), Path.of("../../devices/eth0"));
      assertThat(Exposition.text(collector.collect())).contains("node_network_mtu_bytes{device=\"eth0\"} 9000.0");
    }
  }

  @Test
  void speedIsMbitsTimesOneHundredTwentyFiveThousandInIntegerArithmetic() {
    assertThat(NetclassCollector.speedBytes(10_000)).isEqualTo(1_250_000_000L);
    assertThat(NetclassCollector.speedBytes(-1)).isEqualTo(-125_000L);
    assertThat(NetclassCollector.number("")).isZero();
    assertThat(NetclassCollector.number("0x1003")).isEqualTo(4099);
  }
}
