package io.github.microc.exporter.docker.fs;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file-system usage of each running container, as cAdvisor reports it for Docker: the
 * blocks and inodes of its writable layer (overlay2's {@code UpperDir}) and of the daemon's
 * directory of the container (its log, hostname, resolv.conf), and with {@code volumes} those
 * of its local volumes, per file system; with the size of that file system. Also the root
 * cgroup's: every file system on a block device, its size and used bytes.
 *
 * <p>A walk is a directory traversal, so it happens here, on one background thread, one
 * container at a time, each container every {@code interval} (a new container at once), and
 * never on the scrape path: a scrape reads the last complete figures; new containers are looked
 * for at least every {@link #ROOT_INTERVAL}. A walk that takes longer
 * than {@code timeout} is abandoned, logged once per container, and the figures before it
 * stay. The root cgroup's file systems are a {@code statvfs} each (Java's {@code FileStore}), every
 * {@link #ROOT_INTERVAL} or {@code interval} if shorter. Thread-safe.
 */
public final class DiskUsageWalker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DiskUsageWalker.class);
  static final Duration ROOT_INTERVAL = Duration.ofSeconds(10);

  /**
   * One file system's figures for a container (or the root cgroup).
   *
   * @param device the file system's mount source, {@code /dev/sda1}
   * @param usageBytes what the container occupies there (for the root cgroup: what is used)
   * @param inodes the inodes it uses there; unknown for the root cgroup
   * @param limitBytes the file system's size
   */
  public record FsUsage(String device, long usageBytes, long inodes, long limitBytes) {}

  /** The last complete figures of one container, and when it is due again. */
  private record Entry(ContainerInfo info, List<FsUsage> usage, long due, boolean warned) {}

  private final HostPaths host;
  private final Duration interval;
  private final Duration timeout;
  private final boolean volumes;
  private final boolean root;
  private final Supplier<Collection<ContainerInfo>> containers;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  /** The file store of each device, by its mount source; the walker thread's alone. */
  private final Map<String, FileStore> stores = new java.util.HashMap<>();
  private final AtomicLong walkNanos = new AtomicLong();
  private final AtomicLong walks = new AtomicLong();
  private final Thread thread;
  private final Object wake = new Object();
  private volatile List<FsUsage> rootUsage = List.of();
  private volatile boolean closed;
  private long rootDue;

  /**
   * @param containers the running containers to walk, asked before each walk
   * @param root whether the root cgroup's file systems are wanted
   */
  public DiskUsageWalker(HostPaths host, Duration interval, Duration timeout, boolean volumes,
      boolean root, Supplier<Collection<ContainerInfo>> containers) {
    this.host = host;
    this.interval = interval;
    this.timeout = timeout;
    this.volumes = volumes;
    this.root = root;
    this.containers = containers;
    this.thread = new Thread(this::run, "microc-disk-usage");
    this.thread.setDaemon(true);
    this.thread.setPriority(Thread.MIN_PRIORITY);
  }

  public DiskUsageWalker start() {
    thread.start();
    return this;
  }

  /** The last complete figures of a container; empty before its first walk. */
  public List<FsUsage> usage(String id) {
    Entry e = entries.get(id);
    return e == null ? List.of() : e.usage();
  }

  /** The root cgroup's file systems. */
  public List<FsUsage> rootUsage() {
    return rootUsage;
  }

  /** The walks done so far and the time they took, for the benchmark. */
  public long[] cost() {
    return new long[] {walks.get(), walkNanos.get()};
  }

  private void run() {
    long rootEvery = Math.min(ROOT_INTERVAL.toNanos(), interval.toNanos());
    while (!closed) {
      long now = System.nanoTime();
      try {
        Mounts mounts = mounts();
        if (root && now - rootDue >= 0) {
          rootUsage = rootFilesystems(mounts);
          rootDue = now + rootEvery;
        }
        Entry next = refresh(now);
        if (next != null && now - next.due() >= 0) {
          walk(next, mounts);
          continue;
        }
        // New containers are looked for at least every ROOT_INTERVAL.
        long until = next == null ? now + rootEvery : next.due();
        if (root) {
          until = until - rootDue > 0 ? rootDue : until;
        }
        sleep(Math.min(until - now, rootEvery));
      } catch (RuntimeException e) {
        log.debug("disk usage pass failed", e);
        sleep(interval.toNanos());
      }
    }
  }

  /** Forgets containers that are gone, adds new ones as due now; the one due first. */
  private Entry refresh(long now) {
    Set<String> current = new HashSet<>();
    Entry first = null;
    for (ContainerInfo c : containers.get()) {
      current.add(c.id());
      Entry e = entries.get(c.id());
      if (e == null || e.info().pid() != c.pid()) {
        e = new Entry(c, e == null ? List.of() : e.usage(), now, e != null && e.warned());
        entries.put(c.id(), e);
      }
      if (first == null || e.due() - first.due() < 0) {
        first = e;
      }
    }
    entries.keySet().retainAll(current);
    return first;
  }

  private void walk(Entry e, Mounts mounts) {
    ContainerInfo c = e.info();
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    List<String> paths = new ArrayList<>();
    ContainerInfo.Detail d = c.detail();
    for (String p : List.of(d.upperDir(), d.containerDir())) {
      if (!p.isEmpty()) {
        paths.add(p);
      }
    }
    if (volumes) {
      paths.addAll(d.volumes());
    }
    Map<String, DirectoryUsage.Usage> byDevice = new LinkedHashMap<>();
    boolean warned = e.warned();
    try {
      for (String hostPath : paths) {
        Path local = host.rootfs(hostPath);
        Mounts.Mount m = mounts.holding(hostPath);
        String device = m == null ? "" : m.source();
        try {
          FileStore store = stores.get(device);
          if (store == null) {
            // Finding a path's store reads the mount table: once per device.
            store = Files.getFileStore(local);
            stores.put(device, store);
          }
          DirectoryUsage.Usage u = new DirectoryUsage(new FileStats(blockSize(store))).walk(local, deadline);
          byDevice.merge(device, u, DirectoryUsage.Usage::plus);
        } catch (IOException gone) {
          // Not there (yet, or any more): nothing to count.
        }
      }
      List<FsUsage> usage = new ArrayList<>(byDevice.size());
      byDevice.forEach((device, u) -> usage.add(new FsUsage(device, u.bytes(), u.inodes(),
          totalSpace(stores.get(device)))));
      entries.computeIfPresent(c.id(), (id, old) -> new Entry(old.info(), List.copyOf(usage),
          System.nanoTime() + interval.toNanos(), old.warned()));
    } catch (DirectoryUsage.TooLong tooLong) {
      if (!warned) {
        log.info("the disk usage of container {} took longer than {} to walk ({} entries);"
            + " its container_fs_* figures stay those of the last complete walk", c.name(),
            timeout, tooLong.entries);
      }
      entries.computeIfPresent(c.id(), (id, old) -> new Entry(old.info(), old.usage(),
          System.nanoTime() + interval.toNanos(), true));
    } finally {
      walks.incrementAndGet();
      walkNanos.addAndGet(System.nanoTime() - start);
    }
  }

  /** The block-device file systems' size and used bytes, as {@code statvfs} gives them (through Java's FileStore). */
  private List<FsUsage> rootFilesystems(Mounts mounts) {
    List<FsUsage> out = new ArrayList<>();
    for (Mounts.Mount m : mounts.diskFilesystems()) {
      Path local = host.rootfs(m.mountPoint());
      try {
        FileStore store = Files.getFileStore(local);
        long size = store.getTotalSpace();
        out.add(new FsUsage(m.source(), size - store.getUnallocatedSpace(), ContainerStats.UNKNOWN,
            size));
      } catch (IOException | RuntimeException gone) {
        // Unmounted meanwhile, or not visible from here.
      }
    }
    return List.copyOf(out);
  }

  private long totalSpace(FileStore store) {
    try {
      return store == null ? ContainerStats.UNKNOWN : store.getTotalSpace();
    } catch (IOException e) {
      stores.values().remove(store);
      return ContainerStats.UNKNOWN;
    }
  }

  private static long blockSize(FileStore store) {
    try {
      return store.getBlockSize();
    } catch (IOException | UnsupportedOperationException e) {
      return 4096;
    }
  }

  private Mounts mounts() {
    for (String pid : new String[] {"1", "self"}) {
      try {
        return Mounts.parse(PseudoFiles.read(host.proc(pid, "mountinfo"), StandardCharsets.UTF_8));
      } catch (IOException e) {
        // The next one.
      }
    }
    return Mounts.parse("");
  }

  private void sleep(long nanos) {
    if (nanos <= 0) {
      return;
    }
    synchronized (wake) {
      if (!closed) {
        try {
          wake.wait(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
          closed = true;
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (wake) {
      wake.notifyAll();
    }
    thread.interrupt();
  }
}
