package io.github.microc.exporter.docker.cgroup;

import static io.github.microc.exporter.core.spi.PseudoFiles.NOT_A_NUMBER;
import static io.github.microc.exporter.core.spi.PseudoFiles.fieldEnd;
import static io.github.microc.exporter.core.spi.PseudoFiles.lineEnd;
import static io.github.microc.exporter.core.spi.PseudoFiles.number;
import static io.github.microc.exporter.core.spi.PseudoFiles.skipBlanks;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.github.microc.exporter.docker.MetricSet;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Faults;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Pressure;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a container's resource counters from its cgroup files (v1 or v2) under the configured
 * sysfs root and its network counters from {@code <proc>/<pid>/net/dev} under the configured
 * procfs root. A container's cgroup is found from {@code <proc>/<pid>/cgroup}, so both the
 * cgroupfs and the systemd cgroup drivers work.
 *
 * <p>{@code read*} methods do I/O; the package-private static {@code parse*} methods turn
 * file text into values and are tested on fixture trees. Thread-safe.
 */
public final class CgroupReader {

  /** USER_HZ: the unit of cgroup v1's cpuacct.stat, 100 on every Linux architecture Docker runs on. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private final HostPaths host;
  private final Path cgroupRoot;
  private final boolean unified;
  private final Map<String, String> deviceNames = new ConcurrentHashMap<>();

  public CgroupReader(HostPaths host) {
    this.host = host;
    this.cgroupRoot = host.sys("fs", "cgroup");
    this.unified = Files.exists(cgroupRoot.resolve("cgroup.controllers"));
  }

  /** Whether the host runs cgroup v2 only (the unified hierarchy). */
  public boolean unified() {
    return unified;
  }

  /**
   * Finds the cgroup of container {@code id} from its main process {@code pid}; empty when the
   * process is gone, its cgroup is not visible under the sysfs root (another cgroup
   * namespace) or is not the container's (a remote daemon's pid names a local process): both
   * the cgroupfs ({@code /docker/<id>}) and the systemd ({@code docker-<id>.scope}) paths hold
   * the container's id.
   */
  public Optional<CgroupPaths> locate(String id, long pid) {
    if (pid <= 0) {
      return Optional.empty();
    }
    String text;
    try {
      text = read(host.proc(Long.toString(pid), "cgroup"));
    } catch (IOException e) {
      return Optional.empty();
    }
    CgroupPaths paths = parseProcCgroup(text, cgroupRoot, unified);
    if (paths == null || paths.memory() == null || !paths.memory().toString().contains(id)
        || !Files.isDirectory(paths.memory())) {
      return Optional.empty();
    }
    return Optional.of(paths);
  }

  /**
   * The root cgroup's directories: the root of each controller's hierarchy (cgroup v1; the
   * controllers' names and how they are mounted together come from {@code <proc>/1/cgroup}),
   * or of the unified hierarchy (v2). Empty when not even the memory controller's is there.
   */
  public Optional<CgroupPaths> locateRoot() {
    String text = null;
    for (String pid : new String[] {"1", "self"}) {
      try {
        text = read(host.proc(pid, "cgroup"));
        break;
      } catch (IOException e) {
        // The next one.
      }
    }
    if (text == null) {
      return Optional.empty();
    }
    StringBuilder rooted = new StringBuilder();
    for (String line : text.split("\n")) {
      int first = line.indexOf(':');
      int second = first < 0 ? -1 : line.indexOf(':', first + 1);
      if (second > 0) {
        rooted.append(line, 0, second + 1).append("/\n");
      }
    }
    CgroupPaths paths = parseProcCgroup(rooted.toString(), cgroupRoot, unified);
    if (paths == null || paths.memory() == null || !Files.isDirectory(paths.memory())) {
      return Optional.empty();
    }
    return Optional.of(paths.asRoot());
  }

  /** When the machine booted ({@code btime} of {@code <proc>/stat}), the root cgroup's start; null when unknown. */
  public Instant bootTime() {
    try {
      String text = read(host.proc("stat"));
      int at = text.indexOf("\nbtime ");
      if (at >= 0) {
        long seconds = number(text, at + 7, lineEnd(text, at + 1));
        return seconds == NOT_A_NUMBER ? null : Instant.ofEpochSecond(seconds);
      }
    } catch (IOException e) {
      // Unknown.
    }
    return null;
  }

  /**
   * Reads the counters of the cgroup at {@code paths} and, when {@code netPid} is positive,
   * the network counters of that process's network namespace: every set but the process
   * counts.
   *
   * @throws IOException when the cgroup is gone (the container stopped)
   */
  public ContainerStats read(CgroupPaths paths, long netPid) throws IOException {
    return read(paths, netPid > 0 ? processDirectory(netPid) : null, null);
  }

