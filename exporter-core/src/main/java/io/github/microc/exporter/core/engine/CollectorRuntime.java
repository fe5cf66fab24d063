package io.github.microc.exporter.core.engine;

import io.github.microc.exporter.core.config.CollectorSettings;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One enabled collector as the engine runs it: at most one collection in flight, shared by
 * every scrape that arrives meanwhile; a successful result reused within
 * {@code min-interval}; a timeout that interrupts the collection; a log line when the
 * collector starts or stops failing, not on every scrape. A result of more than
 * {@code max-series} samples is dropped and the collection fails; a collector from a plugin
 * jar whose plugin keeps more than {@code max-threads} threads alive is disabled. Thread-safe.
 */
final class CollectorRuntime {

  private static final Logger log = LoggerFactory.getLogger(CollectorRuntime.class);

  private final String description;
  private final CollectorSettings settings;
  private final MultiCollector collector;
  private final Clock clock;
  /** Null for a built-in collector. */
  private final PluginRuntime plugin;
  /** The context class loader collections run with; null to leave the thread's. */
  private final ClassLoader contextLoader;

  // Guarded by this.
  private Flight flight;
  private Outcome last;
  private String loggedError;
  private String disabled;

  CollectorRuntime(String description, CollectorSettings settings, MultiCollector collector,
      Clock clock, PluginRuntime plugin) {
    this.description = description;
    this.settings = settings;
    this.collector = collector;
    this.clock = clock;
    this.plugin = plugin;
    this.contextLoader = plugin instanceof LoaderThreads in ? in.loader() : null;
  }

  String name() {
    return settings.name();
  }

  MultiCollector collector() {
    return collector;
  }

  /**
   * Starts a collection by adding it to the scrape's {@code batch}, or joins the one in
   * flight, or returns the last result while it is fresh. The caller starts the batch, then
   * waits with {@link #await}.
   */
  synchronized Flight begin(Batch batch) {
    if (flight != null && !flight.result.isDone()) {
      return flight;
    }
    if (disabled == null && plugin != null) {
      int threads = plugin.threads();
      if (threads > settings.maxThreads()) {
        disabled = "disabled: its plugin keeps " + threads + " threads alive, more than max-threads ("
            + settings.maxThreads() + ")";
      }
    }
    if (disabled != null) {
      Outcome off = Outcome.failure(disabled, Duration.ZERO, clock.instant());
      record(off);
      return Flight.done(off);
    }
    if (flight != null && flight.running() && flight.result.isDone()) {
      // Timed out and still not returned: starting another would pile up stuck threads.
      Outcome stuck = Outcome.failure("previous collection still running (timed out after "
          + seconds(settings.timeout()) + "s, ignored the interrupt)", Duration.ZERO, clock.instant());
      record(stuck);
      return Flight.done(stuck);
    }
    if (last != null && last.succeeded() && !settings.minInterval().isZero()
        && last.finished().plus(settings.minInterval()).isAfter(clock.instant())) {
      return Flight.done(last);
    }
    Flight started = new Flight(this, System.nanoTime());
    flight = started;
    // Under this lock: a scrape that joins the flight never sees it outside a batch.
    batch.add(started);
    return started;
  }

