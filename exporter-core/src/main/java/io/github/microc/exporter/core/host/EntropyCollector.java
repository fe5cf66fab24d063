package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's entropy pool, from {@code /proc/sys/kernel/random/entropy_avail} and
 * {@code poolsize}.
 *
 * <pre>
 * node_entropy_available_bits 256
 * node_entropy_pool_size_bits 256
 * </pre>
 *
 * Thread-safe.
 */
public final class EntropyCollector implements MultiCollector, AutoCloseable {

  private final PseudoFile available;
  private final PseudoFile poolSize;

  /** Reads the files of {@code random}, a Linux {@code /proc/sys/kernel/random}. */
  EntropyCollector(Path random) {
    this.available = new PseudoFile(random.resolve("entropy_avail"));
    this.poolSize = new PseudoFile(random.resolve("poolsize"));
  }

  @Override
  public MetricSnapshots collect() {
    MetricSnapshot bits = MetricFamily.gauge("node_entropy_available_bits", "Bits of available entropy.",
        HostFiles.parse(available, Numbers::parseUintFile));
    try {
      return MetricSnapshots.of(bits, MetricFamily.gauge("node_entropy_pool_size_bits",
          "Bits of entropy pool.", HostFiles.parse(poolSize, Numbers::parseUintFile)));
    } catch (RuntimeException e) {
      throw new PartialCollectionException(List.of(bits), e);
    }
  }

  @Override
  public void close() {
    available.close();
    poolSize.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "entropy";
    }

    @Override
    public String description() {
      return "Available entropy and the pool size from /proc/sys/kernel/random (node_entropy_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new EntropyCollector(context.hostPaths().proc("sys", "kernel", "random"));
    }
  }
}
