package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import oshi.hardware.GlobalMemory;
import oshi.hardware.VirtualMemory;

/**
 * Every field of {@code /proc/meminfo} as a gauge named as node_exporter names it: a field in
 * kB becomes bytes with a {@code _bytes} suffix, a count (such as {@code HugePages_Total})
 * keeps its name, and {@code Active(anon)} becomes {@code Active_anon}.
 *
 * <pre>
 * node_memory_MemTotal_bytes 2.5264738304e+10
 * node_memory_Active_anon_bytes 1.1636736e+08
 * node_memory_HugePages_Total 0
 * </pre>
 *
 * <p>Without procfs, OSHI's memory figures under the Linux names that mean the same:
 * {@code MemTotal_bytes}, {@code MemAvailable_bytes}, {@code SwapTotal_bytes},
 * {@code SwapFree_bytes}. Thread-safe.
 */
public final class MeminfoCollector implements MultiCollector {

  private static final Pattern PARENS = Pattern.compile("\\((.*)\\)");
  private static final Pattern INVALID = Pattern.compile("[^a-zA-Z0-9_]");

  private final Path meminfo;
  private final GlobalMemory memory;

  /** Reads {@code meminfo}, a Linux {@code /proc/meminfo}. */
  MeminfoCollector(Path meminfo) {
    this.meminfo = meminfo;
    this.memory = null;
  }

  /** Asks OSHI; for platforms without procfs. */
  MeminfoCollector(GlobalMemory memory) {
    this.meminfo = null;
    this.memory = memory;
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Double> fields = meminfo != null
        ? HostFiles.parse(meminfo, MeminfoCollector::parseMeminfo) : readOshi();
    List<MetricSnapshot> snapshots = new ArrayList<>(fields.size());
    fields.forEach((field, value) -> snapshots.add(MetricFamily.gauge("node_memory_" + field,
        "Memory information field " + field + ".", value)));
    return new MetricSnapshots(snapshots);
  }

  private Map<String, Double> readOshi() {
    Map<String, Double> fields = new LinkedHashMap<>();
    fields.put("MemTotal_bytes", (double) memory.getTotal());
    fields.put("MemAvailable_bytes", (double) memory.getAvailable());
    VirtualMemory swap = memory.getVirtualMemory();
    fields.put("SwapTotal_bytes", (double) swap.getSwapTotal());
    fields.put("SwapFree_bytes", (double) (swap.getSwapTotal() - swap.getSwapUsed()));
    return fields;
  }

  /**
   * {@code /proc/meminfo} as metric-name suffixes and values, in file order:
   * {@code "Active(anon):  113640 kB"} is {@code Active_anon_bytes = 116367360}. A line that is
   * blank, has no number or more than a unit is skipped (node_exporter fails the whole
   * collection on it; one odd line should not hide fifty good ones).
   */
  static Map<String, Double> parseMeminfo(String text) {
    Map<String, Double> fields = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] f = HostFiles.fields(line);
      if (f.length < 2 || f.length > 3 || !f[0].endsWith(":") || f[0].length() == 1) {
        continue;
      }
      double value = HostFiles.number(f[1]);
      if (Double.isNaN(value)) {
        continue;
      }
      String key = PARENS.matcher(f[0].substring(0, f[0].length() - 1)).replaceAll("_$1");
      key = INVALID.matcher(key).replaceAll("_");
      if (f.length == 3) {
        value *= 1024; // the kernel's only unit here is kB
        key += "_bytes";
      }
      fields.putIfAbsent(key, value);
    }
    return fields;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "meminfo";
    }

    @Override
    public String description() {
      return "Memory statistics: every /proc/meminfo field (node_memory_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return HostFiles.linux() ? new MeminfoCollector(context.hostPaths().proc("meminfo"))
          : new MeminfoCollector(context.system().getHardware().getMemory());
    }
  }
}
