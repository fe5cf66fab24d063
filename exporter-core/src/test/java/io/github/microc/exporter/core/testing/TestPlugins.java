package io.github.microc.exporter.core.testing;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Plugins with known behaviour for engine tests: they stand in for real collectors where the
 * test is about the engine (timeouts, failures, single flight), not about a source.
 */
public final class TestPlugins {

  private TestPlugins() {}

  /** A plugin named {@code name} whose collector runs {@code collect}. */
  public static CollectorPlugin of(String name, Supplier<MetricSnapshots> collect) {
    return new CollectorPlugin() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String description() {
        return "test plugin " + name;
      }

      @Override
      public MultiCollector create(PluginContext context) {
        return collect::get;
      }
    };
  }

  /**
   * Named {@code configured}; reads {@code pattern} (a regex) and {@code limit} (an int)
   * declared in the test {@code reference.conf}, and exposes the limit.
   */
  public static CollectorPlugin configured() {
    return new CollectorPlugin() {
      @Override
      public String name() {
        return "configured";
      }

      @Override
      public MultiCollector create(PluginContext context) {
        context.config().getRegex("pattern");
        int limit = context.config().getInt("limit");
        int depth = context.config().getInt("nested.depth");
        return () -> MetricSnapshots.of(
            MetricFamily.gauge("test_configured_limit", "The configured limit.", limit),
            MetricFamily.gauge("test_configured_depth", "The configured depth.", depth));
      }
    };
  }

  /** Exposes {@code test_<name>_value 1}. */
  public static CollectorPlugin constant(String name) {
    return of(name, () -> MetricSnapshots.of(MetricFamily.gauge("test_" + name + "_value", "A constant.", 1)));
  }

  /** Throws on every collection. */
  public static CollectorPlugin throwing(String name, String message) {
    return of(name, () -> {
      throw new IllegalStateException(message);
    });
  }

  /** Sleeps before answering; interruptible. */
  public static CollectorPlugin sleeping(String name, Duration sleep) {
    return of(name, () -> {
      sleepQuietly(sleep);
      return MetricSnapshots.of(MetricFamily.gauge("test_" + name + "_value", "After a sleep.", 1));
    });
  }

  /** Counts its collections, each taking {@code duration}. */
  public static CollectorPlugin counting(String name, AtomicInteger count, Duration duration) {
    return of(name, () -> {
      int n = count.incrementAndGet();
      sleepQuietly(duration);
      return MetricSnapshots.of(MetricFamily.gauge("test_" + name + "_collections", "Collections so far.", n));
    });
  }

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
