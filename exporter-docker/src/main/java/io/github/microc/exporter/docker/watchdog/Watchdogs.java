package io.github.microc.exporter.docker.watchdog;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The watchdogs of this JVM by the Docker host they watch, so that the containers collector's
 * table on the landing page shows what the watchdog of the same daemon decided about each
 * container. The two are separate collectors, each made from its own configuration block; this
 * is where they meet. A watchdog is listed from its making until it is closed (a reload that
 * makes it anew lists the new one first). Thread-safe.
 */
public final class Watchdogs {

  private static final Map<String, List<Watchdog>> BY_HOST = new ConcurrentHashMap<>();

  private Watchdogs() {}

  /** Lists {@code watchdog} under {@code host} until the returned handle is closed. */
  static AutoCloseable register(String host, Watchdog watchdog) {
    BY_HOST.computeIfAbsent(host, h -> new CopyOnWriteArrayList<>()).add(watchdog);
    return () -> BY_HOST.computeIfPresent(host, (h, list) -> {
      list.remove(watchdog);
      return list.isEmpty() ? null : list;
    });
  }

  /** Where the newest watchdog of {@code host} stands; empty when none runs. */
  public static Optional<WatchdogStatus> status(String host) {
    List<Watchdog> list = BY_HOST.get(host);
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
