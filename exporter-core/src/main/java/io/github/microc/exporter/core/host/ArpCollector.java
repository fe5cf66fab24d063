package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * ARP (neighbour) entries by interface, from {@code /proc/net/arp}.
 *
 * <pre>
 * node_arp_entries{device="eth0"} 1
 * </pre>
 *
 * <p>{@code device-include} / {@code device-exclude} pick the interfaces, as node_exporter's
 * flags. Every row counts, incomplete ones too; a line of fewer than six columns fails the
 * collection, as in node_exporter 1.5. Thread-safe.
 */
public final class ArpCollector implements MultiCollector, AutoCloseable {

  private final PseudoFile arp;
  private final DeviceFilter filter;
  private final LineNames<String> devices = new LineNames<>(name -> name);

  /** Reads {@code arp}, a Linux {@code /proc/net/arp}, for the devices {@code filter} keeps. */
  ArpCollector(Path arp, DeviceFilter filter) {
    this.arp = new PseudoFile(arp);
    this.filter = filter;
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Integer> entries = parseArp(HostFiles.parse(arp, t -> t), devices);
    MetricFamily family = MetricFamily.gauge("node_arp_entries", "ARP entries by device", "device");
    entries.forEach((device, n) -> {
      if (!filter.ignored(device)) {
        family.add(n, device);
      }
    });
    return MetricSnapshots.of(family.build());
  }

  @Override
  public void close() {
    arp.close();
  }

  /**
   * The rows of each device, read as node_exporter 1.5 reads them: every line has at least six
   * columns, a line whose first column is {@code IP} is the header, the last column is the
   * device.
   *
   * @throws IllegalArgumentException for a line of fewer columns, an empty one included
   */
  static Map<String, Integer> parseArp(String text, LineNames<String> devices) {
    Map<String, Integer> entries = new TreeMap<>();
    int length = text.length();
    int position = 0;
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int at = PseudoFiles.skipBlanks(text, start, end);
      start = end + 1;
      int first = at;
      int firstEnd = PseudoFiles.fieldEnd(text, at, end);
      int columns = 0;
      int lastStart = at;
      int lastEnd = at;
      while (at < end) {
        int fieldEnd = PseudoFiles.fieldEnd(text, at, end);
        columns++;
        lastStart = at;
        lastEnd = fieldEnd;
        at = PseudoFiles.skipBlanks(text, fieldEnd, end);
      }
      if (columns < 6) {
        throw new IllegalArgumentException("unexpected ARP table format: a line of " + columns
            + " columns, 6 at least expected");
      }
      if (firstEnd - first == 2 && text.startsWith("IP", first)) {
        continue;
      }
      entries.merge(devices.get(position++, text, lastStart, lastEnd), 1, Integer::sum);
    }
    return entries;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "arp";
    }

    @Override
    public String description() {
      return "ARP entries by interface from /proc/net/arp (node_arp_entries).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new ArpCollector(context.hostPaths().proc("net", "arp"),
          DeviceFilter.from(context.config(), "device-include", "device-exclude"));
    }
  }
}
