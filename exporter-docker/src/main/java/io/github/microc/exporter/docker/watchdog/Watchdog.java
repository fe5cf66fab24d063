package io.github.microc.exporter.docker.watchdog;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.docker.client.Backoff;
import io.github.microc.exporter.docker.client.DockerApi;
import io.github.microc.exporter.docker.client.DockerException;
import io.github.microc.exporter.docker.client.EventStream;
import io.github.microc.exporter.docker.client.Json;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import io.github.microc.exporter.docker.watchdog.Decision.Action;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container watchdog: restarts watched containers that crashed, were OOM-killed or
 * turned unhealthy, never one stopped on purpose, with backoff and a restart budget. The
 * decisions are {@link WatchdogPolicy}'s; this class does the Docker I/O on its own thread:
 * it follows the events stream (reconnecting with backoff when the daemon goes away), sweeps
 * the watched containers at start, on every reconnect and every {@code sweep-interval}, and
 * starts or restarts containers when a restart is due. A scrape makes no Docker call; it
 * renders the counters the background work keeps.
 *
 * <pre>
 * microc_watchdog_watched{name="web"} 1
 * microc_watchdog_restarts_total{name="web",reason="exit_code",dry_run="false"} 2
 * microc_watchdog_restart_failures_total{name="web"} 0
 * microc_watchdog_gave_up{name="web"} 0
 * microc_watchdog_restart_due{name="web"} 1
 * microc_watchdog_skipped_total{name="web",reason="stopped_by_user"} 1
 * microc_watchdog_events_connected 1
 * microc_watchdog_dry_run 0
 * </pre>
 */
