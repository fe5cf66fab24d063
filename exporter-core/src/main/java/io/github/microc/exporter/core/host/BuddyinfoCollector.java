package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Free memory blocks of each order per node and zone from {@code /proc/buddyinfo}, as
 * node_exporter 1.5's buddyinfo collector (disabled by default) exposes them:
 *
 * <pre>
 * node_buddyinfo_blocks{node="0",size="0",zone="Normal"} 6527
 * node_buddyinfo_blocks{node="0",size="10",zone="DMA32"} 752
 * </pre>
 *
 * <p>{@code size} is the order (a block of 2^size pages). As in node_exporter, a line of fewer
 * than four fields, a zone with another number of orders than the first, a count that is not a
 * number, or no file fails the collection. The file is kept open. Thread-safe.
 */
public final class BuddyinfoCollector implements MultiCollector, AutoCloseable {

  private final PseudoFile buddyinfo;

  /** @param buddyinfo procfs's {@code buddyinfo} */
  BuddyinfoCollector(Path buddyinfo) {
    this.buddyinfo = new PseudoFile(buddyinfo);
  }

  @Override
  public MetricSnapshots collect() {
    List<Zone> zones = HostFiles.parse(buddyinfo, BuddyinfoCollector::parse);
    MetricFamily blocks = MetricFamily.gauge("node_buddyinfo_blocks",
        "Count of free blocks according to size.", "node", "zone", "size");
    for (Zone zone : zones) {
      for (int size = 0; size < zone.counts.length; size++) {
        blocks.add(zone.counts[size], zone.node, zone.zone, Integer.toString(size));
      }
    }
    return blocks.isEmpty() ? MetricSnapshots.of() : MetricSnapshots.of(blocks.build());
  }

  /** One line: a node, a zone and its free block counts by order. */
  record Zone(String node, String zone, double[] counts) {}

  /**
   * The lines of {@code /proc/buddyinfo} ({@code Node 0, zone   Normal  6527 10568 ...}) as
   * node_exporter's procfs library reads them.
   *
   * @throws IllegalArgumentException for a line node_exporter would not accept
   */
  static List<Zone> parse(String text) {
    List<Zone> zones = new ArrayList<>();
    int orders = -1;
    String[] lines = text.split("\n", -1);
    // Lines as Go's scanner gives them: none after the last newline.
    int count = text.isEmpty() ? 0 : text.endsWith("\n") ? lines.length - 1 : lines.length;
    for (int l = 0; l < count; l++) {
      String line = lines[l];
      String[] parts = HostFiles.fields(line);
      if (parts.length < 4) {
        throw new IllegalArgumentException("invalid number of fields when parsing buddyinfo: \"" + line + "\"");
      }
      if (orders == -1) {
        orders = parts.length - 4;
      } else if (orders != parts.length - 4) {
        throw new IllegalArgumentException("mismatch in number of buddyinfo buckets, previous count "
            + orders + ", new count " + (parts.length - 4));
      }
      double[] counts = new double[parts.length - 4];
      for (int i = 0; i < counts.length; i++) {
        Double value = Sysfs.parseFloat(parts[i + 4]);
        if (value == null) {
          throw new IllegalArgumentException("invalid value in buddyinfo: \"" + parts[i + 4] + "\"");
        }
        counts[i] = value;
      }
      zones.add(new Zone(trimCommas(parts[1]), trimCommas(parts[3]), counts));
    }
    return zones;
  }

  private static String trimCommas(String field) {
    int end = field.length();
    while (end > 0 && field.charAt(end - 1) == ',') {
      end--;
    }
    return field.substring(0, end);
  }

  @Override
  public void close() {
    buddyinfo.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "buddyinfo";
    }

    @Override
    public String description() {
      return "Free memory blocks of each order per node and zone from /proc/buddyinfo (node_buddyinfo_blocks).";
    }

    @Override
    public boolean enabledByDefault() {
      return false;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new BuddyinfoCollector(context.hostPaths().proc("buddyinfo"));
    }
  }
}
