package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.host.MdadmCollector.Array;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MdadmCollectorTest {

  private static final Path TREE = Path.of("src/test/parity/mdadm/proc/mdstat");

  @Test
  void everyStateOfTheFixture() throws IOException {
    List<Array> arrays = MdadmCollector.parseMdstat(Files.readString(TREE));

    assertThat(arrays).extracting(Array::name, Array::state).containsExactly(
        org.assertj.core.groups.Tuple.tuple("md1", "active"),
        org.assertj.core.groups.Tuple.tuple("md2", "active"),
        org.assertj.core.groups.Tuple.tuple("md3", "checking"),
        org.assertj.core.groups.Tuple.tuple("md4", "resyncing"),
        org.assertj.core.groups.Tuple.tuple("md5", "recovering"),
        org.assertj.core.groups.Tuple.tuple("md6", "resyncing"),
        org.assertj.core.groups.Tuple.tuple("md7", "resyncing"),
        org.assertj.core.groups.Tuple.tuple("md8", "inactive"),
        org.assertj.core.groups.Tuple.tuple("md9", "active"),
        org.assertj.core.groups.Tuple.tuple("md10", "active"),
        org.assertj.core.groups.Tuple.tuple("md11", "recovering"),
        org.assertj.core.groups.Tuple.tuple("md12", "resyncing"),
        org.assertj.core.groups.Tuple.tuple("md13", "active"),
        org.assertj.core.groups.Tuple.tuple("md14", "active"));
    assertThat(arrays.get(1)).as("degraded raid5 with a failed and a spare disk")
        .isEqualTo(new Array("md2", "active", 3, 4, 1, 1, 5860267008L, 5860267008L));
    assertThat(arrays.get(2).blocksSynced()).as("check in progress").isEqualTo(336034816L);
    assertThat(arrays.get(5).blocksSynced()).as("resync=PENDING").isZero();
    assertThat(arrays.get(7)).as("inactive, spares only")
        .isEqualTo(new Array("md8", "inactive", 0, 0, 0, 2, 3906764800L, 3906764800L));
    assertThat(arrays.get(8)).as("raid0 counts its members")
        .isEqualTo(new Array("md9", "active", 2, 2, 0, 0, 1953259520L, 1953259520L));
    assertThat(arrays.get(11).blocksSynced()).as("being built").isEqualTo(26112L);
  }

  @Test
  void exposedAsNodeExporterDoes(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("mdstat"), """
        Personalities : [raid1]
        md0 : active raid1 sdb1[1] sda1[0](F)
              1048512 blocks super 1.2 [2/1] [U_]

        unused devices: <none>
        """);

    assertThat(Exposition.text(new MdadmCollector(file).collect())).isEqualTo("""
        # HELP node_md_blocks Total number of blocks on device.
        # TYPE node_md_blocks gauge
        node_md_blocks{device="md0"} 1048512.0
        # HELP node_md_blocks_synced Number of blocks synced on device.
        # TYPE node_md_blocks_synced gauge
        node_md_blocks_synced{device="md0"} 1048512.0
        # HELP node_md_disks Number of active/failed/spare disks of device.
        # TYPE node_md_disks gauge
        node_md_disks{device="md0",state="active"} 1.0
        node_md_disks{device="md0",state="failed"} 1.0
        node_md_disks{device="md0",state="spare"} 0.0
        # HELP node_md_disks_required Total number of disks of device.
        # TYPE node_md_disks_required gauge
        node_md_disks_required{device="md0"} 2.0
        # HELP node_md_state Indicates the state of md-device.
        # TYPE node_md_state gauge
        node_md_state{device="md0",state="active"} 1.0
        node_md_state{device="md0",state="check"} 0.0
        node_md_state{device="md0",state="inactive"} 0.0
        node_md_state{device="md0",state="recovering"} 0.0
        node_md_state{device="md0",state="resync"} 0.0
        """);
  }

  @Test
  void noArraysIsNothingAndNoError() {
    assertThat(MdadmCollector.parseMdstat("Personalities : \nunused devices: <none>\n")).isEmpty();
  }

  @Test
  void noMdstatIsNoDataUntilTheDriverIsLoaded(@TempDir Path dir) throws IOException {
    MdadmCollector collector = new MdadmCollector(dir.resolve("mdstat"));
    assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class);
    assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class);

    Files.writeString(dir.resolve("mdstat"), "Personalities : \nunused devices: <none>\n");
    assertThat(collector.collect()).isEmpty();
  }

  @Test
  void malformedMdstatsNameTheArrayOrLine() {
    assertThatThrownBy(() -> MdadmCollector.parseMdstat("md0 : active raid1 sda1[0]\n  10 blocks [1/1] [U]\n"))
        .hasMessageContaining("\"md0\": too few lines");
    assertThatThrownBy(() -> MdadmCollector.parseMdstat("md0 :\n"))
        .hasMessageContaining("not enough fields");
    assertThatThrownBy(() -> MdadmCollector.parseMdstat(
        "md1 : active raid1 sdd1[1] sdc1[0]\n      1048512 blocks super 1.2 [UU]\n\n\n"))
        .hasMessageContaining("couldn't find all the substring matches");
    assertThatThrownBy(() -> MdadmCollector.parseMdstat(
        "md1 : active raid1 sdd1[1] sdc1[0]\n      many blocks [2/2] [UU]\n\n\n"))
        .hasMessageContaining("unexpected statusLine");
    assertThatThrownBy(() -> MdadmCollector.parseMdstat("md1 : active raid1 sdd1[1] sdc1[0]\n"
        + "      100 blocks [2/2] [UU]\n      [>...]  recovery =  0.3% (6/100) speed=1K/sec\n\n"))
        .hasMessageContaining("\"md1\"").hasMessageContaining("est. finish time");
  }

  @Test
  void theTextIsParsedAgainOnlyWhenItChanged(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("mdstat"),
        "md0 : active raid1 sdb1[1] sda1[0]\n      100 blocks [2/2] [UU]\n\nunused devices: <none>\n");
    MdadmCollector collector = new MdadmCollector(file);

    assertThat(Exposition.text(collector.collect())).contains("node_md_blocks{device=\"md0\"} 100.0");
    Files.writeString(file,
        "md0 : active raid1 sdb1[1] sda1[0]\n      200 blocks [2/2] [UU]\n\nunused devices: <none>\n");
    assertThat(Exposition.text(collector.collect())).contains("node_md_blocks{device=\"md0\"} 200.0");
  }
}
