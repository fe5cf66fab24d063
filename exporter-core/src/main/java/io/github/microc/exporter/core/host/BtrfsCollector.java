package io.github.microc.exporter.core.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Btrfs file systems from {@code /sys/fs/btrfs/<uuid>}, and the device statistics of the
 * mounted ones from the kernel's btrfs ioctls, as node_exporter 1.5 reads them.
 *
 * <pre>
 * node_btrfs_info{label="home",uuid="0abb23a9-579b-43e6-ad30-227ef47fcb9d"} 1
 * node_btrfs_size_bytes{block_group_type="data",mode="raid1",uuid="0abb23a9-…"} 1.6168554393e+10
 * node_btrfs_device_size_bytes{btrfs_dev_uuid="cc8f49c9-…",device="sda2",uuid="0abb23a9-…"} 2.097152e+08
 * node_btrfs_device_errors_total{btrfs_dev_uuid="cc8f49c9-…",device="sda2",type="corruption",uuid="0abb23a9-…"} 0
 * </pre>
 *
 * <p>Every entry of {@code /sys/fs/btrfs} with a dash in its name is a file system: its
 * {@code label}, {@code metadata_uuid} (else the directory's name), global reserve, and for
 * {@code data}, {@code metadata} and {@code system} the reserved bytes and each layout's size,
 * use and allocation ratio (from the layout and the number of devices). The sysfs rules are
 * node_exporter's library's: a missing file reads as empty, a value that is not a number as 0,
 * a file that cannot be read otherwise (or a missing {@code allocation/<type>} directory) fails
 * the collection, and an error met in {@code devices} or {@code features} is forgotten once the
 * allocation directories read well, after turning the values read meanwhile to 0.
 *
 * <p>Devices: for a file system mounted on the host (a {@code btrfs} line in {@code
 * <proc>/1/mounts}, else {@code <proc>/mounts}, its mount point a subvolume's root under the
 * root path), the {@code BTRFS_IOC_FS_INFO}, {@code DEV_INFO} and {@code GET_DEV_STATS}
 * ioctls give each device's size, unused bytes and error counters, labelled with the
 * device's name and btrfs UUID. Where there is no mount (or the ioctls fail, which is logged
 * at debug level as node_exporter does), {@code devices/<name>/size} gives the size alone,
 * labelled with the name. The mount point is opened, queried and closed on each scrape, never
 * held open (which would keep it from being unmounted). Thread-safe.
 */
