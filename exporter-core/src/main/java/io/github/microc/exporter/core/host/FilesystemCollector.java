package io.github.microc.exporter.core.host;

import com.sun.jna.NativeLong;
import com.sun.jna.platform.linux.LibC;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.software.os.FileSystem;
import oshi.software.os.OSFileStore;

/**
 * Size, free space and inodes of every mounted file system, as node_exporter 1.5's filesystem
 * collector: mounts from {@code <proc>/1/mounts} (or {@code <proc>/mounts} when pid 1 is
 * hidden), each mount point stat'ed under the configured root file system.
 *
 * <pre>
 * node_filesystem_size_bytes{device="/dev/vda",fstype="ext4",mountpoint="/"} 2.70553174016e+11
 * node_filesystem_free_bytes{device="/dev/vda",fstype="ext4",mountpoint="/"} 2.46534811648e+11
 * node_filesystem_avail_bytes{device="/dev/vda",fstype="ext4",mountpoint="/"} 8.492593152e+10
 * node_filesystem_files{device="/dev/vda",fstype="ext4",mountpoint="/"} 1.6777216e+07
 * node_filesystem_files_free{device="/dev/vda",fstype="ext4",mountpoint="/"} 1.6367927e+07
 * node_filesystem_readonly{device="/dev/vda",fstype="ext4",mountpoint="/"} 0
 * node_filesystem_device_error{device="/dev/vda",fstype="ext4",mountpoint="/"} 0
 * </pre>
 *
 * <p>A mount whose {@code statvfs} fails, or does not answer within {@code mount-timeout} (a
 * dead NFS server), has {@code device_error 1} and no sizes. The calls run on helper threads
 * so that a hung one cannot hold the scrape; a mount that hung is not asked again until its
 * call returns, so at most one thread per mount is ever stuck. Without procfs, OSHI's file
 * stores. Thread-safe.
 */
