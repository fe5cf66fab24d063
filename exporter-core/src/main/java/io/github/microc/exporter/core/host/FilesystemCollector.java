package io.github.microc.exporter.core.host;

import com.sun.jna.platform.linux.LibC;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
 * dead NFS server), has {@code device_error 1} and no sizes. The calls run one after the other
 * on a helper thread so that a hung one cannot hold the scrape: the hung thread is left to its
 * call, the mount is not asked again until that call returns, and a new thread stats the rest.
 * So there is one thread, plus one per hung mount. Without procfs, OSHI's file stores.
 * Thread-safe.
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

  /**
   * The mounts to report from one mount table, each with its label set (made once, shared by
   * the seven families): kept while the table's text stays the same, which is nearly always.
   */
  private record Table(String text, List<Mount> mounts, Map<Mount, Labels> labels) {}

  /** What {@code statvfs} says about a mount, in bytes and inodes. */
  record FsStats(double size, double free, double avail, double files, double filesFree) {

    /**
     * From the fields of {@code struct statvfs}, unsigned: sizes are blocks times the fragment
     * size (the block size where the fragment size is 0), as POSIX defines them.
     */
    static FsStats of(long bsize, long frsize, long blocks, long bfree, long bavail, long files,
        long ffree) {
      double unit = unsigned(frsize) > 0 ? unsigned(frsize) : unsigned(bsize);
      return new FsStats(unsigned(blocks) * unit, unsigned(bfree) * unit, unsigned(bavail) * unit,
          unsigned(files), unsigned(ffree));
    }

    private static double unsigned(long v) {
      return v >= 0 ? v : v + 0x1p64;
    }
  }

  /** Stats a path; the real one calls {@code statvfs(3)}. */
  @FunctionalInterface
  interface Statter {
    FsStats stat(Path path) throws IOException;
  }

  /** The stat in progress: which mount, its place in the batch, since when. */
  private static final class Running {
    final Mount mount;
    final int index;
    final long since = System.nanoTime();
    volatile boolean returned;

    Running(Mount mount, int index) {
      this.mount = mount;
      this.index = index;
    }
  }

  private static final Running NOT_STARTED = new Running(null, -1);

  private final Settings settings;
  private final HostPaths paths;
  /** {@code <proc>/1/mounts}, and {@code <proc>/mounts} where pid 1 is hidden; kept open. */
  private final PseudoFile pid1Mounts;
  private final PseudoFile ownMounts;
  private volatile boolean pid1Hidden;
  private volatile Table table;
  private final Statter statter;
  private final FileSystem oshi;
  private final AtomicInteger threads = new AtomicInteger();
  /** Mount points whose stat has not returned, with that stat. */
  private final Map<String, Running> stuck = new ConcurrentHashMap<>();
  /** Stats the mounts one after the other; replaced when a stat hangs. Guarded by this. */
  private ExecutorService worker;

  /** Reads the mount table under {@code paths} and stats with {@code statter}. */
  FilesystemCollector(Settings settings, HostPaths paths, Statter statter) {
    this.settings = settings;
    this.paths = paths;
    this.pid1Mounts = new PseudoFile(paths.proc("1", "mounts"));
    this.ownMounts = new PseudoFile(paths.proc("mounts"));
    this.statter = statter;
    this.oshi = null;
  }

  /** Asks OSHI's file stores; for platforms without procfs. */
  FilesystemCollector(Settings settings, FileSystem oshi) {
    this.settings = settings;
    this.paths = null;
    this.pid1Mounts = null;
    this.ownMounts = null;
    this.statter = null;
    this.oshi = oshi;
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

  private synchronized void collectLinux(Families f) {
    Table t = table();
    List<Mount> todo = new ArrayList<>(t.mounts().size());
    for (Mount mount : t.mounts()) {
      if (!stuck.containsKey(mount.mountPoint())) {
        todo.add(mount);
      }
    }
    Map<Mount, FsStats> results = new ConcurrentHashMap<>();
    statAll(todo, results);
    t.mounts().forEach(mount -> f.add(mount, t.labels().get(mount), results.get(mount)));
  }

  /** The mounts to report, parsed and filtered again only when the mount table changed. */
  private Table table() {
    String text = readMounts();
    Table t = table;
    if (t != null && t.text().equals(text)) {
      return t;
    }
    List<Mount> mounts = new ArrayList<>();
    Map<Mount, Labels> labels = new HashMap<>();
    Set<Labels> seen = new HashSet<>();
    for (Mount mount : parseMounts(text, paths.rootfs().toString())) {
      if (settings.excluded(mount)) {
        continue;
      }
      Labels l = labels(mount);
      // One series per device, mount point and type, as node_exporter: the first line counts.
      if (seen.add(l)) {
        mounts.add(mount);
        labels.put(mount, l);
      }
    }
    t = new Table(text, mounts, labels);
    table = t;
    return t;
  }

  /**
   * Stats {@code todo} in turn on the worker thread. A stat that takes longer than
   * {@code mount-timeout} is left to its thread, its mount marked stuck, and the mounts after
   * it go to a new worker: one thread, plus one per hung mount until its call returns.
   */
  private void statAll(List<Mount> todo, Map<Mount, FsStats> results) {
    int next = 0;
    int restarts = 0;
    while (next < todo.size()) {
      List<Mount> batch = todo.subList(next, todo.size());
      AtomicReference<Running> running = new AtomicReference<>();
      AtomicBoolean abandoned = new AtomicBoolean();
      Future<?> task = worker().submit(() -> statBatch(batch, running, abandoned, results));
      Running hung;
      try {
        hung = awaitBatch(task, running);
      } catch (InterruptedException e) {
        // The scrape gave up (the collector's timeout): leave the batch to finish or hang alone.
        abandoned.set(true);
        abandonWorker();
        Thread.currentThread().interrupt();
        return;
      }
      if (hung == null) {
        return;
      }
      abandoned.set(true);
      if (hung == NOT_STARTED) {
        // A starved machine, or a worker still held: try a fresh one, but not for ever.
        abandonWorker();
        if (++restarts > 2) {
          log.warn("no thread could stat the mounts within {}", settings.mountTimeout());
          return;
        }
        continue;
      }
      log.warn("statvfs of {} ({}) did not return within {}; reported as device_error until it"
          + " does", hung.mount.mountPoint(), hung.mount.device(), settings.mountTimeout());
      stuck.put(hung.mount.mountPoint(), hung);
      if (hung.returned) {
        stuck.remove(hung.mount.mountPoint(), hung); // it returned while being marked
      }
      abandonWorker();
      next += hung.index + 1;
    }
  }

  private void statBatch(List<Mount> batch, AtomicReference<Running> running,
      AtomicBoolean abandoned, Map<Mount, FsStats> results) {
    for (int i = 0; i < batch.size() && !abandoned.get(); i++) {
      Running r = new Running(batch.get(i), i);
      running.set(r);
      try {
        FsStats stats = statter.stat(paths.rootfs(r.mount.mountPoint()));
        if (!abandoned.get()) {
          results.put(r.mount, stats);
        }
      } catch (IOException | RuntimeException e) {
        log.debug("statvfs of {} failed: {}", r.mount.mountPoint(), e.toString());
      } finally {
        r.returned = true;
        if (stuck.remove(r.mount.mountPoint(), r)) {
          log.info("statvfs of {} returned again", r.mount.mountPoint());
        }
      }
    }
    running.set(null);
  }

  /**
   * Waits for the batch: null when every stat returned, the stat that overran the timeout, or
   * {@link #NOT_STARTED} when the worker did not even begin within the timeout.
   */
  private Running awaitBatch(Future<?> task, AtomicReference<Running> running)
      throws InterruptedException {
    long timeout = settings.mountTimeout().toNanos();
    long submitted = System.nanoTime();
    while (true) {
      Running r = running.get();
      long since = r == null ? submitted : r.since;
      try {
        task.get(Math.max(since + timeout - System.nanoTime(), 1), TimeUnit.NANOSECONDS);
        return null;
      } catch (ExecutionException e) {
        return null; // statBatch catches what a stat throws; nothing else is expected
      } catch (TimeoutException e) {
        Running now = running.get();
        if (now != null && now == r && !now.returned && System.nanoTime() - now.since >= timeout) {
          return now;
        }
        if (now == null && r == null && !task.isDone()) {
          task.cancel(false);
          return NOT_STARTED;
        }
      }
    }
  }

  private synchronized ExecutorService worker() {
    if (worker == null) {
      worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "microc-statvfs-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }
    return worker;
  }

  /**
   * Leaves the current worker to its call, not interrupted (a hung {@code statvfs} would not
   * notice); its thread ends once the call returns. The next batch gets a new one.
   */
  private synchronized void abandonWorker() {
    if (worker != null) {
      worker.shutdown();
      worker = null;
    }
  }

  private String readMounts() {
    PseudoFile file = pid1Hidden ? ownMounts : pid1Mounts;
    try {
      try {
        return file.read(StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        if (file == ownMounts) {
          throw e;
        }
        pid1Hidden = true; // procfs mounted with hidepid: not looked for again
        file = ownMounts;
        return file.read(StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static Labels labels(Mount mount) {
    return Labels.of("device", mount.device(), "mountpoint", mount.mountPoint(), "fstype", mount.fsType());
  }

  private void collectOshi(Families f) {
    Set<Labels> seen = new HashSet<>();
    for (OSFileStore store : oshi.getFileStores(false)) {
      Mount mount = new Mount(store.getVolume(), store.getMount(), store.getType(),
          store.getOptions() == null ? "" : store.getOptions());
      Labels labels = labels(mount);
      if (settings.excluded(mount) || !seen.add(labels)) {
        continue;
      }
      f.add(mount, labels, new FsStats(store.getTotalSpace(), store.getFreeSpace(), store.getUsableSpace(),
          store.getTotalInodes(), store.getFreeInodes()));
    }
  }

  @Override
  public synchronized void close() {
    if (pid1Mounts != null) {
      pid1Mounts.close();
      ownMounts.close();
    }
    if (worker != null) {
      worker.shutdownNow();
      worker = null;
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

  /** {@code statvfs(3)}: sizes in fragments, as POSIX defines them. */
  static FsStats statvfs(Path path) throws IOException {
    return Statvfs.available() ? Statvfs.stat(path) : statvfsStructure(path);
  }

  /** {@code statvfs(3)} through JNA's {@code LibC.Statvfs}, where the fast mapping is not available. */
  static FsStats statvfsStructure(Path path) throws IOException {
    LibC.Statvfs s = new LibC.Statvfs();
    if (LibC.INSTANCE.statvfs(path.toString(), s) != 0) {
      throw new IOException("statvfs " + path + ": errno " + com.sun.jna.Native.getLastError());
    }
    return FsStats.of(s.f_bsize.longValue(), s.f_frsize.longValue(), s.f_blocks.longValue(),
        s.f_bfree.longValue(), s.f_bavail.longValue(), s.f_files.longValue(), s.f_ffree.longValue());
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

    /** A mount's samples, with its {@code labels}; {@code stats} null when it could not be stat'ed. */
    void add(Mount m, Labels labels, FsStats stats) {
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
