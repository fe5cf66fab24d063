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

class NfsdCollectorTest {

  private static final Path TREE = Path.of("src/test/parity/nfs/proc/net/rpc/nfsd");

  @Test
  void theFixturesServer() {
    String text = Exposition.text(new NfsdCollector(TREE).collect());

    assertThat(text).contains("node_nfsd_reply_cache_hits_total 12.0\n",
        "node_nfsd_reply_cache_misses_total 9874.0\n", "node_nfsd_file_handles_stale_total 3.0\n",
        "node_nfsd_disk_bytes_read_total 1.572864001E9\n", "node_nfsd_server_threads 8.0\n",
        "node_nfsd_read_ahead_cache_size_blocks 32.0\n",
        "node_nfsd_read_ahead_cache_not_found_total 18.0\n",
        "node_nfsd_packets_total{proto=\"udp\"} 10.0\n", "node_nfsd_connections_total 41.0\n",
        "node_nfsd_rpc_errors_total{error=\"fmt\"} 1.0\n", "node_nfsd_server_rpcs_total 52288.0\n",
        // proc4ops positions 36, 37 and 38, as node_exporter 1.5 reads them
        "node_nfsd_requests_total{method=\"Verify\",proto=\"4\"} 57753.0\n",
        "node_nfsd_requests_total{method=\"Write\",proto=\"4\"} 21273.0\n",
        "node_nfsd_requests_total{method=\"RelLockOwner\",proto=\"4\"} 14408.0\n");
    assertThat(text).doesNotContain("method=\"Null\"");
    assertThat(text.lines().filter(l -> l.startsWith("node_nfsd_requests_total"))).hasSize(17 + 21 + 33);
  }

  @Test
  void theThreadsLineKeepsTwoValuesAndOtherLinesTheirCount() {
    RpcStats s = RpcStats.parse("th 8 0 0.000 0.000\nproc4 2 2 10853\n", true);

    assertThat(s.get("th", 0)).isEqualTo(8);
    assertThatThrownBy(() -> RpcStats.parse("th 8\n", true)).hasMessageContaining("th metric line");
    assertThatThrownBy(() -> RpcStats.parse("proc4 3 1 2 3\n", true)).hasMessageContaining("proc4");
    assertThatThrownBy(() -> RpcStats.parse("proc4ops 38 " + "1 ".repeat(38) + "\n", true))
        .hasMessageContaining("proc4ops");
  }

  @Test
  void aLineNodeExporterDoesNotKnowFailsTheCollection() {
    assertThatThrownBy(() -> RpcStats.parse("rc 0 1 2\nwdeleg_getattr 0\n", true))
        .hasMessageContaining("unknown NFSd metric line \"wdeleg_getattr 0\"");
  }

  @Test
  void noFileIsNoData(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> new NfsdCollector(dir.resolve("nfsd")).collect())
        .isInstanceOf(NoDataException.class);
    Path file = Files.writeString(dir.resolve("nfsd"), "rc 0 1 2\n");
    assertThat(Exposition.text(new NfsdCollector(file).collect()))
        .contains("node_nfsd_reply_cache_nocache_total 2.0", "node_nfsd_server_threads 0.0");
  }
}
