package io.github.microc.exporter.docker.client;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * The few Docker Engine API calls Microc makes: list, inspect, one-shot stats, start,
 * restart and the events stream, over HTTP/1.1 on the daemon's Unix socket or on TCP (with
 * TLS when {@code DOCKER_TLS_VERIFY} is set, from the files in {@code DOCKER_CERT_PATH}, as
 * the docker CLI does). Paths carry no API version: the daemon answers in its own, and the
 * fields read here are the same in every version since 1.24.
 *
 * <p>Every call has a deadline ({@code timeout}) for connecting, sending and reading the
 * whole answer; an events stream has one only until its headers arrive. Connections are kept
 * for the next request (a few at most); a kept connection that the daemon closed meanwhile is
 * replaced for a read, never for a start or restart, which are not repeated. Thread-safe.
 */
public final class DockerApi implements AutoCloseable {

  /** The local daemon's socket, used when neither the configuration nor DOCKER_HOST says. */
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  private static final int CONNECT_TIMEOUT_MILLIS = 3000;
  private static final int MAX_IDLE = 4;
  private static final int MAX_LINE = 64 * 1024;
  private static final int MAX_HEADERS = 100;
  /** A larger answer is refused rather than held on the heap. */
  static final int MAX_BODY = 32 << 20;

