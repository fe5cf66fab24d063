package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Each NUMA node's memory and allocation counters from sysfs's
 * {@code devices/system/node/node<N>/{meminfo,numastat}}, as node_exporter 1.5's meminfo_numa
 * collector (disabled by default) exposes them:
 *
 * <pre>
 * node_memory_numa_MemFree{node="0"} 6.489796608e+09
 * node_memory_numa_Active_anon{node="0"} 1.626112e+06
 * node_memory_numa_numa_hit_total{node="0"} 1.69507329e+08
 * </pre>
 *
 * <p>meminfo's fields are gauges, in bytes where the file says kB (and named without a
 * {@code _bytes} suffix, unlike meminfo's); numastat's are counters. As in node_exporter, a
 * node without either file, or a line that is not as expected, fails the collection. The nodes
 * are listed once a scrape and their files kept open. Thread-safe.
 */
public final class MeminfoNumaCollector implements MultiCollector, AutoCloseable {

  private final Path nodeDir;
  private final Map<String, PseudoFile[]> nodes = new TreeMap<>();

  /** @param nodeDir sysfs's {@code devices/system/node} */
  MeminfoNumaCollector(Path nodeDir) {
    this.nodeDir = nodeDir;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> names = Sysfs.glob(nodeDir, "node[0-9]*");
    HostFiles.closeGone(nodes, names, files -> Arrays.stream(files).forEach(PseudoFile::close));
    Map<String, MetricFamily> families = new TreeMap<>();
    for (String name : names) {
      PseudoFile[] files = nodes.computeIfAbsent(name, n -> new PseudoFile[] {
          new PseudoFile(nodeDir.resolve(n).resolve("meminfo")),
          new PseudoFile(nodeDir.resolve(n).resolve("numastat"))});
      for (Field field : parseMeminfo(HostFiles.parse(files[0], t -> t))) {
        families.computeIfAbsent(field.name(), f -> MetricFamily.gauge("node_memory_numa_" + f,
            "Memory information field " + f + ".", "node")).add(field.value(), field.node());
      }
      String node = EdacCollector.number(name, "node");
      for (Field field : parseNumastat(HostFiles.parse(files[1], t -> t), node)) {
        String metric = field.name() + "_total";
        families.computeIfAbsent(metric, f -> MetricFamily.counter("node_memory_numa_" + f,
            "Memory information field " + f + ".", "node")).add(field.value(), field.node());
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
    families.values().forEach(f -> snapshots.add(f.build()));
    return new MetricSnapshots(snapshots);
  }

  /** A field of a node: its name, its node and its value. */
  record Field(String name, String node, double value) {}

  /**
   * A node's meminfo ({@code Node 0 Active(anon):   1588 kB}): the node from the line, the
   * field without its colon and with {@code (x)} as {@code _x}, kB as bytes.
   *
   * @throws IllegalArgumentException for a line node_exporter would not accept
   */
  static List<Field> parseMeminfo(String text) {
    List<Field> fields = new ArrayList<>();
    for (String line : lines(text)) {
      String[] parts = HostFiles.fields(line);
      if (parts.length == 0) {
        continue;
      }
      Double value = parts.length >= 4 ? Sysfs.parseFloat(parts[3]) : null;
      if (value == null) {
        throw new IllegalArgumentException("invalid value in meminfo: \"" + line.strip() + "\"");
      }
      double bytes;
      if (parts.length == 4) {
        bytes = value;
      } else if (parts.length == 5 && parts[4].equals("kB")) {
        bytes = value * 1024;
      } else {
        throw new IllegalArgumentException("invalid line in meminfo: " + line.strip());
      }
      String name = parts[2];
      int end = name.length();
      while (end > 0 && name.charAt(end - 1) == ':') {
        end--;
      }
      fields.add(new Field(parenthesized(name.substring(0, end)), parts[1], bytes));
    }
    return fields;
  }

  /** {@code Active(anon)} is {@code Active_anon}, as node_exporter's {@code \((.*)\)} makes it. */
  private static String parenthesized(String name) {
    int open = name.indexOf('(');
    int close = name.lastIndexOf(')');
    return open >= 0 && close > open
        ? name.substring(0, open) + "_" + name.substring(open + 1, close) + name.substring(close + 1)
        : name;
  }

  /**
   * A node's numastat ({@code numa_hit 169507329}): two fields a line.
   *
   * @throws IllegalArgumentException for a line node_exporter would not accept
   */
  static List<Field> parseNumastat(String text, String node) {
    List<Field> fields = new ArrayList<>();
    for (String line : lines(text)) {
      String[] parts = HostFiles.fields(line);
      if (parts.length == 0) {
        continue;
      }
      if (parts.length != 2) {
        throw new IllegalArgumentException("line scan did not return 2 fields: " + line.strip());
      }
      Double value = Sysfs.parseFloat(parts[1]);
      if (value == null) {
        throw new IllegalArgumentException("invalid value in numastat: \"" + parts[1] + "\"");
      }
      fields.add(new Field(parts[0], node, value));
    }
    return fields;
  }

  private static String[] lines(String text) {
    return text.split("\n");
  }

  @Override
  public synchronized void close() {
    nodes.values().forEach(files -> {
      for (PseudoFile file : files) {
        file.close();
      }
    });
    nodes.clear();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "meminfo_numa";
    }

    @Override
    public String description() {
      return "Memory and allocation counters per NUMA node from /sys/devices/system/node (node_memory_numa_*).";
    }

    @Override
    public boolean enabledByDefault() {
      return false;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new MeminfoNumaCollector(context.hostPaths().sys("devices", "system", "node"));
    }
  }
}
