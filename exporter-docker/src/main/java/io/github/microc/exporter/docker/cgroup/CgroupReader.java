package io.github.microc.exporter.docker.cgroup;

import static io.github.microc.exporter.core.spi.PseudoFiles.NOT_A_NUMBER;
import static io.github.microc.exporter.core.spi.PseudoFiles.lineEnd;
import static io.github.microc.exporter.core.spi.PseudoFiles.number;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
   * Reads the counters of the cgroup at {@code paths} and, when {@code netPid} is positive,
   * the network counters of that process's network namespace.
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
    ContainerStats.Builder stats = paths.version() == 2 ? readV2(paths.memory(), files)
        : readV1(paths, files);
    if (net != null) {
      String netDev = readOptional(net, "net/dev", files);
      if (netDev != null) {
        stats.network(parseNetDev(netDev));
      }
    }
    return stats.build();
  }

  private ContainerStats.Builder readV1(CgroupPaths p, OpenFiles f) throws IOException {
    ContainerStats.Builder b = ContainerStats.builder();
    // The memory controller first: when the container is gone this throws and nothing else is read.
    // The limit comes from inspect and OOM kills from the events stream: two files fewer.
    long usage = parseLong(read(p.memory(), "memory.usage_in_bytes", f));
    Map<String, Long> memStat = parseFlatKeyed(read(p.memory(), "memory.stat", f), MEMORY_STAT_KEYS);
    long failcnt = parseLongOr(readOptional(p.memory(), "memory.failcnt", f));
    applyMemoryV1(b, usage, memStat, failcnt);
    if (p.cpuacct() != null) {
      long total = parseLongOr(readOptional(p.cpuacct(), "cpuacct.usage", f));
      Map<String, Long> ticks = parseFlatKeyed(readOptional(p.cpuacct(), "cpuacct.stat", f));
      b.cpu(total, ticksToNanos(ticks.get("user")), ticksToNanos(ticks.get("system")));
    }
    if (p.cpu() != null) {
      Map<String, Long> cpuStat = parseFlatKeyed(readOptional(p.cpu(), "cpu.stat", f));
      b.cfs(cpuStat.getOrDefault("nr_periods", ContainerStats.UNKNOWN),
          cpuStat.getOrDefault("nr_throttled", ContainerStats.UNKNOWN),
          cpuStat.getOrDefault("throttled_time", ContainerStats.UNKNOWN));
    }
    if (p.blkio() != null) {
      String io = readOptional(p.blkio(), "blkio.throttle.io_service_bytes_recursive", f);
      if (io != null) {
        b.io(named(parseBlkioV1(io)));
      }
    }
    if (p.pids() != null) {
      b.pids(parseLongOr(readOptional(p.pids(), "pids.current", f)));
    }
    return b;
  }

  private ContainerStats.Builder readV2(Path dir, OpenFiles f) throws IOException {
    ContainerStats.Builder b = ContainerStats.builder();
    long usage = parseLong(read(dir, "memory.current", f));
    Map<String, Long> memStat = parseFlatKeyed(read(dir, "memory.stat", f), MEMORY_STAT_KEYS);
    Map<String, Long> events = parseFlatKeyed(readOptional(dir, "memory.events", f));
    long swap = parseLongOr(readOptional(dir, "memory.swap.current", f));
    applyMemoryV2(b, usage, memStat, events, swap);
    Map<String, Long> cpuStat = parseFlatKeyed(readOptional(dir, "cpu.stat", f));
    b.cpu(microsToNanos(cpuStat.get("usage_usec")), microsToNanos(cpuStat.get("user_usec")),
        microsToNanos(cpuStat.get("system_usec")));
    b.cfs(cpuStat.getOrDefault("nr_periods", ContainerStats.UNKNOWN),
        cpuStat.getOrDefault("nr_throttled", ContainerStats.UNKNOWN),
        microsToNanos(cpuStat.get("throttled_usec")));
    String io = readOptional(dir, "io.stat", f);
    if (io != null) {
      b.io(named(parseIoStatV2(io)));
    }
    b.pids(parseLongOr(readOptional(dir, "pids.current", f)));
    return b;
  }

  /** Replaces {@code major:minor} by the device's name from {@code <sys>/dev/block/M:m/uevent}. */
  private List<BlockIo> named(List<BlockIo> io) {
    if (io.isEmpty()) {
      return io;
    }
    List<BlockIo> out = new ArrayList<>(io.size());
    for (BlockIo d : io) {
      String name = deviceNames.computeIfAbsent(d.device(), this::readDeviceName);
      out.add(new BlockIo(name, d.readBytes(), d.writeBytes()));
    }
    return out;
  }

  private String readDeviceName(String majorMinor) {
    try {
      String name = parseUeventDevName(read(host.sys("dev", "block", majorMinor, "uevent")));
      return name == null ? majorMinor : name;
    } catch (IOException | RuntimeException e) {
      return majorMinor;
    }
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

  /** Lines of {@code key value}: memory.stat, cpu.stat, cpuacct.stat, memory.events. */
  static Map<String, Long> parseFlatKeyed(String text) {
    return parseFlatKeyed(text, null);
  }

  /**
   * The same, keeping only {@code wanted} keys (null: all): memory.stat has some 40 lines of
   * which a scrape needs a few, and every container's is parsed on every scrape, so a wanted
   * key is matched in place and stored as the {@code wanted} string itself.
   */
  static Map<String, Long> parseFlatKeyed(String text, List<String> wanted) {
    Map<String, Long> values = new HashMap<>();
    if (text == null) {
      return values;
    }
    int start = 0;
    int length = text.length();
    while (start < length) {
      int end = lineEnd(text, start);
      int space = text.indexOf(' ', start);
      if (space > start && space < end) {
        String key = wanted == null ? text.substring(start, space) : wanted(text, start, space, wanted);
        if (key != null) {
          long value = number(text, space + 1, end);
          if (value != NOT_A_NUMBER) {
            values.put(key, value);
          }
        }
      }
      start = end + 1;
    }
    return values;
  }

  /** The key of {@code wanted} that is the text from {@code start} to {@code end}; null for none. */
  private static String wanted(String text, int start, int end, List<String> wanted) {
    for (int i = 0, n = wanted.size(); i < n; i++) {
      String key = wanted.get(i);
      if (key.length() == end - start && text.regionMatches(start, key, 0, key.length())) {
        return key;
      }
    }
    return null;
  }

  /** The memory.stat fields that cgroup v1 (total_*, else the local ones) and v2 give. */
  private static final List<String> MEMORY_STAT_KEYS = List.of("total_inactive_file",
      "inactive_file", "total_rss", "rss", "total_cache", "cache", "total_swap", "swap", "anon", "file");

  /** cgroup v1's memory counters, combined as cAdvisor does. */
  static void applyMemoryV1(ContainerStats.Builder b, long usage, Map<String, Long> stat,
      long failcnt) {
    long inactiveFile = stat.getOrDefault("total_inactive_file", stat.getOrDefault("inactive_file", 0L));
    long workingSet = Math.max(0, usage - inactiveFile);
    b.memory(usage, workingSet,
        stat.getOrDefault("total_rss", stat.getOrDefault("rss", ContainerStats.UNKNOWN)),
        stat.getOrDefault("total_cache", stat.getOrDefault("cache", ContainerStats.UNKNOWN)),
        stat.getOrDefault("total_swap", stat.getOrDefault("swap", 0L)),
        failcnt, ContainerStats.UNKNOWN);
  }

  /** cgroup v2's memory counters, combined as cAdvisor does (failcnt: memory.events max). */
  static void applyMemoryV2(ContainerStats.Builder b, long usage, Map<String, Long> stat,
      Map<String, Long> events, long swap) {
    long inactiveFile = stat.getOrDefault("inactive_file", 0L);
    b.memory(usage, Math.max(0, usage - inactiveFile),
        stat.getOrDefault("anon", ContainerStats.UNKNOWN),
        stat.getOrDefault("file", ContainerStats.UNKNOWN),
        swap == ContainerStats.UNKNOWN ? 0 : swap,
        events.getOrDefault("max", ContainerStats.UNKNOWN), ContainerStats.UNKNOWN);
    b.oomKills(events.getOrDefault("oom_kill", ContainerStats.UNKNOWN));
  }

  /** blkio.throttle.io_service_bytes_recursive: {@code 8:0 Read 4096} lines per device. */
  static List<BlockIo> parseBlkioV1(String text) {
    Map<String, long[]> devices = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length != 3) {
        continue;
      }
      int index = f[1].equals("Read") ? 0 : f[1].equals("Write") ? 1 : -1;
      if (index < 0) {
        continue;
      }
      try {
        devices.computeIfAbsent(f[0], k -> new long[2])[index] += Long.parseLong(f[2]);
      } catch (NumberFormatException ignored) {
        // Malformed line; skipped.
      }
    }
    List<BlockIo> out = new ArrayList<>(devices.size());
    devices.forEach((device, rw) -> out.add(new BlockIo(device, rw[0], rw[1])));
    return out;
  }

  /** io.stat: {@code 8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0} per device. */
  static List<BlockIo> parseIoStatV2(String text) {
    List<BlockIo> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 2 || f[0].indexOf(':') < 0) {
        continue;
      }
      long read = 0;
      long write = 0;
      for (int i = 1; i < f.length; i++) {
        if (f[i].startsWith("rbytes=")) {
          read = parseLongOr(f[i].substring(7));
        } else if (f[i].startsWith("wbytes=")) {
          write = parseLongOr(f[i].substring(7));
        }
      }
      out.add(new BlockIo(f[0], Math.max(read, 0), Math.max(write, 0)));
    }
    return out;
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

  private static long ticksToNanos(Long ticks) {
    return ticks == null ? ContainerStats.UNKNOWN : ticks * NANOS_PER_TICK;
  }

  private static long microsToNanos(Long micros) {
    return micros == null ? ContainerStats.UNKNOWN : micros * 1000;
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