  /** {@code <proc>/<pid>}, whose {@code net/dev} has the counters of the process's network namespace. */
  public Path processDirectory(long pid) {
    return host.proc(Long.toString(pid));
  }

  /**
   * The same, with the network counters of the {@linkplain #processDirectory process} {@code net}
   * (null: none), through files kept open in {@code files} (null: open and close each file).
   *
   * @throws IOException when the cgroup is gone (the container stopped)
   */
  public ContainerStats read(CgroupPaths paths, Path net, OpenFiles files) throws IOException {
    Set<MetricSet> sets = EnumSet.allOf(MetricSet.class);
    sets.remove(MetricSet.PROCESS);
    return read(paths, net, files, sets, 0);
  }

  /**
   * Reads what the switched-on {@code sets} need, and no other file: the cgroup at
   * {@code paths}, the network counters of {@code net}'s namespace (null: none), the open
   * files and limits of the container's processes, {@code mainPid} its main one.
   *
   * @throws IOException when the cgroup is gone (the container stopped)
   */
  public ContainerStats read(CgroupPaths paths, Path net, OpenFiles files, Set<MetricSet> sets,
      long mainPid) throws IOException {
    ContainerStats.Builder stats = paths.version() == 2 ? readV2(paths, files, sets)
        : readV1(paths, files, sets);
    if (sets.contains(MetricSet.PROCESS) && !paths.root()) {
      Path dir = paths.pids() != null ? paths.pids() : paths.memory();
      stats.processes(readProcesses(dir, files, mainPid));
    }
    if (sets.contains(MetricSet.PRESSURE) && (paths.version() == 2 || paths.root())) {
      stats.pressure(readPressure(paths, files));
    }
    if (net != null && sets.contains(MetricSet.NETWORK)) {
      String netDev = readOptional(net, "net/dev", files);
      if (netDev != null) {
        List<NetInterface> interfaces = parseNetDev(netDev);
        stats.network(paths.root() ? hostInterfaces(interfaces) : interfaces);
      }
    }
    return stats.build();
  }

  /**
   * The limits cAdvisor reads into a container's spec, read once per container (and again
   * when its metadata changes): see {@link CgroupSpec}.
   */
  public CgroupSpec readSpec(CgroupPaths p) {
    if (p.version() == 2) {
      return new CgroupSpec(specMemory(p.memory(), "memory.max"), specMemory(p.memory(), "memory.min"),
          specMemory(p.memory(), "memory.swap.max"), ContainerStats.UNKNOWN,
          ContainerStats.UNKNOWN, ContainerStats.UNKNOWN);
    }
    long shares = ContainerStats.UNKNOWN;
    long period = ContainerStats.UNKNOWN;
    long quota = ContainerStats.UNKNOWN;
    if (p.cpu() != null) {
      shares = parseLongOr(readOptional(p.cpu(), "cpu.shares", null));
      period = parseLongOr(readOptional(p.cpu(), "cpu.cfs_period_us", null));
      quota = parseLongOr(readOptional(p.cpu(), "cpu.cfs_quota_us", null));
      quota = quota == ContainerStats.UNKNOWN ? quota : Math.max(quota, 0);
    }
    return new CgroupSpec(specMemory(p.memory(), "memory.limit_in_bytes"),
        specMemory(p.memory(), "memory.soft_limit_in_bytes"),
        specMemory(p.memory(), "memory.memsw.limit_in_bytes"), shares, period, quota);
  }

  private static long specMemory(Path dir, String name) {
    String text = readOptional(dir, name, null);
    if (text == null) {
      return ContainerStats.UNKNOWN;
    }
    return text.trim().equals("max") ? 0 : CgroupSpec.memoryValue(parseLongOr(text));
  }