  private final String host;
  private final Endpoint endpoint;
  private final Duration timeout;
  private final Deque<Connection> idle = new ArrayDeque<>(); // guarded by itself
  private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
  /** Connections of calls under way. */
  private final Set<Connection> busy = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private DockerApi(String host, Endpoint endpoint, Duration timeout) {
    this.host = host;
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

  /** The host this client talks to, as given. */
  public String host() {
    return host;
  }

  /** {@code GET /_ping}: whether the daemon answers, as an exception when it does not. */
  public void ping() {
    call("GET", "/_ping", timeout, false);
  }

  /** {@code GET /containers/json?all=1}: every container, running or not. */
  public List<Object> listContainers() {
    return Json.array(Json.parse(call("GET", "/containers/json?all=1", timeout, false)));
  }

  /** {@code GET /containers/{id}/json}; a {@link DockerException#notFound()} when gone. */
  public Map<String, Object> inspect(String id) {
    return Json.object(Json.parse(call("GET", "/containers/" + segment(id) + "/json", timeout,
        false)));
  }

  /** {@code GET /containers/{id}/stats?stream=false&one-shot=true}. */
  public Map<String, Object> stats(String id) {
    return Json.object(Json.parse(call("GET",
        "/containers/" + segment(id) + "/stats?stream=false&one-shot=true", timeout, false)));
  }

  /** {@code POST /containers/{id}/start}; a {@link DockerException#notModified()} when running. */
  public void start(String id) {
    call("POST", "/containers/" + segment(id) + "/start", timeout, true);
  }

  /**
   * {@code POST /containers/{id}/restart?t=...}: stop (SIGTERM, then SIGKILL after
   * {@code stopTimeout}) and start. The call's deadline is the client's timeout plus that.
   */
  public void restart(String id, Duration stopTimeout) {
    call("POST", "/containers/" + segment(id) + "/restart?t=" + stopTimeout.toSeconds(),
        timeout.plus(stopTimeout), true);
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
      Response r = send(c, "GET", path);
      if (r.status != 200) {
        throw failure(r.status, readBody(c, r));
      }
      c.deadline(0, "");
      EventStream stream = new EventStream(c, r.chunked ? new Chunked(c) : null, listener,
          streams::remove);
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

  /** The answer's body, for a 2xx status; else a {@link DockerException} with the daemon's message. */
  private String call(String method, String path, Duration limit, boolean fresh) {
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
        Response r;
        try {
          r = send(c, method, path);
        } catch (InterruptedIOException | ClosedChannelException e) {
          // Out of time, interrupted or closed: not a connection the daemon dropped.
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
        String body = readBody(c, r);
        busy.remove(c);
        if (r.keepAlive && !c.buffered()) {
          keep(c);
        } else {
          closeQuietly(c);
        }
        c = null;
        if (r.status / 100 == 2) {
          return body;
        }
        throw failure(r.status, body);
      }
    } catch (IOException e) {
      throw unreachable(e);
    } finally {
      release(c);
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

  private Response send(Connection c, String method, String path) throws IOException {
    String request = method + " " + path + " HTTP/1.1\r\n"
        + "Host: " + endpoint.hostHeader() + "\r\n"
        + "User-Agent: microc\r\n"
        + (method.equals("POST") ? "Content-Length: 0\r\n" : "")
        + "\r\n";
    c.write(request.getBytes(StandardCharsets.ISO_8859_1));
    String status = c.readLine(MAX_LINE);
    if (status == null) {
      throw new IOException("the connection closed before an answer");
    }
    if (!status.startsWith("HTTP/1.") || status.length() < 12) {
      throw new IOException("not an HTTP answer: " + abbreviate(status));
    }
    int code;
    try {
      code = Integer.parseInt(status.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status: " + abbreviate(status));
    }
    Response r = new Response(code);
    r.keepAlive = status.startsWith("HTTP/1.1");
    for (int n = 0; ; n++) {
      String line = c.readLine(MAX_LINE);
      if (line == null) {
        throw new IOException("the connection closed in the headers");
      }
      if (line.isEmpty()) {
        break;
      }
      if (n == MAX_HEADERS) {
        throw new IOException("more than " + MAX_HEADERS + " headers");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> {
          try {
            r.length = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IOException("a bad Content-Length: " + abbreviate(value));
          }
        }
        case "transfer-encoding" -> r.chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> r.keepAlive &= !value.equalsIgnoreCase("close");
        default -> { }
      }
    }
    boolean empty = code == 204 || code == 304 || code / 100 == 1;
    if (empty) {
      r.length = 0;
      r.chunked = false;
    } else if (!r.chunked && r.length < 0) {
      // Delimited by the end of the connection.
      r.keepAlive = false;
    }
    return r;
  }

  private static String readBody(Connection c, Response r) throws IOException {
    if (r.length > MAX_BODY) {
      throw new IOException("an answer of " + r.length + " bytes; at most " + MAX_BODY + " are read");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream(
        r.length > 0 ? (int) Math.min(r.length, 64 * 1024) : 1024);
    byte[] chunk = new byte[8192];
    if (r.chunked) {
      Chunked in = new Chunked(c);
      for (int n; (n = in.read(chunk, 0, chunk.length)) > 0; ) {
        append(body, chunk, n);
      }
    } else if (r.length >= 0) {
      long left = r.length;
      while (left > 0) {
        int n = c.read(chunk, 0, (int) Math.min(chunk.length, left));
        if (n < 0) {
          throw new IOException("the connection closed " + left + " bytes before the answer's end");
        }
        body.write(chunk, 0, n);
        left -= n;
      }
    } else {
      for (int n; (n = c.read(chunk, 0, chunk.length)) > 0; ) {
        append(body, chunk, n);
      }
    }
    return body.toString(StandardCharsets.UTF_8);
  }

  private static void append(ByteArrayOutputStream body, byte[] chunk, int n) throws IOException {
    if (body.size() + n > MAX_BODY) {
      throw new IOException("an answer larger than " + MAX_BODY + " bytes");
    }
    body.write(chunk, 0, n);
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
      message = body.isBlank() ? "no message" : abbreviate(body.strip().lines().findFirst().orElse(""));
    }
    return new DockerException(status, "status " + status + ": " + message, null);
  }

  private DockerException unreachable(IOException e) {
    String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new DockerException(host + ": " + what, e);
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

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
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

  /** Status and framing of one answer. */
  private static final class Response {
    final int status;
    long length = -1;
    boolean chunked;
    boolean keepAlive;

    Response(int status) {
      this.status = status;
    }
  }

  /** A body in chunked transfer coding, read as one stream of bytes. */
  static final class Chunked {
    private final Connection c;
    private long left;
    private boolean done;

    Chunked(Connection c) {
      this.c = c;
    }

    /** Up to {@code len} bytes of the body; -1 after the last chunk (and its trailers). */
    int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = c.readLine(MAX_LINE);
        if (size == null) {
          throw new IOException("the connection closed in a chunked answer");
        }
        int semicolon = size.indexOf(';');
        try {
          left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("a bad chunk size: " + abbreviate(size));
        }
        if (left < 0) {
          throw new IOException("a bad chunk size: " + abbreviate(size));
        }
        if (left == 0) {
          done = true;
          // Trailers, up to the empty line.
          for (String t = c.readLine(MAX_LINE); t != null && !t.isEmpty(); t = c.readLine(MAX_LINE)) {
            // Ignored.
          }
          return -1;
        }
      }
      int n = c.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new IOException("the connection closed in a chunk");
      }
      left -= n;
      if (left == 0) {
        String end = c.readLine(MAX_LINE);
        if (end == null) {
          throw new IOException("the connection closed in a chunked answer");
        }
        if (!end.isEmpty()) {
          throw new IOException("a chunk without its CR LF");
        }
      }
      return n;
    }
  }

  /** Where the daemon is, and how to connect to it. */
  record Endpoint(Path socket, String tcpHost, int port, SSLContext tls) {

    static Endpoint of(String host, Map<String, String> env) {
      if (host.startsWith("unix://")) {
        String path = host.substring("unix://".length());
        if (path.isEmpty()) {
          throw new IllegalArgumentException("not a Docker host: \"" + host
              + "\" names no socket; use unix:///path/docker.sock");
        }
        return new Endpoint(Path.of(path), null, 0, null);
      }
      URI uri;
      try {
        uri = new URI(host);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("not a Docker host: \"" + host + "\": " + e.getMessage());
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme();
      switch (scheme) {
        case "tcp" -> {
          if (uri.getHost() == null) {
            throw new IllegalArgumentException("not a Docker host: \"" + host
                + "\" names no host; use tcp://host:port");
          }
          String verify = env.getOrDefault("DOCKER_TLS_VERIFY", "");
          boolean tls = !verify.isEmpty() && !verify.equals("0") && !verify.equalsIgnoreCase("false");
          SSLContext context = null;
          if (tls) {
            String dir = env.getOrDefault("DOCKER_CERT_PATH", "");
            Path certs = dir.isEmpty()
                ? Path.of(System.getProperty("user.home"), ".docker") : Path.of(dir);
            try {
              context = TlsFiles.context(certs);
            } catch (IOException e) {
              throw new IllegalArgumentException("DOCKER_TLS_VERIFY is set but the TLS files in "
                  + certs + " cannot be used: " + e.getMessage(), e);
            }
          }
          int port = uri.getPort() > 0 ? uri.getPort() : tls ? 2376 : 2375;
          // An IPv6 address comes in brackets.
          String name = uri.getHost().replaceAll("^\\[(.*)]$", "$1");
          return new Endpoint(null, name, port, context);
        }
        default -> throw new IllegalArgumentException("not a Docker host: \"" + host
            + "\"; use unix:///path/docker.sock or tcp://host:port");
      }
    }

    Connection open(long deadline, String late) throws IOException {
      return socket != null ? Connection.unix(socket, deadline, late)
          : Connection.tcp(tcpHost, port, tls, CONNECT_TIMEOUT_MILLIS, deadline, late);
    }

    String hostHeader() {
      // Any name will do for a socket; Go's server wants one.
      return socket != null ? "docker" : tcpHost.contains(":") ? "[" + tcpHost + "]:" + port
          : tcpHost + ":" + port;
    }
  }
}
