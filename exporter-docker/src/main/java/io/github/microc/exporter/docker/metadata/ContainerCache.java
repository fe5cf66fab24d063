package io.github.microc.exporter.docker.metadata;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The current containers as an immutable snapshot, replaced whole on every change, so a
 * scrape reads one consistent view without locks and without calling Docker. Written by
 * the {@link MetadataWatcher} alone; read by any thread.
 */
public final class ContainerCache {

  /**
   * One consistent view.
   *
   * @param containers by full id
   * @param up whether the daemon answered the last request
   * @param synced whether one full listing succeeded since start
   */
  public record Snapshot(Map<String, ContainerInfo> containers, boolean up, boolean synced) {
    public Snapshot {
      containers = Map.copyOf(containers);
    }
  }

  private final AtomicReference<Snapshot> current =
      new AtomicReference<>(new Snapshot(Map.of(), false, false));
  /** OOM events of containers not inspected yet (an event can overtake the inspect). */
  private final Map<String, Long> pendingOoms = new HashMap<>();

  public Snapshot snapshot() {
    return current.get();
  }

  /** Replaces every container after a full listing; OOM counts carry over. */
  synchronized void replaceAll(Collection<ContainerInfo> containers) {
    Map<String, ContainerInfo> old = current.get().containers();
    Map<String, ContainerInfo> next = new HashMap<>();
    for (ContainerInfo c : containers) {
      next.put(c.id(), carryOver(old.get(c.id()), c));
    }
    current.set(new Snapshot(next, true, true));
  }

  /** Adds or replaces one container. */
  synchronized void put(ContainerInfo container) {
    Snapshot s = current.get();
    Map<String, ContainerInfo> next = new HashMap<>(s.containers());
    next.put(container.id(), carryOver(s.containers().get(container.id()), container));
    current.set(new Snapshot(next, s.up(), s.synced()));
  }

  synchronized void remove(String id) {
    pendingOoms.remove(id);
    Snapshot s = current.get();
    if (s.containers().containsKey(id)) {
      Map<String, ContainerInfo> next = new HashMap<>(s.containers());
      next.remove(id);
      current.set(new Snapshot(next, s.up(), s.synced()));
    }
  }

  /** Counts one OOM event of a known container. */
  synchronized void oom(String id) {
    Snapshot s = current.get();
    ContainerInfo c = s.containers().get(id);
    if (c == null) {
      pendingOoms.merge(id, 1L, Long::sum);
      return;
    }
    Map<String, ContainerInfo> next = new HashMap<>(s.containers());
    next.put(id, c.withOomEvents(c.oomEvents() + 1));
    current.set(new Snapshot(next, s.up(), s.synced()));
  }

  synchronized void up(boolean up) {
    Snapshot s = current.get();
    if (s.up() != up) {
      current.set(new Snapshot(s.containers(), up, s.synced()));
    }
  }

  private ContainerInfo carryOver(ContainerInfo old, ContainerInfo fresh) {
    long count = Math.max(fresh.oomEvents(), old == null ? 0 : old.oomEvents());
    Long pending = pendingOoms.remove(fresh.id());
    if (pending != null) {
      count += pending;
    }
    return count == fresh.oomEvents() ? fresh : fresh.withOomEvents(count);
  }
}