  private ContainerStats.Builder readV1(CgroupPaths p, OpenFiles f, Set<MetricSet> sets)
      throws IOException {
    ContainerStats.Builder b = ContainerStats.builder();
    // The memory controller first: when the container is gone this throws and nothing else is read.
    // The limit comes from inspect and OOM kills from the events stream: two files fewer.
    long usage = parseLong(read(p.memory(), "memory.usage_in_bytes", f));
    if (sets.contains(MetricSet.MEMORY)) {
      long[] memStat = parseKeyed(read(p.memory(), "memory.stat", f), V1_MEMORY_STAT);
      long failcnt = parseLongOr(readOptional(p.memory(), "memory.failcnt", f));
      applyMemoryV1(b, usage, memStat, failcnt);
      b.memoryDetail(parseLongOr(readOptional(p.memory(), "memory.max_usage_in_bytes", f)),
          either(memStat[V1_TOTAL_MAPPED_FILE], memStat[V1_MAPPED_FILE]),
          parseLongOr(readOptional(p.memory(), "memory.kmem.usage_in_bytes", f)));
    }
    if (p.cpuacct() != null && sets.contains(MetricSet.CPU)) {
      long total = parseLongOr(readOptional(p.cpuacct(), "cpuacct.usage", f));
      long[] ticks = parseKeyed(readOptional(p.cpuacct(), "cpuacct.stat", f), CPUACCT_STAT);
      b.cpu(total, ticksToNanos(ticks[0]), ticksToNanos(ticks[1]));
    }
    if (p.cpuacct() != null && sets.contains(MetricSet.PERCPU)) {
      String perCpu = readOptional(p.cpuacct(), "cpuacct.usage_percpu", f);
      if (perCpu != null) {
        b.perCpu(parseNumbers(perCpu));
      }
    }
    if (p.cpu() != null && sets.contains(MetricSet.CPU)) {
      long[] cpuStat = parseKeyed(readOptional(p.cpu(), "cpu.stat", f), V1_CPU_STAT);
      b.cfs(cpuStat[0], cpuStat[1], cpuStat[2]);
    }
    if (p.blkio() != null && sets.contains(MetricSet.DISK_IO)) {
      String bytes = readOptional(p.blkio(), "blkio.throttle.io_service_bytes_recursive", f);
      if (bytes != null) {
        // A cgroup that did no I/O lists no device: its operation counts are not read.
        String ops = hasDevice(bytes)
            ? readOptional(p.blkio(), "blkio.throttle.io_serviced_recursive", f) : null;
        b.io(named(parseBlkioV1(bytes, ops)));
      }
    }
    if (p.pids() != null) {
      b.pids(parseLongOr(readOptional(p.pids(), "pids.current", f)));
    }
    return b;
  }

  private ContainerStats.Builder readV2(CgroupPaths p, OpenFiles f, Set<MetricSet> sets)
      throws IOException {
    Path dir = p.memory();
    ContainerStats.Builder b = ContainerStats.builder();
    // The root cgroup has no memory.current: its usage is the machine's, as runc computes it.
    long[] meminfo = p.root() ? parseMeminfo(read(host.proc(), "meminfo", f)) : null;
    long usage = p.root() ? meminfo[0] - meminfo[1] : parseLong(read(dir, "memory.current", f));
    long[] events = parseKeyed(sets.contains(MetricSet.MEMORY) || sets.contains(MetricSet.OOM_EVENT)
        ? readOptional(dir, "memory.events", f) : null, MEMORY_EVENTS);
    if (sets.contains(MetricSet.MEMORY)) {
      String statText = p.root() ? readOptional(dir, "memory.stat", f) : read(dir, "memory.stat", f);
      long[] memStat = parseKeyed(statText, V2_MEMORY_STAT);
      long swap = p.root() ? meminfo[2] - meminfo[3]
          : parseLongOr(readOptional(dir, "memory.swap.current", f));
      applyMemoryV2(b, usage, memStat, events, swap);
      b.memoryDetail(parseLongOr(readOptional(dir, "memory.peak", f)), memStat[V2_FILE_MAPPED],
          memStat[V2_KERNEL]);
    }
    b.oomKills(events[1]);
    if (sets.contains(MetricSet.CPU)) {
      long[] cpuStat = parseKeyed(readOptional(dir, "cpu.stat", f), V2_CPU_STAT);
      b.cpu(microsToNanos(cpuStat[0]), microsToNanos(cpuStat[1]), microsToNanos(cpuStat[2]));
      b.cfs(cpuStat[3], cpuStat[4], microsToNanos(cpuStat[5]));
    }
    if (sets.contains(MetricSet.DISK_IO)) {
      String io = readOptional(dir, "io.stat", f);
      if (io != null) {
        b.io(named(parseIoStatV2(io)));
      }
    }
    b.pids(parseLongOr(readOptional(dir, "pids.current", f)));
    return b;
  }

  /**
   * The totals of the cgroup's {@code cpu.pressure}, {@code memory.pressure} and
   * {@code io.pressure}; for the root cgroup, where cgroup v1 has none, the machine's
   * {@code <proc>/pressure/*}.
   */
  private Pressure readPressure(CgroupPaths p, OpenFiles f) {
    long[] cpu = parsePressure(p.version() == 2 ? readOptional(p.memory(), "cpu.pressure", f) : null);
    long[] memory = parsePressure(p.version() == 2 ? readOptional(p.memory(), "memory.pressure", f) : null);
    long[] io = parsePressure(p.version() == 2 ? readOptional(p.memory(), "io.pressure", f) : null);
    if (p.root() && cpu == null && memory == null && io == null) {
      cpu = parsePressure(readOptional(host.proc(), "pressure/cpu", f));
      memory = parsePressure(readOptional(host.proc(), "pressure/memory", f));
      io = parsePressure(readOptional(host.proc(), "pressure/io", f));
    }
    if (cpu == null && memory == null && io == null) {
      return null;
    }
    long[] none = {ContainerStats.UNKNOWN, ContainerStats.UNKNOWN};
    cpu = cpu == null ? none : cpu;
    memory = memory == null ? none : memory;
    io = io == null ? none : io;
    return new Pressure(cpu[0], cpu[1], memory[0], memory[1], io[0], io[1]);
  }

