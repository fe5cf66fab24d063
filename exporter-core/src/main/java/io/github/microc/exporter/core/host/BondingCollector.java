package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Configured and active slaves of each bonding interface from sysfs's {@code class/net}, as
 * node_exporter 1.5's bonding collector counts them:
 *
 * <pre>
 * node_bonding_slaves{master="bond0"} 2
 * node_bonding_active{master="bond0"} 1
 * </pre>
 *
 * <p>The masters are {@code bonding_masters}; a master's slaves its {@code bonding/slaves};
 * a slave is active when its {@code lower_<slave>/bonding_slave/mii_status} (older kernels:
 * {@code slave_<slave>/...}) is {@code up}. As in node_exporter, any of these files missing
 * (no bonding module loaded, or a slave leaving while it is read) is no data, and another read
 * error fails the collection. The files are kept open. Thread-safe.
 */
public final class BondingCollector implements MultiCollector, AutoCloseable {

  private final Path classNet;
  private final PseudoFile masters;
  private final Map<String, PseudoFile> files = new HashMap<>();

  /** @param classNet sysfs's {@code class/net} */
  BondingCollector(Path classNet) {
    this.classNet = classNet;
    this.masters = new PseudoFile(classNet.resolve("bonding_masters"));
  }

  @Override
  public synchronized MetricSnapshots collect() {
    MetricFamily slaves = MetricFamily.gauge("node_bonding_slaves",
        "Number of configured slaves per bonding interface.", "master");
    MetricFamily active = MetricFamily.gauge("node_bonding_active",
        "Number of active slaves per bonding interface.", "master");
    Set<String> used = new TreeSet<>();
    for (String master : HostFiles.fields(HostFiles.readRequired(masters))) {
      int configured = 0;
      int up = 0;
      String slavesText = HostFiles.readRequired(file(used, master, "bonding", "slaves"));
      for (String slave : HostFiles.fields(slavesText)) {
        String state;
        try {
          state = file(used, master, "lower_" + slave, "bonding_slave", "mii_status")
              .read(StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
          state = HostFiles.readRequired(
              file(used, master, "slave_" + slave, "bonding_slave", "mii_status"));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read mii_status of " + slave + " in " + master, e);
        }
        configured++;
        if (state.strip().equals("up")) {
          up++;
        }
      }
      slaves.add(configured, master);
      active.add(up, master);
    }
    // Files of masters and slaves that are gone: let go.
    HostFiles.closeGone(files, used, PseudoFile::close);
    return slaves.isEmpty() ? MetricSnapshots.of()
        : MetricSnapshots.of(slaves.build(), active.build());
  }

  private PseudoFile file(Set<String> used, String first, String... more) {
    Path path = classNet.resolve(Path.of(first, more));
    String key = path.toString();
    used.add(key);
    return files.computeIfAbsent(key, k -> new PseudoFile(path));
  }

  @Override
  public synchronized void close() {
    masters.close();
    files.values().forEach(PseudoFile::close);
    files.clear();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "bonding";
    }

    @Override
    public String description() {
      return "Configured and active slaves of bonding interfaces from /sys/class/net "
          + "(node_bonding_slaves, node_bonding_active).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new BondingCollector(context.hostPaths().sys("class", "net"));
    }
  }
}
