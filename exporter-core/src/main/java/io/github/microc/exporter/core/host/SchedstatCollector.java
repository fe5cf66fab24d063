package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The scheduler's time per CPU from {@code /proc/schedstat}: running, waiting to run, and the
 * timeslices run.
 *
 * <pre>
 * node_schedstat_running_seconds_total{cpu="0"} 2554.548542339
 * node_schedstat_waiting_seconds_total{cpu="0"} 253.513424505
 * node_schedstat_timeslices_total{cpu="0"} 3.446734e+06
 * </pre>
 *
 * <p>Each {@code cpuN} line holds nine numbers; the seventh (nanoseconds running), eighth
 * (nanoseconds waiting) and ninth (timeslices) are exposed. A kernel without
 * {@code CONFIG_SCHEDSTATS} has no such file: no data, as node_exporter reports. Thread-safe.
 */
public final class SchedstatCollector implements MultiCollector, AutoCloseable {

  /** A {@code cpuN} line's CPU and the three values exposed. */
  record Cpu(String cpu, long running, long waiting, long timeslices) {}

  private final PseudoFile schedstat;

  /** Reads {@code schedstat}, a Linux {@code /proc/schedstat}. */
  SchedstatCollector(Path schedstat) {
    this.schedstat = new PseudoFile(schedstat);
  }

  @Override
  public MetricSnapshots collect() {
    String text;
    try {
      text = schedstat.read(StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new NoDataException(schedstat + " does not exist (a kernel without CONFIG_SCHEDSTATS)");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + schedstat, e);
    }
    MetricFamily running = MetricFamily.counter("node_schedstat_running_seconds_total",
        "Number of seconds CPU spent running a process.", "cpu");
    MetricFamily waiting = MetricFamily.counter("node_schedstat_waiting_seconds_total",
        "Number of seconds spent by processing waiting for this CPU.", "cpu");
    MetricFamily timeslices = MetricFamily.counter("node_schedstat_timeslices_total",
        "Number of timeslices executed by CPU.", "cpu");
    for (Cpu cpu : parseSchedstat(text)) {
      running.add(cpu.running() / 1e9, cpu.cpu());
      waiting.add(cpu.waiting() / 1e9, cpu.cpu());
      timeslices.add(cpu.timeslices(), cpu.cpu());
    }
    return MetricSnapshots.of(running.build(), waiting.build(), timeslices.build());
  }

  @Override
  public void close() {
    schedstat.close();
  }

  /**
   * The {@code cpuN} lines ({@code "cpu0 0 0 114 26 57 43 2554548542339 253513424505 3446734"})
   * that hold at least nine numbers; other lines ({@code version}, {@code timestamp},
   * {@code domainN}) are skipped.
   */
  static List<Cpu> parseSchedstat(String text) {
    List<Cpu> cpus = new ArrayList<>();
    int length = text.length();
    long[] values = new long[9];
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int line = start;
      start = end + 1;
      if (!text.startsWith("cpu", line)) {
        continue;
      }
      int nameEnd = text.indexOf(' ', line);
      if (nameEnd < 0 || nameEnd > end || nameEnd == line + 3
          || PseudoFiles.number(text, line + 3, nameEnd) < 0) {
        continue;
      }
      int n = 0;
      for (int at = nameEnd; n < values.length && at < end && text.charAt(at) == ' '; n++) {
        int fieldEnd = text.indexOf(' ', at + 1);
        fieldEnd = fieldEnd < 0 || fieldEnd > end ? end : fieldEnd;
        long value = PseudoFiles.number(text, at + 1, fieldEnd);
        if (value < 0 || fieldEnd == at + 1) {
          break;
        }
        values[n] = value;
        at = fieldEnd;
      }
      if (n == values.length) {
        cpus.add(new Cpu(text.substring(line + 3, nameEnd), values[6], values[7], values[8]));
      }
    }
    return cpus;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "schedstat";
    }

    @Override
    public String description() {
      return "Per-CPU scheduler running and waiting time and timeslices from /proc/schedstat (node_schedstat_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new SchedstatCollector(context.hostPaths().proc("schedstat"));
    }
  }
}