  /**
   * Waits for a flight until its deadline, start + timeout; on timeout interrupts it, or takes
   * it out of its batch when it has not started. While flights of the scrape's batch are
   * queued, it lets the batch add a thread now and then, so that collectors stuck on every
   * thread of the batch do not hold up the ones queued behind them.
   */
  Outcome await(Flight f, Batch scrape) {
    long deadline = f.startNanos + settings.timeout().toNanos();
    try {
      while (true) {
        long remaining = Math.max(0, deadline - System.nanoTime());
        long wait = scrape.hasQueued() ? Math.min(remaining, Batch.SPARE_AFTER_NANOS) : remaining;
        try {
          return f.result.get(wait, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          if (wait == remaining) {
            throw e;
          }
          scrape.spare();
        }
      }
    } catch (TimeoutException e) {
      Outcome timedOut = Outcome.failure("timed out after " + seconds(settings.timeout()) + "s",
          settings.timeout(), clock.instant());
      if (settle(f, timedOut)) {
        if (f.batch.withdraw(f)) {
          f.finish(); // taken out before it started: nothing is left running
        } else {
          f.interrupt();
        }
      }
      return f.result.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.failure("scrape interrupted", Duration.ZERO, clock.instant());
    } catch (ExecutionException e) {
      // run() completes normally even when the collector throws.
      throw new IllegalStateException(e);
    }
  }

  /** Runs a new flight on the calling thread; a {@link Batch}'s threads call it. */
  void run(Flight f) {
    f.thread = Thread.currentThread();
    ClassLoader previousLoader = f.thread.getContextClassLoader();
    Outcome outcome;
    try {
      if (contextLoader != null) {
        f.thread.setContextClassLoader(contextLoader);
      }
      MetricSnapshots snapshots = collector.collect();
      if (snapshots == null) {
        throw new IllegalStateException("collect() returned null");
      }
      long series = CollectionEngine.samples(snapshots);
      Duration took = Duration.ofNanos(System.nanoTime() - f.startNanos);
      outcome = series <= settings.maxSeries() ? Outcome.success(snapshots, took, clock.instant())
          : Outcome.failure("returned " + series + " samples, more than max-series ("
              + settings.maxSeries() + "); the result is dropped", took, clock.instant());
    } catch (NoDataException e) {
      outcome = Outcome.noData("no data: " + CollectorFailure.oneLine(String.valueOf(e.getMessage())),
          Duration.ofNanos(System.nanoTime() - f.startNanos), clock.instant());
    } catch (PartialCollectionException e) {
      Duration took = Duration.ofNanos(System.nanoTime() - f.startNanos);
      outcome = e.getCause() instanceof NoDataException
          ? Outcome.noData("no data: " + CollectorFailure.oneLine(String.valueOf(e.getCause().getMessage())),
              took, clock.instant())
          : Outcome.failure(CollectorFailure.describe(e.getCause()), took, clock.instant());
      if (CollectionEngine.samples(e.collected()) <= settings.maxSeries()) {
        outcome = outcome.withSnapshots(e.collected());
      }
      if (log.isDebugEnabled()) {
        log.debug("collector {} failed after collecting part of its metrics", name(), e.getCause());
      }
    } catch (Throwable t) {
      outcome = Outcome.failure(CollectorFailure.describe(t), Duration.ofNanos(System.nanoTime() - f.startNanos),
          clock.instant());
      if (log.isDebugEnabled()) {
        log.debug("collector {} failed", name(), t);
      }
    } finally {
      f.thread.setContextClassLoader(previousLoader);
      f.finish();
      // Clears the interrupt a timeout may have sent, so the pool thread is clean.
      Thread.interrupted();
    }
    settle(f, outcome);
  }

  /** Records the outcome, then completes the flight, unless the timeout or the task got there first. */
  private synchronized boolean settle(Flight f, Outcome outcome) {
    if (f.result.isDone()) {
      return false;
    }
    record(outcome);
    f.result.complete(outcome);
    return true;
  }

  private synchronized void record(Outcome outcome) {
    last = outcome;
    if (outcome.succeeded()) {
      if (loggedError != null) {
        log.info("collector {} recovered after: {}", name(), loggedError);
        loggedError = null;
      }
    } else if (!outcome.error().equals(loggedError)) {
      if (outcome.noData()) {
        log.debug("collector {} has nothing to report: {}", name(), outcome.error());
      } else {
        log.warn("collector {} failed: {}", name(), outcome.error());
      }
      loggedError = outcome.error();
    }
  }

  synchronized boolean hasCollected() {
    return last != null;
  }

  synchronized CollectorStatus status() {
    String where = plugin == null ? null : plugin.where();
    Integer threads = plugin == null || plugin.threads() < 0 ? null : plugin.threads();
    return last == null
        ? new CollectorStatus(name(), description, true, null, null, null, null, where, threads)
        : new CollectorStatus(name(), description, true, last.succeeded(), last.duration(),
            last.finished(), last.error(), where, threads);
  }

  /** Null for a built-in collector. */
  PluginRuntime plugin() {
    return plugin;
  }



  private static String seconds(Duration d) {
    return String.valueOf(d.toMillis() / 1000.0);
  }

  /** One collection: its start, its thread and its result, shared by the scrapes that wait. */
  static final class Flight {
    final CollectorRuntime runtime;
    final long startNanos;
    final CompletableFuture<Outcome> result = new CompletableFuture<>();
    volatile Batch batch;
    volatile Thread thread;
    private volatile boolean finished;

    Flight(CollectorRuntime runtime, long startNanos) {
      this.runtime = runtime;
      this.startNanos = startNanos;
    }

    static Flight done(Outcome outcome) {
      Flight f = new Flight(null, System.nanoTime());
      f.finished = true;
      f.result.complete(outcome);
      return f;
    }

    /** Under the flight's lock, so that an interrupt never reaches the thread's next flight. */
    synchronized void finish() {
      finished = true;
    }

    synchronized void interrupt() {
      if (!finished && thread != null) {
        thread.interrupt();
      }
    }

    boolean running() {
      return !finished;
    }
  }
}