public final class FilesystemCollector implements MultiCollector, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FilesystemCollector.class);

  /** The collector's configuration. */
  record Settings(Pattern mountPointsExclude, Pattern fsTypesExclude, Duration mountTimeout) {
    static Settings from(PluginConfig config) {
      return new Settings(config.getRegex("mount-points-exclude"),
          config.getRegex("fs-types-exclude"), config.getPositiveDuration("mount-timeout"));
    }

    boolean excluded(Mount mount) {
      return mountPointsExclude.matcher(mount.mountPoint()).find()
          || fsTypesExclude.matcher(mount.fsType()).find();
    }
  }

  /** One line of the mount table; the mount point as the host sees it. */
  record Mount(String device, String mountPoint, String fsType, String options) {
    boolean readonly() {
      for (String option : options.split(",")) {
        if (option.equals("ro")) {
          return true;
        }
      }
      return false;
    }
  }

  /** What {@code statvfs} says about a mount, in bytes and inodes. */
  record FsStats(double size, double free, double avail, double files, double filesFree) {}

  /** Stats a path; the real one calls {@code statvfs(3)}. */
  @FunctionalInterface
  interface Statter {
    FsStats stat(Path path) throws IOException;
  }

  private final Settings settings;
  private final HostPaths paths;
  private final Statter statter;
  private final FileSystem oshi;
  private final ExecutorService helpers;
  /** Mount points whose stat has not returned, with the call still running. */
  private final Map<String, CompletableFuture<FsStats>> stuck = new ConcurrentHashMap<>();

  /** Reads the mount table under {@code paths} and stats with {@code statter}. */
  FilesystemCollector(Settings settings, HostPaths paths, Statter statter) {
    this.settings = settings;
    this.paths = paths;
    this.statter = statter;
    this.oshi = null;
    AtomicInteger count = new AtomicInteger();
    this.helpers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "microc-statvfs-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Asks OSHI's file stores; for platforms without procfs. */
  FilesystemCollector(Settings settings, FileSystem oshi) {
    this.settings = settings;
    this.paths = null;
    this.statter = null;
    this.oshi = oshi;
    this.helpers = null;
  }

  @Override
  public MetricSnapshots collect() {
    Families f = new Families();
    if (oshi != null) {
      collectOshi(f);
    } else {
      collectLinux(f);
    }
    return MetricSnapshots.of(f.size.build(), f.free.build(), f.avail.build(), f.files.build(),
        f.filesFree.build(), f.readonly.build(), f.deviceError.build());
  }

  private void collectLinux(Families f) {
    Map<Mount, CompletableFuture<FsStats>> pending = new LinkedHashMap<>();
    for (Mount mount : readMounts()) {
      if (settings.excluded(mount) || pending.containsKey(mount)) {
        continue;
      }
      if (stuck.containsKey(mount.mountPoint())) {
        pending.put(mount, null);
        continue;
      }
      Path path = paths.rootfs(mount.mountPoint());
      pending.put(mount, CompletableFuture.supplyAsync(() -> {
        try {
          return statter.stat(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, helpers));
    }
    long deadline = System.nanoTime() + settings.mountTimeout().toNanos();
    pending.forEach((mount, call) -> f.add(mount, call == null ? null : await(mount, call, deadline)));
  }

  private FsStats await(Mount mount, CompletableFuture<FsStats> call, long deadline) {
    try {
      return call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      log.warn("statvfs of {} ({}) did not return within {}; reported as device_error until it"
          + " does", mount.mountPoint(), mount.device(), settings.mountTimeout());
      stuck.put(mount.mountPoint(), call);
      call.whenComplete((stats, error) -> {
        if (stuck.remove(mount.mountPoint(), call)) {
          log.info("statvfs of {} returned again", mount.mountPoint());
        }
      });
      return null;
    } catch (ExecutionException e) {
      log.debug("statvfs of {} failed: {}", mount.mountPoint(), e.getCause().toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private List<Mount> readMounts() {
    Path file = paths.proc("1", "mounts");
    try {
      String text;
      try {
        text = HostFiles.read(file);
      } catch (NoSuchFileException e) {
        file = paths.proc("mounts"); // pid 1 hidden (hidepid)
        text = HostFiles.read(file);
      }
      return parseMounts(text, paths.rootfs().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private void collectOshi(Families f) {
    for (OSFileStore store : oshi.getFileStores(false)) {
      Mount mount = new Mount(store.getVolume(), store.getMount(), store.getType(),
          store.getOptions() == null ? "" : store.getOptions());
      if (settings.excluded(mount)) {
        continue;
      }
      f.add(mount, new FsStats(store.getTotalSpace(), store.getFreeSpace(), store.getUsableSpace(),
          store.getTotalInodes(), store.getFreeInodes()));
    }
  }

  @Override
  public void close() {
    if (helpers != null) {
      helpers.shutdownNow();
    }
  }

  /**
   * The mount table ({@code /proc/1/mounts}): device, mount point, type and options of each
   * line. The mount point's {@code \040} and {@code \011} become a space and a tab, and a
   * {@code rootfs} prefix other than {@code /} is stripped, so that the label is the host's
   * path, as node_exporter does. A line with fewer than four fields is skipped.
   */
  static List<Mount> parseMounts(String text, String rootfs) {
    List<Mount> mounts = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = HostFiles.fields(line);
      if (f.length < 4) {
        continue;
      }
      String mountPoint = f[1].replace("\\040", " ").replace("\\011", "\t");
      mounts.add(new Mount(f[0], stripRootfs(mountPoint, rootfs), f[2], f[3]));
    }
    return mounts;
  }

  private static String stripRootfs(String mountPoint, String rootfs) {
    String prefix = rootfs.endsWith("/") ? rootfs.substring(0, rootfs.length() - 1) : rootfs;
    if (prefix.isEmpty() || !mountPoint.startsWith(prefix)) {
      return mountPoint;
    }
    String rest = mountPoint.substring(prefix.length());
    if (rest.isEmpty()) {
      return "/";
    }
    return rest.startsWith("/") ? rest : mountPoint;
  }

  /** {@code statvfs(3)} through JNA: sizes in fragments, as POSIX defines them. */
  static FsStats statvfs(Path path) throws IOException {
    LibC.Statvfs s = new LibC.Statvfs();
    if (LibC.INSTANCE.statvfs(path.toString(), s) != 0) {
      throw new IOException("statvfs " + path + ": errno " + com.sun.jna.Native.getLastError());
    }
    double unit = unsigned(s.f_frsize) > 0 ? unsigned(s.f_frsize) : unsigned(s.f_bsize);
    return new FsStats(unsigned(s.f_blocks) * unit, unsigned(s.f_bfree) * unit,
        unsigned(s.f_bavail) * unit, unsigned(s.f_files), unsigned(s.f_ffree));
  }

  private static double unsigned(NativeLong value) {
    long v = value.longValue();
    return v >= 0 ? v : v + 0x1p64;
  }

  /** The seven families of one collection. */
  private static final class Families {
    final MetricFamily size = gauge("size_bytes", "Filesystem size in bytes.");
    final MetricFamily free = gauge("free_bytes", "Filesystem free space in bytes.");
    final MetricFamily avail = gauge("avail_bytes",
        "Filesystem space available to non-root users in bytes.");
    final MetricFamily files = gauge("files", "Filesystem total file nodes.");
    final MetricFamily filesFree = gauge("files_free", "Filesystem total free file nodes.");
    final MetricFamily readonly = gauge("readonly", "Filesystem read-only status.");
    final MetricFamily deviceError = gauge("device_error",
        "Whether an error occurred while getting statistics for the given device.");

    private static MetricFamily gauge(String name, String help) {
      return MetricFamily.gauge("node_filesystem_" + name, help, "device", "mountpoint", "fstype");
    }

    /** A mount's samples; {@code stats} null when it could not be stat'ed. */
    void add(Mount m, FsStats stats) {
      String[] labels = {m.device(), m.mountPoint(), m.fsType()};
      deviceError.add(stats == null ? 1 : 0, labels);
      readonly.add(m.readonly() ? 1 : 0, labels);
      if (stats == null) {
        return;
      }
      size.add(stats.size(), labels);
      free.add(stats.free(), labels);
      avail.add(stats.avail(), labels);
      files.add(stats.files(), labels);
      filesFree.add(stats.filesFree(), labels);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "filesystem";
    }

    @Override
    public String description() {
      return "Size, free space and inodes of mounted file systems (node_filesystem_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      Settings settings = Settings.from(context.config());
      return HostFiles.linux()
          ? new FilesystemCollector(settings, context.hostPaths(), FilesystemCollector::statvfs)
          : new FilesystemCollector(settings, context.system().getOperatingSystem().getFileSystem());
    }
  }
}