public final class BtrfsCollector implements MultiCollector, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BtrfsCollector.class);
  private static final String[] ERROR_TYPES = {"write", "read", "flush", "corruption", "generation"};
  private static final String[] BLOCK_GROUPS = {"data", "metadata", "system"};

  private final Path btrfs;
  private final HostPaths paths;
  private final Ioctls ioctls;
  private final KeptFiles files = new KeptFiles();

  /**
   * @param btrfs {@code /sys/fs/btrfs}
   * @param paths where the mount table ({@code proc}) and the mount points ({@code rootfs}) are
   * @param ioctls the device statistics of a mounted file system, or null for none
   */
  BtrfsCollector(Path btrfs, HostPaths paths, Ioctls ioctls) {
    this.btrfs = btrfs;
    this.paths = paths;
    this.ioctls = ioctls;
  }

  /** A file system as sysfs describes it. */
  record Stats(String uuid, String label, double globalRsvSize, Map<String, Allocation> allocation,
      Map<String, Double> devices) {}

  /** One block group type's reserved bytes and layouts. */
  record Allocation(double reserved, Map<String, Layout> layouts) {}

  record Layout(double total, double used, double ratio) {}

  /** A device as the ioctls describe it. */
  record IoctlDevice(String path, String uuid, long bytesUsed, long totalBytes, long[] errors) {}

  /** The btrfs ioctls of a mounted file system. */
  interface Ioctls {
    /**
     * The devices of the file system mounted at {@code mountPoint} and its fsid in hex.
     *
     * @return null when it is not a btrfs subvolume's root
     */
    Map.Entry<String, List<IoctlDevice>> devices(Path mountPoint) throws IOException;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    List<Stats> filesystems = new ArrayList<>();
    files.begin();
    try {
      for (Path fs : filesystems()) {
        filesystems.add(readStats(fs, files));
      }
    } finally {
      files.end();
    }
    if (filesystems.isEmpty()) {
      return MetricSnapshots.of();
    }
    Map<String, List<IoctlDevice>> ioctlStats = ioctlStats();
    MetricFamily info = MetricFamily.info("node_btrfs_info", "Filesystem information", "uuid", "label");
    MetricFamily rsv = MetricFamily.gauge("node_btrfs_global_rsv_size_bytes", "Size of global reserve.",
        "uuid");
    MetricFamily reserved = MetricFamily.gauge("node_btrfs_reserved_bytes",
        "Amount of space reserved for a data type", "uuid", "block_group_type");
    MetricFamily used = MetricFamily.gauge("node_btrfs_used_bytes",
        "Amount of used space by a layout/data type", "uuid", "block_group_type", "mode");
    MetricFamily size = MetricFamily.gauge("node_btrfs_size_bytes",
        "Amount of space allocated for a layout/data type", "uuid", "block_group_type", "mode");
    MetricFamily ratio = MetricFamily.gauge("node_btrfs_allocation_ratio",
        "Data allocation ratio for a layout/data type", "uuid", "block_group_type", "mode");
    MetricFamily deviceSize = MetricFamily.gauge("node_btrfs_device_size_bytes",
        "Size of a device that is part of the filesystem.", "uuid", "device");
    MetricFamily unused = MetricFamily.gauge("node_btrfs_device_unused_bytes",
        "Unused bytes unused on a device that is part of the filesystem.");
    MetricFamily errors = MetricFamily.counter("node_btrfs_device_errors_total",
        "Errors reported for the device");
    Set<Labels> seen = new HashSet<>();
    for (Stats s : filesystems) {
      info.addInfo(s.uuid(), s.label());
      rsv.add(s.globalRsvSize(), s.uuid());
      s.allocation().forEach((type, a) -> {
        reserved.add(a.reserved(), s.uuid(), type);
        a.layouts().forEach((mode, l) -> {
          used.add(l.used(), s.uuid(), type, mode);
          size.add(l.total(), s.uuid(), type, mode);
          ratio.add(l.ratio(), s.uuid(), type, mode);
        });
      });
      List<IoctlDevice> devices = ioctlStats.get(s.uuid().replace("-", ""));
      if (devices == null) {
        s.devices().forEach((name, bytes) -> deviceSize.add(bytes, s.uuid(), name));
        continue;
      }
      for (IoctlDevice d : devices) {
        String device = d.path().substring(d.path().lastIndexOf('/') + 1);
        Labels labels = Labels.of("btrfs_dev_uuid", d.uuid(), "device", device, "uuid", s.uuid());
        if (!seen.add(labels)) {
          continue; // a device listed twice: node_exporter's registry keeps the first
        }
        deviceSize.add(Numbers.unsigned(d.totalBytes()), labels);
        unused.add(Numbers.unsigned(d.totalBytes() - d.bytesUsed()), labels);
        for (int i = 0; i < ERROR_TYPES.length; i++) {
          errors.add(Numbers.unsigned(d.errors()[i]), Labels.of("btrfs_dev_uuid", d.uuid(), "device", device,
              "type", ERROR_TYPES[i], "uuid", s.uuid()));
        }
      }
    }
    List<io.prometheus.metrics.model.snapshots.MetricSnapshot> out = new ArrayList<>();
    for (MetricFamily f : new MetricFamily[] {info, rsv, reserved, used, size, ratio, deviceSize,
        unused, errors}) {
      if (!f.isEmpty()) {
        out.add(f.build());
      }
    }
    return new MetricSnapshots(out);
  }

  /** The entries of {@code /sys/fs/btrfs} that Go's {@code *-*} matches, in byte order. */
  private List<Path> filesystems() {
    return GoGlob.matches(btrfs, name -> name.indexOf('-') >= 0);
  }

  /** The ioctl statistics of each mounted btrfs, by fsid in hex; empty when there are none. */
  private Map<String, List<IoctlDevice>> ioctlStats() {
    Map<String, List<IoctlDevice>> stats = new HashMap<>();
    if (ioctls == null) {
      return stats;
    }
    String text;
    try {
      try {
        text = HostFiles.read(paths.proc("1", "mounts"));
      } catch (NoSuchFileException e) {
        text = HostFiles.read(paths.proc("mounts"));
      }
    } catch (IOException e) {
      log.debug("btrfs: error querying btrfs device stats with ioctl: {}", e.toString());
      return stats;
    }
    Set<String> devicesDone = new HashSet<>();
    for (FilesystemCollector.Mount mount : FilesystemCollector.parseMounts(text,
        paths.rootfs().toString())) {
      if (!mount.fsType().equals("btrfs") || devicesDone.contains(mount.device())) {
        continue;
      }
      Path mountPoint = paths.rootfs(mount.mountPoint());
      Map.Entry<String, List<IoctlDevice>> fs;
      try {
        fs = ioctls.devices(mountPoint);
      } catch (IOException | RuntimeException e) {
        log.debug("btrfs: error inspecting btrfs mountpoint {}: {}", mountPoint, e.toString());
        continue;
      }
      if (fs == null || stats.containsKey(fs.getKey())) {
        continue;
      }
      devicesDone.add(mount.device());
      stats.put(fs.getKey(), fs.getValue());
    }
    return stats;
  }


  /**
   * A file system's sysfs directory, read as node_exporter's procfs library reads it.
   *
   * @throws java.io.UncheckedIOException when it reports an error
   */
  static Stats readStats(Path dir, KeptFiles files) {
    Reader r = new Reader(dir, 0, files);
    Map<String, Double> devices = new TreeMap<>();
    for (String n : r.listFiles("devices")) {
      devices.put(n, 512 * r.readValue("devices/" + n + "/size"));
    }
    r.devCount = devices.size();
    String label = r.readFile("label");
    String uuid = r.readFile("metadata_uuid");
    r.listFiles("features");
    for (String value : new String[] {"clone_alignment", "nodesize", "quota_override", "sectorsize"}) {
      r.readValue(value);
    }
    r.readValue("allocation/global_rsv_reserved");
    double globalRsvSize = r.readValue("allocation/global_rsv_size");
    Map<String, Allocation> allocation = new LinkedHashMap<>();
    for (String type : BLOCK_GROUPS) {
      allocation.put(type, r.readAllocation("allocation/" + type));
    }
    if (r.error != null) {
      throw new java.io.UncheckedIOException("cannot read " + dir + ": " + r.error.getMessage(),
          r.error);
    }
    return new Stats(uuid.isEmpty() ? dir.getFileName().toString() : uuid, label, globalRsvSize,
        allocation, devices);
  }

  /** node_exporter's procfs {@code btrfs} reader: its error, once set, holds until a sub-reader's replaces it. */
  private static final class Reader {
    final Path path;
    final KeptFiles files;
    int devCount;
    IOException error;

    Reader(Path path, int devCount, KeptFiles files) {
      this.path = path;
      this.devCount = devCount;
      this.files = files;
    }

    /** A file's trimmed text; "" when it is missing or cannot be read (which is the error then). */
    String readFile(String name) {
      try {
        // node_exporter reads at most 4096 bytes, which is all a sysfs attribute holds
        return files.read(path.resolve(name)).strip();
      } catch (NoSuchFileException e) {
        return "";
      } catch (IOException e) {
        error = e;
        return "";
      }
    }

    /** A file's unsigned value; 0 when it is not a number, or once there is an error. */
    double readValue(String name) {
      String text = readFile(name);
      if (error != null) {
        return 0;
      }
      try {
        if (text.isEmpty() || !Character.isDigit(text.charAt(0))) {
          return 0;
        }
        return Numbers.unsigned(Long.parseUnsignedLong(text));
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    /** A directory's entries in name order; none, and the error, when it cannot be listed. */
    List<String> listFiles(String dir) {
      List<String> names = new ArrayList<>();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(path.resolve(dir))) {
        entries.forEach(e -> names.add(e.getFileName().toString()));
      } catch (IOException e) {
        error = e;
        return List.of();
      }
      names.sort(GoGlob.BYTE_ORDER);
      return names;
    }

    Allocation readAllocation(String dir) {
      Reader sub = new Reader(path.resolve(dir), devCount, files);
      for (String value : new String[] {"bytes_may_use", "bytes_pinned", "bytes_readonly"}) {
        sub.readValue(value);
      }
      double reserved = sub.readValue("bytes_reserved");
      for (String value : new String[] {"bytes_used", "disk_used", "disk_total", "flags",
          "total_bytes", "total_bytes_pinned"}) {
        sub.readValue(value);
      }
      Map<String, Layout> layouts = new TreeMap<>();
      List<String> entries = new ArrayList<>();
      try (DirectoryStream<Path> list = Files.newDirectoryStream(sub.path)) {
        for (Path entry : list) {
          if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
            entries.add(entry.getFileName().toString());
          }
        }
      } catch (IOException e) {
        sub.error = e;
      }
      for (String mode : entries) {
        double total = sub.readValue(mode + "/total_bytes");
        double used = sub.readValue(mode + "/used_bytes");
        layouts.put(mode, new Layout(total, used, sub.ratio(mode)));
      }
      error = sub.error;
      return new Allocation(reserved, layouts);
    }

    double ratio(String mode) {
      return switch (mode) {
        case "single", "raid0" -> 1;
        case "dup", "raid1", "raid10" -> 2;
        case "raid5" -> (double) devCount / (devCount - 1.0);
        case "raid6" -> (double) devCount / (devCount - 2.0);
        default -> 0;
      };
    }
  }

  /** The ioctls through JNA's direct mapping of libc. */
  static final class Kernel implements Ioctls {

    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0200000;
    private static final long BTRFS_IOC_FS_INFO = 0x8400941fL;
    private static final long BTRFS_IOC_DEV_INFO = 0xd000941eL;
    private static final long BTRFS_IOC_GET_DEV_STATS = 0xc4089434L;
    private static final int ENODEV = 19;
    private static final long FIRST_FREE_OBJECTID = 256;
    private static final boolean AVAILABLE = register();

    private static boolean register() {
      if (!Platform.isLinux() || !Platform.is64Bit()) {
        return false;
      }
      try {
        Native.register(Kernel.class, Platform.C_LIBRARY_NAME);
        return true;
      } catch (LinkageError | RuntimeException e) {
        return false;
      }
    }

    private static native int open(String path, int flags) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    private static native int ioctl(int fd, long request, byte[] arg) throws LastErrorException;

    static boolean available() {
      return AVAILABLE;
    }

    @Override
    public Map.Entry<String, List<IoctlDevice>> devices(Path mountPoint) throws IOException {
      // A subvolume's root, as node_exporter's btrfs library requires before it opens one.
      Object inode = Files.getAttribute(mountPoint, "unix:ino");
      if (!(inode instanceof Long ino) || ino != FIRST_FREE_OBJECTID || !Files.isDirectory(mountPoint)) {
        return null;
      }
      int fd;
      try {
        fd = open(mountPoint.toString(), O_RDONLY | O_DIRECTORY);
      } catch (LastErrorException e) {
        throw new IOException("open " + mountPoint + ": errno " + e.getErrorCode(), e);
      }
      try {
        ByteBuffer info = call(fd, BTRFS_IOC_FS_INFO, new byte[1024], "BTRFS_IOC_FS_INFO");
        if (info == null) {
          return null;
        }
        long maxId = info.getLong(0);
        long numDevices = info.getLong(8);
        StringBuilder fsid = new StringBuilder(32);
        for (int i = 16; i < 32; i++) {
          fsid.append(String.format("%02x", info.get(i) & 0xff));
        }
        List<IoctlDevice> devices = new ArrayList<>();
        for (long id = 0; Long.compareUnsigned(id, maxId) <= 0; id++) {
          byte[] devInfo = new byte[4096];
          ByteBuffer.wrap(devInfo).order(ByteOrder.nativeOrder()).putLong(0, id);
          ByteBuffer dev;
          try {
            dev = ByteBuffer.wrap(devInfo).order(ByteOrder.nativeOrder());
            ioctl(fd, BTRFS_IOC_DEV_INFO, devInfo);
          } catch (LastErrorException e) {
            if (e.getErrorCode() == ENODEV) {
              continue; // device ids need not start at 0 nor be contiguous
            }
            throw new IOException("BTRFS_IOC_DEV_INFO " + id + ": errno " + e.getErrorCode(), e);
          }
          byte[] stats = new byte[1032];
          ByteBuffer st = ByteBuffer.wrap(stats).order(ByteOrder.nativeOrder());
          st.putLong(0, id);
          st.putLong(8, ERROR_TYPES.length);
          try {
            ioctl(fd, BTRFS_IOC_GET_DEV_STATS, stats);
          } catch (LastErrorException e) {
            throw new IOException("BTRFS_IOC_GET_DEV_STATS " + id + ": errno " + e.getErrorCode(), e);
          }
          long[] errors = new long[ERROR_TYPES.length];
          for (int i = 0; i < errors.length; i++) {
            errors[i] = st.getLong(24 + 8 * i);
          }
          devices.add(new IoctlDevice(cString(devInfo, 3072), uuid(devInfo, 8), dev.getLong(24),
              dev.getLong(32), errors));
          if (devices.size() == numDevices) {
            break;
          }
        }
        return Map.entry(fsid.toString(), devices);
      } finally {
        try {
          close(fd);
        } catch (LastErrorException ignored) {
          // nothing to do about a failed close
        }
      }
    }

    /** The ioctl's result, or null when the file system is not btrfs (ENOTTY and the like). */
    private static ByteBuffer call(int fd, long request, byte[] arg, String name) {
      try {
        ioctl(fd, request, arg);
      } catch (LastErrorException e) {
        log.debug("btrfs: {} failed: errno {}", name, e.getErrorCode());
        return null;
      }
      return ByteBuffer.wrap(arg).order(ByteOrder.nativeOrder());
    }

    private static String cString(byte[] b, int offset) {
      int end = offset;
      while (end < b.length && b[end] != 0) {
        end++;
      }
      return new String(b, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** A UUID as node_exporter's btrfs library prints it: 8-4-4-4-12 hex digits. */
    private static String uuid(byte[] b, int offset) {
      StringBuilder s = new StringBuilder(36);
      for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
          s.append('-');
        }
        s.append(String.format("%02x", b[offset + i] & 0xff));
      }
      return s.toString();
    }
  }

  @Override
  public synchronized void close() {
    files.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "btrfs";
    }

    @Override
    public String description() {
      return "Btrfs allocation, layouts and devices from /sys/fs/btrfs, device errors from ioctls (node_btrfs_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new BtrfsCollector(context.hostPaths().sys("fs", "btrfs"), context.hostPaths(),
          Kernel.available() ? new Kernel() : null);
    }
  }
}
