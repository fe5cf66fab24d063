package io.github.microc.exporter.docker.metadata;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import java.io.Closeable;
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
  private static final Pattern EXITED = Pattern.compile("^(Exited \\(-?\\d+\\))");
  private static final Pattern HEALTH = Pattern.compile("\\((healthy|unhealthy|health: starting)\\)");
  private static final String WAKE = "";

  private final String host;
  private final DockerClient requests;
  private final DockerClient events;
  private final ContainerCache cache;
  private final Duration relistInterval;
  private final Duration maxBackoff;
  private final LinkedBlockingQueue<String> pending = new LinkedBlockingQueue<>();
  private final AtomicBoolean streamFailed = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean closed;
  private volatile Closeable stream;
  private boolean warned;
  private int relistCount;

  /**
   * @param host the daemon's address, for log lines
   * @param requests a client with a response timeout
   * @param events a client without one (a quiet stream must not time out)
   */
  public MetadataWatcher(String host, DockerClient requests, DockerClient events,
      ContainerCache cache, Duration relistInterval) {
    this.host = host;
    this.requests = requests;
    this.events = events;
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
      InspectContainerResponse r = requests.inspectContainerCmd(id).exec();
      ContainerInfo old = cache.snapshot().containers().get(id);
      cache.put(ContainerInfo.from(r, old == null ? 0 : old.oomEvents()));
    } catch (NotFoundException e) {
      cache.remove(id);
    }
  }

  /**
   * Lists all containers and inspects those that are new or whose listing changed (state,
   * name, health, exit code); with {@code inspectAll}, every one.
   */
  private void relist(boolean inspectAll) {
    boolean all = inspectAll || ++relistCount % FULL_INSPECT_EVERY == 0;
    List<Container> listed = requests.listContainersCmd().withShowAll(true).exec();
    Map<String, ContainerInfo> known = cache.snapshot().containers();
    List<ContainerInfo> fresh = new ArrayList<>(listed.size());
    for (Container c : listed) {
      ContainerInfo old = known.get(c.getId());
      if (!all && old != null && unchanged(old, c)) {
        fresh.add(old);
        continue;
      }
      try {
        InspectContainerResponse r = requests.inspectContainerCmd(c.getId()).exec();
        fresh.add(ContainerInfo.from(r, old == null ? 0 : old.oomEvents()));
      } catch (NotFoundException e) {
        // Removed between list and inspect.
      }
    }
    cache.replaceAll(fresh);
  }

  /** Whether a listing entry says nothing that the cached inspect does not already say. */
  static boolean unchanged(ContainerInfo old, Container listed) {
    String name = listed.getNames() == null || listed.getNames().length == 0 ? ""
        : listed.getNames()[0].replaceFirst("^/", "");
    String status = listed.getStatus() == null ? "" : listed.getStatus();
    return Objects.equals(old.state(), listed.getState())
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
    ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Event event) {
        onEvent(event);
      }

      @Override
      public void onError(Throwable throwable) {
        if (!closed) {
          log.debug("docker events stream from {} failed", host, throwable);
        }
        streamFailed.set(true);
        pending.offer(WAKE);
      }

      @Override
      public void onComplete() {
        streamFailed.set(true);
        pending.offer(WAKE);
      }
    };
    stream = events.eventsCmd()
        .withSince(Long.toString(since))
        .withEventTypeFilter(EventType.CONTAINER)
        .exec(callback);
  }

  void onEvent(Event event) {
    String id = event.getActor() != null && event.getActor().getId() != null
        ? event.getActor().getId() : event.getId();
    String action = event.getAction() == null ? event.getStatus() : event.getAction();
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
    Closeable s = stream;
    stream = null;
    if (s != null) {
      try {
        s.close();
      } catch (Exception e) {
        log.debug("closing the events stream", e);
      }
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
