package io.github.microc.exporter.docker;

import static io.github.microc.exporter.core.spi.PseudoFiles.NOT_A_NUMBER;
import static io.github.microc.exporter.core.spi.PseudoFiles.fieldEnd;
import static io.github.microc.exporter.core.spi.PseudoFiles.lineEnd;
import static io.github.microc.exporter.core.spi.PseudoFiles.number;
import static io.github.microc.exporter.core.spi.PseudoFiles.skipBlanks;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * cAdvisor's figures of the machine, under its names and labels.
 *
 * <pre>
 * machine_cpu_cores{boot_id="bee5…",machine_id="3d12…"} 2
 * machine_cpu_physical_cores{boot_id="bee5…",machine_id="3d12…"} 2
 * machine_cpu_sockets{boot_id="bee5…",machine_id="3d12…"} 1
 * machine_memory_bytes{boot_id="bee5…",machine_id="3d12…"} 2.5275871232E10
 * </pre>
 *
 * <p>Logical CPUs are the online ones with a topology in sysfs
 * ({@code <sys>/devices/system/cpu/cpu*}/topology), physical cores their distinct
 * ({@code physical_package_id}, {@code core_id}) pairs, sockets their distinct packages; where
 * sysfs has no topology, {@code <proc>/cpuinfo}'s {@code processor}, {@code physical id} and
 * {@code core id}. Memory is {@code MemTotal} of {@code <proc>/meminfo}. The labels are
 * {@code <rootfs>/etc/machine-id}, {@code <sys>/class/dmi/id/product_uuid} and
 * {@code <proc>/sys/kernel/random/boot_id}, each left out where it cannot be read. The figures
 * are read again every {@link #REFRESH}, as cAdvisor's machine information. Thread-safe.
 */
public final class MachineCollector implements MultiCollector {

  static final Duration REFRESH = Duration.ofMinutes(5);

  /** One reading of the machine. */
  record Machine(Labels labels, int cores, int physicalCores, int sockets, long memoryBytes, long readAt) {}

  private final HostPaths host;
  private volatile Machine machine;

  MachineCollector(HostPaths host) {
    this.host = host;
  }

  @Override
  public MetricSnapshots collect() {
    Machine m = machine;
    if (m == null || System.nanoTime() - m.readAt() > REFRESH.toNanos()) {
      m = read();
      machine = m;
    }
    return MetricSnapshots.of(
        MetricFamily.gauge("machine_cpu_cores", "Number of logical CPU cores.").add(m.cores(), m.labels()).build(),
        MetricFamily.gauge("machine_cpu_physical_cores", "Number of physical CPU cores.")
            .add(m.physicalCores(), m.labels()).build(),
        MetricFamily.gauge("machine_cpu_sockets", "Number of CPU sockets.").add(m.sockets(), m.labels()).build(),
        MetricFamily.gauge("machine_memory_bytes", "Amount of memory installed on the machine.")
            .add(m.memoryBytes(), m.labels()).build());
  }

  private Machine read() {
    String meminfo;
    try {
      meminfo = PseudoFiles.read(host.proc("meminfo"), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new NoDataException("no " + host.proc("meminfo") + ": " + e.getMessage());
    }
    int[] cpus = readTopology(host.sys("devices", "system", "cpu"));
    if (cpus[0] == 0) {
      try {
        cpus = parseCpuinfo(PseudoFiles.read(host.proc("cpuinfo"), StandardCharsets.ISO_8859_1));
      } catch (IOException e) {
        throw new NoDataException("no CPU topology in " + host.sys("devices", "system", "cpu")
            + " and no " + host.proc("cpuinfo"));
      }
    }
    Labels labels = Labels.EMPTY;
    labels = label(labels, "boot_id", firstLine(host.proc("sys", "kernel", "random", "boot_id")));
    String machineId = firstLine(host.rootfs("/etc/machine-id"));
    labels = label(labels, "machine_id", machineId.isEmpty()
        ? firstLine(host.rootfs("/var/lib/dbus/machine-id")) : machineId);
    labels = label(labels, "system_uuid", firstLine(host.sys("class", "dmi", "id", "product_uuid")));
    return new Machine(labels, cpus[0], cpus[1], cpus[2], parseMemTotal(meminfo), System.nanoTime());
  }

  /** Logical CPUs, physical cores and sockets from each {@code cpuN/topology}; zeros when there is none. */
  static int[] readTopology(Path cpuDir) {
    int cores = 0;
    Set<String> physical = new HashSet<>();
    Set<String> packages = new HashSet<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(cpuDir, "cpu[0-9]*")) {
      for (Path cpu : dirs) {
        // An offline CPU has no topology directory.
        String core = firstLine(cpu.resolve("topology/core_id"));
        String pkg = firstLine(cpu.resolve("topology/physical_package_id"));
        if (core.isEmpty() || pkg.isEmpty()) {
          continue;
        }
        cores++;
        physical.add(pkg + ":" + core);
        packages.add(pkg);
      }
    } catch (IOException | RuntimeException e) {
      return new int[3];
    }
    return new int[] {cores, physical.size(), packages.size()};
  }

  /** The same from {@code /proc/cpuinfo}: {@code processor}, {@code physical id} and {@code core id} lines. */
  static int[] parseCpuinfo(String text) {
    int cores = 0;
    Set<String> physical = new HashSet<>();
    Set<String> packages = new HashSet<>();
    String pkg = "0";
    int start = 0;
    while (start < text.length()) {
      int end = lineEnd(text, start);
      int colon = text.indexOf(':', start);
      if (colon > start && colon < end) {
        String key = text.substring(start, colon).trim();
        String value = text.substring(colon + 1, end).trim();
        switch (key) {
          case "processor" -> {
            cores++;
            pkg = "0";
          }
          case "physical id" -> {
            pkg = value;
            packages.add(value);
          }
          case "core id" -> physical.add(pkg + ":" + value);
          default -> { }
        }
      }
      start = end + 1;
    }
    return new int[] {cores, physical.isEmpty() ? cores : physical.size(), Math.max(packages.size(), 1)};
  }

  /** {@code MemTotal} in bytes. */
  static long parseMemTotal(String meminfo) {
    int at = meminfo.startsWith("MemTotal:") ? 0 : meminfo.indexOf("\nMemTotal:") + 1;
    if (at < 0 || !meminfo.startsWith("MemTotal:", at)) {
      throw new NoDataException("no MemTotal in meminfo");
    }
    int end = lineEnd(meminfo, at);
    int from = skipBlanks(meminfo, at + "MemTotal:".length(), end);
    long kib = number(meminfo, from, fieldEnd(meminfo, from, end));
    if (kib == NOT_A_NUMBER) {
      throw new NoDataException("MemTotal is not a number");
    }
    return kib * 1024;
  }

  private static Labels label(Labels labels, String name, String value) {
    return value.isEmpty() ? labels : labels.add(name, value);
  }

  /** The first line of a small file, trimmed; empty when it cannot be read. */
  private static String firstLine(Path file) {
    try {
      String text = PseudoFiles.read(file, StandardCharsets.ISO_8859_1);
      return text.substring(0, lineEnd(text, 0)).trim();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** The {@code machine} collector; listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {

    @Override
    public String name() {
      return "machine";
    }

    @Override
    public String description() {
      return "cAdvisor's machine_* figures: logical and physical CPU cores, sockets, memory";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new MachineCollector(context.hostPaths());
    }
  }
}
