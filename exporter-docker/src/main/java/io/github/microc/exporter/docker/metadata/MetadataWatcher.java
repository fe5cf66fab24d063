package io.github.microc.exporter.docker.metadata;

import io.github.microc.exporter.docker.client.Backoff;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link ContainerCache} current: the {@code events} stream for every change, a full
 * listing (list + inspect) when it opens, a re-listing every {@code relistInterval} to heal
 * missed events, and a {@code GET /_ping} whenever nothing else was answered for
 * {@code pingInterval}, so that a daemon that stops answering (a frozen one, which keeps the
 * stream open and silent) is noticed within about twice that. All Docker calls happen on this
 * watcher's one thread; the constructor returns at once and never touches the daemon.
 *
 * <p>The cache says {@code up} once the stream has stayed open for {@link #SETTLE} after a
 * listing, its thread having read all the daemon sent ({@link EventStream#caughtUp()}), and
 * {@code up = false} as soon as a call or the stream fails; it keeps the last
 * known containers meanwhile. A failed connection is tried again after a {@link Backoff}
 * (250 ms doubling to 30 s, or the relist interval if shorter) that starts over only after a
 * connection has lasted that longest wait, so that a stream that keeps closing at once is
 * tried ever less often; after an answer refused for its size or syntax the wait is at least
 * {@link #REFUSED_WAIT}. While the daemon gives no answer at all, a ping every
 * {@code pingInterval} shortens the wait when it answers again. A stream that ends after it
 * has settled is opened again without a word (after the backoff unless it lasted that
 * longest wait), the cache still up; one warning says when the daemon is lost, one info line
 * when it is back, and every try in between is a debug line.
 */
public final class MetadataWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MetadataWatcher.class);
  private static final Duration INITIAL_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  /** A stream that ends sooner than this after it opened is a failed connection. */
  static final Duration SETTLE = Duration.ofSeconds(1);
  /** The least wait after an answer refused for its size or syntax, which a retry will not mend. */
  static final Duration REFUSED_WAIT = Duration.ofSeconds(5);
  /** Every this many re-listings, every container is inspected whatever its listing says. */
  private static final int FULL_INSPECT_EVERY = 10;
  /** Actions that change what inspect says; exec_*, attach, resize, top... do not. */
  private static final Set<String> ACTIONS = Set.of("create", "start", "restart", "die", "stop",
      "kill", "pause", "unpause", "rename", "update", "oom", "destroy", "health_status");
  private static final List<String> ACTION_FILTER = ACTIONS.stream().sorted().toList();
  private static final Pattern EXITED = Pattern.compile("^(Exited \\(-?\\d+\\))");
  private static final Pattern HEALTH = Pattern.compile("\\((healthy|unhealthy|health: starting)\\)");
  private static final String WAKE = "";
  /** The stream's end when the daemon ended it, not an error. */
  private static final Throwable ENDED = new Throwable("ended", null, false, false) { };

  private final String host;
  private final DockerApi docker;
  private final ContainerCache cache;
  private final Duration relistInterval;
  private final Duration pingInterval;
  private final Backoff backoff;
  private final LinkedBlockingQueue<String> pending = new LinkedBlockingQueue<>();
  /** Set by the stream's thread when it ends: why, or {@link #ENDED} when the daemon ended it. */
  private final AtomicReference<Throwable> streamEnd = new AtomicReference<>();
  private final Thread thread;
  private volatile boolean closed;
  private volatile EventStream stream;

  // The watcher thread's own.
  private boolean lostLogged;
  private boolean everUp;
  private int relistCount;
  /** When the current connection settled (the cache says up); 0 before. */
  private long upSince;
  /** When the daemon last answered a call. */
  private long lastAnswer;

  /**
   * @param docker the daemon's client; null only for a watcher that is never started
   * @param pingInterval how long the watcher goes without an answer before it pings
   */
  public MetadataWatcher(DockerApi docker, ContainerCache cache, Duration relistInterval,
      Duration pingInterval) {
    this.host = docker == null ? "" : docker.host();
    this.docker = docker;
    this.cache = cache;
    this.relistInterval = relistInterval;
    this.pingInterval = pingInterval;
    cache.stallAfter(pingInterval);
    this.backoff = new Backoff(INITIAL_BACKOFF,
        relistInterval.compareTo(MAX_BACKOFF) < 0 ? relistInterval : MAX_BACKOFF);
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
    Backoff.Attempts attempts = backoff.attempts();
    boolean inspectAll = true;
    while (!closed) {
      RuntimeException failure;
      try {
        follow(inspectAll);
        break; // closed
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        failure = e;
      }
      closeStream();
      boolean settled = upSince != 0;
      boolean lasted = settled && System.nanoTime() - upSince >= backoff.max().toNanos();
      if (lasted) {
        attempts.succeeded();
      }
      try {
        if (settled && failure instanceof StreamEnded) {
          // A stream that worked has ended (a proxy's idle timeout, a daemon going down): it is
          // opened again without a word, at once if it had lasted, and the daemon stays up
          // unless that fails. Events meanwhile come with "since"; the listing covers the rest.
          Duration delay = lasted ? Duration.ZERO : attempts.failed();
          log.debug("{} from {}; opening it again in {}", failure.getMessage(), host, format(delay));
          TimeUnit.NANOSECONDS.sleep(delay.toNanos());
          inspectAll = false;
          continue;
        }
        inspectAll = true;
        Duration delay = DockerException.refused(failure) ? attempts.failed(REFUSED_WAIT)
            : attempts.failed();
        lost(failure, delay);
        await(delay, failure instanceof DockerException d && d.noAnswer());
      } catch (InterruptedException e) {
        break;
      }
    }
    closeStream();
  }

  /**
   * One connection: opens the stream, lists, then applies events, re-lists every relist
   * interval and pings when the daemon was quiet, until something fails.
   */
  private void follow(boolean inspectAll) throws InterruptedException {
    upSince = 0;
    long since = System.currentTimeMillis() / 1000 - 1;
    openStream(since);
    long opened = System.nanoTime();
    relist(inspectAll);
    long settle = opened + SETTLE.toNanos();
    long nextRelist = System.nanoTime() + relistInterval.toNanos();
    while (!closed) {
      Throwable end = streamEnd.get();
      if (end != null) {
        throw new StreamEnded(System.nanoTime() - opened, end == ENDED ? null : end);
      }
      long now = System.nanoTime();
      boolean settling = upSince == 0;
      if (settling && now - settle >= 0 && caughtUp()) {
        up();
        upSince = now;
        settling = false;
      }
      if (now - nextRelist >= 0) {
        relist(false);
        nextRelist = System.nanoTime() + relistInterval.toNanos();
        continue;
      }
      long nextPing = lastAnswer + pingInterval.toNanos();
      if (now - nextPing >= 0) {
        ask(() -> {
          docker.ping(pingInterval);
          return null;
        });
        continue;
      }
      long wake = Math.min(nextRelist - now, nextPing - now);
      if (settling) {
        // Once the second is over, as soon as the stream's thread has read what came.
        wake = Math.min(wake, Math.max(settle - now, TimeUnit.MILLISECONDS.toNanos(50)));
      }
      String id = pending.poll(Math.max(wake, 1), TimeUnit.NANOSECONDS);
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

  /**
   * Waits {@code delay} before the next try. When the daemon gave no answer, it is pinged
   * every ping interval meanwhile, and the wait ends when it answers.
   */
  private void await(Duration delay, boolean noAnswer) throws InterruptedException {
    long until = System.nanoTime() + delay.toNanos();
    while (true) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return;
      }
      if (!noAnswer || left <= pingInterval.toNanos()) {
        TimeUnit.NANOSECONDS.sleep(left);
        return;
      }
      TimeUnit.NANOSECONDS.sleep(pingInterval.toNanos());
      try {
        ask(() -> {
          docker.ping(pingInterval);
          return null;
        });
        log.debug("docker daemon at {} answers a ping; connecting", host);
        return;
      } catch (DockerException e) {
        if (closed) {
          return;
        }
        // Still no answer: wait on.
      }
    }
  }

  private void refresh(String id) {
    try {
      Map<String, Object> r = ask(() -> docker.inspect(id));
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
    List<Object> listed = ask(docker::listContainers);
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
        fresh.add(ContainerInfo.from(ask(() -> docker.inspect(id)), old == null ? 0 : old.oomEvents()));
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
    streamEnd.set(null);
    pending.clear();
    // Only the actions that matter: a health check alone sends three exec events each time.
    stream = ask(() -> docker.events(since, ACTION_FILTER, new EventStream.Listener() {
      @Override
      public void onEvent(Map<String, Object> event) {
        MetadataWatcher.this.onEvent(event);
      }

      @Override
      public void onEnd(Throwable error) {
        streamEnd.set(error == null ? ENDED : error);
        pending.offer(WAKE);
      }
    }));
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

  /**
   * One call to the daemon. While it is under way the cache knows since when, and says the
   * daemon is down once that is longer than the ping interval, whatever the call's own
   * deadline: a frozen daemon shows as down without waiting for the request timeout.
   */
  private <T> T ask(Supplier<T> call) {
    cache.asking(System.nanoTime());
    try {
      T answer = call.get();
      lastAnswer = System.nanoTime();
      return answer;
    } finally {
      cache.answered();
    }
  }

  private void up() {
    cache.up(true);
    if (lostLogged) {
      log.info("docker daemon at {} answers again; container metadata is current", host);
      lostLogged = false;
    } else if (!everUp) {
      log.debug("docker daemon at {} answers", host);
    }
    everUp = true;
  }

  /** The daemon is lost (or not reached yet): said once, until it is back. */
  private void lost(RuntimeException e, Duration retry) {
    cache.up(false);
    if (!lostLogged) {
      lostLogged = true;
      log.warn("cannot follow the docker daemon at {} ({}); container metrics keep the last known"
          + " containers, microc_docker_up is 0, retrying with backoff up to {}", host,
          describe(e), format(backoff.max()));
    } else {
      log.debug("docker daemon at {} still not followed ({}); next try in {}", host, describe(e),
          format(retry));
    }
  }

  private static String describe(Throwable e) {
    if (e instanceof StreamEnded) {
      return e.getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return root == e ? message : e.getClass().getSimpleName() + ": " + message;
  }

  private static String format(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private boolean caughtUp() {
    EventStream s = stream;
    return s != null && s.caughtUp();
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

  /** The events stream's end, seen by the watcher thread. */
  private static final class StreamEnded extends RuntimeException {
    StreamEnded(long nanosOpen, Throwable error) {
      super((error == null ? "the events stream ended " : "the events stream failed ")
          + TimeUnit.NANOSECONDS.toMillis(nanosOpen) + " ms after it opened"
          + (error == null ? "" : ": " + describe(error)), error, false, false);
    }
  }
}
