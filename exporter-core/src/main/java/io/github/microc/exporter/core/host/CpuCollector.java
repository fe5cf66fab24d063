package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PluginConfig;
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
import java.util.TreeMap;
import java.util.regex.Pattern;
import oshi.hardware.CentralProcessor;
import oshi.hardware.CentralProcessor.TickType;

/**
 * Time each CPU spent in each mode, from {@code /proc/stat} on Linux (in USER_HZ ticks, 100
 * per second, as node_exporter assumes) and from OSHI's per-processor ticks elsewhere.
 *
 * <pre>
 * node_cpu_seconds_total{cpu="0",mode="idle"} 322.13
 * node_cpu_seconds_total{cpu="0",mode="iowait"} 0.34
 * node_cpu_seconds_total{cpu="0",mode="user"} 41.75
 * node_cpu_guest_seconds_total{cpu="0",mode="nice"} 0
 * node_cpu_guest_seconds_total{cpu="0",mode="user"} 0
 * </pre>
 *
 * <p>As node_exporter 1.5 does, a counter that the kernel reports lower than before (some
 * hypervisors make idle and iowait jump back) keeps its previous value, unless idle jumped back
 * by more than three seconds, which means the CPU was replaced (hot-plug) and starts afresh.
 * The guest modes are included in user and nice, as the kernel counts them ({@code guest =
 * false} leaves them out).
 *
 * <p>On Linux also the thermal throttle counters of {@link CpuThrottles}, and with
 * {@code info = true} (or a {@code flags-include} or {@code bugs-include} pattern, as
 * node_exporter's {@code --collector.cpu.info}) the {@code node_cpu_info} families of
 * {@link ProcCpuinfo}. Thread-safe.
 */
public final class CpuCollector implements MultiCollector, AutoCloseable {

  /** The modes in the order of {@code /proc/stat}'s columns. */
  static final String[] MODES = {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};
  static final String[] GUEST_MODES = {"user", "nice"};
  /** The columns of {@link #MODES} in alphabetical order, as node_exporter lists them. */
  private static final int[] ALPHABETICAL = {3, 4, 5, 1, 6, 7, 2, 0};
  private static final double USER_HZ = 100;
  private static final int IDLE = 3;
  private static final double JUMP_BACK_SECONDS = 3;

  private final PseudoFile stat;
  private final CentralProcessor processor;
  private final ProcCpuinfo info;
  private final CpuThrottles throttles;
  private final boolean guestModes;
  private final Map<String, double[]> last = new HashMap<>();

  /** Reads {@code stat}, a Linux {@code /proc/stat}, and nothing else. */
  CpuCollector(Path stat) {
    this(stat, null, null, true);
  }

  /**
   * Reads {@code stat}, a Linux {@code /proc/stat}; {@code info} and {@code throttles} may be
   * null; {@code guest} says whether node_cpu_guest_seconds_total is exposed.
   */
  CpuCollector(Path stat, ProcCpuinfo info, CpuThrottles throttles, boolean guest) {
    this.stat = new PseudoFile(stat);
    this.processor = null;
    this.info = info;
    this.throttles = throttles;
    this.guestModes = guest;
  }

  /** Asks OSHI; for platforms without procfs. */
  CpuCollector(CentralProcessor processor) {
    this.stat = null;
    this.processor = processor;
    this.info = null;
    this.throttles = null;
    this.guestModes = true;
  }

  @Override
  public MetricSnapshots collect() {
    // As node_exporter: the info first (its failure fails everything), then the times (whose
    // failure keeps the info), then the throttles.
    List<MetricSnapshot> infos = info == null ? List.of() : info.collect();
    MetricSnapshots times;
    try {
      times = collectTimes();
    } catch (RuntimeException e) {
      if (infos.isEmpty()) {
        throw e;
      }
      throw new PartialCollectionException(infos, e);
    }
    if (infos.isEmpty() && throttles == null) {
      return times;
    }
    List<MetricSnapshot> all = new ArrayList<>(infos);
    times.forEach(all::add);
    if (throttles != null) {
      all.addAll(throttles.collect());
    }
    return new MetricSnapshots(all);
  }

  private MetricSnapshots collectTimes() {
    Map<String, double[]> times = monotonic(stat != null
        ? HostFiles.parse(stat, CpuCollector::parseCpuTimes) : readOshi());
    MetricFamily seconds = MetricFamily.counter("node_cpu_seconds_total",
        "Seconds the CPUs spent in each mode.", "cpu", "mode");
    MetricFamily guest = MetricFamily.counter("node_cpu_guest_seconds_total",
        "Seconds the CPUs spent in guests (VMs) for each mode.", "cpu", "mode");
    for (Map.Entry<String, double[]> cpu : times.entrySet()) {
      double[] t = cpu.getValue();
      for (int i : ALPHABETICAL) {
        seconds.add(t[i], cpu.getKey(), MODES[i]);
      }
      if (stat != null && guestModes) {
        guest.add(t[9], cpu.getKey(), "nice");
        guest.add(t[8], cpu.getKey(), "user");
      }
    }
    return guest.isEmpty() ? MetricSnapshots.of(seconds.build())
        : MetricSnapshots.of(seconds.build(), guest.build());
  }

