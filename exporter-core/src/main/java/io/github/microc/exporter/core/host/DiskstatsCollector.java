package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import oshi.hardware.HWDiskStore;

/**
 * Block device I/O from {@code /proc/diskstats}, as node_exporter 1.5's diskstats collector:
 * sectors are 512 bytes and times milliseconds whatever the device; discard and flush
 * statistics appear when the kernel has them (4.18 and 5.5).
 *
 * <pre>
 * node_disk_reads_completed_total{device="vda"} 36914
 * node_disk_read_bytes_total{device="vda"} 1.34846976e+09
 * node_disk_io_now{device="vda"} 0
 * node_disk_flush_requests_total{device="vda"} 2023
 * node_disk_info{device="vda",major="254",minor="0",model="",path="",revision="",serial="",wwn=""} 1
 * </pre>
 *
 * <p>{@code node_disk_info}'s path, wwn, model, serial and revision come from udev's database
 * (file {@code b<major>:<minor>} of {@code microc.host.udev-data}, by default
 * {@code <rootfs>/run/udev/data}) and are empty without it. Without procfs, OSHI's disk stores
 * give reads, writes, bytes, the queue length and the busy time. {@code device-exclude} drops
 * partitions and RAM/loop devices by default. Thread-safe.
 */
public final class DiskstatsCollector implements MultiCollector, AutoCloseable {

  private static final double SECTOR = 512;
  private static final double MS = 0.001;

  /** A column of {@code /proc/diskstats} after the device name, as exposed. */
  private record Column(String name, boolean counter, double scale, String help) {}

  private static final Column[] COLUMNS = {
      new Column("reads_completed_total", true, 1, "The total number of reads completed successfully."),
      new Column("reads_merged_total", true, 1, "The total number of reads merged."),
      new Column("read_bytes_total", true, SECTOR, "The total number of bytes read successfully."),
      new Column("read_time_seconds_total", true, MS, "The total number of seconds spent by all reads."),
      new Column("writes_completed_total", true, 1, "The total number of writes completed successfully."),
      new Column("writes_merged_total", true, 1, "The number of writes merged."),
      new Column("written_bytes_total", true, SECTOR, "The total number of bytes written successfully."),
      new Column("write_time_seconds_total", true, MS,
          "This is the total number of seconds spent by all writes."),
      new Column("io_now", false, 1, "The number of I/Os currently in progress."),
      new Column("io_time_seconds_total", true, MS, "Total seconds spent doing I/Os."),
      new Column("io_time_weighted_seconds_total", true, MS, "The weighted # of seconds spent doing I/Os."),
      new Column("discards_completed_total", true, 1, "The total number of discards completed successfully."),
      new Column("discards_merged_total", true, 1, "The total number of discards merged."),
      new Column("discarded_sectors_total", true, 1, "The total number of sectors discarded successfully."),
      new Column("discard_time_seconds_total", true, MS,
          "This is the total number of seconds spent by all discards."),
      new Column("flush_requests_total", true, 1,
          "The total number of flush requests completed successfully"),
      new Column("flush_requests_time_seconds_total", true, MS,
          "This is the total number of seconds spent by all flush requests."),
  };

  /** One line of {@code /proc/diskstats}: the raw columns after the name. */
  record Disk(String major, String minor, String device, double[] columns) {}

  private final DeviceFilter filter;
  private final PseudoFile diskstats;
  private final Path udevData;
  private final List<HWDiskStore> stores;

  /** Reads {@code <proc>/diskstats} and udev's database under the root file system. */
  DiskstatsCollector(DeviceFilter filter, HostPaths paths) {
    this.filter = filter;
    this.diskstats = new PseudoFile(paths.proc("diskstats"));
    this.udevData = paths.udevData();
    this.stores = null;
  }

  /** Asks OSHI's disk stores, found once; for platforms without procfs. */
  DiskstatsCollector(DeviceFilter filter, List<HWDiskStore> stores) {
    this.filter = filter;
    this.diskstats = null;
    this.udevData = null;
    this.stores = List.copyOf(stores);
  }

