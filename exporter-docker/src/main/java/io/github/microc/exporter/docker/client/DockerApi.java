package io.github.microc.exporter.docker.client;

import io.github.microc.exporter.core.spi.Redaction;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.net.URLEncoder;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The few Docker Engine API calls Microc makes: ping, list, inspect, one-shot stats, start,
 * restart and the events stream, over HTTP/1.1 ({@link Http1}) on the daemon's Unix socket or
 * on TCP (with TLS when {@code DOCKER_TLS_VERIFY} is set, from the files in
 * {@code DOCKER_CERT_PATH}, as the docker CLI does). Paths carry no API version: the daemon
 * answers in its own, and the fields read here are the same in every version since 1.24.
 *
 * <p>Every call has a deadline ({@code timeout}) for connecting, sending and reading the
 * whole answer; an events stream has one only until its headers arrive. Every answer is
 * bounded as it is read, whatever its framing: its head, its body's bytes and what its JSON
 * would take on the heap ({@link #MAX_LIST} for a listing, {@link #MAX_INSPECT} for one
 * container, {@link #MAX_EVENT} for each event), so that no daemon, proxy or impostor on the
 * socket can exhaust the heap. Connections are kept for the next request (a few at most); a
 * kept connection that the daemon closed meanwhile is replaced for a read, never for a start
 * or restart, which are not repeated. Thread-safe.
 */
public final class DockerApi implements AutoCloseable {

  /** The local daemon's socket, used when neither the configuration nor DOCKER_HOST says. */
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  /** What a listing's entries keep. */
  public static final Set<String> LISTED = Set.of("Id", "Names", "Image", "State", "Status",
      "Labels");
  /** A listing: about 3,000 containers with the eight labels compose gives each. */
  static final long MAX_LIST = 8 << 20;
  /** One container's inspect. */
  static final long MAX_INSPECT = 4 << 20;
  /** One container's stats, a few KiB in practice. */
  static final long MAX_STATS = 1 << 20;
  /** One event of the events stream: its text, and what its values take. */
  static final long MAX_EVENT = 1 << 20;
  /** A ping's {@code OK}, a start's empty body, an error's message. */
  static final int MAX_ERROR = 64 * 1024;
  private static final int MAX_IDLE = 4;

  private final String host;
  private final String shownHost;
  private final Endpoint endpoint;
  private final Duration timeout;
  private final Deque<Connection> idle = new ArrayDeque<>(); // guarded by itself
  private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
  /** Connections of calls under way. */
  private final Set<Connection> busy = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private DockerApi(String host, Endpoint endpoint, Duration timeout) {
    this.host = host;
    this.shownHost = Redaction.url(host);
    this.endpoint = endpoint;
    this.timeout = timeout;
  }

  /** The Docker host to use: the configured one, else {@code DOCKER_HOST}, else the socket. */
  public static String resolveHost(String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String env = System.getenv("DOCKER_HOST");
    return env == null || env.isBlank() ? DEFAULT_HOST : env;
  }

  /**
   * A client for {@code host}; nothing is connected until the first call. Over TCP, TLS
   * applies when the environment variable {@code DOCKER_TLS_VERIFY} is set to anything but
   * {@code 0} or {@code false}, with {@code ca.pem}, {@code cert.pem} and {@code key.pem} from
   * {@code DOCKER_CERT_PATH} (default {@code ~/.docker}).
   *
   * @param host {@code unix:///path} or {@code tcp://host[:port]}
   * @param timeout how long a call may take; an events stream's headers included
   * @throws IllegalArgumentException when {@code host} is neither, or the TLS files are bad
   */
  public static DockerApi create(String host, Duration timeout) {
    return create(host, System.getenv(), timeout);
  }

  /** The same with the environment given. */
  static DockerApi create(String host, Map<String, String> env, Duration timeout) {
    return new DockerApi(host, Endpoint.of(host, env), timeout);
  }

  /**
   * The host this client talks to, as it may be shown in logs and pages: any user information
   * or sensitive query parameter of the configured address masked ({@link Redaction#url}).
   */
  public String host() {
    return shownHost;
  }

  /** {@code GET /_ping} within the client's timeout: whether the daemon answers, as an exception when it does not. */
  public void ping() {
    ping(timeout);
  }

  /** {@code GET /_ping} within {@code deadline}, or the client's timeout if that is shorter. */
  public void ping(Duration deadline) {
    call("GET", "/_ping", deadline.compareTo(timeout) < 0 ? deadline : timeout, false, MAX_ERROR,
        SKIP);
  }

  /**
   * {@code GET /containers/json?all=1}: every container, running or not, each with the
   * fields Microc reads from a listing ({@link #LISTED}); the others are left out as they are
   * read.
   */
  public List<Object> listContainers() {
    return Json.array(call("GET", "/containers/json?all=1", timeout, false, MAX_LIST,
        body -> Json.parseArrayOf(body, MAX_LIST, LISTED)));
  }

  /** {@code GET /containers/{id}/json}; a {@link DockerException#notFound()} when gone. */
  public Map<String, Object> inspect(String id) {
    return Json.object(call("GET", "/containers/" + segment(id) + "/json", timeout, false,
        MAX_INSPECT, json(MAX_INSPECT)));
  }

  /** {@code GET /containers/{id}/stats?stream=false&one-shot=true}. */
  public Map<String, Object> stats(String id) {
    return Json.object(call("GET",
        "/containers/" + segment(id) + "/stats?stream=false&one-shot=true", timeout, false,
        MAX_STATS, json(MAX_STATS)));
  }

  /** {@code POST /containers/{id}/start}; a {@link DockerException#notModified()} when running. */
  public void start(String id) {
    call("POST", "/containers/" + segment(id) + "/start", timeout, true, MAX_ERROR, SKIP);
  }

  /**
   * {@code POST /containers/{id}/restart?t=...}: stop (SIGTERM, then SIGKILL after
   * {@code stopTimeout}) and start. The call's deadline is the client's timeout plus that.
   */
  public void restart(String id, Duration stopTimeout) {
    call("POST", "/containers/" + segment(id) + "/restart?t=" + stopTimeout.toSeconds(),
        timeout.plus(stopTimeout), true, MAX_ERROR, SKIP);
  }

  /**
   * Opens {@code GET /events} for containers ({@code type=container}) and, when given, only
   * the {@code actions}; from {@code since} (Unix seconds) when positive. Returns once the
   * daemon has answered; a thread of the stream's own then hands each event to
   * {@code listener} until the stream ends or is closed.
   *
   * @throws DockerException when the daemon does not answer or refuses
   */
  public EventStream events(long since, List<String> actions, EventStream.Listener listener) {
    StringBuilder filters = new StringBuilder("{\"type\":[\"container\"]");
    if (!actions.isEmpty()) {
      filters.append(",\"event\":[");
      for (int i = 0; i < actions.size(); i++) {
        filters.append(i == 0 ? "" : ",").append(Json.quote(actions.get(i)));
      }
      filters.append(']');
    }
    filters.append('}');
    String path = "/events?filters=" + URLEncoder.encode(filters.toString(), StandardCharsets.UTF_8)
        + (since > 0 ? "&since=" + since : "");
    Connection c = null;
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      String late = "no answer within " + timeout.toMillis() + " ms";
      c = endpoint.open(deadline, late);
      c.deadline(deadline, late);
      Http1.request(c, "GET", path, endpoint.hostHeader());
      Http1.Response r = Http1.response(c);
      if (r.status != 200) {
        throw failure(r.status, r.body(c, Long.MAX_VALUE).text(MAX_ERROR));
      }
      c.deadline(0, "");
      EventStream stream = new EventStream(c, r.body(c, Long.MAX_VALUE), listener, streams::remove);
      streams.add(stream);
      if (closed) {
        stream.close();
        throw new DockerException("the client is closed");
      }
      stream.start();
      return stream;
    } catch (IOException e) {
      closeQuietly(c);
      throw unreachable(e);
    } catch (RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /**
   * Closes the kept connections, every open events stream, and the connections of calls under
   * way, which then fail at once.
   */
  @Override
  public void close() {
    closed = true;
    synchronized (idle) {
      idle.forEach(DockerApi::closeQuietly);
      idle.clear();
    }
    streams.forEach(EventStream::close);
    busy.forEach(DockerApi::closeQuietly);
  }

  // ---- one call ----------------------------------------------------------------------------

  /** Reads a 2xx answer's body. */
  private interface BodyReader<T> {
    T read(Http1.Body body) throws IOException;
  }

  private static BodyReader<Object> json(long maxHeap) {
    return body -> Json.parse(body, maxHeap);
  }

  private static final BodyReader<Object> SKIP = body -> {
    body.skip();
    return null;
  };

  /**
   * The value {@code reader} reads from a 2xx answer's body, at most {@code maxBytes} read for
   * it; else a {@link DockerException} with the daemon's message.
   */
  private <T> T call(String method, String path, Duration limit, boolean fresh, long maxBytes,
      BodyReader<T> reader) {
    if (closed) {
      throw new DockerException("the client is closed");
    }
    long deadline = System.nanoTime() + limit.toNanos();
    String late = "no answer within " + limit.toMillis() + " ms";
    // A kept connection may have been closed by the daemon since; a read is then tried once more
    // on a new one. A start or a restart is never sent twice.
    Connection c = fresh ? null : kept();
    boolean reused = c != null;
    try {
      while (true) {
        if (c == null) {
          c = endpoint.open(deadline, late);
        }
        busy.add(c);
        if (closed) {
          throw new DockerException("the client is closed");
        }
        c.deadline(deadline, late);
        Http1.Response r;
        try {
          Http1.request(c, method, path, endpoint.hostHeader());
          r = Http1.response(c);
        } catch (InterruptedIOException | ClosedChannelException | ProtocolException e) {
          // Out of time, interrupted, closed or garbled: not a connection the daemon dropped.
          throw e;
        } catch (IOException e) {
          if (reused && System.nanoTime() < deadline) {
            release(c);
            c = null;
            reused = false;
            continue;
          }
          throw e;
        }
        // An error's message is read up to a bound, the rest left with the connection.
        Http1.Body body = r.body(c, r.status / 100 == 2 ? maxBytes : Long.MAX_VALUE);
        if (r.status / 100 != 2) {
          String message = body.text(MAX_ERROR);
          finish(c, r, body);
          c = null;
          throw failure(r.status, message);
        }
        T value;
        try {
          value = reader.read(body);
        } catch (DockerException e) {
          throw new DockerException(shownHost + ": " + e.getMessage(), e);
        }
        finish(c, r, body);
        c = null;
        return value;
      }
    } catch (IOException e) {
      throw unreachable(e);
    } finally {
      release(c);
    }
  }

  /** Keeps the connection of an answer read to its end for the next call, else closes it. */
  private void finish(Connection c, Http1.Response r, Http1.Body body) {
    busy.remove(c);
    if (r.keepAlive && body.complete() && !c.buffered()) {
      keep(c);
    } else {
      closeQuietly(c);
    }
  }

  private void release(Connection c) {
    if (c != null) {
      busy.remove(c);
      closeQuietly(c);
    }
  }

  private Connection kept() {
    synchronized (idle) {
      return idle.pollFirst();
    }
  }

  private void keep(Connection c) {
    synchronized (idle) {
      if (!closed && idle.size() < MAX_IDLE) {
        idle.addFirst(c);
        return;
      }
    }
    closeQuietly(c);
  }

  /** The daemon's error: its JSON {@code message}, else the body's first line. */
  private static DockerException failure(int status, String body) {
    String message;
    try {
      message = Json.string(Json.object(Json.parse(body)), "message", null);
    } catch (DockerException notJson) {
      message = null;
    }
    if (message == null) {
      message = body.isBlank() ? "no message" : Http1.abbreviate(body.strip().lines().findFirst().orElse(""));
    }
    return new DockerException(status, "status " + status + ": " + message, null);
  }

  private DockerException unreachable(IOException e) {
    String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new DockerException(shownHost + ": " + what, e);
  }

  /** A container id or name as one path segment (ids are hex; names [a-zA-Z0-9_.-]). */
  static String segment(String id) {
    StringBuilder b = new StringBuilder(id.length());
    for (byte x : id.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~') {
        b.append(c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }

  static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // Nothing left to do with it.
      }
    }
  }
}
