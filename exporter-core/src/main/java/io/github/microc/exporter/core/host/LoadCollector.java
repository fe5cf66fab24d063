package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import oshi.hardware.CentralProcessor;

/**
 * Load averages, from {@code /proc/loadavg} on Linux and from OSHI elsewhere (nothing on
 * Windows, which has none).
 *
 * <pre>
 * node_load1 0.42
 * node_load5 0.37
 * node_load15 0.3
 * </pre>
 *
 * Thread-safe.
 */
public final class LoadCollector implements MultiCollector, AutoCloseable {

  private final PseudoFile loadavg;
  private final CentralProcessor cpu;

  /** Reads {@code loadavg}, a Linux {@code /proc/loadavg}. */
  LoadCollector(Path loadavg) {
    this.loadavg = new PseudoFile(loadavg);
    this.cpu = null;
  }

  /** Asks OSHI; for platforms without procfs. */
  LoadCollector(CentralProcessor cpu) {
    this.loadavg = null;
    this.cpu = cpu;
  }

  @Override
  public MetricSnapshots collect() {
    double[] load = loadavg != null
        ? HostFiles.parse(loadavg, LoadCollector::parseLoadavg) : cpu.getSystemLoadAverage(3);
    if (load[0] < 0) {
      return MetricSnapshots.of();
    }
    return MetricSnapshots.of(
        MetricFamily.gauge("node_load1", "1m load average.", load[0]),
        MetricFamily.gauge("node_load5", "5m load average.", load[1]),
        MetricFamily.gauge("node_load15", "15m load average.", load[2]));
  }

  @Override
  public void close() {
    if (loadavg != null) {
      loadavg.close();
    }
  }

  /**
   * The 1, 5 and 15 minute averages of {@code /proc/loadavg} ({@code "0.42 0.37 0.30 1/123 456"}).
   *
   * @throws IllegalArgumentException when the text does not start with three numbers
   */
  static double[] parseLoadavg(String text) {
    String[] f = HostFiles.fields(text);
    if (f.length < 3) {
      throw new IllegalArgumentException("unexpected loadavg content: \"" + text.strip() + "\"");
    }
    double[] load = new double[3];
    for (int i = 0; i < 3; i++) {
      load[i] = HostFiles.number(f[i]);
      if (Double.isNaN(load[i])) {
        throw new IllegalArgumentException("not a load average: \"" + f[i] + "\"");
      }
    }
    return load;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "loadavg";
    }

    @Override
    public String description() {
      return "1, 5 and 15 minute load averages (node_load1/5/15).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return HostFiles.linux() ? new LoadCollector(context.hostPaths().proc("loadavg"))
          : new LoadCollector(context.system().getHardware().getProcessor());
    }
  }
}
