package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
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
public final class MeminfoCollector implements MultiCollector, AutoCloseable {

  private static final Pattern PARENS = Pattern.compile("\\((.*)\\)");
  private static final Pattern INVALID = Pattern.compile("[^a-zA-Z0-9_]");
  /**
   * Name suffixes by field ({@code "Active(anon):"}; one map for the fields in kB, one for
   * the counts), and metric name and help by suffix, made
   * once each: the kernel's set of fields is fixed, and two regex replacements and two string
   * concatenations for each of some sixty lines were a fifth of this collector's time. Bounded
   * all the same, as they are keyed by file content.
   */
  private static final Map<String, String> KEYS = new ConcurrentHashMap<>();
  private static final Map<String, String> KEYS_KB = new ConcurrentHashMap<>();
  private static final Map<String, String[]> NAMES = new ConcurrentHashMap<>();
  private static final int MEMO = 512;

  private final PseudoFile meminfo;
  private final GlobalMemory memory;

  /** Reads {@code meminfo}, a Linux {@code /proc/meminfo}. */
  MeminfoCollector(Path meminfo) {
    this.meminfo = new PseudoFile(meminfo);
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
    fields.forEach((field, value) -> {
      String[] name = memo(NAMES, field,
          f -> new String[] {"node_memory_" + f, "Memory information field " + f + "."});
      snapshots.add(MetricFamily.gauge(name[0], name[1], value));
    });
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
    int length = text.length();
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int line = start;
      start = end + 1;
      // Field, number and an optional unit, found in place.
      int keyStart = PseudoFiles.skipBlanks(text, line, end);
      int keyEnd = PseudoFiles.fieldEnd(text, keyStart, end);
      if (keyEnd - keyStart < 2 || text.charAt(keyEnd - 1) != ':') {
        continue;
      }
      int valueStart = PseudoFiles.skipBlanks(text, keyEnd, end);
      int valueEnd = PseudoFiles.fieldEnd(text, valueStart, end);
      int unitStart = PseudoFiles.skipBlanks(text, valueEnd, end);
      int unitEnd = PseudoFiles.fieldEnd(text, unitStart, end);
      long value = PseudoFiles.number(text, valueStart, valueEnd);
      if (value == PseudoFiles.NOT_A_NUMBER || PseudoFiles.skipBlanks(text, unitEnd, end) != end) {
        continue;
      }
      boolean kb = unitEnd > unitStart;
      String field = text.substring(keyStart, keyEnd);
      String key = kb ? memo(KEYS_KB, field, f -> key(f + " kB")) : memo(KEYS, field, MeminfoCollector::key);
      // The kernel's only unit here is kB.
      fields.putIfAbsent(key, kb ? value * 1024.0 : value);
    }
    return fields;
  }

  /** {@code "Active(anon):"} is {@code Active_anon}; {@code "Active(anon): kB"} is {@code Active_anon_bytes}. */
  private static String key(String field) {
    boolean kb = field.endsWith(" kB");
    String name = kb ? field.substring(0, field.length() - 4) : field.substring(0, field.length() - 1);
    name = INVALID.matcher(PARENS.matcher(name).replaceAll("_$1")).replaceAll("_");
    return kb ? name + "_bytes" : name;
  }

  @Override
  public void close() {
    if (meminfo != null) {
      meminfo.close();
    }
  }

  private static <T> T memo(Map<String, T> memo, String key, Function<String, T> make) {
    T value = memo.get(key);
    if (value == null) {
      value = make.apply(key);
      if (memo.size() < MEMO) {
        memo.put(key, value);
      }
    }
    return value;
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
