package io.github.microc.exporter.app.isolation;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.engine.CollectorFailure;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;

/**
 * Stands for a plugin of a jar whose class could not be instantiated (its constructor, its
 * static initializer or its {@code name()} threw): listed and reported failed under the name
 * its jar's {@code reference.conf} gives it, so that the other collectors start.
 *
 * @param name the name it is reported under
 * @param type its class name
 * @param jar the jar's file name
 * @param reason what it threw
 * @param referenceLoader finds the jar's {@code reference.conf}
 */
public record BrokenPlugin(String name, String type, String jar, String reason, ClassLoader referenceLoader)
    implements CollectorPlugin, Microc.PluginProxy {

  @Override
  public String description() {
    return "Plugin " + type + " of " + jar + ", which could not be instantiated.";
  }

  @Override
  public boolean enabledByDefault() {
    return true;
  }

  @Override
  public MultiCollector create(PluginContext context) {
    throw new CollectorFailure("plugin class " + type + " of " + jar + " could not be instantiated: " + reason);
  }

  @Override
  public String describe() {
    return type + " (" + jar + ")";
  }
}
