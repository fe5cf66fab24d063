package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cpu collector's thermal throttle counters from sysfs's
 * {@code devices/system/cpu/cpu<N>/thermal_throttle}, as node_exporter 1.5 exposes them:
 *
 * <pre>
 * node_cpu_core_throttles_total{core="0",package="0"} 5
 * node_cpu_package_throttles_total{package="0"} 12
 * </pre>
 *
 * <p>Per package and per core, the count of the first CPU in name order ({@code cpu0},
 * {@code cpu1}, {@code cpu10}, ..., {@code cpu2}) whose topology and count can be read; a CPU
 * without them (a VM has no thermal_throttle) contributes nothing. The directory is listed
 * once a scrape and each CPU's files are kept open. Thread-safe.
 */
final class CpuThrottles implements AutoCloseable {

  private static final String[] FILES = {"topology/physical_package_id", "topology/core_id",
      "thermal_throttle/core_throttle_count", "thermal_throttle/package_throttle_count"};

  private final Path cpuDir;
  private final Map<String, PseudoFile[]> cpus = new TreeMap<>();

  /** @param cpuDir sysfs's {@code devices/system/cpu} */
  CpuThrottles(Path cpuDir) {
    this.cpuDir = cpuDir;
  }

  synchronized List<MetricSnapshot> collect() {
    Set<String> names = Sysfs.glob(cpuDir, "cpu[0-9]*");
    HostFiles.closeGone(cpus, names, files -> Arrays.stream(files).forEach(PseudoFile::close));
    for (String name : names) {
      cpus.computeIfAbsent(name, n -> Arrays.stream(FILES)
          .map(f -> new PseudoFile(cpuDir.resolve(n).resolve(f))).toArray(PseudoFile[]::new));
    }
    Map<Long, Long> packages = new TreeMap<>();
    Map<Long, Map<Long, Long>> cores = new TreeMap<>();
    for (PseudoFile[] files : cpus.values()) { // name order, as node_exporter's glob
      long packageId = unsigned(files[0]);
      long coreId = packageId == PseudoFiles.NOT_A_NUMBER ? PseudoFiles.NOT_A_NUMBER : unsigned(files[1]);
      if (coreId == PseudoFiles.NOT_A_NUMBER) {
        continue;
      }
      Map<Long, Long> ofPackage = cores.computeIfAbsent(packageId, p -> new HashMap<>());
      if (!ofPackage.containsKey(coreId)) {
        long count = unsigned(files[2]);
        if (count != PseudoFiles.NOT_A_NUMBER) {
          ofPackage.put(coreId, count);
        }
      }
      if (!packages.containsKey(packageId)) {
        long count = unsigned(files[3]);
        if (count != PseudoFiles.NOT_A_NUMBER) {
          packages.put(packageId, count);
        }
      }
    }
    List<MetricSnapshot> families = new ArrayList<>(2);
    if (!packages.isEmpty()) {
      MetricFamily family = MetricFamily.counter("node_cpu_package_throttles_total",
          "Number of times this CPU package has been throttled.", "package");
      packages.forEach((p, count) -> family.add(CpufreqCollector.unsignedToDouble(count),
          Long.toUnsignedString(p)));
      families.add(family.build());
    }
    MetricFamily family = MetricFamily.counter("node_cpu_core_throttles_total",
        "Number of times this CPU core has been throttled.", "package", "core");
    cores.forEach((p, ofPackage) -> ofPackage.forEach((c, count) -> family.add(
        CpufreqCollector.unsignedToDouble(count), Long.toUnsignedString(p), Long.toUnsignedString(c))));
    if (!family.isEmpty()) {
      families.add(family.build());
    }
    return families;
  }

  /** node_exporter's readUintFromFile: the whole file, blanks stripped, an unsigned decimal. */
  private static long unsigned(PseudoFile file) {
    String text = HostFiles.readTrimmedOrNull(file);
    return text == null ? PseudoFiles.NOT_A_NUMBER : Sysfs.parseDecimal(text, true);
  }

  @Override
  public synchronized void close() {
    cpus.values().forEach(f -> Arrays.stream(f).forEach(PseudoFile::close));
    cpus.clear();
  }
}
