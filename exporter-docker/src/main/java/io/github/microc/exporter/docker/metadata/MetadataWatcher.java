package io.github.microc.exporter.docker.metadata;

import io.github.microc.exporter.docker.client.DockerApi;
import io.github.microc.exporter.docker.client.DockerException;
import io.github.microc.exporter.docker.client.EventStream;
import io.github.microc.exporter.docker.client.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link ContainerCache} current: a full listing (list + inspect) at start, the
 * {@code events} stream for every change after that, a full re-listing every
 * {@code relistInterval} to heal missed events, and reconnection with exponential backoff
 * when the daemon goes away. All Docker calls happen on this watcher's one thread; the
 * constructor returns at once and never touches the daemon.
 *
 * <p>When the daemon stops answering, one warning is logged (not one per retry), the cache
 * says {@code up = false} and keeps the last known containers; one info line says when it
 * answers again.
 */
public final class MetadataWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MetadataWatcher.class);
  private static final Duration INITIAL_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  /** Every this many re-listings, every container is inspected whatever its listing says. */
  private static final int FULL_INSPECT_EVERY = 10;
  /** Actions that change what inspect says; exec_*, attach, resize, top... do not. */
  private static final Set<String> ACTIONS = Set.of("create", "start", "restart", "die", "stop",
      "kill", "pause", "unpause", "rename", "update", "oom", "destroy", "health_status");
  private static final List<String> ACTION_FILTER = ACTIONS.stream().sorted().toList();
  private static final Pattern EXITED = Pattern.compile("^(Exited \\(-?\\d+\\))");
  private static final Pattern HEALTH = Pattern.compile("\\((healthy|unhealthy|health: starting)\\)");
  private static final String WAKE = "";

  private final String host;
  private final DockerApi docker;
  private final ContainerCache cache;
  private final Duration relistInterval;
  private final Duration maxBackoff;
  private final LinkedBlockingQueue<String> pending = new LinkedBlockingQueue<>();
  private final AtomicBoolean streamFailed = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean closed;
  private volatile EventStream stream;
  private boolean warned;
  private int relistCount;

  /** @param docker the daemon's client; null only for a watcher that is never started */
  public MetadataWatcher(DockerApi docker, ContainerCache cache, Duration relistInterval) {
    this.host = docker == null ? "" : docker.host();
    this.docker = docker;
    this.cache = cache;
    this.relistInterval = relistInterval;
    this.maxBackoff = relistInterval.compareTo(MAX_BACKOFF) < 0 ? relistInterval : MAX_BACKOFF;
    this.thread = new Thread(this::run, "microc-docker-metadata");
    this.thread.setDaemon(true);
  }

  public ContainerCache cache() {
    return cache;
  }

  /** Starts the watcher thread; returns at once. */
  public MetadataWatcher start() {
    thread.start();
    return this;
  }

  private void run() {
    Duration backoff = INITIAL_BACKOFF;
    while (!closed) {
      try {
        long since = System.currentTimeMillis() / 1000 - 1;
        relist(true);
        up();
        backoff = INITIAL_BACKOFF;
        openStream(since);
        follow();
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        down(e);
        closeStream();
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException ie) {
          break;
        }
        backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
      }
    }
    closeStream();
  }

  /** Applies events until the stream fails; re-lists every relist interval meanwhile. */
  private void follow() throws InterruptedException {
    long nextRelist = System.nanoTime() + relistInterval.toNanos();
    while (!closed) {
      if (streamFailed.get()) {
        throw new IllegalStateException("the events stream ended");
      }
      long wait = nextRelist - System.nanoTime();
      if (wait <= 0) {
        relist(false);
        up();
        nextRelist = System.nanoTime() + relistInterval.toNanos();
        continue;
      }
      String id = pending.poll(wait, TimeUnit.NANOSECONDS);
      if (id == null || id.equals(WAKE)) {
        continue;
      }
      // Coalesce a burst: each id once.
      List<String> ids = new ArrayList<>();
      ids.add(id);
      pending.drainTo(ids);
      ids.stream().filter(i -> !i.equals(WAKE)).distinct().forEach(this::refresh);
    }
  }

  private void refresh(String id) {
    try {
      Map<String, Object> r = docker.inspect(id);
      ContainerInfo old = cache.snapshot().containers().get(id);
      cache.put(ContainerInfo.from(r, old == null ? 0 : old.oomEvents()));
    } catch (DockerException e) {
      if (!e.notFound()) {
        throw e;
      }
      cache.remove(id);
    }
  }

  /**
   * Lists all containers and inspects those that are new or whose listing changed (state,
   * name, health, exit code); with {@code inspectAll}, every one.
   */
  private void relist(boolean inspectAll) {
    boolean all = inspectAll || ++relistCount % FULL_INSPECT_EVERY == 0;
    List<Object> listed = docker.listContainers();
    Map<String, ContainerInfo> known = cache.snapshot().containers();
    List<ContainerInfo> fresh = new ArrayList<>(listed.size());
    for (Object entry : listed) {
      Map<String, Object> c = Json.object(entry);
      String id = Json.string(c, "Id", "");
      ContainerInfo old = known.get(id);
      if (!all && old != null && unchanged(old, c)) {
        fresh.add(old);
        continue;
      }
      try {
        fresh.add(ContainerInfo.from(docker.inspect(id), old == null ? 0 : old.oomEvents()));
      } catch (DockerException e) {
        if (!e.notFound()) {
          throw e;
        }
        // Removed between list and inspect.
      }
    }
    cache.replaceAll(fresh);
  }

  /**
   * Whether a listing entry ({@code GET /containers/json}) says nothing that the cached inspect
   * does not already say.
   */
  static boolean unchanged(ContainerInfo old, Map<String, Object> listed) {
    String name = ContainerInfo.listedName(listed);
    String status = Json.string(listed, "Status", "");
    return Objects.equals(old.state(), Json.string(listed, "State", null))
        && old.name().equals(name)
        && old.health().equals(parseHealth(status))
        && (!old.state().equals("exited") || status.startsWith("Exited (" + old.exitCode() + ")")
            || !EXITED.matcher(status).find());
  }

  /** The health that {@code docker ps} shows in a status such as {@code Up 3 minutes (healthy)}. */
  static String parseHealth(String status) {
    Matcher m = HEALTH.matcher(status);
    if (!m.find()) {
      return "";
    }
    return m.group(1).equals("health: starting") ? "starting" : m.group(1);
  }

  private void openStream(long since) {
    streamFailed.set(false);
    pending.clear();
    // Only the actions that matter: a health check alone sends three exec events each time.
    stream = docker.events(since, ACTION_FILTER, new EventStream.Listener() {
      @Override
      public void onEvent(Map<String, Object> event) {
        MetadataWatcher.this.onEvent(event);
      }

      @Override
      public void onEnd(Throwable error) {
        if (error != null && !closed) {
          log.debug("docker events stream from {} failed", host, error);
        }
        streamFailed.set(true);
        pending.offer(WAKE);
      }
    });
  }

  /** One event of the stream: which container to inspect again, or to forget. */
  void onEvent(Map<String, Object> event) {
    String id = Json.string(Json.object(event, "Actor"), "ID", Json.string(event, "id", null));
    String action = Json.string(event, "Action", Json.string(event, "status", null));
    if (id == null || action == null) {
      return;
    }
    int colon = action.indexOf(':');
    String verb = colon < 0 ? action : action.substring(0, colon);
    if (!ACTIONS.contains(verb)) {
      return;
    }
    switch (verb) {
      case "destroy" -> cache.remove(id);
      case "oom" -> {
        cache.oom(id);
        pending.offer(id);
      }
      default -> pending.offer(id);
    }
  }

  private void up() {
    boolean wasUp = cache.snapshot().up();
    cache.up(true);
    if (warned) {
      log.info("docker daemon at {} answers again; container metadata is current", host);
      warned = false;
    } else if (!wasUp) {
      log.debug("docker daemon at {} answers", host);
    }
  }

  private void down(RuntimeException e) {
    cache.up(false);
    if (!warned) {
      warned = true;
      log.warn("docker daemon at {} does not answer ({}); container metrics keep the last known"
          + " containers, microc_docker_up is 0, retrying with backoff", host, describe(e));
    } else {
      log.debug("docker daemon at {} still does not answer: {}", host, describe(e));
    }
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return root == e ? message : e.getClass().getSimpleName() + ": " + message;
  }

  private void closeStream() {
    EventStream s = stream;
    stream = null;
    if (s != null) {
      s.close();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    closeStream();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
