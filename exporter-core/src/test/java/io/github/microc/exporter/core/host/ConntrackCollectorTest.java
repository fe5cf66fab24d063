package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConntrackCollectorTest {

  /** Linux 6.x's header; the columns node_exporter reads are by position. */
  private static final String STAT = """
      entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
      00000020  00000000 0000000a 00000000 00000002 00000003 00000000 00000000 00000004 00000005 00000006 00000007 00000000  00000000 00000000 00000000 00000001
      00000020  00000000 00000010 00000000 00000002 00000003 00000000 00000000 00000004 00000005 00000006 00000007 00000000  00000000 00000000 00000000 0000000f
      """;

  @Test
  void capturedCountsAndStatisticsSummedOverTheCpus(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("nf_conntrack"), STAT);
    ConntrackCollector collector = new ConntrackCollector(
        Fixtures.host().proc("sys", "net", "netfilter"), dir.resolve("nf_conntrack"));

    String text = Exposition.text(collector.collect());

    assertThat(text).contains("""
        # HELP node_nf_conntrack_entries Number of currently allocated flow entries for connection tracking.
        # TYPE node_nf_conntrack_entries gauge
        node_nf_conntrack_entries 32.0
        # HELP node_nf_conntrack_entries_limit Maximum size of connection tracking table.
        # TYPE node_nf_conntrack_entries_limit gauge
        node_nf_conntrack_entries_limit 262144.0
        """, "node_nf_conntrack_stat_found 26.0", "node_nf_conntrack_stat_invalid 4.0",
        "node_nf_conntrack_stat_ignore 6.0", "node_nf_conntrack_stat_insert 8.0",
        "node_nf_conntrack_stat_insert_failed 10.0", "node_nf_conntrack_stat_drop 12.0",
        "node_nf_conntrack_stat_early_drop 14.0", "node_nf_conntrack_stat_search_restart 16.0");
  }

  @Test
  void capturedStatOfThisKernelIsAllZero() {
    assertThat(ConntrackCollector.parseStat(Fixtures.text("proc/net/stat/nf_conntrack")))
        .containsOnly(0);
  }

  @Test
  void withoutTheModuleThereIsNoData(@TempDir Path dir) {
    assertThatThrownBy(() -> new ConntrackCollector(dir, dir.resolve("nf_conntrack")).collect())
        .isInstanceOf(NoDataException.class).hasMessageContaining("nf_conntrack_count");
  }

  @Test
  void aStatLineWithoutSeventeenColumnsFailsKeepingTheCounts(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("nf_conntrack_count"), "5\n");
    Files.writeString(dir.resolve("nf_conntrack_max"), " 9 \n");
    Files.writeString(dir.resolve("nf_conntrack"), "entries searched\n"
        + "00000007 00000001 0000000a 00000000 00000002 00000003 00000000 00000000 00000004 00000005 00000006 00000007 00000000 00000000 00000000 00000000\n");

    assertThatThrownBy(() -> new ConntrackCollector(dir, dir.resolve("nf_conntrack")).collect())
        .isInstanceOfSatisfying(PartialCollectionException.class, e -> {
          assertThat(e).hasMessageContaining("missing fields");
          assertThat(Exposition.text(e.collected())).contains("node_nf_conntrack_entries 5.0",
              "node_nf_conntrack_entries_limit 9.0").doesNotContain("stat_");
        });
  }

  @Test
  void aStatColumnThatIsNotHexadecimalIsAnError() {
    assertThatThrownBy(() -> ConntrackCollector.parseStat("header\n" + "0000000g ".repeat(17) + "\n"))
        .hasMessageContaining("\"0000000g\"");
  }
}
