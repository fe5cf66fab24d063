package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpvsCollectorTest {

  private static final Path NET = Path.of("src/test/parity/ipvs/proc/net");

  @Test
  void totalsAndRealServers() {
    String text = Exposition.text(new IpvsCollector(NET.resolve("ip_vs_stats"), NET.resolve("ip_vs"),
        IpvsCollector.LABELS).collect());

    assertThat(text).contains("node_ipvs_connections_total 2.3765872E7\n",
        "node_ipvs_incoming_bytes_total 8.9991519156915E13\n",
        "node_ipvs_backend_connections_active{local_address=\"192.168.0.22\",local_mark=\"\",local_port=\"53\","
            + "proto=\"UDP\",remote_address=\"192.168.82.22\",remote_port=\"53\"} 1.0\n",
        "node_ipvs_backend_weight{local_address=\"192.168.0.22\",local_mark=\"\",local_port=\"53\","
            + "proto=\"UDP\",remote_address=\"192.168.82.22\",remote_port=\"53\"} 3.0\n",
        "node_ipvs_backend_weight{local_address=\"\",local_mark=\"10001000\",local_port=\"0\",proto=\"FWM\","
            + "remote_address=\"192.168.34.56\",remote_port=\"3306\"} 20.0\n",
        "remote_address=\"::1\"", "local_address=\"2620:0:abc::36\"", "remote_address=\"192.168.1.1\"");
  }

  @Test
  void ipv6AsGoPrintsIt() {
    assertThat(IpvsCollector.ipv6("2620:0000:0abc:0000:0000:0000:0000:0036")).isEqualTo("2620:0:abc::36");
    assertThat(IpvsCollector.ipv6("0000:0000:0000:0000:0000:0000:0000:0000")).isEqualTo("::");
    assertThat(IpvsCollector.ipv6("0001:0000:0002:0000:0000:0003:0000:0000")).isEqualTo("1:0:2::3:0:0");
    assertThat(IpvsCollector.ipv6("0001:0000:0002:0003:0004:0005:0006:0007")).isEqualTo("1:0:2:3:4:5:6:7");
    assertThat(IpvsCollector.ipv6("0000:0000:0000:0000:0000:ffff:0a00:0001")).isEqualTo("10.0.0.1");
    assertThat(IpvsCollector.ipv6("fe80:0000:0000:0000:0000:0000:0000:0000")).isEqualTo("fe80::");
  }

  @Test
  void malformedFilesFailAfterTheTotals(@TempDir Path dir) throws IOException {
    Files.copy(NET.resolve("ip_vs_stats"), dir.resolve("ip_vs_stats"));
    Files.writeString(dir.resolve("ip_vs"), "TCP  C0A80016:0CEA wlc\n  -> C0A8521:0CEA Tunnel 1 2 3\n");
    IpvsCollector collector = new IpvsCollector(dir.resolve("ip_vs_stats"), dir.resolve("ip_vs"),
        IpvsCollector.LABELS);

    assertThatThrownBy(collector::collect).isInstanceOfSatisfying(PartialCollectionException.class,
        e -> assertThat(e.collected()).hasSize(5)).hasMessageContaining("C0A8521:0CEA");
    assertThatThrownBy(() -> IpvsCollector.parseStats("a\nb\n")).hasMessageContaining("too short");
    assertThatThrownBy(() -> IpvsCollector.parseStats("a\nb\n1 2 3\n\n")).hasMessageContaining("fields");
    assertThatThrownBy(() -> new IpvsCollector(dir.resolve("none"), dir.resolve("ip_vs"),
        IpvsCollector.LABELS).collect()).isInstanceOf(NoDataException.class);
  }

  @Test
  void unknownBackendLabelsStopTheStartWithTheKey(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("microc.conf"),
        "microc.collectors.ipvs.backend-labels = \"proto,vip,local_port,rip\"\n");

    assertThatThrownBy(() -> Microc.builder().environment(Map.of()).configFile(file)
            .plugins(List.of(new IpvsCollector.Plugin())).build())
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining(file + ":1: microc.collectors.ipvs.backend-labels: unknown IPVS backend labels: \"rip, vip\"");
  }
}