  /**
   * cAdvisor's process counts: the processes in {@code cgroup.procs}, their open file
   * descriptors (an entry of {@code <proc>/<pid>/fd} each) and, of those, the sockets; the
   * main process's soft limit of open files from {@code <proc>/<pid>/limits}.
   */
  private Processes readProcesses(Path dir, OpenFiles f, long mainPid) {
    String procs = readOptional(dir, "cgroup.procs", f);
    if (procs == null) {
      return null;
    }
    long processes = 0;
    long descriptors = 0;
    long sockets = 0;
    int start = 0;
    while (start < procs.length()) {
      int end = lineEnd(procs, start);
      long pid = number(procs, start, end);
      start = end + 1;
      if (pid == NOT_A_NUMBER || pid <= 0) {
        continue;
      }
      processes++;
      try (DirectoryStream<Path> fds = Files.newDirectoryStream(host.proc(Long.toString(pid), "fd"))) {
        for (Path fd : fds) {
          descriptors++;
          try {
            if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
              sockets++;
            }
          } catch (IOException e) {
            // Closed meanwhile.
          }
        }
      } catch (IOException | DirectoryIteratorException e) {
        // The process ended meanwhile, or its descriptors are not ours to see.
      }
    }
    long max = parseLongOr(readOptional(dir, "pids.max", f));
    String limits = mainPid > 0 ? readOptional(host.proc(Long.toString(mainPid)), "limits", f) : null;
    return new Processes(processes, max == ContainerStats.UNKNOWN ? 0 : max, descriptors, sockets,
        limits == null ? ContainerStats.UNKNOWN : parseOpenFilesSoftLimit(limits));
  }

  /** Replaces {@code major:minor} by the device's name, {@code /dev/} and {@code <sys>/dev/block/M:m/uevent}'s DEVNAME. */
  private List<BlockIo> named(List<BlockIo> io) {
    if (io.isEmpty()) {
      return io;
    }
    List<BlockIo> out = new ArrayList<>(io.size());
    for (BlockIo d : io) {
      out.add(d.named(deviceNames.computeIfAbsent(d.device(), this::readDeviceName)));
    }
    return out;
  }

  private String readDeviceName(String majorMinor) {
    try {
      String name = parseUeventDevName(read(host.sys("dev", "block", majorMinor, "uevent")));
      return name == null ? majorMinor : "/dev/" + name;
    } catch (IOException | RuntimeException e) {
      return majorMinor;
    }
  }

  /**
   * The root cgroup's interfaces as cAdvisor lists the machine's: all but loopback and the
   * {@code veth}, {@code docker} and {@code nerdctl} ones, which are containers' and bridges.
   */
  static List<NetInterface> hostInterfaces(List<NetInterface> all) {
    List<NetInterface> out = new ArrayList<>(all.size());
    for (NetInterface i : all) {
      String n = i.name();
      if (!n.startsWith("veth") && !n.startsWith("docker") && !n.startsWith("nerdctl")) {
        out.add(i);
      }
    }
    return out;
  }

  // ---- parse helpers ----------------------------------------------------------------------

  /**
   * Parses {@code /proc/<pid>/cgroup} into the container's cgroup directories under
   * {@code cgroupRoot}. Returns null when no usable line is found or the path lies outside
   * this cgroup namespace (it starts with {@code /..}).
   */
  static CgroupPaths parseProcCgroup(String text, Path cgroupRoot, boolean unified) {
    Map<String, Path> controllers = new HashMap<>();
    Path v2 = null;
    for (String line : text.split("\n")) {
      int first = line.indexOf(':');
      int second = first < 0 ? -1 : line.indexOf(':', first + 1);
      if (second < 0) {
        continue;
      }
      String names = line.substring(first + 1, second);
      String path = line.substring(second + 1).trim();
      if (path.startsWith("/..")) {
        return null;
      }
      String relative = path.startsWith("/") ? path.substring(1) : path;
      if (names.isEmpty()) {
        v2 = relative.isEmpty() ? cgroupRoot : cgroupRoot.resolve(relative);
        continue;
      }
      for (String controller : names.split(",")) {
        if (controller.startsWith("name=")) {
          continue;
        }
        // Mounted either as the joint name (cpu,cpuacct) or per controller (often symlinks).
        Path joint = cgroupRoot.resolve(names);
        Path mount = Files.isDirectory(joint) ? joint : cgroupRoot.resolve(controller);
        controllers.put(controller, relative.isEmpty() ? mount : mount.resolve(relative));
      }
    }
    if (unified) {
      return v2 == null ? null : CgroupPaths.unified(v2);
    }
    if (controllers.isEmpty()) {
      return null;
    }
    return new CgroupPaths(1, controllers.get("cpu"), controllers.get("cpuacct"),
        controllers.get("memory"), controllers.get("blkio"), controllers.get("pids"));
  }

  /**
   * Lines of {@code key value} (memory.stat, cpu.stat, cpuacct.stat, memory.events): the value
   * of each of {@code keys}, at its index, {@link ContainerStats#UNKNOWN} where it is missing
   * or not a number. Parsed in place: memory.stat has some 40 lines of which a scrape needs a
   * few, and every container's is parsed on every scrape; a null text gives all unknown.
   */
  static long[] parseKeyed(String text, List<String> keys) {
    long[] values = new long[keys.size()];
    Arrays.fill(values, ContainerStats.UNKNOWN);
    if (text == null) {
      return values;
    }
    int start = 0;
    int length = text.length();
    while (start < length) {
      int end = lineEnd(text, start);
      int space = text.indexOf(' ', start);
      if (space > start && space < end) {
        int key = indexOf(text, start, space, keys);
        if (key >= 0) {
          long value = number(text, space + 1, end);
          if (value != NOT_A_NUMBER) {
            values[key] = value;
          }
        }
      }
      start = end + 1;
    }
    return values;
  }

  /** The index in {@code keys} of the text from {@code start} to {@code end}; -1 for none. */
  private static int indexOf(String text, int start, int end, List<String> keys) {
    for (int i = 0, n = keys.size(); i < n; i++) {
      String key = keys.get(i);
      if (key.length() == end - start && text.regionMatches(start, key, 0, key.length())) {
        return i;
      }
    }
    return -1;
  }

  /** cgroup v1's memory.stat fields, the hierarchy's (total_*) and the cgroup's own. */
  static final List<String> V1_MEMORY_STAT = List.of("total_inactive_file", "inactive_file",
      "total_rss", "rss", "total_cache", "cache", "total_swap", "swap", "total_mapped_file",
      "mapped_file", "pgfault", "pgmajfault", "total_pgfault", "total_pgmajfault");
  private static final int V1_TOTAL_INACTIVE_FILE = 0;
  private static final int V1_INACTIVE_FILE = 1;
  private static final int V1_TOTAL_RSS = 2;
  private static final int V1_RSS = 3;
  private static final int V1_TOTAL_CACHE = 4;
  private static final int V1_CACHE = 5;
  private static final int V1_TOTAL_SWAP = 6;
  private static final int V1_SWAP = 7;
  private static final int V1_TOTAL_MAPPED_FILE = 8;
  private static final int V1_MAPPED_FILE = 9;
  private static final int V1_PGFAULT = 10;
  private static final int V1_PGMAJFAULT = 11;
  private static final int V1_TOTAL_PGFAULT = 12;
  private static final int V1_TOTAL_PGMAJFAULT = 13;

  /** cgroup v2's memory.stat fields. */
  static final List<String> V2_MEMORY_STAT = List.of("inactive_file", "anon", "file",
      "file_mapped", "pgfault", "pgmajfault", "kernel");
  private static final int V2_INACTIVE_FILE = 0;
  private static final int V2_ANON = 1;
  private static final int V2_FILE = 2;
  private static final int V2_FILE_MAPPED = 3;
  private static final int V2_PGFAULT = 4;
  private static final int V2_PGMAJFAULT = 5;
  private static final int V2_KERNEL = 6;

  private static final List<String> CPUACCT_STAT = List.of("user", "system");
  private static final List<String> V1_CPU_STAT = List.of("nr_periods", "nr_throttled", "throttled_time");
  private static final List<String> V2_CPU_STAT = List.of("usage_usec", "user_usec", "system_usec",
      "nr_periods", "nr_throttled", "throttled_usec");
  private static final List<String> MEMORY_EVENTS = List.of("max", "oom_kill");

  /** cgroup v1's memory counters, combined as cAdvisor does. */
  static void applyMemoryV1(ContainerStats.Builder b, long usage, long[] stat, long failcnt) {
    long inactiveFile = either(stat[V1_TOTAL_INACTIVE_FILE], stat[V1_INACTIVE_FILE]);
    long workingSet = Math.max(0, usage - Math.max(inactiveFile, 0));
    long swap = either(stat[V1_TOTAL_SWAP], stat[V1_SWAP]);
    b.memory(usage, workingSet, either(stat[V1_TOTAL_RSS], stat[V1_RSS]),
        either(stat[V1_TOTAL_CACHE], stat[V1_CACHE]), Math.max(swap, 0), failcnt,
        ContainerStats.UNKNOWN);
    long pgfault = stat[V1_PGFAULT];
    long pgmajfault = stat[V1_PGMAJFAULT];
    b.failures(new Faults(pgfault, pgmajfault, either(stat[V1_TOTAL_PGFAULT], pgfault),
        either(stat[V1_TOTAL_PGMAJFAULT], pgmajfault)));
  }

  /** cgroup v2's memory counters, combined as cAdvisor does (failcnt: memory.events max). */
  static void applyMemoryV2(ContainerStats.Builder b, long usage, long[] stat, long[] events,
      long swap) {
    long inactiveFile = Math.max(stat[V2_INACTIVE_FILE], 0);
    b.memory(usage, Math.max(0, usage - inactiveFile), stat[V2_ANON], stat[V2_FILE],
        swap == ContainerStats.UNKNOWN ? 0 : swap, events[0], ContainerStats.UNKNOWN);
    b.failures(new Faults(stat[V2_PGFAULT], stat[V2_PGMAJFAULT], stat[V2_PGFAULT],
        stat[V2_PGMAJFAULT]));
  }

  /** {@code value}, else {@code fallback} where it is unknown. */
  private static long either(long value, long fallback) {
    return value != ContainerStats.UNKNOWN ? value : fallback;
  }

  /**
   * The disks that cgroup v1 counts no I/O for although they did some: each whole disk with
   * sectors read or written in {@code <proc>/diskstats} while the root cgroup's
   * {@code blkio.throttle.io_service_bytes_recursive} lists no device at all. A kernel
   * counts a disk's I/O in the {@code blkio.throttle.*} files, for every cgroup, only once some
   * cgroup has had a throttle rule on that disk; until then container I/O goes uncounted. Empty
   * on cgroup v2, when the root lists a device, and when a file cannot be read.
   */
  public List<Disk> uncountedDisks() {
    if (unified) {
      return List.of();
    }
    CgroupPaths root = locateRoot().orElse(null);
    String counted = root == null || root.blkio() == null
        ? null : readOptional(root.blkio(), "blkio.throttle.io_service_bytes_recursive", null);
    if (counted == null || hasDevice(counted)) {
      return List.of();
    }
    Set<String> disks = new HashSet<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(host.sys("block"))) {
      for (Path disk : dir) {
        disks.add(disk.getFileName().toString().replace('!', '/'));
      }
      return parseBusyDisks(read(host.proc("diskstats")), disks);
    } catch (IOException | DirectoryIteratorException e) {
      return List.of();
    }
  }

  /** A block device: its kernel name ({@code vda}) and {@code major:minor} ({@code 254:0}). */
  public record Disk(String name, String device) {
    @Override
    public String toString() {
      return name + " (" + device + ")";
    }
  }

  /**
   * Each of {@code disks} that read or wrote a sector in {@code /proc/diskstats} text
   * ({@code 254 0 vda reads merged sectors ...}), in its order.
   */
  static List<Disk> parseBusyDisks(String diskstats, Set<String> disks) {
    List<Disk> busy = new ArrayList<>();
    for (String line : diskstats.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 10 && disks.contains(f[2])
          && (number(f[5], 0, f[5].length()) > 0 || number(f[9], 0, f[9].length()) > 0)) {
        busy.add(new Disk(f[2], f[0] + ":" + f[1]));
      }
    }
    return busy;
  }

  /** The index of each operation's bytes in {@link #parseBlkioV1}'s rows. */
  private static final List<String> BLKIO_OPS = List.of("Read", "Write", "Sync", "Async", "Discard", "Total");

  /**
   * cgroup v1's {@code blkio.throttle.io_service_bytes_recursive} ({@code 8:0 Read 4096} lines
   * per device and operation) and, when not null, {@code io_serviced_recursive} (the same for
   * operations), into one row per device in the order of the first; devices are
   * {@code major:minor}. Parsed in place: most containers' files are {@code Total 0} alone.
   */
  static List<BlockIo> parseBlkioV1(String bytes, String ops) {
    Map<String, long[]> devices = new LinkedHashMap<>();
    blkioLines(bytes, devices, 0);
    if (ops != null) {
      blkioLines(ops, devices, BLKIO_OPS.size());
    }
    List<BlockIo> out = new ArrayList<>(devices.size());
    devices.forEach((device, v) -> {
      int colon = device.indexOf(':');
      out.add(new BlockIo(device, (int) number(device, 0, colon),
          (int) number(device, colon + 1, device.length()), v[0], v[1], v[2], v[3], v[4], v[5],
          v[6], v[7]));
    });
    return out;
  }

  /** Adds the lines of one blkio file to {@code devices}, each value at {@code offset} + its operation's index. */
  private static void blkioLines(String text, Map<String, long[]> devices, int offset) {
    int start = 0;
    int length = text.length();
    while (start < length) {
      int end = lineEnd(text, start);
      int deviceEnd = fieldEnd(text, start, end);
      int opStart = skipBlanks(text, deviceEnd, end);
      int opEnd = fieldEnd(text, opStart, end);
      int line = start;
      start = end + 1;
      int colon = text.indexOf(':', line);
      if (colon < 0 || colon >= deviceEnd || opEnd == opStart) {
        continue; // "Total 12291", the sum of all devices, or nothing
      }
      int op = -1;
      for (int i = 0; i < BLKIO_OPS.size(); i++) {
        String name = BLKIO_OPS.get(i);
        if (name.length() == opEnd - opStart && text.startsWith(name, opStart)) {
          op = i;
          break;
        }
      }
      long value = number(text, opEnd, end);
      if (op < 0 || value == NOT_A_NUMBER || offset > 0 && op > 1) {
        continue;
      }
      String device = text.substring(line, deviceEnd);
      long[] row = devices.get(device);
      if (row == null) {
        row = new long[] {0, 0, 0, 0, 0, 0, UNKNOWN_OPS, UNKNOWN_OPS};
        devices.put(device, row);
      }
      row[offset + op] = value;
    }
  }

  private static final long UNKNOWN_OPS = ContainerStats.UNKNOWN;

  /** Whether a blkio file lists a device: its device lines come first, the {@code Total} line last. */
  static boolean hasDevice(String text) {
    return !text.isEmpty() && text.charAt(0) >= '0' && text.charAt(0) <= '9';
  }

  /**
   * io.stat: {@code 8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0} per device, read
   * and written bytes and operations as runc reports them; the other operations are unknown.
   */
  static List<BlockIo> parseIoStatV2(String text) {
    List<BlockIo> out = new ArrayList<>();
    int start = 0;
    int length = text.length();
    while (start < length) {
      int end = lineEnd(text, start);
      int deviceEnd = fieldEnd(text, start, end);
      int line = start;
      start = end + 1;
      int colon = text.indexOf(':', line);
      if (colon < 0 || colon >= deviceEnd) {
        continue;
      }
      long rbytes = 0;
      long wbytes = 0;
      long rios = 0;
      long wios = 0;
      int at = skipBlanks(text, deviceEnd, end);
      while (at < end) {
        int fieldEnd = fieldEnd(text, at, end);
        int eq = text.indexOf('=', at);
        if (eq > at && eq < fieldEnd) {
          long value = Math.max(0, number(text, eq + 1, fieldEnd));
          if (text.startsWith("rbytes", at) && eq - at == 6) {
            rbytes = value;
          } else if (text.startsWith("wbytes", at) && eq - at == 6) {
            wbytes = value;
          } else if (text.startsWith("rios", at) && eq - at == 4) {
            rios = value;
          } else if (text.startsWith("wios", at) && eq - at == 4) {
            wios = value;
          }
        }
        at = skipBlanks(text, fieldEnd, end);
      }
      long u = ContainerStats.UNKNOWN;
      out.add(new BlockIo(text.substring(line, deviceEnd), (int) number(text, line, colon),
          (int) number(text, colon + 1, deviceEnd), rbytes, wbytes, u, u, u, u, rios, wios));
    }
    return out;
  }

  /** Blank-separated numbers on one line: {@code cpuacct.usage_percpu}. */
  static long[] parseNumbers(String text) {
    long[] values = new long[8];
    int n = 0;
    int end = lineEnd(text, 0);
    int at = skipBlanks(text, 0, end);
    while (at < end) {
      int fieldEnd = fieldEnd(text, at, end);
      long value = number(text, at, fieldEnd);
      if (value == NOT_A_NUMBER) {
        break;
      }
      if (n == values.length) {
        values = Arrays.copyOf(values, n * 2);
      }
      values[n++] = value;
      at = skipBlanks(text, fieldEnd, end);
    }
    return Arrays.copyOf(values, n);
  }

  /**
   * The {@code total=} of the {@code some} and {@code full} lines of a {@code *.pressure}
   * file, in microseconds; null for a missing file. A line that is missing ({@code full} of
   * {@code cpu.pressure} before Linux 5.13) is unknown.
   */
  static long[] parsePressure(String text) {
    if (text == null) {
      return null;
    }
    long[] totals = {ContainerStats.UNKNOWN, ContainerStats.UNKNOWN};
    int start = 0;
    int length = text.length();
    while (start < length) {
      int end = lineEnd(text, start);
      int index = text.startsWith("some ", start) ? 0 : text.startsWith("full ", start) ? 1 : -1;
      int total = text.indexOf("total=", start);
      if (index >= 0 && total > 0 && total < end) {
        long value = number(text, total + 6, end);
        totals[index] = value == NOT_A_NUMBER ? ContainerStats.UNKNOWN : value;
      }
      start = end + 1;
    }
    return totals;
  }

  /** MemTotal, MemFree, SwapTotal and SwapFree of {@code /proc/meminfo}, in bytes. */
  static long[] parseMeminfo(String text) {
    long[] values = {0, 0, 0, 0};
    String[] keys = {"MemTotal:", "MemFree:", "SwapTotal:", "SwapFree:"};
    int start = 0;
    int length = text.length();
    while (start < length) {
      int end = lineEnd(text, start);
      for (int i = 0; i < keys.length; i++) {
        if (text.startsWith(keys[i], start)) {
          int numberEnd = fieldEnd(text, skipBlanks(text, start + keys[i].length(), end), end);
          long kib = number(text, start + keys[i].length(), numberEnd);
          values[i] = kib == NOT_A_NUMBER ? 0 : kib * 1024;
        }
      }
      start = end + 1;
    }
    return values;
  }

  /**
   * The soft limit of {@code Max open files} in {@code /proc/<pid>/limits}, -1 for
   * {@code unlimited} (as cAdvisor reads it).
   */
  static long parseOpenFilesSoftLimit(String text) {
    int at = text.indexOf("Max open files");
    if (at < 0) {
      return ContainerStats.UNKNOWN;
    }
    int end = lineEnd(text, at);
    int soft = skipBlanks(text, at + "Max open files".length(), end);
    int softEnd = fieldEnd(text, soft, end);
    if (text.startsWith("unlimited", soft)) {
      return -1;
    }
    long value = number(text, soft, softEnd);
    return value == NOT_A_NUMBER ? ContainerStats.UNKNOWN : value;
  }

  /** {@code /proc/<pid>/net/dev}, loopback excluded (as cAdvisor does). */
  static List<NetInterface> parseNetDev(String text) {
    List<NetInterface> out = new ArrayList<>(2);
    long[] f = new long[16];
    int start = 0;
    int length = text.length();
    while (start < length) {
      int end = lineEnd(text, start);
      int colon = text.indexOf(':', start);
      int line = start;
      start = end + 1;
      if (colon < 0 || colon > end) {
        continue;
      }
      int nameStart = line;
      while (nameStart < colon && text.charAt(nameStart) == ' ') {
        nameStart++;
      }
      int nameEnd = colon;
      while (nameEnd > nameStart && text.charAt(nameEnd - 1) == ' ') {
        nameEnd--;
      }
      if (nameEnd == nameStart || (nameEnd - nameStart == 2 && text.startsWith("lo", nameStart))) {
        continue;
      }
      // 16 counters separated by spaces: bytes, packets, errs, drop, ... received, then sent.
      int n = 0;
      int at = colon + 1;
      while (n < 16 && at < end) {
        while (at < end && text.charAt(at) == ' ') {
          at++;
        }
        int fieldEnd = at;
        while (fieldEnd < end && text.charAt(fieldEnd) != ' ') {
          fieldEnd++;
        }
        if (fieldEnd == at) {
          break;
        }
        long value = number(text, at, fieldEnd);
        if (value == NOT_A_NUMBER) {
          break;
        }
        f[n++] = value;
        at = fieldEnd;
      }
      if (n == 16) {
        out.add(new NetInterface(text.substring(nameStart, nameEnd),
            f[0], f[1], f[2], f[3], f[8], f[9], f[10], f[11]));
      }
    }
    return out;
  }


  /** The DEVNAME of a {@code /sys/dev/block/M:m/uevent} file. */
  static String parseUeventDevName(String text) {
    for (String line : text.split("\n")) {
      if (line.startsWith("DEVNAME=")) {
        return line.substring("DEVNAME=".length()).trim();
      }
    }
    return null;
  }

  private static long ticksToNanos(long ticks) {
    return ticks == ContainerStats.UNKNOWN ? ticks : ticks * NANOS_PER_TICK;
  }

  private static long microsToNanos(long micros) {
    return micros == ContainerStats.UNKNOWN ? micros : micros * 1000;
  }

  private static long parseLong(String text) throws IOException {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IOException("not a number: " + text.trim());
    }
  }

  private static long parseLongOr(String text) {
    if (text == null) {
      return ContainerStats.UNKNOWN;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      return ContainerStats.UNKNOWN;
    }
  }

  private static String read(Path file) throws IOException {
    return PseudoFiles.read(file, StandardCharsets.ISO_8859_1);
  }

  /** A file that may be missing (a controller feature the kernel lacks); null then. */
  private static String readOptional(Path dir, String name, OpenFiles files) {
    if (files != null) {
      return files.readOptional(dir, name);
    }
    try {
      return read(dir.resolve(name));
    } catch (IOException e) {
      return null;
    }
  }

  private static String read(Path dir, String name, OpenFiles files) throws IOException {
    return files == null ? read(dir.resolve(name)) : files.read(dir, name);
  }
}
