package io.github.microc.exporter.docker.watchdog;

import io.github.microc.exporter.core.spi.PluginContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An exporter's watchdogs by the Docker host they watch, so that the containers collector's
 * table on the landing page shows what the watchdog of the same daemon decided about each
 * container. The two are separate collectors, each made from its own configuration block; this
 * is where they meet, one per exporter ({@link #of}). A watchdog is listed from its making until
 * it is closed (a reload that makes it anew lists the new one first). Thread-safe.
 */
public final class Watchdogs {

  private final Map<String, List<Watchdog>> byHost = new ConcurrentHashMap<>();

  /** The exporter's own, shared by the plugins it made. */
  public static Watchdogs of(PluginContext context) {
    return context.shared(Watchdogs.class, Watchdogs::new);
  }

  /** Lists {@code watchdog} under {@code host} until the returned handle is closed. */
  AutoCloseable register(String host, Watchdog watchdog) {
    byHost.computeIfAbsent(host, h -> new CopyOnWriteArrayList<>()).add(watchdog);
    return () -> byHost.computeIfPresent(host, (h, list) -> {
      list.remove(watchdog);
      return list.isEmpty() ? null : list;
    });
  }

  /** Where the newest watchdog of {@code host} stands; empty when none runs. */
  public Optional<WatchdogStatus> status(String host) {
    List<Watchdog> list = byHost.get(host);
    if (list == null || list.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(list.get(list.size() - 1).status());
    } catch (IndexOutOfBoundsException e) {
      // Closed meanwhile.
      return Optional.empty();
    }
  }
}