public final class Watchdog implements MultiCollector, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
  private static final List<String> EVENTS =
      List.of("die", "oom", "health_status", "start", "stop", "kill", "destroy", "rename");
  private static final Backoff RECONNECT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
  /** A stream that ends sooner than this after it opened is a failed connection. */
  private static final Duration SETTLE = Duration.ofSeconds(1);
  /** The least wait after an answer refused for its size or syntax, which a retry will not mend. */
  private static final Duration REFUSED_WAIT = Duration.ofSeconds(5);
  private static final Duration HOUSEKEEPING = Duration.ofSeconds(1);

  private final WatchdogSettings settings;
  private final WatchdogPolicy policy;
  private final DockerApi docker;
  private final String host;
  private final Clock clock;
  private final ScheduledExecutorService worker;
  private final AtomicLong reconnects = new AtomicLong();
  private volatile boolean connected;
  private volatile boolean closed;
  private volatile double lastSweepSeconds;

  // Touched on the worker thread only.
  private int generation;
  private volatile EventStream stream;
  private final Backoff.Attempts reconnectAttempts = RECONNECT.attempts();
  /** When the current stream opened. */
  private long connectedAt;
  private boolean everConnected;
  private boolean followingLogged;
  private boolean outageLogged;
  private boolean sweepFailureLogged;

  /** @param docker the daemon's client, closed with the watchdog */
  Watchdog(WatchdogSettings settings, DockerApi docker, Clock clock) {
    this.settings = settings;
    this.policy = new WatchdogPolicy(settings);
    this.docker = docker;
    this.host = docker.host();
    this.clock = clock;
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "microc-watchdog");
      t.setDaemon(true);
      return t;
    });
  }

  /** Connects to the events stream and schedules the periodic sweep. */
  void start() {
    log.info("watchdog watching {}{} on {}; dry_run={}",
        settings.containers().isEmpty() ? "no names" : String.join(",", settings.containers()),
        settings.label().isEmpty() ? "" : " and containers labelled " + settings.label() + "=true",
        host, settings.dryRun());
    submit(this::connect);
    long sweepMs = settings.sweepInterval().toMillis();
    worker.scheduleWithFixedDelay(guarded(() -> {
      if (connected) {
        sweep("periodic");
      }
    }), sweepMs, sweepMs, TimeUnit.MILLISECONDS);
    long tick = HOUSEKEEPING.toMillis();
    worker.scheduleWithFixedDelay(guarded(() -> policy.housekeeping(clock.instant())
        .forEach(this::logDecision)), tick, tick, TimeUnit.MILLISECONDS);
  }

  @Override
  public MetricSnapshots collect() {
    List<WatchdogPolicy.Row> rows = policy.snapshot(clock.instant());
    String dryRun = Boolean.toString(settings.dryRun());
    MetricFamily watched = MetricFamily.gauge("microc_watchdog_watched",
        "1 for each watched container that exists, 0 for a listed name that does not.", "name");
    MetricFamily restarts = MetricFamily.counter("microc_watchdog_restarts_total",
        "Restarts of a watched container by reason; with dry_run=\"true\" the restarts a dry run"
            + " would have made.", "name", "reason", "dry_run");
    MetricFamily failures = MetricFamily.counter("microc_watchdog_restart_failures_total",
        "Restarts the Docker daemon refused or that failed.", "name");
    MetricFamily gaveUp = MetricFamily.gauge("microc_watchdog_gave_up",
        "1 while the watchdog has given up restarting the container (too many restarts in the"
            + " window).", "name");
    MetricFamily due = MetricFamily.gauge("microc_watchdog_restart_due",
        "1 while a restart of the container waits for its backoff.", "name");
    MetricFamily skipped = MetricFamily.counter("microc_watchdog_skipped_total",
        "Ends or restarts of a watched container the watchdog left alone, by reason.", "name",
        "reason");
    for (WatchdogPolicy.Row row : rows) {
      watched.add(row.present() ? 1 : 0, row.name());
      for (String reason : WatchdogPolicy.RESTART_REASONS) {
        restarts.add(row.restarts().getOrDefault(reason, 0L), row.name(), reason, dryRun);
      }
      failures.add(row.failures(), row.name());
      gaveUp.add(row.gaveUp() ? 1 : 0, row.name());
      due.add(row.restartDue() ? 1 : 0, row.name());
      row.skipped().forEach((reason, count) -> skipped.add(count, row.name(), reason));
    }
    List<MetricSnapshot> snapshots = new ArrayList<>(List.of(watched.build(), restarts.build(),
        failures.build(), gaveUp.build(), due.build(), skipped.build()));
    snapshots.add(MetricFamily.gauge("microc_watchdog_events_connected",
        "1 while the watchdog follows the Docker events stream.", connected ? 1 : 0));
    snapshots.add(MetricFamily.counter("microc_watchdog_event_stream_reconnects_total",
        "Times the events stream was lost and the watchdog reconnected.", reconnects.get()));
    snapshots.add(MetricFamily.gauge("microc_watchdog_last_sweep_timestamp_seconds",
        "When the watchdog last looked at every watched container (0: not yet).",
        lastSweepSeconds));
    snapshots.add(MetricFamily.gauge("microc_watchdog_dry_run",
        "1 when the watchdog only decides and counts, restarting nothing.",
        settings.dryRun() ? 1 : 0));
    return new MetricSnapshots(snapshots);
  }

  /** Where it stands with each watched container, for the landing page; no Docker call. */
  public WatchdogStatus status() {
    Instant now = clock.instant();
    return WatchdogStatus.of(host, connected, settings, policy.snapshot(now), now);
  }

  @Override
  public void close() {
    closed = true;
    worker.shutdownNow();
    try {
      worker.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeStream();
    docker.close();
  }

  // ---- the events stream -------------------------------------------------------------------

  private void connect() {
    if (closed) {
      return;
    }
    int gen = ++generation;
    EventStream opened;
    try {
      opened = docker.events(0, EVENTS, new StreamListener(gen));
    } catch (RuntimeException e) {
      disconnected(gen, e);
      return;
    }
    connected(gen, opened);
  }

  private void connected(int gen, EventStream opened) {
    if (gen != generation || closed) {
      opened.close();
      return;
    }
    stream = opened;
    connected = true;
    connectedAt = System.nanoTime();
    String trigger = everConnected ? "reconnect" : "start";
    everConnected = true;
    // Back only once the stream has stayed open: one that closes at once is still an outage.
    schedule(() -> settled(gen), SETTLE);
    sweep(trigger);
  }

  private void settled(int gen) {
    if (gen != generation || !connected) {
      return;
    }
    EventStream s = stream;
    if (s == null || !s.caughtUp()) {
      // Open a second, but its thread has not read what came yet: ask again shortly.
      schedule(() -> settled(gen), Duration.ofMillis(100));
      return;
    }
    if (!followingLogged) {
      log.info("watchdog following Docker events on {}", host);
      followingLogged = true;
    } else if (outageLogged) {
      log.info("watchdog following Docker events on {} again", host);
    }
    outageLogged = false;
  }

  private void disconnected(int gen, Throwable error) {
    if (gen != generation || closed) {
      return;
    }
    generation++;
    boolean wasConnected = connected;
    connected = false;
    closeStream();
    if (wasConnected) {
      reconnects.incrementAndGet();
    }
    long lasted = wasConnected ? System.nanoTime() - connectedAt : 0;
    boolean lastedLong = lasted >= RECONNECT.max().toNanos();
    if (lastedLong) {
      reconnectAttempts.succeeded();
    }
    String why = error == null ? "the stream ended" : describe(error);
    if (wasConnected && lasted >= SETTLE.toNanos() && !outageLogged) {
      // A stream that worked has ended (a proxy's idle timeout, a daemon going down): opened
      // again without a word, at once if it had lasted; the sweep on reconnect covers what
      // happened meanwhile, and a reconnect that fails is the outage.
      Duration delay = lastedLong ? Duration.ZERO : reconnectAttempts.failed();
      log.debug("watchdog: the Docker events stream on {} ended ({}); opening it again in {}",
          host, why, Decision.format(delay));
      schedule(this::connect, delay);
      return;
    }
    Duration delay = DockerException.refused(error) ? reconnectAttempts.failed(REFUSED_WAIT)
        : reconnectAttempts.failed();
    if (!outageLogged) {
      log.warn("watchdog lost the Docker events stream on {} ({}); reconnecting with backoff"
          + " up to {}, no restarts meanwhile", host, why, Decision.format(RECONNECT.max()));
      outageLogged = true;
    } else {
      log.debug("watchdog reconnect to {} failed: {}; next try in {}", host, why,
          Decision.format(delay));
    }
    schedule(this::connect, delay);
  }

  private void handle(Map<String, Object> event) {
    String action = Json.string(event, "Action", Json.string(event, "status", null));
    if (action == null) {
      return;
    }
    Map<String, Object> actor = Json.object(event, "Actor");
    Map<String, String> attributes = Json.strings(actor, "Attributes");
    String id = Json.string(actor, "ID", Json.string(event, "id", ""));
    String name = DockerFacts.name(attributes.get("name"));
    Instant now = clock.instant();
    if (action.startsWith("health_status")) {
      String status = action.substring(action.indexOf(':') + 1).trim();
      if (status.equals("unhealthy") && policy.isWatched(name, attributes)) {
        inspect(id).ifPresent(facts -> act(policy.onUnhealthy(facts, now)));
      } else if (status.equals("healthy")) {
        policy.onHealthy(id, name, attributes, now);
      }
      return;
    }
    switch (action) {
      case "kill" -> act(policy.onKill(id, name, attributes, attributes.get("signal"), now));
      case "stop" -> act(policy.onStop(id, name, attributes, now));
      case "oom" -> policy.onOom(id, name, attributes, now);
      case "start" -> act(policy.onStart(id, name, attributes, now));
      case "destroy" -> act(policy.onDestroy(id, name, attributes));
      case "rename" -> act(policy.onRename(id, DockerFacts.name(attributes.get("oldName"))));
      case "die" -> {
        if (policy.isWatched(name, attributes)) {
          ContainerFacts facts = inspect(id)
              .orElseGet(() -> DockerFacts.fromDieEvent(id, attributes, now));
          act(policy.onDie(facts, now));
        }
      }
      default -> { }
    }
  }

  // ---- sweeps and restarts -----------------------------------------------------------------

  /** Looks at every watched container; decides for those that are down or unhealthy. */
  private void sweep(String trigger) {
    List<Object> containers;
    try {
      containers = docker.listContainers();
    } catch (RuntimeException e) {
      if (!sweepFailureLogged) {
        log.warn("watchdog {} sweep failed on {}: {}", trigger, host, describe(e));
        sweepFailureLogged = true;
      }
      return;
    }
    sweepFailureLogged = false;
    Set<String> existing = new HashSet<>();
    for (Object entry : containers) {
      Map<String, Object> c = Json.object(entry);
      String name = ContainerInfo.listedName(c);
      Map<String, String> labels = Json.strings(c, "Labels");
      if (!policy.isWatched(name, labels)) {
        continue;
      }
      existing.add(name);
      String id = Json.string(c, "Id", "");
      String state = Json.string(c, "State", "");
      boolean unhealthy = Json.string(c, "Status", "").contains("(unhealthy)");
      if (state.equals("running") && !unhealthy) {
        policy.onSeenRunning(id, name, labels, clock.instant());
      } else if (state.equals("exited") || unhealthy) {
        inspect(id).ifPresent(facts -> act(policy.onSweep(facts, clock.instant())));
      }
    }
    policy.onListed(existing);
    lastSweepSeconds = clock.millis() / 1000.0;
  }

  private void restart(Decision due) {
    ContainerFacts current;
    try {
      current = DockerFacts.from(docker.inspect(due.id()));
    } catch (DockerException e) {
      // Gone; or the daemon does not answer: try anyway, so that the failure is counted and
      // retried.
      current = e.notFound() ? null : new ContainerFacts(due.id(), due.name(), Map.of(), "exited",
          due.exitCode() == null ? 0 : due.exitCode(), false, "", "", false, null, null);
    } catch (RuntimeException e) {
      // The daemon does not answer: try anyway, so that the failure is counted and retried.
      current = new ContainerFacts(due.id(), due.name(), Map.of(), "exited",
          due.exitCode() == null ? 0 : due.exitCode(), false, "", "", false, null, null);
    }
    Optional<Decision> go = policy.beforeRestart(due, current, clock.instant());
    if (go.isEmpty()) {
      return;
    }
    if (go.get().action() != Action.RESTART) {
      logDecision(go.get());
      return;
    }
    if (settings.dryRun()) {
      policy.restarted(due, clock.instant());
      log.debug("watchdog dry run: not restarting {}", due.name());
      return;
    }
    try {
      if (current.running()) {
        docker.restart(due.id(), settings.stopTimeout());
      } else {
        docker.start(due.id());
      }
      policy.restarted(due, clock.instant());
      log.debug("watchdog restarted {} ({})", due.name(), ContainerFacts.shortId(due.id()));
    } catch (DockerException e) {
      if (e.notModified()) {
        log.debug("watchdog: {} was already running", due.name());
      } else {
        act(policy.restartFailed(due, current, describe(e), clock.instant()));
      }
    } catch (RuntimeException e) {
      act(policy.restartFailed(due, current, describe(e), clock.instant()));
    }
  }

  private Optional<ContainerFacts> inspect(String id) {
    try {
      return Optional.of(DockerFacts.from(docker.inspect(id)));
    } catch (DockerException e) {
      if (!e.notFound()) {
        log.debug("watchdog could not inspect {}: {}", ContainerFacts.shortId(id), describe(e));
      }
      return Optional.empty();
    } catch (RuntimeException e) {
      log.debug("watchdog could not inspect {}: {}", ContainerFacts.shortId(id), describe(e));
      return Optional.empty();
    }
  }

  private void act(Optional<Decision> decision) {
    decision.ifPresent(d -> {
      logDecision(d);
      if (d.action() == Action.RESTART) {
        schedule(() -> restart(d), d.delay());
      }
    });
  }

  private void logDecision(Decision d) {
    switch (d.action()) {
      case RESTART, GIVE_UP -> log.warn(d.logLine());
      default -> log.info(d.logLine());
    }
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private void submit(Runnable task) {
    if (closed) {
      return;
    }
    try {
      worker.execute(guarded(task));
    } catch (RejectedExecutionException e) {
      // Shutting down.
    }
  }

  private void schedule(Runnable task, Duration delay) {
    if (closed) {
      return;
    }
    try {
      worker.schedule(guarded(task), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Shutting down.
    }
  }

  /** Nothing the watchdog does may end its thread or the process. */
  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | LinkageError e) {
        log.warn("watchdog task failed: {}", describe(e), e);
      }
    };
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    Throwable cause = e;
    while ((message == null || message.isBlank()) && cause.getCause() != null) {
      cause = cause.getCause();
      message = cause.getMessage();
    }
    String text = e.getClass().getSimpleName() + (message == null ? "" : ": " + message.trim());
    return text.replace('\n', ' ');
  }

  private void closeStream() {
    EventStream s = stream;
    stream = null;
    if (s != null) {
      s.close();
    }
  }

  /** Hands the stream's events and its end to the worker thread, tagged with their connection. */
  private final class StreamListener implements EventStream.Listener {
    private final int gen;

    StreamListener(int gen) {
      this.gen = gen;
    }

    @Override
    public void onEvent(Map<String, Object> event) {
      submit(() -> handle(event));
    }

    @Override
    public void onEnd(Throwable error) {
      submit(() -> disconnected(gen, error));
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "watchdog";
    }

    @Override
    public String description() {
      return "Restarts watched containers that crashed, were OOM-killed or turned unhealthy";
    }

    @Override
    public boolean enabledByDefault() {
      return false;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      WatchdogSettings settings = WatchdogSettings.from(context.config());
      DockerApi docker = DockerApi.create(DockerApi.resolveHost(settings.dockerHost()),
          settings.requestTimeout());
      Watchdog watchdog = new Watchdog(settings, docker, Clock.systemUTC());
      watchdog.start();
      context.closeOnShutdown(Watchdogs.of(context).register(docker.host(), watchdog));
      return watchdog;
    }
  }
}
