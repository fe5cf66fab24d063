package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.microc.exporter.core.host.DiskstatsCollector.Disk;
import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import oshi.SystemInfo;

class DiskstatsCollectorTest {

  /** node_exporter 1.5's default, as reference.conf declares it. */
  private static DeviceFilter defaultFilter() {
    var reference = ConfigFactory.parseResources(DiskstatsCollector.class.getClassLoader(), "reference.conf");
    var config = new io.github.microc.exporter.core.spi.PluginConfig("microc.collectors.diskstats",
        reference.getConfig("microc.collectors.diskstats"));
    return new DeviceFilter(null, DeviceFilter.optionalRegex(config, "device-exclude"));
  }

  @Test
  void capturedDiskstatsInBytesAndSecondsWithLoopDevicesExcluded() {
    String text = Exposition.text(new DiskstatsCollector(defaultFilter(), Fixtures.host()).collect());

    assertThat(text)
        .contains("node_disk_read_bytes_total{device=\"vda\"} 1.520243712E9") // 2969226 sectors
        .contains("node_disk_read_time_seconds_total{device=\"vda\"} 14.398")
        .contains("node_disk_io_now{device=\"vda\"} 0.0")
        .contains("node_disk_discarded_sectors_total{device=\"vda\"} 186784.0")
        .contains("node_disk_flush_requests_time_seconds_total{device=\"vda\"} 0.138")
        .contains("# TYPE node_disk_io_now gauge")
        .contains("node_disk_info{device=\"vda\",major=\"254\",minor=\"0\",model=\"\",path=\"\",revision=\"\",serial=\"\",wwn=\"\"} 1")
        .contains("device=\"zram0\"")
        .doesNotContain("loop0");
  }

  @Test
  void defaultExcludeDropsPartitionsButKeepsWholeDisks() {
    DeviceFilter filter = defaultFilter();

    assertThat(List.of("sda", "nvme0n1", "vda", "xvdb", "dm-0", "md0", "mmcblk0"))
        .noneMatch(filter::ignored);
    assertThat(List.of("sda1", "nvme0n1p1", "vda3", "xvdb1", "loop0", "ram15", "fd0"))
        .allMatch(filter::ignored);
  }

  @Test
  void olderKernelsHaveFewerColumnsAndShortLinesAreSkipped() {
    List<Disk> disks = DiskstatsCollector.parseDiskstats(Fixtures.text("nasty/diskstats"));

    assertThat(disks).extracting(Disk::device)
        .containsExactly("sda", "sda1", "nvme0n1", "nvme0n1p1", "ram0");
    assertThat(disks.get(0).columns()).hasSize(11);
    assertThat(disks.get(2).columns()).hasSize(15);
    assertThat(disks.get(3).columns()).hasSize(17);
  }

  @Test
  void fourPointNineteenKernelHasNoFlushFamilies(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("diskstats"), " 259 0 nvme0n1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n");
    HostPaths host = new HostPaths(dir, dir, dir);

    String text = Exposition.text(new DiskstatsCollector(DeviceFilter.NONE, host).collect());

    assertThat(text).contains("node_disk_discard_time_seconds_total{device=\"nvme0n1\"} 0.015")
        .doesNotContain("node_disk_flush");
  }

  @Test
  void udevPropertiesFillTheInfoLabels(@TempDir Path rootfs) throws IOException {
    Path proc = Files.createDirectories(rootfs.resolve("proc"));
    Files.writeString(proc.resolve("diskstats"), "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n");
    Path udev = Files.createDirectories(rootfs.resolve("run/udev/data"));
    Files.writeString(udev.resolve("b8:0"), Fixtures.text("nasty/udev-b8-0"));

    String text = Exposition.text(
        new DiskstatsCollector(DeviceFilter.NONE, new HostPaths(proc, proc, rootfs)).collect());

    assertThat(text).contains("node_disk_info{device=\"sda\",major=\"8\",minor=\"0\","
        + "model=\"Samsung_SSD_860\",path=\"pci-0000:00:1f.2-ata-1\",revision=\"RVT04B6Q\","
        + "serial=\"S3Z\",wwn=\"0x5000c500a1b2c3d4\"} 1");
  }

  @Test
  void udevParserReadsOnlyProperties() {
    Map<String, String> properties = DiskstatsCollector.parseUdev(Fixtures.text("nasty/udev-b8-0"));

    assertThat(properties).containsEntry("ID_SERIAL", "Samsung_SSD_860_S3Z").hasSize(6);
  }

  @Test
  void oshiFallbackUsesNodeExporterNames() {
    var stores = new SystemInfo().getHardware().getDiskStores();

    String text = Exposition.text(new DiskstatsCollector(DeviceFilter.NONE, stores).collect());

    assertThat(text).contains("node_disk_reads_completed_total{device=", "node_disk_written_bytes_total{device=");
  }
}
