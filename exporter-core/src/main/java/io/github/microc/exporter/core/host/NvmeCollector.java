package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * NVMe controllers' identity and state from sysfs's {@code class/nvme}, as node_exporter 1.5's
 * nvme collector exposes them:
 *
 * <pre>
 * node_nvme_info{device="nvme0",firmware_revision="1B2QEXM7",model="Samsung SSD 970 EVO Plus 1TB",serial="S4EWNX0R123456A",state="live"} 1
 * </pre>
 *
 * <p>As in node_exporter, a controller without one of its four files, or no {@code class/nvme},
 * is no data. The controllers are listed once a scrape and their files kept open (the state
 * changes: {@code live}, {@code resetting}, {@code dead}). Thread-safe.
 */
public final class NvmeCollector implements MultiCollector, AutoCloseable {

  private static final String[] FILES = {"firmware_rev", "model", "serial", "state"};

  private final Path classNvme;
  private final Map<String, PseudoFile[]> controllers = new HashMap<>();

  /** @param classNvme sysfs's {@code class/nvme} */
  NvmeCollector(Path classNvme) {
    this.classNvme = classNvme;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> names = Sysfs.listClass(classNvme);
    HostFiles.closeGone(controllers, names,
        files -> Arrays.stream(files).forEach(PseudoFile::close));
    MetricFamily info = MetricFamily.info("node_nvme_info",
        "Non-numeric data from /sys/class/nvme/<device>, value is always 1.", "device",
        "firmware_revision", "model", "serial", "state");
    for (String name : names) {
      PseudoFile[] files = controllers.computeIfAbsent(name, n -> Arrays.stream(FILES)
          .map(f -> new PseudoFile(classNvme.resolve(n).resolve(f))).toArray(PseudoFile[]::new));
      String[] values = new String[FILES.length];
      for (int i = 0; i < FILES.length; i++) {
        try {
          values[i] = Sysfs.value(files[i].read(StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
          throw new NoDataException("no " + files[i]);
        } catch (IOException e) {
          throw new UncheckedIOException("failed to read file " + files[i], e);
        }
      }
      info.addInfo(name, values[0], values[1], values[2], values[3]);
    }
    return info.isEmpty() ? MetricSnapshots.of() : MetricSnapshots.of(info.build());
  }

  @Override
  public synchronized void close() {
    controllers.values().forEach(f -> Arrays.stream(f).forEach(PseudoFile::close));
    controllers.clear();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "nvme";
    }

    @Override
    public String description() {
      return "NVMe controllers' model, serial, firmware and state from /sys/class/nvme (node_nvme_info).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new NvmeCollector(context.hostPaths().sys("class", "nvme"));
    }
  }
}
