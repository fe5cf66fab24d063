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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import oshi.SystemInfo;

/**
 * Kernel and process counters from {@code /proc/stat}.
 *
 * <pre>
 * node_boot_time_seconds 1.795290457e+09
 * node_context_switches_total 488845
 * node_forks_total 7698
 * node_intr_total 209824
 * node_procs_blocked 0
 * node_procs_running 2
 * </pre>
 *
 * <p>Without procfs, OSHI gives the boot time, context switches and interrupts; forks and the
 * process counts are left out. Thread-safe.
 */
public final class StatCollector implements MultiCollector, AutoCloseable {

  /** The lines this collector reads, by their first column. */
  private static final List<String> KEYS =
      List.of("btime", "ctxt", "processes", "procs_running", "procs_blocked", "intr");

  private final PseudoFile stat;
  private final SystemInfo system;

  /** Reads {@code stat}, a Linux {@code /proc/stat}. */
  StatCollector(Path stat) {
    this.stat = new PseudoFile(stat);
    this.system = null;
  }

  /** Asks OSHI; for platforms without procfs. */
  StatCollector(SystemInfo system) {
    this.stat = null;
    this.system = system;
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Double> values = stat != null
        ? HostFiles.parse(stat, StatCollector::parseStat) : readOshi();
    List<MetricSnapshot> snapshots = new ArrayList<>();
    addGauge(snapshots, values, "btime", "node_boot_time_seconds", "Node boot time, in unixtime.");
    addCounter(snapshots, values, "ctxt", "node_context_switches_total",
        "Total number of context switches.");
    addCounter(snapshots, values, "processes", "node_forks_total", "Total number of forks.");
    addCounter(snapshots, values, "intr", "node_intr_total",
        "Total number of interrupts serviced.");
    addGauge(snapshots, values, "procs_running", "node_procs_running",
        "Number of processes in runnable state.");
    addGauge(snapshots, values, "procs_blocked", "node_procs_blocked",
        "Number of processes blocked waiting for I/O to complete.");
    return new MetricSnapshots(snapshots);
  }

  private static void addGauge(List<MetricSnapshot> to, Map<String, Double> values, String key,
      String name, String help) {
    Double value = values.get(key);
    if (value != null) {
      to.add(MetricFamily.gauge(name, help, value));
    }
  }

  private static void addCounter(List<MetricSnapshot> to, Map<String, Double> values, String key,
      String name, String help) {
    Double value = values.get(key);
    if (value != null) {
      to.add(MetricFamily.counter(name, help, value));
    }
  }

  private Map<String, Double> readOshi() {
    Map<String, Double> values = new HashMap<>();
    values.put("btime", (double) system.getOperatingSystem().getSystemBootTime());
    long switches = system.getHardware().getProcessor().getContextSwitches();
    if (switches >= 0) {
      values.put("ctxt", (double) switches);
    }
    long interrupts = system.getHardware().getProcessor().getInterrupts();
    if (interrupts >= 0) {
      values.put("intr", (double) interrupts);
    }
    return values;
  }

  /**
   * The single-value lines of {@code /proc/stat} this collector exposes, by their key:
   * {@code btime}, {@code ctxt}, {@code processes}, {@code procs_running},
   * {@code procs_blocked}, and {@code intr}'s first column (the total). A line that is missing
   * or not a number is left out.
   */
  static Map<String, Double> parseStat(String text) {
    Map<String, Double> values = new HashMap<>();
    int length = text.length();
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int line = start;
      start = end + 1;
      int keyEnd = PseudoFiles.fieldEnd(text, line, end);
      String key = key(text, line, keyEnd);
      if (key == null) {
        continue;
      }
      int at = PseudoFiles.skipBlanks(text, keyEnd, end);
      long value = PseudoFiles.number(text, at, PseudoFiles.fieldEnd(text, at, end));
      if (value != PseudoFiles.NOT_A_NUMBER) {
        values.put(key, (double) value);
      }
    }
    return values;
  }

  /** The key of {@link #KEYS} from {@code start} to {@code end}; null for another line. */
  private static String key(String text, int start, int end) {
    for (String key : KEYS) {
      if (key.length() == end - start && text.startsWith(key, start)) {
        return key;
      }
    }
    return null;
  }

  @Override
  public void close() {
    if (stat != null) {
      stat.close();
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "stat";
    }

    @Override
    public String description() {
      return "Boot time, context switches, forks, interrupts and runnable/blocked processes.";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return HostFiles.linux() ? new StatCollector(context.hostPaths().proc("stat"))
          : new StatCollector(context.system());
    }
  }
}
