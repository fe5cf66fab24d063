package io.github.microc.exporter.core.spi;

import java.util.concurrent.ScheduledExecutorService;
import oshi.SystemInfo;

/** What a plugin is given to build its collector. Implementations are thread-safe. */
public interface PluginContext {

  /** The plugin's configuration block, {@code microc.collectors.<name>}, defaults applied. */
  PluginConfig config();

  /** The one OSHI {@link SystemInfo} of the process, created on first use. */
  SystemInfo system();

  /** Where the host's {@code /proc}, {@code /sys} and {@code /} are mounted. */
  HostPaths hostPaths();

  /**
   * A shared scheduler (daemon threads) for background work such as refreshing a cache. Keep
   * tasks short; a long or blocking task belongs on the plugin's own thread.
   */
  ScheduledExecutorService scheduler();

  /** Registers a resource to be closed, in reverse order of registration, on shutdown. */
  void closeOnShutdown(AutoCloseable resource);
}
