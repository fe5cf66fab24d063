package io.github.microc.exporter.core.engine;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;

/**
 * The new flights of one scrape, run concurrently by a few pooled threads that each take the
 * next flight from a shared queue, rather than by one thread per collector: with ten cheap
 * host collectors on two cores, waking ten threads cost more CPU than most of the
 * collections. A thread stuck in a collector keeps only its own flight: while flights are
 * queued, the waiting scrape adds a thread every {@link #SPARE_AFTER_NANOS}
 * ({@link #spare()}), and a flight still queued at its deadline is taken out
 * ({@link #withdraw}) and never runs. Thread-safe.
 */
final class Batch {

  /** How long a queued flight waits before its scrape adds a thread for the queue. */
  static final long SPARE_AFTER_NANOS = 10_000_000L;

  /** Threads a batch starts with: one per core, and at least two. */
  static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final ExecutorService executor;
  private final ConcurrentLinkedQueue<CollectorRuntime.Flight> queue = new ConcurrentLinkedQueue<>();
  private volatile long lastThreadNanos;

  Batch(ExecutorService executor) {
    this.executor = executor;
  }

  void add(CollectorRuntime.Flight flight) {
    flight.batch = this;
    queue.add(flight);
  }

  /** Starts the threads; call once, after adding the flights. */
  void start() {
    int threads = Math.min(THREADS, queue.size());
    for (int i = 0; i < threads; i++) {
      addThread();
    }
  }

  /** Adds a thread when flights are still queued and none was added for a while. */
  void spare() {
    if (!queue.isEmpty() && System.nanoTime() - lastThreadNanos >= SPARE_AFTER_NANOS) {
      addThread();
    }
  }

  boolean hasQueued() {
    return !queue.isEmpty();
  }

  /** Takes a flight out of the queue; false when a thread has taken it already. */
  boolean withdraw(CollectorRuntime.Flight flight) {
    return queue.remove(flight);
  }

  private void addThread() {
    lastThreadNanos = System.nanoTime();
    executor.execute(this::drain);
  }

  private void drain() {
    CollectorRuntime.Flight flight;
    while ((flight = queue.poll()) != null) {
      flight.runtime.run(flight);
    }
  }
}
