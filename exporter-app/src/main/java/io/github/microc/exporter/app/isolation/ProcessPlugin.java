package io.github.microc.exporter.app.isolation;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.engine.CollectorFailure;
import io.github.microc.exporter.core.engine.PluginRuntime;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;

/**
 * A plugin of a jar that runs in its own JVM ({@link PluginProcess}), as Microc sees it: its
 * name, description and default as the JVM reported them; {@code create} creates the collector
 * there, a {@link ConfigError} there stopping the start-up here as it would in process. The
 * landing-page tables it added there are shown here, each asked of the JVM when the page is made.
 *
 * @param process the jar's JVM
 * @param name the plugin's name
 * @param description its description
 * @param enabledByDefault its default
 * @param type the plugin's class name, for messages
 * @param referenceLoader finds the jar's {@code reference.conf}, and loads none of its classes
 */
public record ProcessPlugin(PluginProcess process, String name, String description, boolean enabledByDefault,
    String type, ClassLoader referenceLoader) implements CollectorPlugin, Microc.PluginProxy {

  @Override
  public MultiCollector create(PluginContext context) {
    String[] failure = process.create(name, context.config().path(), context.hostPaths(), context.config().raw());
    if (failure != null) {
      if (failure[0].equals("config-error")) {
        throw new ConfigError(failure[1]);
      }
      throw new CollectorFailure(failure[1]);
    }
    for (int i = 0; i < process.tables(name); i++) {
      int index = i;
      context.addStatus(() -> process.status(name, index));
    }
    return new Remote(process, name, context.config().getInt("max-series"),
        context.config().getPositiveDuration("timeout"));
  }

  @Override
  public String describe() {
    return type + " (" + process.jarName() + ")";
  }

  /** The collector: each collection is asked of the JVM and read back from its answer. */
  private record Remote(PluginProcess process, String name, int maxSeries, Duration timeout)
      implements MultiCollector, PluginRuntime {
    @Override
    public MetricSnapshots collect() {
      return process.collect(name, maxSeries, timeout);
    }

    @Override
    public String where() {
      return process.where();
    }

    @Override
    public int threads() {
      return process.threads();
    }

    @Override
    public long restarts() {
      return process.restarts();
    }
  }
}
