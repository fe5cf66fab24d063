package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SockstatCollectorTest {

  @Test
  void capturedSockstatAndSockstat6() {
    String text = Exposition.text(new SockstatCollector(Fixtures.host().proc("net"), 4096).collect());

    assertThat(text).contains("""
        # HELP node_sockstat_TCP_mem_bytes Number of TCP sockets in state mem_bytes.
        # TYPE node_sockstat_TCP_mem_bytes gauge
        node_sockstat_TCP_mem_bytes 466944.0
        """, """
        # HELP node_sockstat_sockets_used Number of IPv4 sockets in use.
        # TYPE node_sockstat_sockets_used gauge
        node_sockstat_sockets_used 40.0
        """, "node_sockstat_TCP_inuse 1.0", "node_sockstat_TCP_orphan 0.0", "node_sockstat_TCP_tw 21.0",
        "node_sockstat_TCP_alloc 3.0", "node_sockstat_TCP_mem 114.0", "node_sockstat_UDP_mem_bytes 0.0",
        "node_sockstat_FRAG_memory 0.0", "node_sockstat_TCP6_inuse 2.0", "node_sockstat_FRAG6_memory 0.0",
        "node_sockstat_UDPLITE6_inuse 0.0");
    assertThat(text.lines().filter(l -> l.startsWith("node_"))).hasSize(20);
  }

  @Test
  void inuseIsAlwaysThereOtherKeysOnlyWhenGivenAndUnknownOnesIgnored(@TempDir Path net)
      throws IOException {
    Files.writeString(net.resolve("sockstat"), "sockets: used 3\nUDP: mem 7\nFOO: bar 1\n");
    Files.writeString(net.resolve("sockstat6"), "TCP6: inuse 4\nsockets: used 9\n");

    String text = Exposition.text(new SockstatCollector(net, 4096).collect());

    assertThat(text).contains("node_sockstat_UDP_inuse 0.0", "node_sockstat_UDP_mem 7.0",
        "node_sockstat_UDP_mem_bytes 28672.0", "node_sockstat_FOO_inuse 0.0",
        "node_sockstat_TCP6_inuse 4.0", "node_sockstat_sockets_used 3.0")
        .doesNotContain("bar", "9.0");
  }

  @Test
  void eitherFileMayBeMissing(@TempDir Path net) throws IOException {
    assertThat(Exposition.text(new SockstatCollector(net, 4096).collect())).isEmpty();

    Files.writeString(net.resolve("sockstat6"), "RAW6: inuse 1\n");
    assertThat(Exposition.text(new SockstatCollector(net, 4096).collect()))
        .contains("node_sockstat_RAW6_inuse 1.0").doesNotContain("sockets_used");
  }

  @Test
  void aLineThatIsNotKeyValuePairsOfIntegersIsAnError(@TempDir Path net) throws IOException {
    Files.writeString(net.resolve("sockstat"), "TCP: inuse\n");
    assertThatThrownBy(() -> new SockstatCollector(net, 4096).collect())
        .hasMessageContaining("malformed sockstat line");
    Files.writeString(net.resolve("sockstat"), "TCP: inuse 1 orphan\n");
    assertThatThrownBy(() -> new SockstatCollector(net, 4096).collect())
        .hasMessageContaining("odd number of fields");
    Files.writeString(net.resolve("sockstat"), "TCP: inuse many\n");
    assertThatThrownBy(() -> new SockstatCollector(net, 4096).collect())
        .hasMessageContaining("\"many\"");
  }

  @Test
  void thePageSizeIsThisHostsOwn() throws Exception {
    Process getconf = new ProcessBuilder("getconf", "PAGESIZE").start();
    long fromTheKernel = Long.parseLong(new String(getconf.getInputStream().readAllBytes()).strip());

    assertThat(SockstatCollector.PageSize.get()).isEqualTo(fromTheKernel);
  }
}