  private Map<String, double[]> readOshi() {
    long[][] ticks = processor.getProcessorCpuLoadTicks();
    Map<String, double[]> times = new TreeMap<>(CpuCollector::byNumber);
    TickType[] types = {TickType.USER, TickType.NICE, TickType.SYSTEM, TickType.IDLE,
        TickType.IOWAIT, TickType.IRQ, TickType.SOFTIRQ, TickType.STEAL};
    for (int cpu = 0; cpu < ticks.length; cpu++) {
      double[] t = new double[10];
      for (int i = 0; i < types.length; i++) {
        t[i] = ticks[cpu][types[i].getIndex()] / 1000.0; // OSHI counts milliseconds
      }
      times.put(Integer.toString(cpu), t);
    }
    return times;
  }

  @Override
  public void close() {
    if (stat != null) {
      stat.close();
    }
    if (info != null) {
      info.close();
    }
    if (throttles != null) {
      throttles.close();
    }
  }

  /** Keeps every counter from going down, as node_exporter 1.5's {@code updateCPUStats}. */
  private synchronized Map<String, double[]> monotonic(Map<String, double[]> fresh) {
    for (Map.Entry<String, double[]> cpu : fresh.entrySet()) {
      double[] now = cpu.getValue();
      double[] before = last.get(cpu.getKey());
      if (before != null && before[IDLE] - now[IDLE] <= JUMP_BACK_SECONDS) {
        for (int i = 0; i < now.length; i++) {
          now[i] = Math.max(now[i], before[i]);
        }
      }
      last.put(cpu.getKey(), now.clone());
    }
    last.keySet().retainAll(fresh.keySet());
    return fresh;
  }

  /**
   * The per-CPU lines of {@code /proc/stat} ({@code cpu0 ...}, not the {@code cpu} total) as
   * seconds by CPU number: user, nice, system, idle, iowait, irq, softirq, steal, guest,
   * guest_nice. Columns an older kernel lacks are 0; a line that is not numbers is skipped.
   */
  static Map<String, double[]> parseCpuTimes(String text) {
    Map<String, double[]> times = new TreeMap<>(CpuCollector::byNumber);
    int length = text.length();
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int line = start;
      start = end + 1;
      // In place: /proc/stat's intr line alone has hundreds of columns.
      if (!text.startsWith("cpu", line)) {
        continue;
      }
      int nameEnd = PseudoFiles.fieldEnd(text, line, end);
      if (nameEnd == line + 3 || !digits(text, line + 3, nameEnd)) {
        continue;
      }
      double[] t = new double[10];
      boolean valid = true;
      int at = nameEnd;
      for (int i = 0; i < t.length; i++) {
        at = PseudoFiles.skipBlanks(text, at, end);
        if (at == end) {
          break;
        }
        int fieldEnd = PseudoFiles.fieldEnd(text, at, end);
        long ticks = PseudoFiles.number(text, at, fieldEnd);
        valid &= ticks != PseudoFiles.NOT_A_NUMBER;
        t[i] = ticks / USER_HZ;
        at = fieldEnd;
      }
      if (valid) {
        times.put(text.substring(line + 3, nameEnd), t);
      }
    }
    return times;
  }

  private static boolean digits(String text, int from, int end) {
    for (int i = from; i < end; i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static int byNumber(String a, String b) {
    return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "cpu";
    }

    @Override
    public String description() {
      return "Seconds each CPU spent in each mode (node_cpu_seconds_total).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      PluginConfig config = context.config();
      Pattern flags = DeviceFilter.optionalRegex(config, "flags-include");
      Pattern bugs = DeviceFilter.optionalRegex(config, "bugs-include");
      if (!HostFiles.linux()) {
        return new CpuCollector(context.system().getHardware().getProcessor());
      }
      HostPaths paths = context.hostPaths();
      // As node_exporter, an include pattern turns the info on.
      ProcCpuinfo info = config.getBoolean("info") || flags != null || bugs != null
          ? new ProcCpuinfo(paths.proc("cpuinfo"), paths.sys("devices", "system", "cpu", "online"), flags, bugs)
          : null;
      return new CpuCollector(paths.proc("stat"), info,
          new CpuThrottles(paths.sys("devices", "system", "cpu")), config.getBoolean("guest"));
    }
  }
}
