package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BcacheCollectorTest {

  private static final Path TREE = Path.of("src/test/parity/bcache/sys/fs/bcache");

  @Test
  void theFixturesCacheSet() {
    String text = Exposition.text(new BcacheCollector(TREE, false).collect());

    String set = "uuid=\"deaddd54-c735-46d5-868e-f331c5fd7c74\"";
    assertThat(text).contains("node_bcache_average_key_size_sectors{" + set + "} 63988.0\n",
        "node_bcache_dirty_data_bytes{backing_device=\"bdev0\"," + set + "} 2.122317824E9\n",
        "node_bcache_writeback_rate_proportional_term{backing_device=\"bdev1\"," + set + "} -1.2890112E7\n",
        "node_bcache_writeback_change{backing_device=\"bdev1\"," + set + "} -6020.0\n",
        "node_bcache_written_bytes_total{cache_device=\"cache0\"," + set + "} 5.78813952E9\n",
        "node_bcache_btree_read_average_duration_seconds{" + set + "} 5.723E-6\n")
        .doesNotContain("priority_stats");
    assertThat(Exposition.text(new BcacheCollector(TREE, true).collect()))
        .contains("node_bcache_priority_stats_unused_percent{cache_device=\"cache0\"," + set + "} 12.0\n",
            "node_bcache_priority_stats_metadata_percent{cache_device=\"cache0\"," + set + "} 2.0\n");
  }

  @Test
  void bchHprintsHumanFormAsNodeExporterReadsIt() {
    assertThat(BcacheCollector.dehumanize("7.2M")).isEqualTo((7 + 2 / 10.24) * (1 << 20));
    assertThat(BcacheCollector.dehumanize("1.10G")).as(".10 is more than .9")
        .isGreaterThan(BcacheCollector.dehumanize("1.9G"));
    assertThat(BcacheCollector.dehumanize("512")).isEqualTo(512.0);
    assertThat(BcacheCollector.dehumanize("3x")).isZero();
    assertThat(BcacheCollector.dehumanize("")).isNull();
    assertThat(BcacheCollector.dehumanize("n/a")).isNull();
    assertThat(BcacheCollector.dehumanize("5.k")).isNull();
    assertThat(BcacheCollector.goUint64(2.9)).isEqualTo(2.0);
    assertThat(BcacheCollector.goUint64(-1)).isEqualTo(1.8446744073709552E19);
  }

  @Test
  void aMissingFileFailsAndNoBcacheIsNothing(@TempDir Path dir) {
    assertThatThrownBy(() -> new BcacheCollector(Path.of("src/test/parity/bcache-broken/sys/fs/bcache"), false)
        .collect()).hasMessageContaining("writeback_rate_debug");
    assertThat(new BcacheCollector(dir.resolve("bcache"), false).collect()).isEmpty();
  }
}
