package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NfsCollectorTest {

  @Test
  void aClientFileIsExposedAndAbsentLinesReadZero(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("nfs"), "net 0 0 51230 19\nrpc 4418204 17 4418221\n"
        + "proc4 3 5 6 7\n");

    String text = Exposition.text(new NfsCollector(file).collect());

    assertThat(text).contains("""
        # HELP node_nfs_connections_total Total number of NFSd TCP connections.
        # TYPE node_nfs_connections_total counter
        node_nfs_connections_total 19.0
        # HELP node_nfs_packets_total Total NFSd network packets (sent+received) by protocol type.
        # TYPE node_nfs_packets_total counter
        node_nfs_packets_total{protocol="tcp"} 51230.0
        node_nfs_packets_total{protocol="udp"} 0.0
        """, """
        # HELP node_nfs_rpc_authentication_refreshes_total Number of RPC authentication refreshes performed.
        # TYPE node_nfs_rpc_authentication_refreshes_total counter
        node_nfs_rpc_authentication_refreshes_total 4418221.0
        # HELP node_nfs_rpc_retransmissions_total Number of RPC transmissions performed.
        # TYPE node_nfs_rpc_retransmissions_total counter
        node_nfs_rpc_retransmissions_total 17.0
        # HELP node_nfs_rpcs_total Total number of RPCs performed.
        # TYPE node_nfs_rpcs_total counter
        node_nfs_rpcs_total 4418204.0
        """, "node_nfs_requests_total{method=\"Null\",proto=\"4\"} 5.0\n",
        "node_nfs_requests_total{method=\"Write\",proto=\"4\"} 7.0\n",
        "node_nfs_requests_total{method=\"Clone\",proto=\"4\"} 0.0\n",
        "node_nfs_requests_total{method=\"Commit\",proto=\"3\"} 0.0\n",
        "node_nfs_requests_total{method=\"FsStat\",proto=\"2\"} 0.0\n");
    assertThat(text.lines().filter(l -> l.startsWith("node_nfs_requests_total"))).hasSize(18 + 22 + 59);
  }

  @Test
  void malformedLinesFailAsNodeExporterFails() {
    assertThatThrownBy(() -> RpcStats.parse("proc3 22 1 2 3 4\n", false)).hasMessageContaining("proc3");
    assertThatThrownBy(() -> RpcStats.parse("net 1 2 3\n", false)).hasMessageContaining("invalid net line");
    assertThatThrownBy(() -> RpcStats.parse("rpc 1 x 3\n", false)).hasMessageContaining("\"x\"");
    assertThatThrownBy(() -> RpcStats.parse("net 1 2 3 4\n\nrpc 1 2 3\n", false))
        .hasMessageContaining("invalid NFS metric line \"\"");
    assertThatThrownBy(() -> RpcStats.parse("rc 1 2 3\n", false))
        .hasMessageContaining("unknown NFS metric line");
    assertThatThrownBy(() -> RpcStats.parse("proc2 17 " + "0 ".repeat(17) + "\n", false))
        .hasMessageContaining("proc2");
  }

  @Test
  void countsPastTheRangeOfALongAreUnsigned() {
    RpcStats s = RpcStats.parse("rpc 18446744073709551610 0 7\n", false);

    assertThat(s.get("rpc", 0)).isEqualTo(1.8446744073709552E19);
  }

  @Test
  void noFileIsNoData(@TempDir Path dir) {
    assertThatThrownBy(() -> new NfsCollector(dir.resolve("nfs")).collect())
        .isInstanceOf(NoDataException.class);
  }
}
