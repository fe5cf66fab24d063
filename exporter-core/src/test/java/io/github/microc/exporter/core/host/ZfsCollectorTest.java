package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZfsCollectorTest {

  private static final Path TREE = Path.of("src/test/parity/zfs/proc/spl/kstat/zfs");

  @Test
  void kstatsPoolsDatasetsAndStates() {
    String text = Exposition.text(new ZfsCollector(TREE).collect());

    assertThat(text).contains("# HELP node_zfs_fm_erpt_dropped kstat.zfs.misc.fm.erpt-dropped\n"
            + "# TYPE node_zfs_fm_erpt_dropped untyped\n",
        "# TYPE node_zfs_zpool_nread untyped\nnode_zfs_zpool_nread{zpool=\"backup\"} ",
        "node_zfs_zpool_dataset_writes{dataset=\"tank/var/log\",zpool=\"tank\"} ",
        "node_zfs_zpool_state{state=\"online\",zpool=\"tank\"} 1.0\n",
        "node_zfs_zpool_state{state=\"degraded\",zpool=\"backup\"} 1.0\n",
        "node_zfs_zpool_state{state=\"online\",zpool=\"scratch\"} 0.0\n")
        .doesNotContain("memory_available_bytes", "arc_state_label", "node_zfs_dbuf_",
            "state=\"suspended\"");
  }

  @Test
  void noKstatDirectoryIsNoData(@TempDir Path dir) {
    assertThatThrownBy(() -> new ZfsCollector(dir.resolve("zfs")).collect())
        .isInstanceOf(NoDataException.class);
  }

  @Test
  void aBadValueFailsAfterWhatWasRead(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("arcstats"), "13 1 0x01 3 96 1 2\nname type data\nhits 4 5\n"
        + "misses 4 -1\nsize 4 7\n");

    assertThatThrownBy(() -> new ZfsCollector(dir).collect())
        .isInstanceOfSatisfying(PartialCollectionException.class, e -> assertThat(
            Exposition.text(e.collected())).contains("node_zfs_arc_hits 5.0").doesNotContain("size"))
        .hasMessageContaining("kstat.zfs.misc.arcstats.misses");
  }

  @Test
  void parsers() {
    List<String> seen = new ArrayList<>();
    ZfsCollector.parseKstat("1 1 0x01\nhits 4 5\nname type data\nhits 4 5\nx 3 -2\ny 7 str\nshort 4\n",
        "arcstats", (n, v) -> seen.add(n + "=" + v));
    assertThat(seen).containsExactly("hits=5.0");
    assertThatThrownBy(() -> ZfsCollector.parseKstat("hits 4 5\n", "zil", (n, v) -> { }))
        .hasMessage("did not parse a single \"zil\" metric");

    seen.clear();
    ZfsCollector.parseIo("12 3 0x00\nnread nwritten reads writes wtime wlentime wupdate rtime rlentime"
        + " rupdate wcnt rcnt\n1 2 3 4 5 6 7 8 9 10 11 12\n", (n, v) -> seen.add(n + "=" + v));
    assertThat(seen).hasSize(12).startsWith("nread=1.0").endsWith("rcnt=12.0");
    assertThatThrownBy(() -> ZfsCollector.parseIo("nread nwritten reads writes wtime wlentime wupdate"
        + " rtime rlentime rupdate wcnt rcnt\n1 2 3\n", (n, v) -> { })).hasMessageContaining("3 values");

    seen.clear();
    ZfsCollector.parseObjset("name type data\nwrites 4 1\ndataset_name 7 tank/a\nreads 4 2\n", "tank",
        "tank/objset-0x1", (p, d, n, v) -> seen.add(p + "|" + d + "|" + n + "=" + v));
    assertThat(seen).containsExactly("||writes=1.0", "tank|tank/a|reads=2.0");

    assertThat(ZfsCollector.parseState("ONLINE\n")).isEqualTo("online");
    assertThat(ZfsCollector.parseState("")).isEmpty();
    assertThat(ZfsCollector.metricName("erpt-set-failed")).isEqualTo("erpt_set_failed");
    assertThat(ZfsCollector.metricName("a.b")).isEqualTo("b");
  }

  @Test
  void aKstatNameWithASuffixClientJavaReservesIsExposedAsIs(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("zil"), "name type data\nzil_itx_total 4 9\n");

    assertThat(Exposition.text(new ZfsCollector(dir).collect()))
        .contains("# TYPE node_zfs_zil_zil_itx_total untyped\nnode_zfs_zil_zil_itx_total 9.0\n");
  }
}
