package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Packets the network softirqs processed, dropped and could not finish, per CPU, from
 * {@code /proc/net/softnet_stat}.
 *
 * <pre>
 * node_softnet_processed_total{cpu="0"} 3263
 * node_softnet_dropped_total{cpu="0"} 0
 * node_softnet_times_squeezed_total{cpu="0"} 0
 * </pre>
 *
 * <p>As node_exporter 1.5: one line per CPU, {@code cpu} is the line's number, the first three
 * hexadecimal columns are read and a line has at least nine. Thread-safe.
 */
public final class SoftnetCollector implements MultiCollector, AutoCloseable {

  private static final int MIN_COLUMNS = 9;

  private final PseudoFile softnet;

  /** Reads {@code softnet}, a Linux {@code /proc/net/softnet_stat}. */
  SoftnetCollector(Path softnet) {
    this.softnet = new PseudoFile(softnet);
  }

  @Override
  public MetricSnapshots collect() {
    List<long[]> cpus = HostFiles.parse(softnet, SoftnetCollector::parseSoftnet);
    MetricFamily processed = MetricFamily.counter("node_softnet_processed_total", "Number of processed packets",
        "cpu");
    MetricFamily dropped = MetricFamily.counter("node_softnet_dropped_total", "Number of dropped packets", "cpu");
    MetricFamily squeezed = MetricFamily.counter("node_softnet_times_squeezed_total",
        "Number of times processing packets ran out of quota", "cpu");
    for (int cpu = 0; cpu < cpus.size(); cpu++) {
      long[] values = cpus.get(cpu);
      String label = Integer.toString(cpu);
      processed.add(values[0], label);
      dropped.add(values[1], label);
      squeezed.add(values[2], label);
    }
    return MetricSnapshots.of(processed.build(), dropped.build(), squeezed.build());
  }

  @Override
  public void close() {
    softnet.close();
  }

  /**
   * Processed, dropped and time-squeezed of each line, in the order of the lines.
   *
   * @throws IllegalArgumentException for a line of fewer than nine columns or a value that is
   *     not a 32-bit hexadecimal number
   */
  static List<long[]> parseSoftnet(String text) {
    List<long[]> cpus = new ArrayList<>();
    int length = text.length();
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int at = PseudoFiles.skipBlanks(text, start, end);
      int line = start;
      start = end + 1;
      long[] values = new long[3];
      int columns = 0;
      for (; at < end; columns++) {
        int fieldEnd = PseudoFiles.fieldEnd(text, at, end);
        if (columns < 3) {
          values[columns] = Numbers.hex(text, at, fieldEnd);
          if (values[columns] == PseudoFiles.NOT_A_NUMBER || fieldEnd - at > 8) {
            throw new IllegalArgumentException("not a 32-bit hexadecimal number in softnet_stat: \""
                + text.substring(at, fieldEnd) + "\"");
          }
        }
        at = PseudoFiles.skipBlanks(text, fieldEnd, end);
      }
      if (columns < MIN_COLUMNS) {
        throw new IllegalArgumentException(columns + " columns were detected, but at least "
            + MIN_COLUMNS + " were expected: \"" + text.substring(line, end) + "\"");
      }
      cpus.add(values);
    }
    return cpus;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "softnet";
    }

    @Override
    public String description() {
      return "Per-CPU packets processed, dropped and squeezed from /proc/net/softnet_stat (node_softnet_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new SoftnetCollector(context.hostPaths().proc("net", "softnet_stat"));
    }
  }
}
