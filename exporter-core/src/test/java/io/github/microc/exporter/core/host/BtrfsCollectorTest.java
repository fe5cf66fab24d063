package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.host.BtrfsCollector.IoctlDevice;
import io.github.microc.exporter.core.host.BtrfsCollector.Stats;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BtrfsCollectorTest {

  private static final Path TREE = Path.of("src/test/parity/btrfs");
  private static final Path QUIRKS = Path.of("src/test/parity/btrfs-quirks/sys/fs/btrfs");
  private static final String RAID1 = "0abb23a9-579b-43e6-ad30-227ef47fcb9d";

  private static HostPaths paths(Path root) {
    return new HostPaths(root.resolve("proc"), root.resolve("sys"), root.resolve("rootfs"));
  }

  @Test
  void sysfsAloneGivesTheDeviceSizes() {
    String text = Exposition.text(new BtrfsCollector(TREE.resolve("sys/fs/btrfs"), paths(TREE), null)
        .collect());

    assertThat(text).contains("node_btrfs_info{label=\"home\",uuid=\"" + RAID1 + "\"} 1\n",
        "node_btrfs_info{label=\"\",uuid=\"7f07c59f-6136-449c-ab87-e1cf2328731b\"} 1\n",
        "node_btrfs_allocation_ratio{block_group_type=\"data\",mode=\"raid5\",uuid=\"c1e2fa7b-a3d6-4a6e-9d40-5c9b5b3a72d1\"} 1.5\n",
        "node_btrfs_allocation_ratio{block_group_type=\"metadata\",mode=\"raid6\",uuid=\"c1e2fa7b-a3d6-4a6e-9d40-5c9b5b3a72d1\"} 3.0\n",
        "node_btrfs_device_size_bytes{device=\"sda2\",uuid=\"" + RAID1 + "\"} ")
        .doesNotContain("device_errors", "device_unused", "btrfs_dev_uuid");
  }

  @Test
  void theLibrarysErrorRulesWithTheirQuirks() {
    Stats noFeatures = BtrfsCollector.readStats(QUIRKS.resolve("11111111-2222-3333-4444-555555555555"), new KeptFiles());
    assertThat(noFeatures.globalRsvSize()).as("read after the features error").isZero();
    assertThat(noFeatures.allocation().get("data").reserved()).as("read after the error was reset")
        .isPositive();

    Stats garbled = BtrfsCollector.readStats(QUIRKS.resolve("22222222-3333-4444-5555-666666666666"), new KeptFiles());
    assertThat(garbled.allocation().get("data").reserved()).isZero();
    assertThat(garbled.devices()).containsEntry("vanished", 0.0);
    assertThat(garbled.uuid()).as("no metadata_uuid: the directory's name")
        .isEqualTo("22222222-3333-4444-5555-666666666666");

    assertThat(BtrfsCollector.readStats(QUIRKS.resolve("33333333-4444-5555-6666-777777777777"), new KeptFiles()).label())
        .isEmpty();
    assertThatThrownBy(() -> BtrfsCollector.readStats(
        Path.of("src/test/parity/btrfs-broken/sys/fs/btrfs/" + RAID1), new KeptFiles()))
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining("allocation/system");
  }

  @Test
  void aMountedFileSystemsDevicesComeFromTheIoctls(@TempDir Path dir) throws IOException {
    // The ioctls are a stand-in here (they need a mounted btrfs); BtrfsMountIT calls the kernel's.
    Path proc = Files.createDirectories(dir.resolve("proc/1"));
    Files.writeString(proc.resolve("mounts"), "/dev/sda2 /home btrfs rw,relatime 0 0\n"
        + "/dev/sda2 /srv btrfs rw,relatime 0 0\n/dev/vda1 / ext4 rw 0 0\n");
    HostPaths paths = new HostPaths(dir.resolve("proc"), TREE.resolve("sys"), dir.resolve("rootfs"));
    List<Path> opened = new java.util.ArrayList<>();
    BtrfsCollector.Ioctls ioctls = mountPoint -> {
      opened.add(mountPoint);
      return Map.entry(RAID1.replace("-", ""), List.of(new IoctlDevice("/dev/sda2",
          "cc8f49c9-788c-4a1a-a9cc-9c4bd2ea1389", 100, 1000, new long[] {1, 2, 3, 4, 5})));
    };

    String text = Exposition.text(new BtrfsCollector(TREE.resolve("sys/fs/btrfs"), paths, ioctls).collect());

    assertThat(opened).as("one mount per device").containsExactly(dir.resolve("rootfs/home"));
    String labels = "btrfs_dev_uuid=\"cc8f49c9-788c-4a1a-a9cc-9c4bd2ea1389\",device=\"sda2\"";
    assertThat(text).contains("node_btrfs_device_size_bytes{" + labels + ",uuid=\"" + RAID1 + "\"} 1000.0\n",
        "node_btrfs_device_unused_bytes{" + labels + ",uuid=\"" + RAID1 + "\"} 900.0\n",
        "node_btrfs_device_errors_total{" + labels + ",type=\"generation\",uuid=\"" + RAID1 + "\"} 5.0\n",
        "node_btrfs_device_errors_total{" + labels + ",type=\"write\",uuid=\"" + RAID1 + "\"} 1.0\n",
        "node_btrfs_device_size_bytes{device=\"vdc\",uuid=\"c1e2fa7b-a3d6-4a6e-9d40-5c9b5b3a72d1\"} ")
        .doesNotContain("node_btrfs_device_size_bytes{device=\"sda2\"");
  }

  @Test
  void noBtrfsIsNothingAndNoError(@TempDir Path dir) {
    assertThat(new BtrfsCollector(dir.resolve("btrfs"), paths(dir), null).collect()).isEmpty();
  }
}
