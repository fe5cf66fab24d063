package io.github.microc.exporter.docker.metadata;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The current containers as an immutable snapshot, replaced whole on every change, so a
 * scrape reads one consistent view without locks and without calling Docker. Written by
 * the {@link MetadataWatcher} alone; read by any thread. It also knows when the watcher's
 * call to the daemon under way began, so that a daemon that stops answering shows as down
 * on the next scrape after the stall time, not only once the call's deadline has passed.
 */
public final class ContainerCache {

  /**
   * One consistent view.
   *
   * @param containers by full id
   * @param up whether Microc follows the daemon: it answers, and its events stream is open
   * @param synced whether one full listing succeeded since start
   */
  public record Snapshot(Map<String, ContainerInfo> containers, boolean up, boolean synced) {
    public Snapshot {
      containers = Map.copyOf(containers);
    }
  }

  private static final long NONE = Long.MIN_VALUE;
  /** How many removed ids are remembered; ids are never reused, so any bound is safe. */
  private static final int REMOVED_KEPT = 1024;

  private final AtomicReference<Snapshot> current =
      new AtomicReference<>(new Snapshot(Map.of(), false, false));
  /** When the call to the daemon under way began; NONE when there is none. */
  private volatile long askedAt = NONE;
  private volatile long stallNanos = Long.MAX_VALUE;
  /** OOM events of containers not inspected yet (an event can overtake the inspect). */
  private final Map<String, Long> pendingOoms = new HashMap<>();
  /**
   * Ids removed lately, oldest first: an inspect or a listing that began before the removal
   * (the {@code die} before a {@code destroy}) must not bring the container back.
   */
  private final Set<String> removed = new LinkedHashSet<>();

  /**
   * The current view; {@code up} is false while a call to the daemon has waited longer than
   * the stall time for its answer.
   */
  public Snapshot snapshot() {
    Snapshot s = current.get();
    long asked = askedAt;
    if (s.up() && asked != NONE && System.nanoTime() - asked > stallNanos) {
      return new Snapshot(s.containers(), false, s.synced());
    }
    return s;
  }

  /** A call that waits longer than this for its answer makes the daemon down meanwhile. */
  void stallAfter(Duration stall) {
    stallNanos = stall.toNanos();
  }

  /** A call to the daemon begins at {@code nanoTime}. */
  void asking(long nanoTime) {
    askedAt = nanoTime == NONE ? nanoTime + 1 : nanoTime;
  }

  /** The call under way is over, answered or not. */
  void answered() {
    askedAt = NONE;
  }

  /** Replaces every container after a full listing; OOM counts carry over. */
  synchronized void replaceAll(Collection<ContainerInfo> containers) {
    Snapshot s = current.get();
    Map<String, ContainerInfo> old = s.containers();
    Map<String, ContainerInfo> next = new HashMap<>();
    for (ContainerInfo c : containers) {
      if (removed.contains(c.id())) {
        continue;
      }
      next.put(c.id(), carryOver(old.get(c.id()), c));
    }
    current.set(new Snapshot(next, s.up(), true));
  }

  /** Adds or replaces one container, unless it was removed meanwhile. */
  synchronized void put(ContainerInfo container) {
    if (removed.contains(container.id())) {
      return;
    }
    Snapshot s = current.get();
    Map<String, ContainerInfo> next = new HashMap<>(s.containers());
    next.put(container.id(), carryOver(s.containers().get(container.id()), container));
    current.set(new Snapshot(next, s.up(), s.synced()));
  }

  /** Forgets a container for good: a later put or listing of this id is ignored. */
  synchronized void remove(String id) {
    pendingOoms.remove(id);
    if (removed.add(id) && removed.size() > REMOVED_KEPT) {
      removed.remove(removed.iterator().next());
    }
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
