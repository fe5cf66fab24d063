package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pressure stall information from {@code /proc/pressure/{cpu,io,memory}} (Linux 4.20 and later,
 * {@code CONFIG_PSI}): the time tasks waited ("some") or all non-idle tasks stalled ("full").
 *
 * <pre>
 * node_pressure_cpu_waiting_seconds_total 53.992231
 * node_pressure_io_stalled_seconds_total 2.92899
 * node_pressure_io_waiting_seconds_total 3.592284
 * node_pressure_memory_stalled_seconds_total 0.003708
 * node_pressure_memory_waiting_seconds_total 0.012125
 * </pre>
 *
 * <p>A kernel without PSI (no such files, or {@code psi=0}, which fails the read) has no data,
 * as node_exporter reports there ({@code success 0}). Thread-safe.
 */
public final class PressureCollector implements MultiCollector, AutoCloseable {

  private final PseudoFile cpu;
  private final PseudoFile io;
  private final PseudoFile memory;

  /** Reads the files of {@code pressure}, a Linux {@code /proc/pressure}. */
  PressureCollector(Path pressure) {
    this.cpu = new PseudoFile(pressure.resolve("cpu"));
    this.io = new PseudoFile(pressure.resolve("io"));
    this.memory = new PseudoFile(pressure.resolve("memory"));
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> collected = new ArrayList<>(5);
    try {
      long[] cpuTotals = read(cpu);
      collected.add(MetricFamily.counter("node_pressure_cpu_waiting_seconds_total",
          "Total time in seconds that processes have waited for CPU time",
          seconds(cpuTotals[0], cpu, "some")));
      long[] ioTotals = read(io);
      collected.add(MetricFamily.counter("node_pressure_io_waiting_seconds_total",
          "Total time in seconds that processes have waited due to IO congestion",
          seconds(ioTotals[0], io, "some")));
      collected.add(MetricFamily.counter("node_pressure_io_stalled_seconds_total",
          "Total time in seconds no process could make progress due to IO congestion",
          seconds(ioTotals[1], io, "full")));
      long[] memoryTotals = read(memory);
      collected.add(MetricFamily.counter("node_pressure_memory_waiting_seconds_total",
          "Total time in seconds that processes have waited for memory",
          seconds(memoryTotals[0], memory, "some")));
      collected.add(MetricFamily.counter("node_pressure_memory_stalled_seconds_total",
          "Total time in seconds no process could make progress due to memory congestion",
          seconds(memoryTotals[1], memory, "full")));
    } catch (RuntimeException e) {
      // node_exporter reads cpu, io and memory in turn and keeps what it sent before an error.
      throw collected.isEmpty() ? e : new PartialCollectionException(collected, e);
    }
    return new MetricSnapshots(collected);
  }

  /**
   * One resource's totals. A missing file is a kernel without PSI, and a read refused with
   * {@code EOPNOTSUPP} one booted with {@code psi=0}: no data either way.
   */
  private static long[] read(PseudoFile file) {
    String text;
    try {
      text = file.read(StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new NoDataException("no pressure information (Linux 4.20 or later with CONFIG_PSI): "
          + file + " does not exist");
    } catch (IOException e) {
      if (String.valueOf(e.getMessage()).contains("not supported")) {
        throw new NoDataException("pressure information is disabled (psi=0 on the kernel's command line): "
            + file + ": " + e.getMessage());
      }
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return parsePressure(text);
  }

  /** A total in microseconds as seconds, divided as node_exporter divides it. */
  private static double seconds(long micros, PseudoFile file, String line) {
    if (micros == PseudoFiles.NOT_A_NUMBER) {
      throw new IllegalArgumentException(file + ": no \"" + line + "\" line with a total");
    }
    return micros / 1000.0 / 1000.0;
  }

  @Override
  public void close() {
    cpu.close();
    io.close();
    memory.close();
  }

  /**
   * The {@code total=} microseconds of a pressure file's {@code some} and {@code full} lines
   * ({@code "some avg10=0.00 avg60=0.00 avg300=0.00 total=12125"}); either is
   * {@link PseudoFiles#NOT_A_NUMBER} when its line is missing. Other lines are ignored, as
   * lines a later kernel may add.
   *
   * @throws IllegalArgumentException when a {@code some} or {@code full} line has no numeric
   *     total
   */
  static long[] parsePressure(String text) {
    long[] totals = {PseudoFiles.NOT_A_NUMBER, PseudoFiles.NOT_A_NUMBER};
    int length = text.length();
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int line = start;
      start = end + 1;
      int which = text.startsWith("some ", line) ? 0 : text.startsWith("full ", line) ? 1 : -1;
      if (which < 0) {
        continue;
      }
      int at = text.indexOf("total=", line);
      long total = at < 0 || at > end ? PseudoFiles.NOT_A_NUMBER
          : PseudoFiles.number(text, at + "total=".length(),
              PseudoFiles.fieldEnd(text, at, end));
      if (total == PseudoFiles.NOT_A_NUMBER || total < 0) {
        throw new IllegalArgumentException("unexpected pressure line: \""
            + text.substring(line, end).strip() + "\"");
      }
      totals[which] = total;
    }
    return totals;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "pressure";
    }

    @Override
    public String description() {
      return "Pressure stall information from /proc/pressure (node_pressure_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new PressureCollector(context.hostPaths().proc("pressure"));
    }
  }
}
