package io.github.microc.exporter.core.engine;

/**
 * What the engine shows of a collector that comes from a plugin jar, beyond its results: where
 * it runs, the threads its plugin keeps alive and, for one in a process of its own, how often
 * that process was started again. The engine reads it on every scrape. Thread-safe.
 */
public interface PluginRuntime {

  /** Where the plugin runs, for the landing page: its jar, and the process it runs in. */
  String where();

  /** Live threads the plugin started; -1 when not known. */
  int threads();

  /** How often the plugin's own process was started again; -1 when it runs in Microc's. */
  default long restarts() {
    return -1;
  }
}
