package io.github.microc.exporter.core.spi;

import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
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

  /**
   * Shows a table on the landing page, above the collectors' list, for as long as the collector
   * lives (a reload that makes it anew drops it). {@code table} is asked on each request for
   * the page, on the HTTP thread: make it from state the plugin keeps, without I/O. What it
   * throws is shown in place of the table. A plugin run in a JVM of its own has no page there:
   * its tables are not shown.
   */
  default void addStatus(Supplier<StatusTable> table) {
    // No page to show it on.
  }

  /**
   * The one object of {@code type} among this exporter's collectors, made by {@code make} when
   * first asked for and kept for the exporter's life, reloads included: where two collectors
   * meet without a global (the containers collector's table shows what the watchdog of the same
   * Docker daemon decided). Two exporters in one JVM each have their own. {@code make} runs at
   * most once per type and must not ask for another shared object.
   *
   * @throws IllegalStateException where this context has no objects to share
   */
  default <T> T shared(Class<T> type, Supplier<? extends T> make) {
    throw new IllegalStateException("this plugin context shares no objects (" + type.getName() + ")");
  }
}