  @Override
  public MetricSnapshots collect() {
    List<Disk> disks = diskstats != null
        ? HostFiles.parse(diskstats, DiskstatsCollector::parseDiskstats) : readOshi();
    MetricFamily[] families = new MetricFamily[COLUMNS.length];
    MetricFamily info = MetricFamily.info("node_disk_info", "Info of /sys/block/<block_device>.",
        "device", "major", "minor", "path", "wwn", "model", "serial", "revision");
    // One look for the database rather than a failed open for every disk where there is none.
    boolean udevDatabase = udevData != null && Files.isDirectory(udevData);
    for (Disk disk : disks) {
      if (filter.ignored(disk.device())) {
        continue;
      }
      for (int i = 0; i < disk.columns().length && i < COLUMNS.length; i++) {
        if (Double.isNaN(disk.columns()[i])) {
          continue;
        }
        Column c = COLUMNS[i];
        if (families[i] == null) {
          families[i] = c.counter()
              ? MetricFamily.counter("node_disk_" + c.name(), c.help(), "device")
              : MetricFamily.gauge("node_disk_" + c.name(), c.help(), "device");
        }
        families[i].add(disk.columns()[i] * c.scale(), disk.device());
      }
      if (diskstats != null) {
        Map<String, String> udev = udevDatabase ? readUdev(disk) : Map.of();
        String serial = udev.getOrDefault("ID_SERIAL_SHORT", udev.getOrDefault("ID_SERIAL", ""));
        info.addInfo(disk.device(), disk.major(), disk.minor(), udev.getOrDefault("ID_PATH", ""),
            udev.getOrDefault("ID_WWN", ""), udev.getOrDefault("ID_MODEL", ""), serial,
            udev.getOrDefault("ID_REVISION", ""));
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    for (MetricFamily family : families) {
      if (family != null) {
        snapshots.add(family.build());
      }
    }
    if (!info.isEmpty()) {
      snapshots.add(info.build());
    }
    return new MetricSnapshots(snapshots);
  }

  private Map<String, String> readUdev(Disk disk) {
    Path file = udevData.resolve("b" + disk.major() + ":" + disk.minor());
    try {
      return parseUdev(HostFiles.read(file));
    } catch (IOException e) {
      return Map.of(); // no udev (a container, a minimal VM): the labels stay empty
    }
  }

  private List<Disk> readOshi() {
    List<Disk> disks = new ArrayList<>();
    for (HWDiskStore store : stores) {
      store.updateAttributes();
      double nan = Double.NaN;
      disks.add(new Disk("", "", store.getName(), new double[] {store.getReads(), nan,
          store.getReadBytes() / SECTOR, nan, store.getWrites(), nan, store.getWriteBytes() / SECTOR,
          nan, store.getCurrentQueueLength(), store.getTransferTime(), nan}));
    }
    return disks;
  }

  /**
   * The lines of {@code /proc/diskstats}: major, minor, name and the numeric columns (11, 15
   * or 17 depending on the kernel). A line with fewer than 14 fields is skipped.
   */
  static List<Disk> parseDiskstats(String text) {
    List<Disk> disks = new ArrayList<>();
    int length = text.length();
    int[] starts = new int[3 + COLUMNS.length];
    int[] ends = new int[starts.length];
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int at = start;
      start = end + 1;
      int fields = 0;
      while (fields < starts.length) {
        at = PseudoFiles.skipBlanks(text, at, end);
        if (at == end) {
          break;
        }
        starts[fields] = at;
        at = PseudoFiles.fieldEnd(text, at, end);
        ends[fields++] = at;
      }
      if (fields < 14) {
        continue;
      }
      double[] columns = new double[fields - 3];
      for (int i = 0; i < columns.length; i++) {
        long value = PseudoFiles.number(text, starts[i + 3], ends[i + 3]);
        columns[i] = value == PseudoFiles.NOT_A_NUMBER ? Double.NaN : value;
      }
      disks.add(new Disk(text.substring(starts[0], ends[0]), text.substring(starts[1], ends[1]),
          text.substring(starts[2], ends[2]), columns));
    }
    return disks;
  }

  /** The {@code E:KEY=value} properties of a udev database file. */
  static Map<String, String> parseUdev(String text) {
    Map<String, String> properties = new HashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (line.startsWith("E:") && eq > 2) {
        properties.put(line.substring(2, eq), line.substring(eq + 1).strip());
      }
    }
    return properties;
  }

  @Override
  public void close() {
    if (diskstats != null) {
      diskstats.close();
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "diskstats";
    }

    @Override
    public String description() {
      return "Block device I/O statistics from /proc/diskstats (node_disk_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      DeviceFilter filter = new DeviceFilter(null,
          DeviceFilter.optionalRegex(context.config(), "device-exclude"));
      return HostFiles.linux() ? new DiskstatsCollector(filter, context.hostPaths())
          : new DiskstatsCollector(filter, context.system().getHardware().getDiskStores());
    }
  }
}
